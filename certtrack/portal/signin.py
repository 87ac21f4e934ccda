"""Passwordless sign-in: a one-time link by email, single use, 15 minutes, rate-limited.

The answer to a request is the same whether or not the address belongs to a contact,
so the form reveals nothing. The emailed link opens a confirmation page; only its
button (a POST) uses the link, so mail scanners that follow links do not consume it.

Until the answer is sent, a known and an unknown address cost the same (no timing
oracle): the request only counts itself. Finding the contact, making the link and sending
it happen once the answer has gone (`issue_link`, run as the response closes). The email
goes through the notifications outbox (retried if the mail server is down) and is sent at
once, so nobody waits for the worker's next pass.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from certtrack import clientip, clock, ratelimit
from certtrack.certification.models import Contact
from certtrack.notifications.delivery import deliver_now
from certtrack.notifications.models import Kind
from certtrack.notifications.outbox import queue_fixed_text

from .models import SignInLink

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=15)
RATE_WINDOW = timedelta(minutes=15)
SESSION_KEY = "portal_contact_id"


def per_address_limit() -> int:
    """Sign-in requests allowed per address in RATE_WINDOW."""
    return settings.CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS


def per_ip_limit() -> int:
    """Sign-in requests allowed per client IP in RATE_WINDOW (several members may share one)."""
    return settings.CERTTRACK_PORTAL_SIGNIN_PER_IP


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _address_hash(email: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def client_ip(request: HttpRequest) -> str:
    """The client's address as every limit sees it (certtrack.clientip)."""
    return clientip.client_ip(request) or "unknown"


@dataclass(frozen=True)
class Requested:
    """What became of a sign-in request: `limited` when over a rate limit (no email)."""

    limited: bool


def _email_text(contact: Contact, link: str) -> tuple[str, str]:
    return (
        "Your sign-in link",
        f"Hello {contact.first_name},\n\n"
        f"Use this link to sign in to the member portal:\n\n{link}\n\n"
        "It works once, for 15 minutes. If you did not ask for it, ignore this email: "
        "nobody can sign in without opening it.\n",
    )


def request_link(email: str, ip: str, now: datetime | None = None) -> Requested:
    """Count the request against the limits; the same statements whatever the address.

    When `limited` is False, call `issue_link(email, now)` after the answer has gone.
    """
    now = now or clock.now()
    window = int(RATE_WINDOW.total_seconds())
    # Both counted every time (no short cut): the same statements whatever the address.
    by_address = ratelimit.hit(
        "signin-address", _address_hash(email), per_address_limit(), window, now
    )
    by_ip = ratelimit.hit("signin-ip", ip, per_ip_limit(), window, now)
    limited = not (by_address.allowed and by_ip.allowed)
    return Requested(limited=limited)


def issue_link(email: str, now: datetime) -> None:
    """If the address is a contact's, queue a link in the outbox and send it at once.

    The link's only copy is the queued email (the database keeps its hash); if the send
    fails, the worker retries it while it is valid. Never raises: the answer is gone.
    """
    try:
        with transaction.atomic():
            contact = (
                Contact.objects.filter(email__iexact=email.strip(), archived_at__isnull=True)
                .order_by("pk")
                .first()
            )
            if contact is None:
                return
            token = secrets.token_urlsafe(32)
            SignInLink.objects.create(
                contact=contact,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + LINK_LIFETIME,
            )
            SignInLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
            link = settings.BASE_URL + reverse("portal:confirm", args=[token])
            subject, text = _email_text(contact, link)
            queued = queue_fixed_text(
                Kind.SIGN_IN_LINK, contact.pk, subject, text, now, now + LINK_LIFETIME
            )
            transaction.on_commit(partial(deliver_now, queued.pk, now))
    except Exception:  # the member asks again; nothing to answer to any more
        log.exception("sign-in link could not be issued")


class LinkProblem(Exception):
    """Why a link cannot sign anyone in: `kind` is "invalid", "used" or "expired"."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def check_link(token: str, now: datetime | None = None) -> SignInLink:
    """The link this token opens, if it can still be used (without using it)."""
    now = now or clock.now()
    link = SignInLink.objects.select_related("contact").filter(token_hash=token_hash(token)).first()
    if link is None or link.contact.archived_at is not None:
        raise LinkProblem("invalid")
    if link.used_at is not None:
        raise LinkProblem("used")
    if link.expires_at <= now:
        raise LinkProblem("expired")
    return link


def use_link(token: str, now: datetime | None = None) -> Contact:
    """Use the link once: the contact it signs in. Two clicks at once: one wins."""
    now = now or clock.now()
    link = check_link(token, now)
    # Conditional UPDATE: of two concurrent uses, exactly one changes the row.
    used = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not used:
        raise LinkProblem("used")
    return link.contact


def sign_in(request: HttpRequest, contact: Contact) -> None:
    """Start the contact's session (a new session key: no fixation). Staff auth is untouched."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = contact.pk


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def signed_in_contact(request: HttpRequest) -> Contact | None:
    """The contact of this session, if any (and not archived)."""
    contact_id = request.session.get(SESSION_KEY)
    if contact_id is None:
        return None
    return Contact.objects.filter(pk=contact_id, archived_at__isnull=True).first()
