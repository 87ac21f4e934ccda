"""PRODUCT.md §11 figures: `python -m bench.asof [--runs N] [--what-if]` on a generated
data set (`bench.generate`).

The generator writes enrollments only; this first adds what the as-of reads need, in
SQL (idempotent): a History row for each enrollment's first status (and a second one
for the staff-set final statuses, 45 days later) and period 1 of every certified row.
Then, each a median of `--runs`, against hand-written SQL floors on the same connection
(LATERAL lookups of the last History status and the covering period):

    BENCH asof_list   — GET /api/v1/enrollments?as_of=D (count + first page of 50)
    BENCH asof_counts — GET /api/v1/enrollments/status-counts?as_of=D
    target: ≤ 3× the floor

and with `--what-if`, on the program with the most holders: POST preview-change of a
validity change (target ≤ 5 s) and the PATCH applying it to existing holders (≤ 60 s,
measured once: it changes the data).
"""

import argparse
import json
import os
import statistics
import time
from datetime import date, datetime

from . import env

AS_OF = date(2024, 3, 1)

HISTORY_SQL = """
INSERT INTO certification_history
    (at, actor, actor_kind, enrollment_id, contact_id, action, from_status, to_status,
     changes, reason)
SELECT (COALESCE(e.applied_on, e.started_on, e.activated_on, DATE '2020-01-01')
        + TIME '12:00') AT TIME ZONE 'UTC',
       'bench', 'system', e.id, e.contact_id, 'add', '',
       CASE WHEN e.status IN ('active', 'expiring', 'expired') THEN 'active'
            WHEN e.status IN ('applied', 'declined') THEN 'applied'
            ELSE 'in_progress' END,
       '{}', ''
FROM certification_enrollment e;
ANALYZE certification_history;

INSERT INTO certification_history
    (at, actor, actor_kind, enrollment_id, contact_id, action, from_status, to_status,
     changes, reason)
SELECT h.at + INTERVAL '45 days', 'bench', 'system', e.id, e.contact_id, 'bench', h.to_status,
       e.status, '{}', ''
FROM certification_enrollment e
JOIN certification_history h ON h.enrollment_id = e.id AND h.action = 'add'
WHERE e.status IN ('cancelled', 'declined', 'inactive', 'not_completed', 'admin_review');

INSERT INTO certification_period (enrollment_id, number, activated_on, expires_on, source,
                                  created_at)
SELECT e.id, 1, e.activated_on, e.expires_on, 'earned', now()
FROM certification_enrollment e
WHERE e.activated_on IS NOT NULL AND e.certificate_number IS NOT NULL;

UPDATE certification_enrollment SET period_number = 1
WHERE activated_on IS NOT NULL AND certificate_number IS NOT NULL;
ANALYZE certification_history;
ANALYZE certification_period;
ANALYZE certification_enrollment;
"""
# Run once on a freshly generated set (`main` skips it when History has rows). No NOT EXISTS
# guards: against a table being filled, with an empty table's estimates, they were planned
# as nested loops re-reading the growing heap (quadratic: 15 minutes for one statement).

# The floor: the same question by hand — the last History status by the end of D and the
# period covering D, each by one LATERAL index lookup, the same CASE.
STATUS_SQL = """
CASE WHEN h.s IN ('inactive', 'cancelled', 'declined', 'not_completed') THEN h.s
     WHEN p.u IS NOT NULL AND h.s IS NULL AND p.u < %(day)s THEN NULL
     WHEN p.u IS NOT NULL THEN CASE WHEN p.u < %(day)s THEN 'expired'
                                    WHEN p.u <= %(exp)s THEN 'expiring' ELSE 'active' END
     ELSE h.s END
"""
FROM_SQL = """
FROM certification_enrollment e
LEFT JOIN LATERAL (SELECT to_status AS s FROM certification_history x
                   WHERE x.enrollment_id = e.id AND x.at < %(end)s AND x.to_status <> ''
                   ORDER BY x.at DESC, x.id DESC LIMIT 1) h ON true
LEFT JOIN LATERAL (SELECT COALESCE(q.expires_on, DATE '9999-12-31') AS u
                   FROM certification_period q
                   WHERE q.enrollment_id = e.id AND q.activated_on <= %(day)s
                   ORDER BY q.number DESC LIMIT 1) p ON true
"""


def floor_counts(cursor, params) -> dict:
    cursor.execute(
        f"SELECT s, count(*) FROM (SELECT {STATUS_SQL} AS s {FROM_SQL}) z "
        "WHERE s IS NOT NULL GROUP BY s",
        params,
    )
    return dict(cursor.fetchall())


