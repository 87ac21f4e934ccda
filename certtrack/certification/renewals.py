"""Renewal services — PRODUCT.md §3 "Certification periods and renewal".

A renewal is granted at once when its requirements are met while it is open (window or
grace): on a completion recorded or approved (`consider`), and by the worker on the day
the window opens for work recorded earlier (`grant_opened`, which also catches up the
days a worker was down). Where the program has `completion_requires_approval` it waits
in review (`Enrollment.renewal_review_on`) for `approve_renewal` / `reject_renewal`;
staff `renew` is a waiver. A granted renewal is a
new Period with the completions it used; the enrollment takes the new period's dates.

The worker's batch writes (many grants in a few statements) are in `renewal_bulk`.

Called by `services` with the enrollment row locked (`_lock_enrollment` or
`_lock_affected`), inside its transaction; a suspended (Inactive) certification is never
renewed, as it is not certified while suspended.
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from . import events, periods, renewal, renewal_bulk
from .actors import Actor
from .dates import AsOf, add_months, day_text
from .errors import Invalid, Refused
from .models import (
    Enrollment,
    Period,
    PeriodSource,
    Program,
    RenewalBase,
)
from .renewal import RenewalState, Window
from .requirements import Facts, Progress, progress_of_many, read_facts
from .statuses import CERTIFIED, OPEN, Action, Status, label

log = logging.getLogger("certtrack.worker")
GRANT_BATCH = 200  # renewals the worker considers per transaction
# The worker grants a batch's renewals in a few statements (`renewal_bulk.grant_many`); False: one
# `grant` each (the comparison test runs both on the same data).
BULK_GRANTS = True


def window_of(enrollment: Enrollment) -> Window | None:
    """The renewal window of a certified enrollment, or None (no renewal)."""
    program = enrollment.program
    return renewal.window(
        enrollment.expires_on, program.renewal_window_days, program.renewal_grace_days
    )


def state_of(enrollment: Enrollment, today: date) -> RenewalState | None:
    """The renewal state on `today` (`review` while a met renewal awaits staff), or None."""
    if enrollment.status not in CERTIFIED or enrollment.period_number == 0:
        return None
    window = window_of(enrollment)
    if window is None:
        return None
    if enrollment.renewal_review_on is not None:
        return RenewalState.REVIEW
    return window.state(today)


def is_open(state: RenewalState | None) -> bool:
    return state in (RenewalState.OPEN, RenewalState.GRACE, RenewalState.REVIEW)


def in_grace(enrollment: Enrollment, today: date) -> bool:
    """An Expired certification still renewable: applying again is refused (PRODUCT.md §3).

    The caller settled the row first, so its stored status is the one the dates give."""
    return enrollment.status == Status.EXPIRED and is_open(state_of(enrollment, today))


def counts_from(latest: Period) -> date:
    """The oldest completion date that counts toward renewing the period `latest`: its
    `renewed_on` where it has one, else its `activated_on`."""
    return latest.renewed_on or latest.activated_on


def progress_since(
    enrollments: Iterable[Enrollment], today: date, facts: Facts | None = None
) -> dict[int, Progress]:
    """Renewal progress of certified enrollments: unused work since the latest period began
    (`facts`: `progress_of_many`'s)."""
    rows = list(enrollments)
    latest = {
        p.enrollment_id: p
        for p in Period.objects.filter(enrollment__in=rows).order_by("enrollment_id", "number")
    }
    since = {e.pk: counts_from(latest[e.pk]) for e in rows}
    return progress_of_many(rows, today, renewal_since=since, facts=facts)


def new_dates(program: Program, old_expires_on: date, granted_on: date) -> tuple[date, date | None]:
    """(activated_on, expires_on) of the period a renewal granted on `granted_on` starts."""
    # previous_expiry: renewing early loses no time, and in grace the chain has no gap.
    early = program.renewal_base == RenewalBase.PREVIOUS_EXPIRY
    start = old_expires_on if early else granted_on
    months = program.validity_months
    return start, (add_months(start, months) if months is not None else None)


def _services():
    # services imports this module for its completion hook; imported late to avoid a cycle.
    from .services import common

    return common


def grant(
    enrollment: Enrollment,
    source: PeriodSource,
    action: str,
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    *,
    reason: str = "",
    expires_on: date | None = None,
    progress: Progress | None = None,
) -> Period:
    """Start the next period now: the enrollment takes its dates and the status they give.

    `progress`: the renewal progress the caller already evaluated (the worker's batch)."""
    core = _services()
    old_number = enrollment.period_number  # the current period's number, kept on the row
    start, end = new_dates(enrollment.program, enrollment.expires_on, as_of.today)
    if expires_on is not None:
        end = expires_on
    if progress is None:
        progress = progress_since([enrollment], as_of.today)[enrollment.pk]
    used = progress.used_through(as_of.today)
    old_status = enrollment.status
    target = as_of.status_of(old_status, end)
    before = {
        "activated_on": enrollment.activated_on,
        "expires_on": enrollment.expires_on,
        "period": old_number,
    }
    fields = {
        "activated_on": start,
        "expires_on": end,
        "period_number": old_number + 1,
        "renewal_review_on": None,
    }

    def write() -> Period:
        period = Period.objects.create(
            enrollment=enrollment,
            number=old_number + 1,
            activated_on=start,
            expires_on=end,
            renewed_on=as_of.today,
            source=source,
        )
        periods.use(period, used)
        Enrollment.objects.filter(pk=enrollment.pk).update(status=target, updated_at=now, **fields)
        return period

    reopens = old_status not in OPEN and target in OPEN  # from Expired, in grace
    if reopens and (other := core._other_open(enrollment)) is not None:
        raise core._second_open(enrollment, "renew", other)
    try:
        with transaction.atomic():
            period = write()
    except IntegrityError:
        # The last guard: the period number or a completion was taken by a concurrent grant.
        raise Refused(
            "This renewal was granted by another request at the same moment; nothing more "
            "was changed."
        ) from None
    enrollment.status = target
    for name, value in fields.items():
        setattr(enrollment, name, value)
    after = {"activated_on": start, "expires_on": end, "period": period.number}
    core._log(
        actor,
        now,
        action,
        enrollment=enrollment,
        from_status=old_status if target != old_status else "",
        to_status=target if target != old_status else "",
        changes=core._changes(before, after),
        reason=reason,
    )
    if target != old_status:
        core._announce(enrollment, old_status, target, now, as_of)
    events.renewal_changed.send(
        sender=Enrollment,
        enrollment_id=enrollment.pk,
        event="renewed",
        period=period.number,
        at=now,
        today=as_of.today,
        reason=reason,
    )
    return period


def _await_review(enrollment: Enrollment, actor: Actor, now: datetime, as_of: AsOf) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        renewal_review_on=as_of.today, updated_at=now
    )
    enrollment.renewal_review_on = as_of.today
    _services()._log(
        actor,
        now,
        "renewal_review",
        enrollment=enrollment,
        changes={"renewal_state": [None, RenewalState.REVIEW.value]},
        reason="Renewal requirements met; awaiting staff approval.",
    )
    events.renewal_changed.send(
        sender=Enrollment,
        enrollment_id=enrollment.pk,
        event="review",
        period=enrollment.period_number,
        at=now,
        today=as_of.today,
        reason="",
    )


