"""Every way the certification state changes. Faces (back-office, portal, API, worker,
importers) call these and nothing else.

Each service runs in one transaction, writes History, and is safe when two processes
call it at once: a status moves by a conditional UPDATE (`WHERE status IN sources`)
and only the caller whose update changed the row goes on; the other is refused.
A refusal raises a `DomainError` and leaves the database as it was.
"""

import secrets
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from certtrack import clock

from . import audit, events, periods, renewals
from . import images as images_module
from .actors import Actor
from .dates import AsOf, expiry_for
from .errors import Duplicate, Invalid, NotFound, Refused
from .models import (
    AuditObject,
    Completion,
    CompletionSource,
    CompletionState,
    Component,
    ComponentKind,
    Contact,
    Enrollment,
    GeneralSettings,
    History,
    PeriodSource,
    Program,
    ProgramComponent,
    RenewalRequirements,
    Scoring,
)
from .progress_store import refresh as store_progress
from .requirements import Progress, evaluate
from .retry import atomic_retry
from .statuses import (
    ACTIONS,
    AS_DATES,
    CERTIFIED,
    OPEN,
    RENEWAL_ACTIONS,
    Status,
    label,
    refusal,
    standing,
)

# --- helpers -------------------------------------------------------------------------


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
    return History.objects.create(
        at=now,
        actor=actor.label,
        actor_kind=actor.kind,
        user_id=actor.user_id,
        enrollment=enrollment,
        contact_id=contact_id
        if contact_id is not None
        else (enrollment.contact_id if enrollment else None),
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=changes or {},
        reason=reason or "",
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
):
    transition = _transition(enrollment, from_status, to_status, now, as_of, automatic, reason)
    events.transitions_recorded.send(sender=Enrollment, transitions=[transition])


def _transition(
    enrollment: Enrollment,
    from_status: str,
    to_status: str,
    now: datetime,
    as_of: AsOf,
    automatic=False,
    reason: str = "",
) -> events.Transition:
    """The transition `_announce` sends (a batch sends many in one signal)."""
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
        imported=events.is_importing(),
        activated_on=enrollment.activated_on,
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


