"""Completions — PRODUCT.md §2 "Completion" and §3 "Requirements met".

Record, approve, reject and remove a completion; each change re-evaluates the
enrollments it touches (In progress ones may be certified, certified ones renewed).
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from .. import events, renewals
from ..actors import Actor
from ..dates import AsOf, day_text
from ..errors import Invalid, NotFound, Refused
from ..models import (
    Completion,
    CompletionSource,
    CompletionState,
    Component,
    ComponentKind,
    Contact,
    Enrollment,
    GeneralSettings,
    ProgramComponent,
    Scoring,
)
from ..progress_store import refresh as store_progress
from ..retry import atomic_retry
from ..statuses import (
    CERTIFIED,
    OPEN,
    Status,
)
from .common import (
    _context,
    _get,
    _log,
)
from .enrollments import _enroll_attendee
from .periods import _evaluate


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
    # Their progress changed: `updated_at` says so to a client polling `updated_since`
    # (written with the progress: one UPDATE of each row, not two).
    touched = [e.pk for e in enrollments]
    store_progress(
        contact_ids=[completion.contact_id], today=as_of.today, touch=now, touched=touched
    )


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
    _check_completed_on(component, completed_on, as_of)
    if source not in CompletionSource.values:
        raise Invalid("source", f"Unknown source {source!r}.")
    score, passed = _result(component, _decimal("score", score), passed)
    _check_prerequisites(contact, component, completed_on)
    needs_approval = component.requires_approval or source == CompletionSource.SELF_REPORT
    state = CompletionState.PENDING if needs_approval and passed else CompletionState.APPROVED
    completion = Completion.objects.create(
        contact=contact,
        component=component,
        completed_on=completed_on,
        score=score,
        passed=passed,
        note=note or "",
        source=source,
        state=state,
        decided_at=now if state == CompletionState.APPROVED else None,
    )
    _store_evidence(completion, evidence)
    if passed and component.kind == ComponentKind.EVENT:
        _enroll_if_attendees_are(contact, component, actor, now, as_of)
    changes = {
        "completed_on": completed_on.isoformat(),
        "state": state,
        "passed": passed,
        "score": str(score) if score is not None else None,
    }
    _after_completion_change(completion, "record_completion", actor, now, as_of, changes)
    events.completion_recorded.send(sender=Completion, completion=completion, at=now)
    return completion


def _check_completed_on(component: Component, completed_on: date, as_of: AsOf) -> None:
    """A real date, not in the future, not a typing slip, within the component's window."""
    if not isinstance(completed_on, date):
        raise Invalid("completed_on", "completed_on must be a date (YYYY-MM-DD).")
    if completed_on > as_of.today:
        raise Invalid(
            "completed_on",
            f"The completion date {day_text(completed_on)} is in the future "
            f"(today is {day_text(as_of.today)}).",
        )
    if completed_on < EARLIEST_COMPLETION:
        raise Invalid(
            "completed_on",
            f"The completion date {day_text(completed_on)} is before "
            f"{day_text(EARLIEST_COMPLETION)}: check the year.",
        )
    if component.opens_on and completed_on < component.opens_on:
        raise Invalid(
            "completed_on",
            f"{component.name} opens on {day_text(component.opens_on)}; "
            f"{day_text(completed_on)} is before.",
        )
    if component.closes_on and completed_on > component.closes_on:
        raise Invalid(
            "completed_on",
            f"{component.name} closed on {day_text(component.closes_on)}; "
            f"{day_text(completed_on)} is after.",
        )


# The largest score a completion holds (its column: 7 digits, 2 after the point).
MAX_SCORE = Decimal("99999.99")


def _result(
    component: Component, score: Decimal | None, passed: bool | None
) -> tuple[Decimal | None, bool]:
    """(score, passed): a scored exam passes by its score; only an exam attempt can fail."""
    if score is not None and not 0 <= score <= MAX_SCORE:  # what the column holds
        top = MAX_SCORE if component.max_score is None else component.max_score
        raise Invalid("score", f"The score {score:g} is outside 0–{top:g}.")
    if component.kind == ComponentKind.EXAM and component.scoring == Scoring.SCORED:
        if score is None:
            raise Invalid("score", f"{component.name} is a scored exam: a score is required.")
        if score < 0 or (component.max_score is not None and score > component.max_score):
            raise Invalid("score", f"The score {score:g} is outside 0–{component.max_score:g}.")
        return score, bool(component.passes(score))
    if passed is None:
        return score, True
    if component.kind != ComponentKind.EXAM and not passed:
        raise Invalid("passed", "Only an exam attempt can fail.")
    return score, bool(passed)


def _check_prerequisites(contact: Contact, component: Component, completed_on: date) -> None:
    """Refused unless every prerequisite was passed (and not rejected) by `completed_on`."""
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
            f"(not completed by {day_text(completed_on)})."
        )


def _store_evidence(completion: Completion, evidence) -> None:
    if evidence is not None:
        completion.evidence_name = getattr(evidence, "name", "evidence")[:200]
        completion.evidence.save(completion.evidence_name, evidence, save=True)


def _enroll_if_attendees_are(
    contact: Contact, component: Component, actor: Actor, now: datetime, as_of: AsOf
) -> None:
    """The General Setting "Enroll attendees to all relevant certifications" (PRODUCT.md §2)."""
    if GeneralSettings.get().enroll_attendees_to_all_relevant:
        _enroll_attendee(contact, component, actor, now, as_of)


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
    """The contact's email about rejected work (PRODUCT.md §3: rejecting a completion tells
    the contact why), one however many programs hold the component, about the enrollment it
    concerns most: an open one, else a certification (the work of its renewal, in the grace
    days too), else any; none when no enrollment of theirs holds the component."""
    rows = _affected(completion.contact_id, completion.component_id)
    about = min(rows, key=lambda e: (_rejection_rank(e), e.pk), default=None)
    if about is not None:
        events.completion_rejected.send(
            sender=Completion,
            completion=completion,
            enrollment_id=about.pk,
            at=now,
            today=as_of.today,
            reason=(reason or "").strip(),
        )


def _rejection_rank(enrollment: Enrollment) -> int:
    if enrollment.is_open:
        return 0
    return 1 if enrollment.status in CERTIFIED or enrollment.period_number else 2


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
