"""Staff users — PRODUCT.md §9: invite by email, role administrator / staff, deactivate
(never delete: History names them), a password set or reset by an emailed link, API
tokens named, listed and revoked. Each change is in History (object type "user").

The emailed links are Django's password-reset tokens (one use: they die when the
password changes; PASSWORD_RESET_TIMEOUT), queued through the outbox like every email.
"""

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from certtrack import clock, ratelimit
from certtrack.certification import audit
from certtrack.certification.actors import Actor
from certtrack.certification.errors import Invalid, NotFound, Refused
from certtrack.certification.models import AuditObject
from certtrack.certification.models.setup import validate_local_part
from certtrack.credentials.certificates import issuer_name

from .models import ApiToken, User

ROLES = ("administrator", "staff")
DEFAULT_TOKEN_NAME = "command line"


def _user(user_id) -> User:
    try:
        return User.objects.select_for_update().get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No staff user with id {user_id!r}.") from None


def _record(actor: Actor, now: datetime, user: User, action: str, changes=None) -> None:
    audit.record(actor, now, AuditObject.USER, user.pk, user.email, action, changes)


def _check_role(role: str) -> bool:
    if role not in ROLES:
        raise Invalid("role", "role must be administrator or staff.")
    return role == "administrator"


def _keep_an_administrator(user: User, doing: str) -> None:
    others = User.objects.filter(is_active=True, is_superuser=True).exclude(pk=user.pk)
    if user.is_active and user.is_superuser and not others.exists():
        raise Refused(f"{user.email} is the only active administrator: cannot {doing}.")


@transaction.atomic
def invite(
    email: str,
    role: str,
    actor: Actor,
    now: datetime | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a staff user without a password and email them a link to choose one."""
    now = now or clock.now()
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid("email", f"{email!r} is not an email address.") from None
    try:
        validate_local_part(email)
    except ValidationError as error:
        raise Invalid("email", f"{email!r}: {error.messages[0]}") from None
    administrator = _check_role(role)
    if User.objects.filter(email__iexact=email).exists():
        raise Refused(f"{email} is already a staff user.")
    user = User.objects.create_user(
        email,
        password=None,  # unusable until they choose one from the link
        is_staff=True,
        is_superuser=administrator,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    changes = audit.created(
        {"email": email, "role": role, "first_name": user.first_name, "last_name": user.last_name}
    )
    _record(actor, now, user, "invite_user", changes)
    _send_link(user, "invitation", now, invited_by=actor.label)
    return user


@transaction.atomic
def resend_invitation(user_id: int, actor: Actor, now: datetime | None = None) -> User:
    """Email a new set-password link to an invited user who has not chosen a password."""
    now = now or clock.now()
    user = _user(user_id)
    if not user.is_active:
        raise Refused(f"{user.email} is deactivated.")
    if user.has_usable_password():
        raise Refused(f"{user.email} has a password already; they can reset it themselves.")
    _record(actor, now, user, "resend_invitation")
    _send_link(user, "invitation", now, invited_by=actor.label)
    return user


@transaction.atomic
def set_role(user_id: int, role: str, actor: Actor, now: datetime | None = None) -> User:
    """Make a staff user an administrator, or an administrator staff."""
    now = now or clock.now()
    administrator = _check_role(role)
    user = _user(user_id)
    if user.is_superuser == administrator:
        return user
    if not administrator:
        _keep_an_administrator(user, "make them staff")
    old = user.role
    user.is_superuser = administrator
    user.save(update_fields=["is_superuser"])
    _record(actor, now, user, "change_role", {"role": [old, user.role]})
    return user


@transaction.atomic
def set_active(user_id: int, active: bool, actor: Actor, now: datetime | None = None) -> User:
    """Deactivate (or reactivate) a staff user: they cannot sign in nor use their API
    tokens; the account stays, since History refers to it."""
    now = now or clock.now()
    user = _user(user_id)
    if user.is_active == active:
        return user
    if not active:
        if user.pk == actor.user_id:
            raise Refused("You cannot deactivate yourself.")
        _keep_an_administrator(user, "deactivate them")
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = "reactivate_user" if active else "deactivate_user"
    _record(actor, now, user, action, {"is_active": [not active, active]})
    return user


@transaction.atomic
def issue_token(
    user: User,
    name: str = "",
    rotate: bool = False,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token named `name` for `user`, and its clear key (shown once).

    A user has one live token per given name: another of the same name is refused, unless
    `rotate`, which revokes the live one in the same transaction (no pile of tokens).
    Without a name, API.md's `certtrack apitoken EMAIL` issues a new token each time.
    """
    now = now or clock.now()
    named = bool(name.strip())
    name = (name or DEFAULT_TOKEN_NAME).strip()[:100]
    user = _user(user.pk)  # the row lock serialises two issues of one name
    if not user.is_active:
        raise Refused(f"{user.email} is deactivated: reactivate them to issue a token.")
    live = user.api_tokens.filter(name=name, revoked_at__isnull=True)
    if not named and not rotate:
        live = live.none()  # kept: an unnamed issue adds a token, as API.md says
    elif live.exists() and not rotate:
        raise Invalid(
            "name",
            f"{user.email} already has a live token named {name!r}: "
            "give another name, or replace that token.",
        )
    replaced = [t.prefix for t in live]
    live.update(revoked_at=now)
    token, key = ApiToken.issue(user, name)
    changes = {"api_token": [", ".join(replaced) or None, f"{name} ({token.prefix}…)"]}
    _record(actor or Actor.system("certtrack apitoken"), now, user, "issue_token", changes)
    return token, key


@transaction.atomic
def revoke_token(token_id: int, actor: Actor, now: datetime | None = None) -> ApiToken:
    """Revoke one API token: requests bearing it get 401 from now on."""
    now = now or clock.now()
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"No API token with id {token_id!r}.")
    if token.revoked_at is not None:
        raise Refused(f"Token {token.name} ({token.prefix}…) is revoked already.")
    token.revoke(now)
    changes = {"api_token": [f"{token.name} ({token.prefix}…)", "revoked"]}
    _record(actor, now, token.user, "revoke_token", changes)
    return token