def new_certificate_number() -> str:
    """A human-readable, unguessable number: CT-XXXX-XXXX-XXXX (Crockford base32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    body = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"CT-{body[:4]}-{body[4:8]}-{body[8:]}"


def _certify_fields(program: Program, activated_on: date, expires_on: date | None = None) -> dict:
    return {
        "activated_on": activated_on,
        "expires_on": expires_on
        if expires_on is not None
        else expiry_for(activated_on, program.validity_months),
        "certificate_number": new_certificate_number(),
    }


def settle(enrollment: Enrollment, as_of: AsOf, now: datetime, actor: Actor | None = None) -> None:
    """Record the time-driven status (Active/Expiring/Expired) if the dates moved it."""
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
        _announce(enrollment, old, truth, now, as_of, automatic=True)
    else:
        enrollment.refresh_from_db()


def _evaluate(
    enrollment: Enrollment,
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    progress: Progress | None = None,
) -> None:
    """Move an In progress enrollment on if its requirements are met.

    `progress`: already evaluated on `as_of.today` (an import evaluates its enrollments
    a chunk at a time with `progress_of_many`).
    """
    if enrollment.status != Status.IN_PROGRESS:
        return
    program = enrollment.program
    progress = progress or evaluate(enrollment, as_of.today)
    if not progress.met:
        return
    # The certification rests on the day the work was done (PRODUCT.md §Dates), even
    # when that is before the enrollment started.
    met_on = progress.met_on
    if program.completion_requires_approval:
        target, fields = Status.ADMIN_REVIEW, {"completed_on": met_on}
    else:
        target = Status.ACTIVE
        fields = {"completed_on": met_on, **_certify_fields(program, met_on)}
    before = {name: getattr(enrollment, name) for name in fields}
    if _move(enrollment, [Status.IN_PROGRESS], target, **fields):
        if target == Status.ACTIVE:
            periods.start_first(enrollment, PeriodSource.EARNED, as_of.today, progress)
        changes = _changes(before, fields)
        _log(
            actor,
            now,
            "requirements_met",
            enrollment=enrollment,
            from_status=Status.IN_PROGRESS,
            to_status=target,
            changes=changes,
            reason="All requirements met.",
        )
        _announce(enrollment, Status.IN_PROGRESS, target, now, as_of)
        settle(enrollment, as_of, now)  # a back-dated activation may already be expiring


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


# --- enrollments -----------------------------------------------------------------------


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
    for previous in Enrollment.objects.select_related("program").filter(
        contact=contact, program=program, status__in=sorted(CERTIFIED)
    ):
        settle(previous, as_of, now)
        if renewals.in_grace(previous, as_of.today):
            closes_on = renewals.window_of(previous).closes_on
            raise Refused(
                f"{contact.full_name}'s {program.name} certification (id {previous.pk}) "
                f"expired on {previous.expires_on} and its renewal is open until "
                f"{closes_on}: renew it instead of applying again.",
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
                contact=contact, program=program, status=status, **fields
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
        raise Invalid("activated_on", f"The activation date {activated_on} is in the future.")
    if expires_on is not None and expires_on < activated_on:
        raise Invalid(
            "expires_on",
            f"The expiration date {expires_on} is before the activation date {activated_on}.",
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
    settle(enrollment, as_of, now)
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
    if action not in ACTIONS:
        raise Invalid("action", f"Unknown action {action!r}; one of: {', '.join(ACTIONS)}.")
    step = ACTIONS[action]
    reason = (reason or "").strip()
    if step.reason_required and not reason:
        raise Invalid("reason", f"A reason is required to {step.label.lower()}.")
    enrollment = _lock_enrollment(enrollment_id)
    now, as_of = _context(now)  # after the lock wait: History is in the order of the changes
    settle(enrollment, as_of, now)
    old = enrollment.status
    where = standing(old, enrollment.period_number > 0)
    target = step.target_from(where)
    if target is None:
        raise Refused(refusal(step, where), status=old)
    if action in RENEWAL_ACTIONS:
        return renewals.perform(enrollment, step, actor, now, as_of, reason, expires_on)
    if expires_on is not None:
        raise Invalid("expires_on", "expires_on is only for renew.")
    if target == AS_DATES:  # a suspended certification: the period ran on
        target = as_of.status_of(Status.ACTIVE, enrollment.expires_on)
    fields: dict = {}
    if action == "approve":
        fields["started_on"] = as_of.today
    elif action == "approve_completion":
        fields = _certify_fields(enrollment.program, as_of.today)
        fields["completed_on"] = enrollment.completed_on or as_of.today
    elif target == Status.IN_PROGRESS and enrollment.started_on is None:
        fields["started_on"] = as_of.today
    before = {name: getattr(enrollment, name) for name in fields}

    def move() -> bool:
        return _move(enrollment, [old], target, **fields)

    reopens = old not in OPEN and target in OPEN
    if not (_opening(enrollment, step.label.lower(), move) if reopens else move()):
        enrollment.refresh_from_db()
        raise Refused(refusal(step, enrollment.status), status=enrollment.status)
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
    if target in CERTIFIED:
        settle(enrollment, as_of, now)
        renewals.consider(enrollment, actor, now, as_of)  # work done while suspended
    if step.evaluates and target == Status.IN_PROGRESS:
        _evaluate(enrollment, actor, now, as_of)
    return enrollment


@atomic_retry
def set_expires_on(
    enrollment_id: int, expires_on: date, reason: str, actor: Actor, now: datetime | None = None
) -> Enrollment:
    """Staff set the expiration date by hand (an extension or a correction), with a reason."""
    if not (reason or "").strip():
        raise Invalid("reason", "A reason is required to change the expiration date.")
    if not isinstance(expires_on, date):
        raise Invalid("expires_on", "expires_on must be a date (YYYY-MM-DD).")
    enrollment = _lock_enrollment(enrollment_id)
    now, as_of = _context(now)  # after the lock wait: History is in the order of the changes
    if enrollment.status not in CERTIFIED:
        raise Refused(
            f"Only an Active, Expiring or Expired certification has an expiration date; "
            f"this enrollment is {label(enrollment.status)}."
        )
    if enrollment.activated_on and expires_on < enrollment.activated_on:
        raise Invalid(
            "expires_on",
            f"The expiration date {expires_on} is before the activation date "
            f"{enrollment.activated_on}.",
        )
    old_date, old_status = enrollment.expires_on, enrollment.status
    if old_date == expires_on:
        raise Refused(f"The expiration date is already {expires_on}.")
    new_status = as_of.status_of(old_status, expires_on)

    def change() -> int:
        return Enrollment.objects.filter(pk=enrollment.pk).update(
            expires_on=expires_on, status=new_status, cycle=F("cycle") + 1, updated_at=now
        )

    if old_status not in OPEN and new_status in OPEN:
        _opening(enrollment, "extend this certification", change)
    else:
        change()
    enrollment.refresh_from_db()
    periods.move_current_expiry(enrollment, expires_on)
    _log(
        actor,
        now,
        "set_expires_on",
        enrollment=enrollment,
        from_status=old_status if new_status != old_status else "",
        to_status=new_status if new_status != old_status else "",
        changes={"expires_on": [_iso(old_date), _iso(expires_on)]},
        reason=reason.strip(),
    )
    events.expiry_changed.send(
        sender=Enrollment,
        enrollment_id=enrollment.pk,
        old=old_date,
        new=expires_on,
        cycle=enrollment.cycle,
        at=now,
    )
    if new_status != old_status:
        _announce(enrollment, old_status, new_status, now, as_of)
    return enrollment


# --- completions -----------------------------------------------------------------------


def _affected(contact_id: int, component_id: int):
    program_ids = ProgramComponent.objects.filter(component_id=component_id).values("program_id")
    return (
        Enrollment.objects.select_related("program")
        .filter(contact_id=contact_id, program_id__in=program_ids)
        .order_by("id")
    )


def _lock_affected(contact_id: int, component_id: int) -> None:
    """Lock, in id order, the enrollments a completion change may move, before anything else.

    Every writer takes enrollment locks in the same order and before reading the clock,
    so two requests never wait on each other in a circle, and History is in order.
    """
    list(
        _affected(contact_id, component_id)
        .select_for_update(of=("self",), no_key=True)
        .values_list("id", flat=True)
    )


def _after_completion_change(
    completion: Completion,
    action: str,
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    changes: dict,
    reason: str = "",
) -> None:
    """Log on each enrollment it concerns, then re-evaluate those In progress."""
    enrollments = list(_affected(completion.contact_id, completion.component_id))
    # Their progress changed: `updated_at` says so to a client polling `updated_since`.
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(updated_at=now)
    changes = {"completion_id": completion.pk, "component": completion.component.code, **changes}
    open_ones = [e for e in enrollments if e.status in OPEN]
    for enrollment in open_ones:
        _log(actor, now, action, enrollment=enrollment, changes=changes, reason=reason)
    if not open_ones:
        _log(actor, now, action, contact_id=completion.contact_id, changes=changes, reason=reason)
    for enrollment in enrollments:
        if enrollment.status == Status.IN_PROGRESS:
            _evaluate(enrollment, actor, now, as_of)
        elif enrollment.status in CERTIFIED and state_counts(completion):
            renewals.consider(enrollment, actor, now, as_of)
    store_progress(contact_ids=[completion.contact_id], today=as_of.today)


def state_counts(completion: Completion) -> bool:
    """Whether a completion now counts (approved, passed, live): only then can it renew."""
    return (
        completion.state == CompletionState.APPROVED
        and completion.passed
        and completion.removed_at is None
    )


def _decimal(field: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid(field, f"{field} must be a number.") from None
    if not result.is_finite():
        raise Invalid(field, f"{field} must be a number.")
    return result


# Older dates are typing slips (1900, 0202), not work anyone can still vouch for.
EARLIEST_COMPLETION = date(1950, 1, 1)


@atomic_retry
def record_completion(
    contact_id: int,
    component_id: int,
    completed_on: date,
    actor: Actor,
    *,
    score=None,
    passed: bool | None = None,
    note: str = "",
    source: str = CompletionSource.STAFF,
    evidence=None,
    now: datetime | None = None,
) -> Completion:
    """Record that a contact completed a component (approved, or pending if it needs approval)."""
    contact = _get(Contact, contact_id, "contact")
    component = _get(Component, component_id, "component")
    _lock_affected(contact.pk, component.pk)
    now, as_of = _context(now)
    if not isinstance(completed_on, date):
        raise Invalid("completed_on", "completed_on must be a date (YYYY-MM-DD).")
    if completed_on > as_of.today:
        raise Invalid(
            "completed_on",
            f"The completion date {completed_on} is in the future (today is {as_of.today}).",
        )
    if completed_on < EARLIEST_COMPLETION:
        raise Invalid(
            "completed_on",
            f"The completion date {completed_on} is before {EARLIEST_COMPLETION}: check the year.",
        )
    if component.opens_on and completed_on < component.opens_on:
        raise Invalid(
            "completed_on",
            f"{component.name} opens on {component.opens_on}; {completed_on} is before.",
        )
    if component.closes_on and completed_on > component.closes_on:
        raise Invalid(
            "completed_on",
            f"{component.name} closed on {component.closes_on}; {completed_on} is after.",
        )
    if source not in CompletionSource.values:
        raise Invalid("source", f"Unknown source {source!r}.")
    score = _decimal("score", score)
    if component.kind == ComponentKind.EXAM and component.scoring == Scoring.SCORED:
        if score is None:
            raise Invalid("score", f"{component.name} is a scored exam: a score is required.")
        if score < 0 or (component.max_score is not None and score > component.max_score):
            raise Invalid("score", f"The score {score:g} is outside 0–{component.max_score:g}.")
        passed = component.passes(score)
    elif passed is None:
        passed = True
    elif component.kind != ComponentKind.EXAM and not passed:
        raise Invalid("passed", "Only an exam attempt can fail.")
    missing = [
        p.name
        for p in component.prerequisites.all()
        if not Completion.objects.live()
        .filter(contact=contact, component=p, passed=True, completed_on__lte=completed_on)
        .exclude(state=CompletionState.REJECTED)
        .exists()
    ]
    if missing:
        raise Refused(
            f"{component.name} requires first: {', '.join(missing)} "
            f"(not completed by {completed_on})."
        )
    needs_approval = component.requires_approval or source == CompletionSource.SELF_REPORT
    state = CompletionState.PENDING if needs_approval and passed else CompletionState.APPROVED
    completion = Completion.objects.create(
        contact=contact,
        component=component,
        completed_on=completed_on,
        score=score,
        passed=bool(passed),
        note=note or "",
        source=source,
        state=state,
        decided_at=now if state == CompletionState.APPROVED else None,
    )
    if evidence is not None:
        completion.evidence_name = getattr(evidence, "name", "evidence")[:200]
        completion.evidence.save(completion.evidence_name, evidence, save=True)
    if (
        passed
        and component.kind == ComponentKind.EVENT
        and GeneralSettings.get().enroll_attendees_to_all_relevant
    ):
        _enroll_attendee(contact, component, actor, now, as_of)
    _after_completion_change(
        completion,
        "record_completion",
        actor,
        now,
        as_of,
        {
            "completed_on": completed_on.isoformat(),
            "state": state,
            "passed": bool(passed),
            "score": str(score) if score is not None else None,
        },
    )
    events.completion_recorded.send(sender=Completion, completion=completion, at=now)
    return completion


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


def _decide(
    completion_id,
    sources: set[str],
    target: str,
    action: str,
    actor: Actor,
    reason: str,
    now: datetime | None,
) -> Completion:
    completion = _get(Completion, completion_id, "completion")
    if completion.removed_at is not None:
        raise NotFound(f"No completion with id {completion_id!r} (it was removed).")
    _lock_affected(completion.contact_id, completion.component_id)
    now, as_of = _context(now)
    changed = Completion.objects.filter(
        pk=completion.pk, state__in=sorted(sources), removed_at__isnull=True
    ).update(state=target, decided_at=now)
    if not changed:
        completion.refresh_from_db()
        raise Refused(
            f"Cannot {action.split('_')[0]} this completion: "
            f"it is {completion.get_state_display().lower()}."
        )
    old = completion.state
    completion.refresh_from_db()
    _after_completion_change(
        completion, action, actor, now, as_of, {"state": [old, target]}, reason
    )
    if target == CompletionState.REJECTED:
        _tell_rejected(completion, now, as_of, reason)
    return completion


def _tell_rejected(completion: Completion, now: datetime, as_of: AsOf, reason: str) -> None:
    """The contact's email about rejected work, about their first open enrollment it
    concerns (one email, however many programs hold the component); none without one."""
    about = next(
        (e for e in _affected(completion.contact_id, completion.component_id) if e.is_open), None
    )
    if about is not None:
        events.completion_rejected.send(
            sender=Completion,
            completion=completion,
            enrollment_id=about.pk,
            at=now,
            today=as_of.today,
            reason=(reason or "").strip(),
        )


@atomic_retry
def approve_completion(
    completion_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> Completion:
    """Staff approve a pending completion; it now counts toward requirements."""
    return _decide(
        completion_id,
        {CompletionState.PENDING},
        CompletionState.APPROVED,
        "approve_completion_record",
        actor,
        reason,
        now,
    )


@atomic_retry
def reject_completion(
    completion_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> Completion:
    """Staff reject a pending completion; it never counts."""
    return _decide(
        completion_id,
        {CompletionState.PENDING},
        CompletionState.REJECTED,
        "reject_completion",
        actor,
        reason,
        now,
    )


@atomic_retry
def remove_completion(
    completion_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> None:
    """Remove a completion recorded in error (kept, marked removed; the history says so)."""
    completion = _get(Completion, completion_id, "completion")
    _lock_affected(completion.contact_id, completion.component_id)
    now, as_of = _context(now)
    if not Completion.objects.filter(pk=completion.pk, removed_at__isnull=True).update(
        removed_at=now
    ):
        raise NotFound(f"No completion with id {completion_id!r} (it was removed).")
    _after_completion_change(
        completion,
        "remove_completion",
        actor,
        now,
        as_of,
        {"completed_on": completion.completed_on.isoformat()},
        reason,
    )


@atomic_retry
def approve_all_completions(enrollment_id: int, actor: Actor, now: datetime | None = None) -> int:
    """ "Mark All Approved": approve every pending completion of the enrollment's components."""
    enrollment = _get(Enrollment, enrollment_id, "enrollment")
    pending = (
        Completion.objects.live()
        .filter(
            contact_id=enrollment.contact_id,
            state=CompletionState.PENDING,
            component__links__program_id=enrollment.program_id,
        )
        .values_list("pk", flat=True)
    )
    ids = list(pending)
    for pk in ids:
        approve_completion(pk, actor, now=now)
    return len(ids)