def consider(enrollment: Enrollment, actor: Actor, now: datetime, as_of: AsOf) -> bool:
    """Grant the renewal (or put it in review) if it is open and its requirements are met.

    The caller holds the enrollment's lock. Returns whether anything changed.
    """
    return bool(_consider_many([enrollment], actor, now, as_of))


def _consider_many(
    enrollments: list[Enrollment], actor: Actor, now: datetime, as_of: AsOf, *, skip=False
) -> int:
    """`consider` for locked rows, their renewal progress evaluated in one go; returns how
    many were granted or put in review. `skip`: a grant refused (a concurrent grant, a
    second open enrollment) is logged and skipped instead of raised (the worker)."""
    for enrollment in enrollments:
        _services().settle(enrollment, as_of, now)
    # not open, closed, already in review, suspended, or no renewal: nothing to do
    candidates = [
        e
        for e in enrollments
        if state_of(e, as_of.today) in (RenewalState.OPEN, RenewalState.GRACE)
    ]
    # Read once for the batch: the renewal progress, then (granted) the rows' own again.
    facts = read_facts(candidates) if candidates else None
    progress = progress_since(candidates, as_of.today, facts) if candidates else {}
    done = 0
    met = [e for e in candidates if progress[e.pk].met]
    if skip and BULK_GRANTS:
        granted = renewal_bulk.grant_many(
            [e for e in met if not e.program.completion_requires_approval],
            progress,
            actor,
            now,
            as_of,
            facts,
        )
        done += len(granted)
        met = [e for e in met if e.pk not in granted]
    for enrollment in met:
        if enrollment.program.completion_requires_approval:
            _await_review(enrollment, actor, now, as_of)
            done += 1
            continue
        try:
            grant(
                enrollment,
                PeriodSource.RENEWED,
                "renewal_granted",
                actor,
                now,
                as_of,
                progress=progress[enrollment.pk],
            )
        except Refused as refused:
            if not skip:
                raise
            log.warning("renewal of enrollment %s not granted: %s", enrollment.pk, refused)
            continue
        done += 1
    return done


