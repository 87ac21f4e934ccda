"""Reminder schedules at scale (issue 15): the preview and the worker pass.

- `reminder_preview_30d`: `reminders.owed(today, 30)` — what the worker and the preview
  both call — with a four-step schedule (−90, −30, −7, +1) on every program that expires,
  against hand-written SQL selecting the same rows (one UNION ALL of the four index
  ranges, minus the steps already in the outbox) on the same connection. Target ≤ 3×.
- `reminder_worker_10000_due`: a whole worker pass (`run_pass`: queue, then deliver to
  the locmem backend) with exactly 10,000 steps due: the due rows beyond 10,000 are marked
  as already sent first. Target ≤ 20 s. Everything the figure writes is deleted after.
"""

import statistics
import time
from datetime import date

from django.db import connection

SCHEDULE = [(-90, "certification_expiring"), (-30, "certification_expiring")]
SCHEDULE += [(-7, "certification_expiring"), (1, "certification_expired")]


def _install_schedule() -> list[int]:
    from certtrack.certification.models import Program, ReminderStep

    ids = list(Program.objects.filter(validity_months__isnull=False).values_list("pk", flat=True))
    ReminderStep.objects.bulk_create(
        ReminderStep(program_id=p, offset_days=o, template=t) for p in ids for o, t in SCHEDULE
    )
    return ids


def _remove_everything() -> None:
    from certtrack.certification.models import ReminderStep
    from certtrack.notifications.models import Email

    Email.objects.filter(kind="reminder").delete()
    ReminderStep.objects.all().delete()


def floor_sql(today: date, days: int, program_ids: list[int]) -> list[tuple]:
    """The same rows by hand: one range per step, the outbox anti-join, one round trip."""
    from certtrack.notifications import reminders

    steps = [reminders.Step(o, t) for o, t in SCHEDULE]
    parts, params = [], []
    for step, lo, hi in reminders.ranges(steps, today, days):
        parts.append(
            "SELECT e.id, e.contact_id, e.program_id, e.period_number, e.cycle, e.expires_on, "
            "%s AS step FROM certification_enrollment e "
            "WHERE e.status IN ('active', 'expiring', 'expired') "
            "AND e.expires_on BETWEEN %s AND %s "
            f"AND e.program_id IN ({', '.join(['%s'] * len(program_ids))}) "
            "AND NOT EXISTS (SELECT 1 FROM notifications_email m WHERE m.enrollment_id = e.id "
            "AND m.kind = 'reminder' AND m.step = %s AND m.period = e.period_number "
            "AND m.cycle = e.cycle) "
            "AND NOT EXISTS (SELECT 1 FROM notifications_reminderoptout o "
            "WHERE o.enrollment_id = e.id)"
        )
        params += [step.offset_days, lo, hi, *program_ids, step.offset_days]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def preview_figure(report, runs: int, today: date, program_ids: list[int]) -> None:
    from certtrack.notifications import reminders

    ours, floor = [], []
    for _ in range(runs + 1):  # the first of each is a warm-up
        started = time.perf_counter()
        owed = reminders.owed(today, 30)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        rows = floor_sql(today, 30, program_ids)
        floor.append(time.perf_counter() - started)
    assert {(o.enrollment_id, o.step.offset_days) for o in owed} == {(r[0], r[6]) for r in rows}
    a, b = statistics.median(ours[1:]), statistics.median(floor[1:])
    report.figure(
        "reminder_preview_30d",
        a * 1000,
        "ms",
        a / b,
        "<=3x",
        a <= 3 * b,
        f"{len(owed)} reminders; hand-written SQL {b * 1000:.0f} ms",
    )


def worker_figure(report, today: date, due: int = 10_000) -> None:
    from certtrack.notifications import reminders
    from certtrack.notifications.models import Email
    from certtrack.operations.management.commands.worker import run_pass

    owed = reminders.owed(today, 1)
    extra = owed[due:]
    # Mark the rest as sent earlier, so exactly `due` steps are owed on this pass.
    Email.objects.bulk_create(
        (
            Email(
                enrollment_id=o.enrollment_id,
                kind="reminder",
                step=o.step.offset_days,
                period=o.period,
                cycle=o.cycle,
                status="sent",
                created_at=reminders_now(),
                next_attempt_at=reminders_now(),
            )
            for o in extra
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:  # as autovacuum would have after those passes
        cursor.execute("ANALYZE notifications_email")
    # The pass as the worker runs it, its reminder step timed on its own first (the same
    # steps in the same order: time transitions and renewals find nothing due after it).
    started = time.perf_counter()
    queued = reminders.queue_reminders(reminders_now())
    queueing = time.perf_counter() - started
    result = run_pass()
    seconds = time.perf_counter() - started
    sent = result.get("deliver_due", 0)
    print(f"# reminder pass: queueing {queueing:.2f} s, the rest {seconds - queueing:.2f} s")
    report.figure(
        f"reminder_worker_{due}_due",
        seconds,
        "s",
        seconds / 20,
        "<=20s",
        seconds <= 20 and queued == min(due, len(owed)),
        f"reminders queued {queued}, emails sent {sent}",
    )


def reminders_now():
    from certtrack import clock

    return clock.now()


def run(report, runs: int) -> None:
    """Both figures; the schedule and every reminder row are removed afterwards."""
    from certtrack import clock
    from certtrack.certification.models import GeneralSettings

    today = GeneralSettings.get().as_of(clock.now()).today
    _remove_everything()
    try:
        ids = _install_schedule()
        preview_figure(report, runs, today, ids)
        worker_figure(report, today)
    finally:
        _remove_everything()
