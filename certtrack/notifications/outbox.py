"""The transactional outbox: the domain's signals queue emails in the domain's transaction.

A receiver runs inside the service's transaction, so an email is queued if and only if
the change commits. The unique key (enrollment, kind, period, cycle) makes a second row
for the same email impossible, however many services or workers record the same event:
expiring and expired once per period (a renewal is a new period), and again after a staff
extension within it (which bumps `cycle`, re-arming them). Decisions that may repeat
(`REPEATABLE_KINDS`) are outside the key: each is written once by its own decision.
"""

from datetime import date, datetime, timedelta

from django.dispatch import receiver

from certtrack import clock
from certtrack.certification import events
from certtrack.certification.models import Enrollment, EnrollmentSource, GeneralSettings
from certtrack.certification.statuses import CERTIFIED, Status

from .models import FIXED_TEXT_KINDS, Email, EmailStatus, Kind
from .reminders import scheduled_programs
from .steps import EXPIRED_NEWS_FOR

# An event recorded as of a moment longer ago than this is history written after the
# fact (a back-fill, the demo data): it is not news to anyone, so it sends nothing.
RECORDED_LATE = timedelta(days=1)
# Kinds tied to the dates of one cycle: a new expires_on makes them stale.
DATED_KINDS = (Kind.CERTIFICATION_EXPIRING, Kind.CERTIFICATION_EXPIRED)


def expiring_is_news(expires_on: date | None, today: date) -> bool:
    """An expiring reminder is owed only while the certification has not expired."""
    return expires_on is not None and today <= expires_on


def expired_is_news(expires_on: date | None, today: date) -> bool:
    """An expired email is owed only for an expiry of the last 30 days."""
    return expires_on is not None and expires_on < today and today - expires_on <= EXPIRED_NEWS_FOR


def _recent(day: date | None, today: date) -> bool:
    return day is not None and today - day <= RECORDED_LATE


def kinds_owed(t: events.Transition) -> list[Kind]:
    """The emails a transition owes — PRODUCT.md §4."""
    if t.from_status == "":
        return _on_creation(t)
    decided = _on_decision(t.from_status, t.to_status)
    return decided if decided is not None else _on_dates(t)


def _on_creation(t: events.Transition) -> list[Kind]:
    """A new enrollment: acknowledged only when the contact applied (`created_by`)."""
    if t.to_status == Status.APPLIED:
        return [Kind.APPLICATION_RECEIVED, Kind.NEW_APPLICATION]
    if t.created_by == EnrollmentSource.APPLY:
        return [Kind.APPLICATION_RECEIVED]
    return []  # staff add, attendee enrolment, import: nobody applied


def _on_decision(old: str, new: str) -> list[Kind] | None:
    """The email a staff decision owes (None: not a decision that owes one by itself)."""
    if new == Status.ADMIN_REVIEW:
        return [Kind.ADMIN_REVIEW_REQUIRED]
    if new == Status.CANCELLED:
        return [Kind.ENROLLMENT_CANCELLED]
    if old == Status.ADMIN_REVIEW and new == Status.IN_PROGRESS:
        return [Kind.RETURNED_FOR_MORE_WORK]
    if old in (Status.ACTIVE, Status.EXPIRING) and new == Status.INACTIVE:
        return [Kind.CERTIFICATION_SUSPENDED]
    if old == Status.INACTIVE and new in CERTIFIED:
        return None  # a suspension lifted: the dates' email, if owed (`_on_dates`)
    if old == Status.APPLIED and new == Status.IN_PROGRESS:
        return [Kind.APPLICATION_APPROVED]
    if old == Status.APPLIED and new == Status.DECLINED:
        return [Kind.APPLICATION_DECLINED]
    return None


def _on_dates(t: events.Transition) -> list[Kind]:
    """Earned, expiring, expired: owed when it is news. `t.imported`: the enrollment was
    recorded from another system (an import, or an existing certification recorded in
    this same call): its earning long ago is history, but an expiry ahead (inside the
    notice days) or of the last 30 days is news, as for any holder (PRODUCT.md §4: of the
    steps due at once for a recorded certification, the latest is sent). A suspension
    lifted (Inactive → a certified status) earned nothing anew; the dates' email it
    missed while suspended is owed if still news, once per period (the outbox's key)."""
    old, new = t.from_status, t.to_status
    if new == Status.ACTIVE and old not in CERTIFIED and old != Status.INACTIVE:
        if t.imported and not _recent(t.activated_on, t.today):
            return []  # imported work that certified someone long ago: history, not news
        return [Kind.CERTIFICATION_EARNED]
    if new == Status.EXPIRING and expiring_is_news(t.expires_on, t.today):
        return [Kind.CERTIFICATION_EXPIRING]
    if new == Status.EXPIRED and expired_is_news(t.expires_on, t.today):
        return [Kind.CERTIFICATION_EXPIRED]
    return []


