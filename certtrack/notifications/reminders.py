"""Reminder schedules — PRODUCT.md §4 "Reminder schedule".

A program's steps are each `offset_days` from `expires_on` (negative before, positive
after). A step's day is `expires_on + offset_days`. The rules, as the spec says them:

- each step at most once per period: the outbox's unique key within an expiry cycle, and
  a step already sent in an earlier cycle of the period is not owed again (`_owed_rows`);
- never before its day;
- a step before expiry (offset ≤ 0) never after `expires_on`;
- a step after expiry never more than LATE_AFTER days after its day;
- none while suspended or once renewed (the enrollment's current period is what counts);
- several due at once → only the latest due step (the others are skipped, for good:
  the step chosen on a day only ever moves to later steps, see `chosen`).

`owed(today, days)` is the one source of truth: the worker queues `owed(today, 1)`,
the preview shows `owed(today, N)`. It reads, per program step, one range of
`expires_on` on the Enrollment (status, expires_on, id) index, minus the steps already
in the outbox. A program's schedule itself (checked, stored, in words) is schedules.py's.
"""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from certtrack.certification.models import Enrollment, GeneralSettings, ReminderStep
from certtrack.certification.statuses import Status
from certtrack.certification.tracking import BadFilter
from certtrack.operations.tally import tally

from .models import Email, EmailStatus, Kind, ReminderOptOut

# A program's schedule, also reached as reminders.parse_schedule, … (re-exported).
from .schedules import (  # noqa: F401
    MAX_OFFSET,
    MIN_OFFSET,
    default_template,
    describe,
    parse_schedule,
    schedule_of,
    scheduled_programs,
    schedules,
    set_schedule,
    store_schedule,
    template_keys,
)

# The pure rules, also reached as reminders.Step, reminders.chosen, … (re-exported).
from .steps import (  # noqa: F401
    EXPIRED_NEWS_FOR,
    LATE_AFTER,
    Step,
    chosen,
    day_of,
    last_day,
    ranges,
    state,
)

MIN_DAYS, MAX_DAYS = 1, 366  # the preview's `days` (API.md)
# Suspended (Inactive), cancelled or never certified: no reminders.
REMINDED = (Status.ACTIVE, Status.EXPIRING, Status.EXPIRED)
BATCH = 500
ANALYZE_AFTER = 1000  # reminder rows queued in one pass (see queue_reminders)


# --- what is owed: the worker and the preview ---------------------------------------------


class Owed(NamedTuple):  # a tuple: 140,000 of them for a 30-day preview at 1M rows
    on: date
    enrollment_id: int
    contact_id: int
    program_id: int
    period: int
    cycle: int
    expires_on: date
    step: Step


def _owed_rows(program_ids: list[int], step: Step, lo: date, hi: date):
    sent = Email.objects.filter(
        Q(cycle=OuterRef("cycle")) | Q(status=EmailStatus.SENT),  # once per period
        enrollment=OuterRef("pk"),
        kind=Kind.REMINDER,
        step=step.offset_days,
        period=OuterRef("period_number"),
    )
    rows = Enrollment.objects.filter(
        status__in=REMINDED, expires_on__gte=lo, expires_on__lte=hi, program_id__in=program_ids
    ).exclude(Exists(sent))
    if not step.mandatory:
        rows = rows.exclude(Exists(ReminderOptOut.objects.filter(enrollment=OuterRef("pk"))))
    return rows


