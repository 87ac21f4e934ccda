"""Sign-in throttling: per account by django-axes, per address on top of it.

One account's mistakes must not lock everyone else out of the office's shared address,
so the address limit is higher than the account limit (AXES_FAILURE_LIMIT): it stops a
password spray across accounts, not a colleague's typos.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def address_failures(request) -> int:
    """Failed sign-ins from this request's address, across accounts, within the cool-off."""
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    since = timezone.now() - (get_cool_off(request) or timezone.timedelta(0))
    rows = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return rows.aggregate(n=Sum("failures_since_start"))["n"] or 0


class Throttle(AxesDatabaseHandler):
    """Locked when the account (axes' own rule) or the address is over its limit."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return address_failures(request) >= settings.CERTTRACK_LOGIN_ADDRESS_FAILURE_LIMIT