def _row(
    enrollment_id: int,
    kind: Kind,
    cycle: int,
    at: datetime,
    today: date,
    expires_on,
    period: int = 0,
    **facts,
):
    return Email(
        enrollment_id=enrollment_id,
        kind=kind,
        cycle=cycle,
        period=period,
        data={
            "today": today.isoformat(),
            "expires_on": expires_on and expires_on.isoformat(),
            **{name: value for name, value in facts.items() if value},
        },
        created_at=at,
        next_attempt_at=at,
    )


def once_per_period(rows: list[Email]) -> list[Email]:
    """`rows` less those already sent for their enrollment and period: each email is sent
    at most once per enrollment and period (PRODUCT.md §4) — after a staff extension too,
    whose new `cycle` only voids what was still queued for the old date."""
    if not rows:
        return rows
    sent = set(
        Email.objects.filter(
            enrollment_id__in={row.enrollment_id for row in rows},
            kind__in={row.kind for row in rows},
            status=EmailStatus.SENT,
        ).values_list("enrollment_id", "kind", "period", "step")
    )
    return [r for r in rows if (r.enrollment_id, r.kind, r.period, r.step) not in sent]


@receiver(events.transitions_recorded, dispatch_uid="notifications.transitions")
def queue_for_transitions(sender, transitions: list[events.Transition], **kwargs) -> None:
    """Queue the emails a batch of transitions owes: a few queries per batch, not per row."""
    cutoff = clock.now() - RECORDED_LATE
    transitions = [t for t in transitions if t.at >= cutoff]
    # A program with a reminder schedule has its steps instead of these two (PRODUCT.md §4).
    scheduled = scheduled_programs(
        t.program_id for t in transitions if t.to_status in (Status.EXPIRING, Status.EXPIRED)
    )
    rows = []
    for t in transitions:
        for kind in kinds_owed(t):
            if kind in DATED_KINDS and t.program_id in scheduled:
                continue
            rows.append(
                _row(
                    t.enrollment_id,
                    kind,
                    t.cycle,
                    t.at,
                    t.today,
                    t.expires_on,
                    t.period,
                    reason=t.reason,
                )
            )
    dated = once_per_period([row for row in rows if row.kind in DATED_KINDS])
    rows = [row for row in rows if row.kind not in DATED_KINDS] + dated
    if rows:
        Email.objects.bulk_create(rows, ignore_conflicts=True)


@receiver(events.expiry_changed, dispatch_uid="notifications.expiry")
def rearm_for_new_expiry(sender, enrollment_id: int, old, new, cycle: int, at, **kwargs) -> None:
    """A new expires_on is a new cycle: the old date's queued reminders are void, the new
    date's are armed — unless already sent in this period (`once_per_period`).

    When the new date is already inside the notice window, the reminder is owed now;
    otherwise the worker queues it when it records Active → Expiring for this cycle.
    """
    Email.objects.filter(
        enrollment_id=enrollment_id,
        kind__in=DATED_KINDS,
        cycle__lt=cycle,
        status=EmailStatus.QUEUED,
    ).update(status=EmailStatus.CANCELLED, last_error="The expiration date changed.")
    if at < clock.now() - RECORDED_LATE:
        return
    as_of = GeneralSettings.get().as_of(at)
    row = (
        Enrollment.objects.filter(pk=enrollment_id)
        .values("status", "period_number", "program_id")
        .first()
    )
    if (
        row
        and as_of.status_of(row["status"], new) == Status.EXPIRING
        and not scheduled_programs([row["program_id"]])
    ):
        Email.objects.bulk_create(
            once_per_period(
                [
                    _row(
                        enrollment_id,
                        Kind.CERTIFICATION_EXPIRING,
                        cycle,
                        at,
                        as_of.today,
                        new,
                        row["period_number"],
                    )
                ]
            ),
            ignore_conflicts=True,
        )


