"""The client's IP address, as every limit and log sees it (rate limits, django-axes).

X-Forwarded-For is whatever the client wrote, plus one address appended by each proxy it
went through. Only the proxies we run are trusted (CERTTRACK_TRUSTED_PROXIES): with none
the client is REMOTE_ADDR; with N, it is the N-th address from the right, the one our
outermost proxy saw. Anything the client wrote to the left of it is ignored.
"""

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, honouring CERTTRACK_TRUSTED_PROXIES reverse proxies.

    None only for a request that came from no peer (a test's bare HttpRequest): django-axes
    stores the answer in an address column, which takes no placeholder text.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.CERTTRACK_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return remote
    # Fewer addresses than proxies: the outermost proxy saw the leftmost one.
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ip_address(candidate))
    except ValueError:  # not an address: our proxy did not write it
        return remote
