"""The what-if at 100,000 holders: `python -m bench.whatif_scale [--prepare] [--apply] [--profile]`.

On a generated data set (`bench.generate --enrollments 500000` is enough: 150,000 contacts).

`--prepare` (once, committed): a History row for each enrollment's first status (as
`bench.asof` adds them, when History is empty), then holders of other programs — one per
contact without a row in it — are moved into the program with the most holders until it
has 100,000; then VACUUM (ANALYZE).

Each run first VACUUMs (ANALYZE) the tables an apply writes (a rolled-back apply leaves
100,000 dead rows in each: without it, every run would be slower than the last), then, in
one transaction rolled back, times the preview of the program's validity + 13 months
(every holder's date moves) and, with `--apply`, the change applied to existing holders;
it checks that the preview's effect equals the applied one, one History row per changed
enrollment, every moved date equal to `expiry_for` (Python) of its period's start, and
the count aggregate equal to COUNT(*) (`counts.mismatches`). `--profile`: cProfile of
the apply.
"""

import cProfile
import os
import pstats
import sys
import time

from . import env

TARGET = 100_000
MOVE_SQL = """
UPDATE certification_enrollment SET program_id = %(program)s WHERE id IN (
  SELECT id FROM (SELECT DISTINCT ON (e.contact_id) e.id FROM certification_enrollment e
    WHERE e.program_id <> %(program)s AND e.period_number > 0 AND e.status = ANY(%(holding)s)
      AND NOT EXISTS (SELECT 1 FROM certification_enrollment x
                      WHERE x.contact_id = e.contact_id AND x.program_id = %(program)s)
    ORDER BY e.contact_id, e.id) s
  LIMIT %(missing)s)
"""
HISTORY_SQL = """
INSERT INTO certification_history
    (at, actor, actor_kind, enrollment_id, contact_id, action, from_status, to_status,
     changes, reason, object_type, object_label)
SELECT (COALESCE(e.applied_on, e.started_on, e.activated_on, DATE '2020-01-01')
        + TIME '12:00') AT TIME ZONE 'UTC',
       'bench', 'system', e.id, e.contact_id, 'add', '',
       CASE WHEN e.status IN ('active', 'expiring', 'expired') THEN 'active'
            WHEN e.status IN ('applied', 'declined') THEN 'applied'
            ELSE 'in_progress' END,
       '{}', '', '', ''
FROM certification_enrollment e
"""
TABLES = ("certification_enrollment", "certification_period", "certification_history")


class _Back(Exception):
    pass


def _vacuum(connection) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (*TABLES, "certification_enrollmentcount", "notifications_email"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"# vacuumed in {time.perf_counter() - started:.1f}s", flush=True)


def main() -> None:
    os.environ.setdefault("CERTTRACK_ALLOWED_HOSTS", "testserver")
    env.setup("full")
    from django.db import connection, transaction
    from django.db.models import Count

    from certtrack.accounts.models import User
    from certtrack.certification import counts, whatif
    from certtrack.certification.actors import Actor
    from certtrack.certification.models import Enrollment, History, Program

    if connection.vendor != "postgresql":
        raise SystemExit("bench.whatif_scale: PostgreSQL only.")
    holding = [str(s) for s in whatif.HOLDING]
    holders = Enrollment.objects.filter(period_number__gt=0, status__in=holding)
    big = holders.values("program_id").annotate(n=Count("*")).order_by("-n").first()
    program = Program.objects.get(pk=big["program_id"])
    if "--prepare" in sys.argv:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if not History.objects.exists():
                cursor.execute(HISTORY_SQL)
            if big["n"] < TARGET:
                params = {"program": program.pk, "holding": holding, "missing": TARGET - big["n"]}
                cursor.execute(MOVE_SQL, params)
        counts.fold()
        print(f"# prepared in {time.perf_counter() - started:.0f}s", flush=True)
        big["n"] = holders.filter(program=program).count()
    _vacuum(connection)
    actor = Actor.staff(User.objects.get_or_create(email="bench@example.com")[0])
    # + 13: no program has 37 months, so every holder's date moves (the worst case).
    new = (program.validity_months or 24) + 13
    print(f"# {program.code}: {big['n']} holders, validity {program.validity_months} → {new}")
    try:
        with transaction.atomic():
            history = History.objects.count()
            started = time.perf_counter()
            effect = whatif.preview_change(program.pk, actor, validity_months=new)
            took = time.perf_counter() - started
            print(f"BENCH whatif_preview_100k {took * 1000:.0f} ms target=5s", flush=True)
            print(f"# {effect.enrollments_changed} would change: {effect.status_changes}")
            if "--apply" in sys.argv:
                profile = cProfile.Profile() if "--profile" in sys.argv else None
                started = time.perf_counter()
                if profile:
                    profile.enable()
                _, applied = whatif.change_program(
                    program.pk, actor, apply_to_existing=True, validity_months=new
                )
                took = time.perf_counter() - started
                if profile:
                    profile.disable()
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
                print(f"BENCH whatif_apply_100k {took * 1000:.0f} ms target=60s", flush=True)
                print(f"# preview = apply: {applied.as_dict() == effect.as_dict()}", flush=True)
                logged = History.objects.count() - history
                print(f"# History rows: {logged} (changed {applied.enrollments_changed})")
                wrong = _dates_wrong(program, new, holding)
                print(f"# holders whose date is not expiry_for(start): {wrong}", flush=True)
                started = time.perf_counter()
                print(
                    f"# count aggregate keys wrong: {len(counts.mismatches())} "
                    f"({time.perf_counter() - started:.1f}s)",
                    flush=True,
                )
            raise _Back
    except _Back:
        print("# rolled back", flush=True)


def _dates_wrong(program, validity: int, holding: list[str]) -> int:
    """Holders whose stored and period dates are not `expiry_for` of the period's start."""
    from django.db.models import F

    from certtrack.certification.dates import expiry_for
    from certtrack.certification.models import Enrollment

    rows = Enrollment.objects.filter(
        program=program,
        period_number__gt=0,
        status__in=holding,
        periods__number=F("period_number"),
    ).values_list("expires_on", "periods__activated_on", "periods__expires_on")
    return sum(
        1
        for stored, start, period in rows.iterator(chunk_size=10_000)
        if start is not None and not (stored == period == expiry_for(start, validity))
    )


if __name__ == "__main__":
    main()