def allows(step: Action, enrollment: Enrollment, today: date) -> bool:
    """Whether the renewal's state allows `step` (a renewal action) on `today`.

    The waiver (`renew`) is PRODUCT.md §3's "active, expiring, expired within its grace
    days": any day before the renewal closes, the window open or not yet — but not twice
    for one cycle: not once the certification is renewed ahead (its latest period has not
    begun, or was granted today), so two staff renewing at once make one period."""
    state = state_of(enrollment, today)
    if step.renewal == "review":
        return state == RenewalState.REVIEW
    if step.name == "renew":
        return state not in (None, RenewalState.CLOSED) and not renewed_ahead(enrollment, today)
    return step.renewal != "open" or is_open(state)


def renewed_ahead(enrollment: Enrollment, today: date) -> bool:
    """Whether the certification was renewed for the cycle to come already: its latest
    period starts after `today` (`previous_expiry`) or was granted on `today`."""
    latest = enrollment.periods.order_by("-number").first()
    return (
        latest is not None
        and latest.number > 1
        and (latest.activated_on > today or latest.renewed_on == today)
    )


def perform(
    enrollment: Enrollment,
    step: Action,
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    reason: str = "",
    expires_on: date | None = None,
) -> Enrollment:
    """`renew` (a waiver), `approve_renewal` or `reject_renewal` on a locked, settled row."""
    if not allows(step, enrollment, as_of.today):
        state = state_of(enrollment, as_of.today)
        raise Refused(_refusal(step, enrollment, state), status=enrollment.status)
    if expires_on is not None:
        if step.name != "renew":
            raise Invalid("expires_on", "expires_on is only for renew.")
        start, _ = new_dates(enrollment.program, enrollment.expires_on, as_of.today)
        if expires_on < max(start, as_of.today):
            raise Invalid(
                "expires_on",
                f"The new expiration date {day_text(expires_on)} is before the new period "
                f"starts ({day_text(max(start, as_of.today))}).",
            )
    if step.name == "renew":
        grant(
            enrollment,
            PeriodSource.WAIVED,
            "renew",
            actor,
            now,
            as_of,
            reason=reason,
            expires_on=expires_on,
        )
    elif step.name == "approve_renewal":
        grant(enrollment, PeriodSource.RENEWED, "approve_renewal", actor, now, as_of, reason=reason)
    else:
        _reject(enrollment, actor, now, as_of, reason)
    return enrollment