def floor_list(cursor, params) -> list:
    cursor.execute(
        f"SELECT count(*) FROM (SELECT {STATUS_SQL} AS s {FROM_SQL}) z WHERE s IS NOT NULL",
        params,
    )
    cursor.fetchone()
    cursor.execute(
        f"SELECT e.id, s FROM (SELECT e.id, {STATUS_SQL} AS s {FROM_SQL}) e "
        "JOIN certification_enrollment en ON en.id = e.id "
        "JOIN certification_contact c ON c.id = en.contact_id "
        "WHERE s IS NOT NULL ORDER BY c.sort_last_name, c.sort_first_name, e.id LIMIT 50",
        params,
    )
    return cursor.fetchall()


def median(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def line(name: str, value: float, floor: float | None, target: str, ok: bool) -> None:
    ratio = f"{value / floor:.2f}" if floor else "-"
    print(
        f"BENCH {name} {value * 1000:.0f} ms ratio={ratio} target={target} "
        f"{'ok' if ok else 'miss'}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--what-if", action="store_true")
    parser.add_argument("--what-if-only", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("CERTTRACK_ALLOWED_HOSTS", "testserver")  # django.test.Client's host
    env.setup("full")
    from django.db import connection
    from django.test import Client

    from certtrack import clock
    from certtrack.accounts.models import ApiToken, User
    from certtrack.certification.asof import Day
    from certtrack.certification.models import Enrollment, GeneralSettings

    if connection.vendor != "postgresql":
        raise SystemExit("bench.asof: PostgreSQL only (its floors are LATERAL queries).")
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM certification_history)")
        if not cursor.fetchone()[0]:
            cursor.execute("SET session_replication_role = replica")  # generated: no FK checks
            for statement in filter(str.strip, HISTORY_SQL.split(";")):
                cursor.execute(statement)
            cursor.execute("SET session_replication_role = DEFAULT")
    print(f"# history and periods ready in {time.monotonic() - started:.0f}s", flush=True)
    user, _ = User.objects.get_or_create(
        email="bench@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, 'bench-asof')[1]}")
    settings = GeneralSettings.get()
    day = Day.of(
        AS_OF, settings.time_zone, settings.expiring_notice_days, settings.today(clock.now())
    )
    params = {"day": AS_OF, "exp": day.expiring_from, "end": day.end}
    if args.what_if_only:
        return what_if(client, None)
    total = Enrollment.objects.count()
    print(f"# {total} enrollments, as_of={AS_OF}", flush=True)

    def api(path: str, query: dict):
        response = client.get(path, query)
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        return response

    with connection.cursor() as cursor:
        counts_floor = median(lambda: floor_counts(cursor, params), args.runs)
        expected = floor_counts(cursor, params)
        list_floor = median(lambda: floor_list(cursor, params), args.runs)
        floor_ids = [row[0] for row in floor_list(cursor, params)]
    body = api("/api/v1/enrollments/status-counts", {"as_of": AS_OF.isoformat()}).json()
    assert {k: v for k, v in body["counts"].items() if v} == expected, (body, expected)
    page = api("/api/v1/enrollments", {"as_of": AS_OF.isoformat(), "page_size": 50}).json()
    assert [r["id"] for r in page["results"]] == floor_ids, "the list and its floor differ"
    counts_time = median(
        lambda: api("/api/v1/enrollments/status-counts", {"as_of": AS_OF.isoformat()}), args.runs
    )
    list_time = median(
        lambda: api("/api/v1/enrollments", {"as_of": AS_OF.isoformat(), "page_size": 50}),
        args.runs,
    )
    line("asof_counts", counts_time, counts_floor, "3x", counts_time <= 3 * counts_floor)
    line("asof_list", list_time, list_floor, "3x", list_time <= 3 * list_floor)
    print(f"# floors: counts {counts_floor * 1000:.0f} ms, list {list_floor * 1000:.0f} ms")

    if args.what_if:
        what_if(client, api)


def what_if(client, api) -> None:
    from django.db.models import Count

    from certtrack.certification.models import Enrollment, Program

    biggest = (
        Enrollment.objects.filter(period_number__gt=0)
        .values("program_id")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    program = Program.objects.get(pk=biggest["program_id"])
    new = (program.validity_months or 24) + 12
    print(f"# what-if on {program.code}: {biggest['n']} holders, validity → {new}", flush=True)
    body = json.dumps({"validity_months": new})
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/programs/{program.pk}/preview-change", body, content_type="application/json"
    )
    print(f"# preview: {response.json().get('enrollments_changed')} would change", flush=True)
    preview = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    changed = response.json()["enrollments_changed"]
    line("whatif_preview", preview, None, "5s", preview <= 5)
    started = time.perf_counter()
    response = client.patch(
        f"/api/v1/programs/{program.pk}",
        json.dumps({"validity_months": new, "apply_to_existing": True}),
        content_type="application/json",
    )
    applied = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    line("whatif_apply", applied, None, "60s", applied <= 60)
    print(f"# {changed} enrollments changed; at {datetime.now():%H:%M}", flush=True)


if __name__ == "__main__":
    main()