@receiver(events.expiries_changed, dispatch_uid="notifications.expiries")
def rearm_for_new_expiries(sender, changes: list, at, **kwargs) -> None:
    """`rearm_for_new_expiry` for many rows at once (a program change applied to existing
    holders): their queued dated reminders are void; those now Expiring are owed one."""
    ids = [c.enrollment_id for c in changes]
    for start in range(0, len(ids), 2000):
        Email.objects.filter(
            enrollment_id__in=ids[start : start + 2000],
            kind__in=DATED_KINDS,
            status=EmailStatus.QUEUED,
        ).update(status=EmailStatus.CANCELLED, last_error="The expiration date changed.")
    if at < clock.now() - RECORDED_LATE:
        return
    as_of = GeneralSettings.get().as_of(at)
    rows = [
        _row(
            c.enrollment_id, Kind.CERTIFICATION_EXPIRING, c.cycle, at, as_of.today, c.new, c.period
        )
        for c in changes
        if as_of.status_of(c.status, c.new) == Status.EXPIRING
    ]
    rows = [
        r
        for start in range(0, len(rows), 2000)
        for r in once_per_period(rows[start : start + 2000])
    ]
    Email.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


RENEWAL_KINDS = {
    "renewed": Kind.CERTIFICATION_RENEWED,
    "review": Kind.RENEWAL_REVIEW_REQUIRED,
    "rejected": Kind.RENEWAL_REJECTED,
}


@receiver(events.renewal_changed, dispatch_uid="notifications.renewal")
def queue_for_renewal(
    sender, enrollment_id: int, event: str, period: int, at, today, reason: str, **kwargs
) -> None:
    """Renewed (contact, the new certificate), awaiting review (staff), rejected (contact,
    with the reason). A renewal voids the old period's queued reminders."""
    change = events.RenewalChange(enrollment_id, event, period, at, today, reason)
    queue_for_renewals(sender, [change])


@receiver(events.renewals_changed, dispatch_uid="notifications.renewals")
def queue_for_renewals(sender, changes: list[events.RenewalChange], **kwargs) -> None:
    """`queue_for_renewal` for a batch: one voiding UPDATE per new period number, one
    read of the enrollments and one insert for the batch."""
    renewed: dict[int, list[int]] = {}
    for c in changes:
        if c.event == "renewed":
            renewed.setdefault(c.period, []).append(c.enrollment_id)
    for period, ids in sorted(renewed.items()):
        Email.objects.filter(
            enrollment_id__in=ids,
            kind__in=DATED_KINDS,
            period__lt=period,
            status=EmailStatus.QUEUED,
        ).update(status=EmailStatus.CANCELLED, last_error="The certification was renewed.")
    cutoff = clock.now() - RECORDED_LATE
    news = [c for c in changes if c.at >= cutoff]
    if not news:
        return
    rows = Enrollment.objects.filter(pk__in=sorted({c.enrollment_id for c in news})).values(
        "pk", "cycle", "expires_on"
    )
    now_of = {row["pk"]: row for row in rows}
    emails = []
    for c in news:
        row = now_of[c.enrollment_id]
        email = _row(
            c.enrollment_id,
            RENEWAL_KINDS[c.event],
            row["cycle"],
            c.at,
            c.today,
            row["expires_on"],
            c.period,
            reason=c.reason,
        )
        if c.event == "renewed":
            email.data["period"] = c.period  # the new period's certificate link
        emails.append(email)
    Email.objects.bulk_create(emails, ignore_conflicts=True)


@receiver(events.completion_rejected, dispatch_uid="notifications.completion_rejected")
def queue_for_rejected_completion(
    sender, completion, enrollment_id: int, at, today, reason: str, **kwargs
) -> None:
    """The contact learns that reported work was not accepted, and why."""
    if at < clock.now() - RECORDED_LATE:
        return
    row = Enrollment.objects.filter(pk=enrollment_id).values("cycle", "period_number").get()
    _row(
        enrollment_id,
        Kind.COMPLETION_REJECTED,
        row["cycle"],
        at,
        today,
        None,
        row["period_number"],
        reason=reason,
        component=completion.component.name,
        completed_on=completion.completed_on.isoformat(),
    ).save()


def queue_fixed_text(
    kind: Kind,
    contact_id: int | None,
    subject: str,
    text: str,
    now: datetime,
    valid_until: datetime,
    user_id: int | None = None,
) -> Email:
    """Queue an email whose text is already written, to a contact (a sign-in link) or a
    staff user (an invitation, a password reset).

    Call it inside the transaction that owes the email. It is delivered like every other
    email (lease, retries with backoff) while `valid_until` is ahead, cancelled after;
    `delivery.deliver_now` sends it at once for someone who is waiting for it.
    """
    if kind not in FIXED_TEXT_KINDS:
        raise ValueError(f"{kind} is rendered from its template, not queued with its text")
    return Email.objects.create(
        contact_id=contact_id,
        user_id=user_id,
        kind=kind,
        cycle=0,
        subject=subject[:250],
        body=text,
        data={"valid_until": valid_until.isoformat()},
        created_at=now,
        next_attempt_at=now,
    )