# --- the emailed set-password links ------------------------------------------------------


def password_link(user: User) -> str:
    """The one-use link to choose a password (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("backoffice:password_reset_confirm", args=[uid, token])
    return settings.BASE_URL + path


def _send_link(user: User, why: str, now: datetime, invited_by: str = "") -> None:
    """Queue the invitation or password-reset email (outbox) and send it once committed."""
    from certtrack.notifications.delivery import deliver_now
    from certtrack.notifications.models import Kind
    from certtrack.notifications.outbox import queue_fixed_text

    lifetime = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    days = round(lifetime.total_seconds() / 86400)
    link = password_link(user)
    organization = issuer_name()
    if why == "invitation":
        kind = Kind.STAFF_INVITATION
        subject = f"You are invited to the {organization} back-office"
        text = (
            f"Hello,\n\n{invited_by} invited you to the certification back-office of "
            f"{organization} as {user.role}.\n\nChoose your password here (the link works "
            f"once, for {days} days):\n{link}\n\nThen sign in with {user.email} at "
            f"{settings.BASE_URL}{reverse('backoffice:login')}\n"
        )
    else:
        kind = Kind.PASSWORD_RESET
        subject = f"Reset your {organization} back-office password"
        text = (
            f"Hello,\n\nSomeone (we hope you) asked to reset the password of {user.email}.\n\n"
            f"Choose a new password here (the link works once, for {days} days):\n{link}\n\n"
            "If you did not ask, ignore this email: your password stays as it is.\n"
        )
    queued = queue_fixed_text(kind, None, subject, text, now, now + lifetime, user_id=user.pk)
    transaction.on_commit(partial(deliver_now, queued.pk, now))


# The reset form answers anyone: at most one email per user per window this long (the one
# rate limiter), so it cannot flood a colleague's mailbox (the page answers the same).
RESET_EMAIL_EVERY = timedelta(minutes=2)


def send_password_reset(user: User, now: datetime | None = None) -> None:
    """Email `user` a link to reset a forgotten password (Django's reset view calls it)."""
    now = now or clock.now()
    with transaction.atomic():
        every = int(RESET_EMAIL_EVERY.total_seconds())
        if ratelimit.hit("password-reset", str(user.pk), 1, every, now).allowed:
            _send_link(user, "reset", now)