def owed(
    today: date,
    days: int,
    program_ids: Iterable[int] | None = None,
    templates: Iterable[str] | None = None,
) -> list[Owed]:
    """Every reminder step the worker would queue on [today, today + days − 1] if nothing
    changed, with the day it would go: the worker (days=1) and the preview call this."""
    templates = set(templates) if templates else None
    # Programs with the same steps share one query per step (one index range each).
    same: dict[tuple[Step, ...], list[int]] = {}
    for program_id, steps in schedules(program_ids).items():
        same.setdefault(tuple(steps), []).append(program_id)
    out = []
    for steps, ids in same.items():
        for step, lo, hi in ranges(steps, today, days):
            if templates is not None and step.template not in templates:
                continue
            rows = _owed_rows(ids, step, lo, hi).values_list(
                "pk", "contact_id", "program_id", "period_number", "cycle", "expires_on"
            )
            offset = timedelta(days=step.offset_days)
            for pk, contact_id, program_id, period, cycle, expires_on in rows.iterator(
                chunk_size=5000
            ):
                on = expires_on + offset  # the step's day, or today when catching up
                out.append(
                    Owed(
                        on if on > today else today,
                        pk,
                        contact_id,
                        program_id,
                        period,
                        cycle,
                        expires_on,
                        step,
                    )
                )
    out.sort(key=lambda o: (o[0], o[1], o[7].offset_days))
    return out


def owed_single(
    today: date, days: int, notice_days: int, program_ids: Iterable[int] | None = None
) -> list[Owed]:
    """The expiring and expired emails of programs without a schedule (PRODUCT.md §4: the
    General Setting's notice days, and the expired email) that the worker's time
    transitions would queue on [today, today + days − 1] if nothing changed, as steps of
    −notice_days and +1 days: Active → Expiring on `expires_on − notice_days` while not
    expired (`outbox.expiring_is_news`), → Expired the day after `expires_on` while that
    is news (`EXPIRED_NEWS_FOR`); a day already passed is the next pass's, today; an email
    already queued for the period and cycle is not owed again (the outbox's key)."""
    last = today + timedelta(days=days - 1)
    rows = Enrollment.objects.exclude(program_id__in=ReminderStep.objects.values("program_id"))
    if program_ids is not None:
        rows = rows.filter(program_id__in=list(program_ids))
    kinds = [
        (
            Step(1, Kind.CERTIFICATION_EXPIRED.value, True),
            Q(status__in=[Status.ACTIVE, Status.EXPIRING])
            & Q(expires_on__gte=today - EXPIRED_NEWS_FOR, expires_on__lt=last),
        )
    ]
    if notice_days > 0:  # 0: no Expiring status and no expiring emails
        notice = timedelta(days=notice_days)
        kinds.insert(
            0,
            (
                Step(-notice_days, Kind.CERTIFICATION_EXPIRING.value, True),
                Q(status=Status.ACTIVE, expires_on__gte=today, expires_on__lte=last + notice),
            ),
        )
    out = []
    for step, due in kinds:
        sent = Email.objects.filter(
            Q(cycle=OuterRef("cycle")) | Q(status=EmailStatus.SENT),  # once per period
            enrollment=OuterRef("pk"),
            kind=step.template,
            period=OuterRef("period_number"),
        )
        offset = timedelta(days=step.offset_days)
        for pk, contact_id, program_id, period, cycle, expires_on in (
            rows.filter(due)
            .exclude(Exists(sent))
            .values_list("pk", "contact_id", "program_id", "period_number", "cycle", "expires_on")
            .iterator(chunk_size=5000)
        ):
            on = expires_on + offset
            out.append(
                Owed(max(on, today), pk, contact_id, program_id, period, cycle, expires_on, step)
            )
    return out