# --- setup: contacts, components, programs, settings ----------------------------------------


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


def _set_fields(obj, fields: dict, allowed: set[str]) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise Invalid(sorted(unknown)[0], f"Unknown field(s): {', '.join(sorted(unknown))}.")
    changes = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [
                old if isinstance(old, (str, int, bool, type(None))) else str(old),
                value if isinstance(value, (str, int, bool, type(None))) else str(value),
            ]
        setattr(obj, name, value)
    return changes


CONTACT_FIELDS = {"first_name", "last_name", "email", "organization", "phone", "external_id"}


def _check_contact_unique(contact: Contact) -> None:
    clash = Contact.objects.filter(email__iexact=contact.email).exclude(pk=contact.pk).first()
    if clash:
        raise Refused(
            f"A contact with email {contact.email} already exists (id {clash.pk}).",
            contact_id=clash.pk,
        )
    if contact.external_id:
        clash = (
            Contact.objects.filter(external_id=contact.external_id).exclude(pk=contact.pk).first()
        )
        if clash:
            raise Refused(
                f"A contact with external id {contact.external_id} already exists (id {clash.pk})."
            )


def _save_contact(contact: Contact) -> None:
    """Save a contact whose email and external id are free; a clash is the same 409 however
    it is found (this check, or the unique constraint when a concurrent request wins)."""
    _check_contact_unique(contact)
    # Not the constraints: their message is raw text; the check above and the save say it.
    _clean(contact, validate_constraints=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        _check_contact_unique(contact)  # the other request's row is visible now
        raise Refused(f"A contact with email {contact.email} already exists.") from None


@transaction.atomic
def create_contact(actor: Actor, now: datetime | None = None, **fields) -> Contact:
    """Create a contact; a duplicate email (any case) is refused."""
    contact = Contact()
    _set_fields(contact, fields, CONTACT_FIELDS)
    contact.email = (contact.email or "").strip()
    contact.external_id = contact.external_id or None
    if not contact.email:
        raise Invalid("email", "email is required.")
    _save_contact(contact)
    _audit_contact(actor, now or clock.now(), contact, "create_contact", audit.created(fields))
    return contact


def _audit_contact(actor: Actor, now: datetime, contact: Contact, action: str, changes=None):
    audit.record(
        actor,
        now,
        AuditObject.CONTACT,
        contact.pk,
        contact.full_name,
        action,
        changes,
        contact_id=contact.pk,
    )


@transaction.atomic
def update_contact(contact_id: int, actor: Actor, now: datetime | None = None, **fields) -> Contact:
    """Change a contact's fields; the history records what changed."""
    now = now or clock.now()
    contact = _get(Contact, contact_id, "contact")
    changes = _set_fields(contact, fields, CONTACT_FIELDS)
    contact.external_id = contact.external_id or None
    _save_contact(contact)
    if changes:
        _audit_contact(actor, now, contact, "update_contact", changes)
    return contact


@transaction.atomic
def archive_contact(
    contact_id: int, actor: Actor, now: datetime | None = None, archived: bool = True
) -> Contact:
    """Archive (or restore) a contact: contacts with records are never deleted."""
    now = now or clock.now()
    contact = _get(Contact, contact_id, "contact")
    contact.archived_at = now if archived else None
    contact.save(update_fields=["archived_at"])
    _audit_contact(actor, now, contact, "archive_contact" if archived else "restore_contact")
    return contact


# In the order a form shows them.
COMPONENT_FIELDS = (
    "kind",
    "name",
    "code",
    "description",
    "credits_earned",
    "hours_earned",
    "requires_approval",
    "opens_on",
    "closes_on",
    "is_active",
    "scoring",
    "max_score",
    "passing_score",
)


def _unique_code(model, base: str) -> str:
    stem = "".join(ch for ch in base.upper() if ch.isalnum())[:12] or model.__name__.upper()[:4]
    code, n = stem, 1
    while model.objects.filter(code=code).exists():
        n += 1
        code = f"{stem}-{n}"
    return code


def _set_prerequisites(component: Component, prerequisite_ids) -> None:
    ids = [int(p) for p in prerequisite_ids]
    found = list(Component.objects.filter(pk__in=ids))
    if len({c.pk for c in found}) != len(set(ids)):
        missing = sorted(set(ids) - {c.pk for c in found})
        raise Invalid(
            "prerequisite_ids", f"Unknown component id(s): {', '.join(map(str, missing))}."
        )
    if component.pk in ids:
        raise Invalid("prerequisite_ids", "A component cannot be its own prerequisite.")
    # Refuse a cycle: the new prerequisites must not (transitively) require this component.
    frontier, seen = set(ids), set()
    while frontier:
        if component.pk in frontier:
            raise Invalid("prerequisite_ids", "These prerequisites would make a cycle.")
        seen |= frontier
        frontier = (
            set(
                Component.prerequisites.through.objects.filter(
                    from_component_id__in=frontier
                ).values_list("to_component_id", flat=True)
            )
            - seen
        )
    component.prerequisites.set(found)


@transaction.atomic
def create_component(
    actor: Actor, prerequisite_ids=(), now: datetime | None = None, **fields
) -> Component:
    """Create a component (course, exam, task or event)."""
    component = Component()
    changes = _set_fields(component, fields, COMPONENT_FIELDS)
    if component.kind == ComponentKind.EXAM and not component.scoring:
        component.scoring = Scoring.PASS_FAIL
    if not component.code and component.name:
        component.code = _unique_code(Component, component.name)
    _clean(component)
    component.save()
    _set_prerequisites(component, prerequisite_ids or [])
    if prerequisite_ids:
        changes["prerequisites"] = [None, _codes(component.prerequisites.all())]
    _audit_setup(actor, now, AuditObject.COMPONENT, component, "create_component", changes)
    settings = GeneralSettings.get()
    if settings.default_program_id:
        ProgramComponent.objects.get_or_create(
            program_id=settings.default_program_id,
            component=component,
            defaults={"required": False},
        )
    return component


@transaction.atomic
def update_component(
    component_id: int, actor: Actor, prerequisite_ids=None, now: datetime | None = None, **fields
) -> Component:
    """Change a component's fields (and prerequisites, when given)."""
    component = _get(Component, component_id, "component")
    changes = _set_fields(component, fields, COMPONENT_FIELDS)
    _clean(component)
    component.save()
    if prerequisite_ids is not None:
        before = _codes(component.prerequisites.all())
        _set_prerequisites(component, prerequisite_ids)
        after = _codes(component.prerequisites.all())
        if before != after:
            changes["prerequisites"] = [before, after]
    if changes:
        _audit_setup(actor, now, AuditObject.COMPONENT, component, "update_component", changes)
    return component


def _codes(components) -> str:
    return ", ".join(sorted(c.code for c in components))


def _audit_setup(actor: Actor, now: datetime | None, kind: AuditObject, obj, action, changes):
    audit.record(actor, now or clock.now(), kind, obj.pk, obj.name, action, changes)


PROGRAM_FIELDS = {
    "name",
    "code",
    "version",
    "description",
    "category",
    "require_approval",
    "completion_requires_approval",
    "validity_months",
    "credits_required",
    "hours_required",
    "is_active",
    "certificate_template",
    "completion_recency_months",
    "renewal_window_days",
    "renewal_grace_days",
    "renewal_base",
    "renewal_requirements",
    "renewal_credits_required",
    "renewal_hours_required",
}


def _component_rows(components) -> list[tuple[int, bool]]:
    """(component id, required) of each item, checked: no duplicate, no unknown id."""
    rows = []
    for item in components:
        if not isinstance(item, dict):
            item = {name: getattr(item, name, None) for name in ("component_id", "required")} | {
                "required_for_renewal": getattr(item, "required_for_renewal", False)
            }
        required = item.get("required", True)
        renewal = item.get("required_for_renewal", False)
        rows.append((int(item["component_id"]), bool(required), bool(renewal)))
    ids = [c for c, _, _ in rows]
    if len(set(ids)) != len(ids):
        raise Invalid("components", "A component is listed twice.")
    known = set(Component.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := [c for c in ids if c not in known]:
        raise Invalid("components", f"Unknown component id(s): {', '.join(map(str, missing))}.")
    return rows


def _check_can_be_met(program: Program, rows: list[tuple[int, bool, bool]]) -> None:
    # Without either, nothing is ever required: members would sit at "0 of 0" forever.
    if not any(required for _, required, _ in rows) and not (
        program.credits_required or program.hours_required
    ):
        raise Invalid(
            "components",
            "A program needs at least one required component or a credits or hours threshold.",
        )
    # Renewing by credits with no credits, no hours and no component to redo asks nothing.
    if program.renewal_requirements == RenewalRequirements.CREDITS and not (
        program.renewal_credits_required
        or program.renewal_hours_required
        or any(renewal for _, _, renewal in rows)
    ):
        raise Invalid(
            "renewal_requirements",
            "Renewing by credits and hours needs renewal credits, renewal hours or a "
            "component required for renewal.",
        )


def _set_components(program: Program, rows: list[tuple[int, bool]]) -> None:
    ProgramComponent.objects.filter(program=program).delete()
    ProgramComponent.objects.bulk_create(
        ProgramComponent(program=program, component_id=c, required=r, required_for_renewal=n)
        for c, r, n in rows
    )
    store_progress(program_ids=[program.pk])


def _reminder_steps(reminder_schedule):
    """The checked steps of a reminder schedule (None: leave it as it is)."""
    if reminder_schedule is None:
        return None
    from certtrack.notifications import reminders  # the schedule's rules live there

    return reminders.parse_schedule(reminder_schedule)


def _set_reminder_steps(program: Program, steps) -> None:
    if steps is not None:
        from certtrack.notifications import reminders

        reminders.set_schedule(program, steps)


@transaction.atomic
def create_program(
    actor: Actor,
    components=(),
    now: datetime | None = None,
    reminder_schedule=None,
    **fields,
) -> Program:
    """Create a certification program with its components (each required or elective)
    and, optionally, its reminder schedule (PRODUCT.md §4)."""
    program = Program()
    changes = _set_fields(program, fields, PROGRAM_FIELDS)
    if not program.code and program.name:
        program.code = _unique_code(Program, program.name)
    _clean(program)
    rows = _component_rows(components or [])
    _check_can_be_met(program, rows)
    steps = _reminder_steps(reminder_schedule)
    program.save()
    _set_components(program, rows)
    _set_reminder_steps(program, steps)
    if rows:
        changes["components"] = [None, _components_text(program)]
    _audit_setup(actor, now, AuditObject.PROGRAM, program, "create_program", changes)
    return program


@transaction.atomic
def update_program(
    program_id: int,
    actor: Actor,
    components=None,
    now: datetime | None = None,
    reminder_schedule=None,
    **fields,
) -> Program:
    """Change a program's fields (and components, and reminder schedule, when given)."""
    program = _get(Program, program_id, "program")
    changes = _set_fields(program, fields, PROGRAM_FIELDS)
    _clean(program)
    if components is None:
        rows = list(program.links.values_list("component_id", "required", "required_for_renewal"))
    else:
        rows = _component_rows(components)
    _check_can_be_met(program, rows)
    steps = _reminder_steps(reminder_schedule)
    program.save()
    if components is not None:
        before = _components_text(program)
        _set_components(program, rows)
        after = _components_text(program)
        if before != after:
            changes["components"] = [before, after]
    _set_reminder_steps(program, steps)
    if changes:
        _audit_setup(actor, now, AuditObject.PROGRAM, program, "update_program", changes)
    return program


def _components_text(program: Program) -> str:
    """The program's components as History shows them: "CPR (required), ETH (elective)"."""
    links = program.links.select_related("component").order_by("component__code")
    return ", ".join(
        f"{link.component.code} ({'required' if link.required else 'elective'}"
        f"{', for renewal' if link.required_for_renewal else ''})"
        for link in links
    )


SETTINGS_FIELDS = {
    "expiring_notice_days",
    "time_zone",
    "application_recipients",
    "admin_review_recipients",
    "default_certificate_template",
    "default_program_id",
    "enroll_attendees_to_all_relevant",
    "organization_name",
    "signatory_name",
    "signatory_title",
    "logo",
    "signature",
}
BRANDING_TEXT = ("organization_name", "signatory_name", "signatory_title")
BRANDING_IMAGES = ("logo", "signature")


def _set_images(settings: GeneralSettings, images: dict) -> dict:
    """Store each uploaded branding image (checked first: nothing is saved if one is bad);
    an empty value removes the image. {field: [old name, new name]} of what changed."""
    checked = {
        name: images_module.checked(name, upload) if upload else None
        for name, upload in images.items()
    }
    changes = {}
    for name, content in checked.items():
        stored = getattr(settings, name)
        old = stored.name or ""
        if content is None:
            if old:
                setattr(settings, name, "")
                # The file goes once the change commits (a rollback keeps the image shown).
                transaction.on_commit(partial(stored.storage.delete, old))
                changes[name] = [old, ""]
            continue
        data, extension = content
        stored.save(f"{name}-{secrets.token_hex(4)}.{extension}", ContentFile(data), save=False)
        changes[name] = [old or None, stored.name]
    return changes


def _email_list(field: str, value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").replace("\n", ",").split(",")]
    if not isinstance(value, (list, tuple)):
        raise Invalid(field, f"{field} must be a list of email addresses.")
    emails = []
    for item in value:
        item = str(item).strip()
        if not item:
            continue
        try:
            validate_email(item)
        except ValidationError:
            raise Invalid(field, f"{item!r} is not an email address.") from None
        emails.append(item)
    return emails


@transaction.atomic
def update_settings(actor: Actor, now: datetime | None = None, **fields) -> GeneralSettings:
    """Change General Settings; each change is in the history."""
    now = now or clock.now()
    settings = GeneralSettings.objects.select_for_update().get(pk=GeneralSettings.get().pk)
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise Invalid(sorted(unknown)[0], f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    if "expiring_notice_days" in fields:
        days = fields["expiring_notice_days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 0 or days > 3650:
            raise Invalid(
                "expiring_notice_days",
                "expiring_notice_days must be a whole number from 0 to 3650.",
            )
    if "time_zone" in fields and fields["time_zone"] not in available_timezones():
        raise Invalid(
            "time_zone",
            f"Unknown time zone {fields['time_zone']!r} (use an IANA name such as Europe/Paris).",
        )
    for field in ("application_recipients", "admin_review_recipients"):
        if field in fields:
            fields[field] = _email_list(field, fields[field])
    if "enroll_attendees_to_all_relevant" in fields and not isinstance(
        fields["enroll_attendees_to_all_relevant"], bool
    ):
        raise Invalid(
            "enroll_attendees_to_all_relevant",
            "enroll_attendees_to_all_relevant must be true or false.",
        )
    if fields.get("default_program_id") is not None:
        _get(Program, fields["default_program_id"], "program")
    for field in BRANDING_TEXT:
        if field in fields:
            if not isinstance(fields[field], str):
                raise Invalid(field, f"{field} must be text.")
            fields[field] = fields[field].strip()
    images = {name: fields.pop(name) for name in BRANDING_IMAGES if name in fields}
    changes = _set_fields(settings, fields, SETTINGS_FIELDS)
    changes |= _set_images(settings, images)
    _clean(settings)
    settings.save()
    if changes:
        audit.record(
            actor,
            now,
            AuditObject.SETTINGS,
            settings.pk,
            "General Settings",
            "update_settings",
            changes,
        )
    return settings
