"""The cost of delivering queued emails: `python -m bench.delivery [--emails N] [--runs R]`.

Delivery's cost follows the emails due, not the size of the database, so this needs no
1M data set: it generates a small one (`--enrollments`, 20,000 by default) if the
database holds none, queues N "certification earned" emails for certified enrollments
(rendered from their template, as the worker's bulk mail is) and times `deliver_due` to
the locmem backend, committed as in production. The queued rows are deleted after each
run. Options `--profile FILE` writes a cProfile of the last run.

The database: CERTTRACK_DATABASE_URL (its name must contain "bench"), else an SQLite
file under bench/data/.
"""

import argparse
import cProfile
import statistics
import sys
import time

from . import env, generate


def _queue(count: int, now) -> int:
    from certtrack.certification.models import Enrollment
    from certtrack.notifications.models import Email

    ids = list(
        Enrollment.objects.filter(status__in=["active", "expiring"], expires_on__gt=now.date())
        .order_by("id")
        .values_list("id", "cycle", "period_number")[:count]
    )
    Email.objects.bulk_create(
        [
            Email(
                enrollment_id=pk,
                kind="certification_earned",
                cycle=cycle,
                period=period or 0,
                data={"today": now.date().isoformat()},
                created_at=now,
                next_attempt_at=now,
            )
            for pk, cycle, period in ids
        ],
        batch_size=2000,
    )
    return len(ids)


def _clear() -> None:
    from certtrack.notifications.models import Email

    Email.objects.all().delete()


def run(emails: int, runs: int, profile: str | None) -> tuple[list[float], int]:
    from django.core import mail

    from certtrack import clock
    from certtrack.notifications.delivery import deliver_due

    times = []
    for index in range(runs + 1):  # the first is a warm-up, of a few hundred
        _clear()
        now = clock.now()
        queued = _queue(emails if index else min(emails, 300), now)
        mail.outbox = []
        profiler = cProfile.Profile() if profile and index == runs else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        sent = deliver_due(now)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        seconds = time.perf_counter() - started
        assert sent == queued == len(mail.outbox), (sent, queued, len(mail.outbox))
        if index:
            times.append(seconds)
        each = seconds / sent * 1000
        print(f"# run {index}: {sent} emails in {seconds:.2f} s ({each:.2f} ms each)")
    _clear()
    return times, queued


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--enrollments", type=int, default=20_000)
    parser.add_argument("--profile", help="write a cProfile of the last run to this file")
    args = parser.parse_args(argv)
    generate.ensure_database_exists("delivery")
    env.setup("delivery")
    from django.core.management import call_command
    from django.db import connection

    if not generate.present(args.enrollments):
        generate.generate(args.enrollments)
    else:
        call_command("migrate", verbosity=0)
    times, queued = run(args.emails, args.runs, args.profile)
    median = statistics.median(times)
    print(
        f"BENCH deliver_{queued} {median:.2f} s ({median / queued * 1000:.2f} ms"
        f" per email) on {connection.vendor}; runs: {', '.join(f'{t:.2f}' for t in times)}"
    )


if __name__ == "__main__":
    sys.exit(main())