def preview(
    now: datetime,
    days: int,
    program_ids: Iterable[int] | None = None,
    templates: Iterable[str] | None = None,
) -> list[dict]:
    """Who gets which reminder on which day in the next `days` days (PRODUCT.md §4),
    with names for people; `days` outside 1–366 is refused naming `days`."""
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise BadFilter("days", f"days must be a whole number from {MIN_DAYS} to {MAX_DAYS}.")
    as_of = GeneralSettings.get().as_of(now)
    rows = owed(as_of.today, days, program_ids, templates)
    single = owed_single(as_of.today, days, as_of.notice_days, program_ids)
    rows += [o for o in single if templates is None or o.step.template in set(templates)]
    rows.sort(key=lambda o: (o.on, o.enrollment_id, o.step.offset_days))
    ids = {o.enrollment_id for o in rows}
    names = {}
    for start in range(0, len(ids), 5000):
        chunk = sorted(ids)[start : start + 5000]
        for pk, first, last, program in Enrollment.objects.filter(pk__in=chunk).values_list(
            "pk", "contact__first_name", "contact__last_name", "program__name"
        ):
            names[pk] = (f"{first} {last}".strip(), program)
    return [
        {
            "on": o.on,
            "enrollment_id": o.enrollment_id,
            "contact": names[o.enrollment_id][0],
            "program": names[o.enrollment_id][1],
            "template": o.step.template,
            "offset_days": o.step.offset_days,
        }
        for o in rows
        if o.enrollment_id in names
    ]


def queue_reminders(now: datetime) -> int:
    """Worker step: queue every reminder step due today; return how many this worker queued.

    Two workers may find the same step due: the outbox's unique key keeps one row, and
    each counts only the rows it inserted (marked with its token until it commits).
    """
    today = GeneralSettings.get().as_of(now).today
    due = owed(today, 1)
    queued = 0
    for start in range(0, len(due), BATCH):
        queued += _queue(due[start : start + BATCH], now, today)
    if queued >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # The next pass's outbox anti-join must be planned on real counts: with the
        # statistics of an outbox that had none of these rows, PostgreSQL compared every
        # candidate with every row (137 s for one step at a million enrollments, measured
        # in bench/reminders.py); after ANALYZE it probes the unique index (0.1 s).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Email._meta.db_table}")
    return queued


def _queue(batch: list[Owed], now: datetime, today: date) -> int:
    token = secrets.token_hex(16)
    rows = [
        Email(
            enrollment_id=o.enrollment_id,
            kind=Kind.REMINDER,
            step=o.step.offset_days,
            period=o.period,
            cycle=o.cycle,
            data={
                "today": today.isoformat(),
                "expires_on": o.expires_on.isoformat(),
                "template": o.step.template,
                "offset_days": o.step.offset_days,
            },
            created_at=now,
            next_attempt_at=now,
            claim=token,
        )
        for o in batch
    ]
    with transaction.atomic():
        Email.objects.bulk_create(rows, ignore_conflicts=True)
        # Our rows are ours alone until this commits: count them and drop the mark.
        mine = Email.objects.filter(
            enrollment_id__in=[o.enrollment_id for o in batch], kind=Kind.REMINDER, claim=token
        ).update(claim="")
    if len(batch) > mine:
        tally("reminders_queued_by_another_worker", len(batch) - mine)
    return mine


def stale_reason(
    email: Email, enrollment: Enrollment, status: Status, today: date, facts: dict | None = None
) -> str:
    """Why a queued reminder step is no longer true to send on `today` ("" if it is).

    `facts` (delivery's per-batch dict, with "batch": the enrollment ids of the batch's
    reminders, and "programs": their program ids) keeps the programs' steps and the batch's
    opt-outs for the next email.
    """
    facts = {} if facts is None else facts
    if email.period != enrollment.period_number:
        return "The certification was renewed; the new period has its own reminders."
    if email.cycle != enrollment.cycle or enrollment.expires_on is None:
        return "The expiration date changed; the new date has its own reminders."
    if status not in REMINDED or enrollment.status == Status.INACTIVE:
        return f"No reminders while the certification is {status.label}."
    step = _steps(enrollment.program_id, facts).get(email.step)
    if step is None:
        return "The step was removed from the program's reminder schedule."
    if today > last_day(step, enrollment.expires_on):
        if step.offset_days <= 0:
            return "The certification expired before this reminder could be sent."
        return f"More than {LATE_AFTER} days late."
    if not step.mandatory and _opted_out(enrollment, facts):
        return "The member turned off optional reminders."
    return ""


