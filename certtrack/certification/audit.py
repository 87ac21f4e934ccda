"""Audit of setup — PRODUCT.md §9: creating or changing programs, components, contacts,
settings, email templates and staff users is recorded in History (who, when, field:
old → new), read back on each object's page and in the back-office audit view.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet

from .actors import Actor
from .models import AuditObject, History


def plain(value):
    """A field's value as History stores it (JSON): text for anything but str/int/bool/None
    and lists of them."""
    if isinstance(value, (str, int, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):  # an email list: its items, not "['a@…']"
        return [plain(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)


def created(fields: dict) -> dict:
    """{field: [None, value]} for the fields a new object was given (blank ones left out)."""
    return {
        name: [None, plain(value)]
        for name, value in fields.items()
        if value not in (None, "", [], ())
    }


def write(
    actor: Actor,
    now: datetime,
    action: str,
    *,
    changes: dict | None = None,
    reason: str = "",
    **fields,
) -> History:
    """One History row by `actor` at `now`: every History write of the services goes here."""
    return History.objects.create(
        at=now,
        actor=actor.label,
        actor_kind=actor.kind,
        user_id=actor.user_id,
        action=action,
        changes=changes or {},
        reason=reason or "",
        **fields,
    )


def record(
    actor: Actor,
    now: datetime,
    object_type: AuditObject,
    object_id: int,
    label: str,
    action: str,
    changes: dict | None = None,
    *,
    contact_id: int | None = None,
    reason: str = "",
) -> History:
    """Write one History row about a setup object. Call it inside the change's transaction."""
    return write(
        actor,
        now,
        action,
        changes=changes,
        reason=reason,
        contact_id=contact_id,
        object_type=object_type,
        object_id=object_id,
        object_label=str(label)[:200],
    )


def of(object_type: AuditObject, object_id: int) -> QuerySet[History]:
    """The changes recorded about one object, newest first."""
    return History.objects.filter(object_type=object_type, object_id=object_id).order_by(
        "-at", "-id"
    )


@dataclass(frozen=True)
class AuditFilter:
    """The audit view's filters; every one optional."""

    object_type: str = ""
    user_id: int | None = None
    since: date | None = None
    until: date | None = None


def matching(chosen: AuditFilter, zone) -> QuerySet[History]:
    """Setup changes matching `chosen`, newest first; dates are days in `zone`."""
    rows = History.objects.exclude(object_type="").select_related("user")
    if chosen.object_type:
        rows = rows.filter(object_type=chosen.object_type)
    if chosen.user_id:
        rows = rows.filter(user_id=chosen.user_id)
    if chosen.since:
        rows = rows.filter(at__gte=_start_of(chosen.since, zone))
    if chosen.until:
        rows = rows.filter(at__lt=_start_of(date.fromordinal(chosen.until.toordinal() + 1), zone))
    return rows.order_by("-at", "-id")


def _start_of(day: date, zone) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def describe(changes: dict) -> list[tuple[str, str, str]]:
    """(field, old, new) of a History row's changes, as text for a person."""
    return [(field, shown(pair[0]), shown(pair[1])) for field, pair in (changes or {}).items()]


def shown(value) -> str:
    """A value recorded in History as a person reads it: a list as its items."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)
