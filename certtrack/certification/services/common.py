"""What every service shares: one transaction, History, the conditional move, locks.

PRODUCT.md §2 "History" (every change, append-only, with actor and reason) and §3
"Dates" (`settle`: the time-driven status recorded when the dates moved it).

Each service runs in one transaction, writes History, and is safe when two processes
call it at once: a status moves by a conditional UPDATE (`WHERE status IN sources`)
and only the caller whose update changed the row goes on; the other is refused.
A refusal raises a `DomainError` and leaves the database as it was.
"""

from collections.abc import Collection, Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from certtrack import clock

from .. import audit, events
from ..actors import Actor
from ..dates import AsOf
from ..errors import Duplicate, Invalid, NotFound, Refused
from ..models import (
    Enrollment,
    GeneralSettings,
    History,
)
from ..statuses import (
    CERTIFIED,
    OPEN,
    Status,
    label,
)


def _get(model, pk, what: str):
    try:
        return model.objects.get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No {what} with id {pk!r}.") from None


def _log(
    actor: Actor,
    now: datetime,
    action: str,
    *,
    enrollment: Enrollment | None = None,
    contact_id: int | None = None,
    from_status: str = "",
    to_status: str = "",
    changes: dict | None = None,
    reason: str = "",
) -> History:
    if contact_id is None and enrollment is not None:
        contact_id = enrollment.contact_id
    return audit.write(
        actor,
        now,
        action,
        changes=changes,
        reason=reason,
        enrollment=enrollment,
        contact_id=contact_id,
        from_status=from_status,
        to_status=to_status,
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _announce(
    enrollment: Enrollment,
    from_status: str,
    to_status: str,
    now: datetime,
    as_of: AsOf,
    automatic=False,
    reason: str = "",
    *,
    imported: bool = False,
):
    transition = _transition(
        enrollment, from_status, to_status, now, as_of, automatic, reason, imported=imported
    )
    events.transitions_recorded.send(sender=Enrollment, transitions=[transition])


def _transition(
    enrollment: Enrollment,
    from_status: str,
    to_status: str,
    now: datetime,
    as_of: AsOf,
    automatic=False,
    reason: str = "",
    *,
    imported: bool = False,
) -> events.Transition:
    """The transition `_announce` sends (a batch sends many in one signal).

    `imported`: history arriving from another system, not news (also inside an import)."""
    return events.Transition(
        enrollment_id=enrollment.pk,
        contact_id=enrollment.contact_id,
        program_id=enrollment.program_id,
        from_status=from_status,
        to_status=to_status,
        at=now,
        today=as_of.today,
        expires_on=enrollment.expires_on,
        cycle=enrollment.cycle,
        automatic=automatic,
        reason=reason,
        period=enrollment.period_number,
        imported=imported or events.is_importing(),
        activated_on=enrollment.activated_on,
        created_by=enrollment.source,
    )


def _plain(value):
    return _iso(value) if isinstance(value, date) else value


def _changes(before: dict, fields: dict) -> dict:
    """{field: [old, new]} for the fields whose value really changes."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in fields.items()
        if before.get(name) != value
    }


def _move(enrollment: Enrollment, sources: Iterable[str], target: Status, **fields) -> bool:
    """Conditional update: move the row to `target` only if it is still in `sources`."""
    changed = Enrollment.objects.filter(pk=enrollment.pk, status__in=list(sources)).update(
        status=target, updated_at=clock.now(), **fields
    )
    if changed:
        enrollment.status = target
        for name, value in fields.items():
            setattr(enrollment, name, value)
    return changed == 1


def settle(
    enrollment: Enrollment,
    as_of: AsOf,
    now: datetime,
    actor: Actor | None = None,
    *,
    imported: bool = False,
) -> None:
    """Record the time-driven status (Active/Expiring/Expired) if the dates moved it.

    `imported`: the certification was recorded from another system in this same call:
    where the dates put it is history, not news (no expiring or expired email)."""
    if enrollment.status not in CERTIFIED:
        return
    truth = as_of.status_of(enrollment.status, enrollment.expires_on)
    if truth == enrollment.status:
        return
    old = enrollment.status
    if _move(enrollment, [old], truth):
        _log(
            actor or Actor.system(),
            now,
            "time",
            enrollment=enrollment,
            from_status=old,
            to_status=truth,
        )
        _announce(enrollment, old, truth, now, as_of, automatic=True, imported=imported)
    else:
        enrollment.refresh_from_db()


def _lock_enrollment(enrollment_id) -> Enrollment:
    # Only the enrollment row, and FOR NO KEY UPDATE: locking its contact and program
    # too (a plain FOR UPDATE over the join) deadlocked with completions' inserts.
    try:
        return (
            Enrollment.objects.select_related("program", "contact")
            .select_for_update(of=("self",), no_key=True)
            .get(pk=int(enrollment_id))
        )
    except (Enrollment.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No enrollment with id {enrollment_id!r}.") from None


def _other_open(enrollment: Enrollment) -> Enrollment | None:
    """The contact's other open enrollment of the same program, if there is one."""
    return (
        Enrollment.objects.filter(
            contact_id=enrollment.contact_id,
            program_id=enrollment.program_id,
            status__in=sorted(OPEN),
        )
        .exclude(pk=enrollment.pk)
        .order_by("id")
        .first()
    )


def _second_open(enrollment: Enrollment, doing: str, other: Enrollment | None) -> Refused:
    """The refusal for a change that would give the contact two open enrollments."""
    which = f" (id {other.pk}, {label(other.status)})" if other is not None else ""
    return Refused(
        f"Cannot {doing}: {enrollment.contact.full_name} already has an open enrollment "
        f"in {enrollment.program.name}{which}; close that one first.",
        enrollment_id=other.pk if other is not None else None,
    )


def _opening(enrollment: Enrollment, doing: str, change):
    """Run `change`, which makes `enrollment` open again, unless another one is open.

    The unique constraint stays the last guard: when a concurrent request opens the
    other enrollment between the check and the write, its IntegrityError is the same 409.
    """
    if (other := _other_open(enrollment)) is not None:
        raise _second_open(enrollment, doing, other)
    try:
        with transaction.atomic():
            return change()
    except IntegrityError:
        raise _second_open(enrollment, doing, _other_open(enrollment)) from None


def _context(now: datetime | None) -> tuple[datetime, AsOf]:
    now = now or clock.now()
    return now, GeneralSettings.get().as_of(now)


def _clean(obj, exclude=None, validate_constraints: bool = True) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=validate_constraints)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        field = "" if field == "__all__" else field
        codes = {e.code for e in getattr(error, "error_dict", {}).get(field, [])}
        refusal = Duplicate if "unique" in codes else Invalid  # a clash, not a bad value
        raise refusal(
            field or "non_field",
            f"{field + ': ' if field else ''}{' '.join(messages)}",
            errors=error.message_dict,
        ) from None


def _set_fields(obj, fields: dict, allowed: Collection[str]) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise Invalid(sorted(unknown)[0], f"Unknown field(s): {', '.join(sorted(unknown))}.")
    changes = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [audit.plain(old), audit.plain(value)]
        setattr(obj, name, value)
    return changes