def _steps(program_id: int, facts: dict) -> dict[int, Step]:
    """The program's steps by offset; the first asked reads those of every program of the
    batch (`facts["programs"]`) in one query — one per program cost 3,668 queries (1.7 s)
    in a 10,000-reminder pass over 37 programs."""
    loaded = facts.setdefault("steps", {})
    if program_id not in loaded:
        wanted = {program_id, *facts.get("programs", ())} - loaded.keys()
        found = schedules(wanted)
        for pk in wanted:
            loaded[pk] = {step.offset_days: step for step in found.get(pk, [])}
    return loaded[program_id]


def _opted_out(enrollment: Enrollment, facts: dict) -> bool:
    """Whether the member turned optional reminders off (the batch's opt-outs read once)."""
    batch = facts.get("batch") or [enrollment.pk]
    if "opted_out" not in facts:
        opted = ReminderOptOut.objects.filter(enrollment_id__in=batch)
        facts["opted_out"] = set(opted.values_list("enrollment_id", flat=True))
    if enrollment.pk in facts["opted_out"]:
        return True
    return enrollment.pk not in batch and _opt_out_exists(enrollment)


def _opt_out_exists(enrollment: Enrollment) -> bool:
    return ReminderOptOut.objects.filter(enrollment=enrollment).exists()


def set_optional_off(enrollment: Enrollment, off: bool, now: datetime) -> None:
    """The member turns optional reminders off (or back on) for one enrollment."""
    if off:
        ReminderOptOut.objects.get_or_create(enrollment=enrollment, defaults={"created_at": now})
    else:
        ReminderOptOut.objects.filter(enrollment=enrollment).delete()


def upcoming(enrollment: Enrollment, today: date) -> list[tuple[date, Step]]:
    """The member's view: the reminder steps still to come for this enrollment, with dates."""
    if enrollment.expires_on is None or enrollment.status not in REMINDED:
        return []
    sent = set(_steps_owed(enrollment).values_list("step", flat=True))
    steps = schedule_of(enrollment.program_id)
    return [
        (day_of(s, enrollment.expires_on), s)
        for s in steps
        if s.offset_days not in sent and day_of(s, enrollment.expires_on) >= today
    ]


def step_states(enrollment: Enrollment, today: date) -> list[dict]:
    """The enrollment page's lines: each step in words, its day and its state."""
    steps = schedule_of(enrollment.program_id)
    if not steps:
        return []
    names = template_keys()
    sent = sent_states(enrollment) if enrollment.status in REMINDED else {}
    if enrollment.status in REMINDED:
        off = _opt_out_exists(enrollment)
        rows = state(steps, enrollment.expires_on, today, sent, off)
    else:
        words = f"not sent while {Status(enrollment.status).label}"
        expires_on = enrollment.expires_on
        rows = [(s, day_of(s, expires_on) if expires_on else None, words) for s in steps]
    return [{"step": describe(s, names), "on": d, "state": w} for s, d, w in rows]


def sent_states(enrollment: Enrollment) -> dict[int, str]:
    """offset → words for the steps in the outbox for the current period and cycle."""
    rows = _steps_owed(enrollment).values_list("step", "status", "sent_at", "last_error")
    out = {}
    for step, status, sent_at, error in rows:
        if status == "sent":
            out[step] = f"sent {sent_at:%Y-%m-%d}" if sent_at else "sent"
        elif status == "cancelled":
            out[step] = f"skipped: {error}" if error else "skipped"
        else:
            out[step] = status
    return out


def _steps_owed(enrollment: Enrollment):
    """The outbox's reminder rows of the enrollment's current period and expiry cycle."""
    return Email.objects.filter(
        enrollment=enrollment,
        kind=Kind.REMINDER,
        period=enrollment.period_number,
        cycle=enrollment.cycle,
    )
