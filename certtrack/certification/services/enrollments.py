"""Enrollments and staff actions — PRODUCT.md §3 "Statuses" and "Transitions by staff".

A contact applies, staff add a contact or record an existing certification, and staff
act on an enrollment (`perform`: approve, decline, suspend, reactivate, cancel, renew …)
as the transition table in `statuses` allows.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction

from .. import periods, renewals
from ..actors import Actor
from ..dates import AsOf, day_text, too_late
from ..errors import Invalid, Refused
from ..models import (
    Component,
    Contact,
    Enrollment,
    PeriodSource,
    Program,
)
from ..retry import atomic_retry
from ..statuses import (
    ACTIONS,
    AS_DATES,
    CERTIFIED,
    OPEN,
    RENEWAL_ACTIONS,
    Action,
    Status,
    label,
    refusal,
    standing,
)
from .common import (
    _announce,
    _changes,
    _context,
    _get,
    _lock_enrollment,
    _log,
    _move,
    _opening,
    settle,
)
from .periods import _certify_fields, _evaluate


def _create(
    contact: Contact,
    program: Program,
    status: Status,
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    action: str,
    **fields,
) -> Enrollment:
    """A new enrollment in `status`; `action` (an `EnrollmentSource`) says how it was
    created, on the row and in History. Refused beside an open one or a renewable one."""
    for previous in Enrollment.objects.select_related("program").filter(
        contact=contact, program=program, status__in=sorted(CERTIFIED)
    ):
        settle(previous, as_of, now)
        if renewals.in_grace(previous, as_of.today):
            closes_on = renewals.window_of(previous).closes_on
            which = (
                f"its renewal is open until {day_text(closes_on)}: renew it"
                if closes_on >= as_of.today
                # Past the grace days with a review pending (a spec audit read "open
                # until" a day gone by): staff decide on it first.
                else f"its renewal, sent for review before it closed on {day_text(closes_on)}, "
                "awaits a staff decision: approve or reject that renewal"
            )
            raise Refused(
                f"{contact.full_name}'s {program.name} certification (id {previous.pk}) "
                f"expired on {day_text(previous.expires_on)} and {which} instead of applying "
                "again.",
                enrollment_id=previous.pk,
            )
    existing = Enrollment.objects.filter(
        contact=contact, program=program, status__in=sorted(OPEN)
    ).first()
    if existing is not None:
        raise Refused(
            f"{contact.full_name} already has an open enrollment in {program.name} "
            f"(id {existing.pk}, {label(as_of.status_of(existing.status, existing.expires_on))}).",
            enrollment_id=existing.pk,
        )
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                contact=contact, program=program, status=status, source=action, **fields
            )
    except IntegrityError:
        raise Refused(
            f"{contact.full_name} already has an open enrollment in {program.name}."
        ) from None
    changes = _changes({}, fields)
    _log(actor, now, action, enrollment=enrollment, to_status=status, changes=changes)
    _announce(enrollment, "", status, now, as_of)
    return enrollment


def _enrollable(contact_id, program_id) -> tuple[Contact, Program]:
    contact = _get(Contact, contact_id, "contact")
    program = _get(Program, program_id, "program")
    if contact.archived_at is not None:
        raise Refused(f"Contact {contact.full_name} is archived.")
    if not program.is_active:
        raise Refused(f"Program {program.name} is archived and takes no enrollments.")
    return contact, program


@atomic_retry
def apply(
    contact_id: int, program_id: int, actor: Actor, now: datetime | None = None
) -> Enrollment:
    """The contact applies: Applied if the program requires approval, else In progress."""
    now, as_of = _context(now)
    contact, program = _enrollable(contact_id, program_id)
    if program.require_approval:
        return _create(
            contact, program, Status.APPLIED, actor, now, as_of, "apply", applied_on=as_of.today
        )
    enrollment = _create(
        contact,
        program,
        Status.IN_PROGRESS,
        actor,
        now,
        as_of,
        "apply",
        applied_on=as_of.today,
        started_on=as_of.today,
    )
    _evaluate(enrollment, actor, now, as_of)
    return enrollment


@atomic_retry
def add(contact_id: int, program_id: int, actor: Actor, now: datetime | None = None) -> Enrollment:
    """Staff add a contact to a program: In progress at once."""
    now, as_of = _context(now)
    contact, program = _enrollable(contact_id, program_id)
    enrollment = _create(
        contact, program, Status.IN_PROGRESS, actor, now, as_of, "add", started_on=as_of.today
    )
    _evaluate(enrollment, actor, now, as_of)
    return enrollment


@atomic_retry
def record_existing(
    contact_id: int,
    program_id: int,
    activated_on: date,
    actor: Actor,
    expires_on: date | None = None,
    now: datetime | None = None,
) -> Enrollment:
    """Record a certification earned elsewhere (migration): Active from `activated_on`."""
    now, as_of = _context(now)
    contact, program = _enrollable(contact_id, program_id)
    if not isinstance(activated_on, date):
        raise Invalid("activated_on", "activated_on is required for an existing certification.")
    if activated_on > as_of.today:
        when = day_text(activated_on)
        raise Invalid("activated_on", f"The activation date {when} is in the future.")
    if expires_on is not None and (refused := too_late(expires_on, "The expiration date")):
        raise Invalid("expires_on", refused)
    if expires_on is not None and expires_on < activated_on:
        raise Invalid(
            "expires_on",
            f"The expiration date {day_text(expires_on)} is before the activation date "
            f"{day_text(activated_on)}.",
        )
    fields = _certify_fields(program, activated_on, expires_on)
    enrollment = _create(
        contact,
        program,
        Status.ACTIVE,
        actor,
        now,
        as_of,
        "record_existing",
        completed_on=activated_on,
        started_on=activated_on,
        **fields,
    )
    periods.start_first(enrollment, PeriodSource.RECORDED, as_of.today)
    # Imported long after the fact: record where the dates put it, without reminders.
    settle(enrollment, as_of, now, imported=True)
    return enrollment


@atomic_retry
def perform(
    enrollment_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    now: datetime | None = None,
    expires_on: date | None = None,
) -> Enrollment:
    """A staff action of PRODUCT.md §3's table on one enrollment; anything else is refused.

    `renew` takes an optional `expires_on` (a waiver's own date); `suspend`, `renew` and
    `reject_renewal` need a reason.
    """
    step, reason = _staff_step(action, reason)
    enrollment = _lock_enrollment(enrollment_id)
    now, as_of = _context(now)  # after the lock wait: History is in the order of the changes
    settle(enrollment, as_of, now)
    old = enrollment.status
    target = _target(step, enrollment, as_of)
    if action in RENEWAL_ACTIONS:
        return renewals.perform(enrollment, step, actor, now, as_of, reason, expires_on)
    if expires_on is not None:
        raise Invalid("expires_on", "expires_on is only for renew.")
    fields = _fields_for(step, target, enrollment, as_of)
    before = {name: getattr(enrollment, name) for name in fields}
    _move_or_refuse(enrollment, step, old, target, fields)
    if action == "approve_completion":
        periods.start_first(enrollment, PeriodSource.EARNED, as_of.today)
    changes = _changes(before, fields)
    _log(
        actor,
        now,
        action,
        enrollment=enrollment,
        from_status=old,
        to_status=target,
        changes=changes,
        reason=reason,
    )
    _announce(enrollment, old, target, now, as_of, reason=reason)
    _follow_on(enrollment, step, target, actor, now, as_of)
    return enrollment


def _staff_step(action: str, reason: str) -> tuple[Action, str]:
    """The step of the transition table named `action`, and its reason, checked."""
    if action not in ACTIONS:
        raise Invalid("action", f"Unknown action {action!r}; one of: {', '.join(ACTIONS)}.")
    step = ACTIONS[action]
    reason = (reason or "").strip()
    if step.reason_required and not reason:
        raise Invalid("reason", f"A reason is required to {step.label.lower()}.")
    return step, reason


def _target(step: Action, enrollment: Enrollment, as_of: AsOf) -> Status:
    """Where `step` takes the (settled) enrollment, or the refusal the table gives."""
    where = standing(enrollment.status, enrollment.period_number > 0)
    target = step.target_from(where)
    if target is None:
        raise Refused(refusal(step, where), status=enrollment.status)
    if target == AS_DATES:  # a suspended certification: the period ran on
        return as_of.status_of(Status.ACTIVE, enrollment.expires_on)
    return target


def _fields_for(step: Action, target: Status, enrollment: Enrollment, as_of: AsOf) -> dict:
    """The dates (and certificate) the action sets besides the status."""
    if step.name == "approve":
        return {"started_on": as_of.today}
    if step.name == "approve_completion":
        fields = _certify_fields(enrollment.program, as_of.today)
        return fields | {"completed_on": enrollment.completed_on or as_of.today}
    if target == Status.IN_PROGRESS and enrollment.started_on is None:
        return {"started_on": as_of.today}
    return {}


def _move_or_refuse(
    enrollment: Enrollment, step: Action, old: str, target: Status, fields: dict
) -> None:
    """Move the row from `old` to `target`; refused if another request moved it first,
    or if it would reopen beside another open enrollment of the program."""

    def move() -> bool:
        return _move(enrollment, [old], target, **fields)

    reopens = old not in OPEN and target in OPEN
    if not (_opening(enrollment, step.label.lower(), move) if reopens else move()):
        enrollment.refresh_from_db()
        raise Refused(refusal(step, enrollment.status), status=enrollment.status)


def _follow_on(
    enrollment: Enrollment, step: Action, target: Status, actor: Actor, now: datetime, as_of: AsOf
) -> None:
    """What follows the move: the dates' status and a renewal for a certification, the
    requirements for an enrollment back In progress."""
    if target in CERTIFIED:
        settle(enrollment, as_of, now)
        # Reactivating a suspension gives the dates' status "(no new period)" (PRODUCT.md
        # §3): renewal work done while suspended is granted on the next completion recorded
        # or approved, or by staff (Renew), not by the reactivation.
        if step.name != "reactivate":
            renewals.consider(enrollment, actor, now, as_of)
    if step.evaluates and target == Status.IN_PROGRESS:
        _evaluate(enrollment, actor, now, as_of)


def _enroll_attendee(
    contact: Contact, component: Component, actor: Actor, now: datetime, as_of: AsOf
) -> None:
    """ "Enroll attendees to all relevant certifications": every active program with this event."""
    enrolled = Enrollment.objects.filter(contact=contact, status__in=sorted(OPEN)).values(
        "program_id"
    )
    programs = Program.objects.filter(
        is_active=True, require_approval=False, links__component=component
    ).exclude(pk__in=enrolled)
    for program in programs:
        _create(
            contact,
            program,
            Status.IN_PROGRESS,
            actor,
            now,
            as_of,
            "enroll_attendee",
            applied_on=as_of.today,
            started_on=as_of.today,
        )