def _reject(enrollment: Enrollment, actor: Actor, now: datetime, as_of: AsOf, reason: str):
    Enrollment.objects.filter(pk=enrollment.pk).update(renewal_review_on=None, updated_at=now)
    enrollment.renewal_review_on = None
    _services()._log(
        actor,
        now,
        "reject_renewal",
        enrollment=enrollment,
        changes={"renewal_state": [RenewalState.REVIEW.value, None]},
        reason=reason,
    )
    events.renewal_changed.send(
        sender=Enrollment,
        enrollment_id=enrollment.pk,
        event="rejected",
        period=enrollment.period_number,
        at=now,
        today=as_of.today,
        reason=reason,
    )


def _refusal(step: Action, enrollment: Enrollment, state: RenewalState | None) -> str:
    if state is None:
        why = (
            f"{enrollment.program.name} has no renewal"
            if window_of(enrollment) is None
            else f"the enrollment is {label(enrollment.status)}"
        )
    else:
        window = window_of(enrollment)
        why = f"the renewal is {state.value.replace('_', ' ')}"
        if state == RenewalState.NOT_OPEN:
            why += f" (it opens on {day_text(window.opens_on)})"
        elif state == RenewalState.CLOSED:
            why += f" (it closed on {day_text(window.closes_on)})"
    if step.name == "renew" and state not in (None, RenewalState.CLOSED):
        latest = enrollment.periods.order_by("-number").first()
        granted = f", granted on {day_text(latest.renewed_on)}" if latest.renewed_on else ""
        return (
            f"Cannot renew: it is renewed already (period {latest.number} from "
            f"{day_text(latest.activated_on)}{granted})."
        )
    if step.name == "renew":
        return f"Cannot renew: {why}; a waiver needs a certification before its renewal closes."
    needs = "in review" if step.renewal == "review" else "open or in its grace days"
    return f"Cannot {step.label.lower()}: {why}; this action needs a renewal {needs}."


# --- the worker -------------------------------------------------------------------------


def opened_q(after: date, today: date) -> Q | None:
    """SQL: certified rows whose renewal window opened after `after`, through `today`, and
    is still open today (None: no day to look at).

    The window opens on `expires_on − window days` and closes after `expires_on + grace
    days`: per distinct (window, grace) of the programs, one range of the (status,
    expires_on, id) index. Programs have few distinct settings, so a pass reads only the
    rows that opened since the last pass, at any table size.
    """
    if after >= today:
        return None
    q = Q(pk__in=[])
    settings = (
        Program.objects.filter(renewal_window_days__gt=0)
        .values_list("renewal_window_days", "renewal_grace_days")
        .order_by()  # without Program's default ordering, which would split the DISTINCT
        .distinct()
    )
    for days, grace in settings:
        q |= Q(
            expires_on__gt=after + timedelta(days=days),
            expires_on__lte=today + timedelta(days=days),
            expires_on__gte=today - timedelta(days=grace),
            program__renewal_window_days=days,
            program__renewal_grace_days=grace,
            renewal_review_on__isnull=True,
        )
    return Q(status__in=sorted(CERTIFIED)) & q


def grant_opened(now: datetime, actor: Actor, since: date | None = None) -> int:
    """Grant (or put in review) every renewal whose window opened after `since` through
    today with its work done before; returns how many. `since`: the last day a pass
    already looked at (default: yesterday, so today's openings). One transaction per
    batch of rows, locked, granted in a few statements (`renewal_bulk.grant_many`)."""
    as_of = _services()._context(now)[1]
    since = as_of.today - timedelta(days=1) if since is None or since > as_of.today else since
    q = opened_q(since, as_of.today)
    if q is None:
        return 0
    ids = list(Enrollment.objects.filter(q).order_by("pk").values_list("pk", flat=True))
    done = 0
    # A batch of rows per transaction, locked in id order like every writer, evaluated in
    # one go: one commit and one progress evaluation per batch rather than per renewal.
    for first in range(0, len(ids), GRANT_BATCH):
        with transaction.atomic():
            rows = list(
                # Not the contact: only its id is written (a refusal's message reads it).
                Enrollment.objects.select_related("program")
                .select_for_update(of=("self",), no_key=True)
                .filter(pk__in=ids[first : first + GRANT_BATCH])
                .order_by("pk")
            )
            done += _consider_many(rows, actor, now, as_of, skip=True)
    return done
