"""The scale benchmark (issue 18): `python -m bench.scale measure|compare`.

`measure` times the main figures on the database CERTTRACK_DATABASE_URL names and writes
them to bench/data/scale-<enrollments>.json; `compare SMALL LARGE` prints each figure's
growth (time at LARGE ÷ time at SMALL):

    BENCH scale_<figure> <small> ms -> <large> ms ratio=<x> target=<=1.5x ok|miss

then `bench: N ok, M miss`. Every figure is a median of `--runs` runs, in-process
(django.test.Client, signed in as a staff user), after one warm-up.

Figures: the worker's passes, the Quick Filter counts, the first page of each Quick
Filter option and of Active by each sort key, the page *after* the middle row of a
result (keyset "Next" however far in: `next_*`), a status change, a completion, a fold
of the count aggregate after 20 writes, the worker's whole pass with 10,000 rows due.
Also, at each size, each status's first page's
SQL (every statement of the Tracking page that reads the enrollments or their counts)
against the hand-written `… ORDER BY key LIMIT 50` on the same index, no count
(`floor_*`, target ≤ 3×: issue 18's new floor).
"""

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from . import env

STATUSES = [
    *("in_progress", "applied", "declined", "active", "inactive", "expired"),
    *("not_completed", "admin_review", "expiring", "cancelled"),
]
SORTS = ["contact", "program", "status", "expires_on", "activated_on", "applied_on"]
TARGET = 1.5
FLOOR_TARGET = 3.0
# Keyset "Next" after the middle row: (name, Tracking params).
NEXT_PAGES = [
    *((f"next_active_by_{key}", {"status": "active", "ordering": key}) for key in SORTS),
    ("next_all", {}),
    ("next_all_by_status", {"ordering": "status"}),
    ("next_all_by_expires_on_descending", {"ordering": "-expires_on"}),
]


def _median(fn, runs: int, before=None) -> float:
    """`fn`'s median time over `runs` runs after a warm-up (`before()` untimed, each)."""
    times = []
    for _ in range(runs + 1):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])  # the first: the warm-up (caches, plans)


def _middle_row(params: dict, as_of) -> int:
    """The id of the row halfway through `params`' Tracking result, in its order."""
    from certtrack.certification import counts
    from certtrack.certification.tracking import tracking_queryset

    rows = tracking_queryset(params, as_of, current_status=False)
    return rows.values_list("pk", flat=True)[counts.total(params, as_of) // 2]


def measure(runs: int, only: set[str] | None = None, skip: frozenset = frozenset()) -> dict:
    """Each figure's median time in ms on the current database (those in `only` if given)."""
    from django.test import Client

    from certtrack import clock
    from certtrack.accounts.models import User
    from certtrack.certification import counts, services
    from certtrack.certification.actors import Actor
    from certtrack.certification.models import Enrollment, GeneralSettings, ProgramComponent
    from certtrack.certification.worker import record_time_transitions

    user, _ = User.objects.get_or_create(
        email="bench@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")  # an allowed host (not the test runner's)
    client.force_login(user)
    figures: dict[str, float] = {}

    def page(params: dict, path: str = "/staff/tracking/") -> None:
        response = client.get(path, params)
        assert response.status_code == 200, (params, response.status_code)

    def timed(name: str, fn, before=None) -> None:
        if (only and name not in only) or name in skip:
            return
        figures[name] = _median(fn, runs, before) * 1000
        print(f"# {name}: {figures[name]:.1f} ms", flush=True)

    counts.fold_counts(clock.now())
    now = clock.now()
    record_time_transitions(now)  # catch up once: later passes have nothing due
    counts.fold_counts(now)  # the pass's next step: fold (and vacuum, as it would)
    timed("worker_nothing_due", lambda: record_time_transitions(now))
    timed("quick_filter_counts", lambda: page({}, "/staff/tracking/quick/"))
    as_of = GeneralSettings.get().as_of(now)
    timed("status_counts", lambda: counts.status_counts(as_of))
    timed("page_all", lambda: page({}))
    for status in STATUSES:
        timed(f"page_{status}", lambda s=status: page({"status": s}))
    for key in SORTS:
        timed(f"page_active_by_{key}", lambda k=key: page({"status": "active", "ordering": k}))
    timed("page_all_by_status", lambda: page({"ordering": "status"}))
    program = Enrollment.objects.order_by("program_id").values_list("program_id", flat=True)[0]
    timed("page_program", lambda: page({"program": program}))
    for name, params in NEXT_PAGES:
        if (only and name not in only) or name in skip:
            continue
        after = _middle_row(params, as_of)
        timed(name, lambda p=params, a=after: page({**p, "after": a}))

    # Writes: each run on another row (its aggregate rows included, by the triggers).
    actor = Actor.system("bench")
    in_progress = iter(
        Enrollment.objects.filter(status="in_progress").order_by("-id").values_list("id", flat=True)
    )
    timed(
        "status_change",
        lambda: services.perform(next(in_progress), "set_inactive", actor, now=now),
    )
    open_rows = iter(
        Enrollment.objects.filter(status="in_progress")
        .order_by("id")
        .values_list("contact_id", "program_id")[:100]
    )

    def complete() -> None:
        contact, program = next(open_rows)
        link = ProgramComponent.objects.filter(program_id=program).first()
        services.record_completion(contact, link.component_id, as_of.today, actor, now=now)

    timed("completion", complete)
    changing = iter(
        Enrollment.objects.filter(status="in_progress").order_by("id").values_list("id", flat=True)
    )

    def twenty_writes() -> None:  # untimed: the rows a fold then adds up (120)
        for _ in range(20):
            services.perform(next(changing), "set_inactive", actor, now=now)

    timed("fold_counts", counts.fold, before=twenty_writes)
    if (not only or "worker_10000_due" in only) and "worker_10000_due" not in skip:
        # The whole pass (run_pass: transitions, emails delivered, fold, …) with 10,000
        # rows due, as bench.run measures it (undone after each run), of one mix.
        from .run import due_pass

        # The same work at every size: 2,000 Expiring and 500 recently Expired rows (an
        # email each), 7,500 Active rows stored Expired (no email).
        as_of_now = GeneralSettings.get().as_of(clock.now())
        seconds, moved, _ = due_pass(as_of_now, 10_000, runs, quotas=[2000, 500, 0, 7500])
        counts.fold_counts(now)  # the undoing's own writes, as the worker's next pass would
        figures["worker_10000_due"] = seconds * 1000
        print(f"# worker_10000_due: {seconds * 1000:.1f} ms (transitions {moved})", flush=True)
    later = now + timedelta(days=1)
    record_time_transitions(later)
    timed("worker_nothing_due_next_day", lambda: record_time_transitions(later))
    return figures


def floors(runs: int) -> dict[str, list[float]]:
    """Each status's first Tracking page: the SQL it runs on the enrollments and their
    counts, and the hand-written page query on the same index (no count), in ms."""
    from django.db import connection
    from django.test import Client

    from certtrack import clock
    from certtrack.accounts.models import User
    from certtrack.certification import counts
    from certtrack.certification.models import GeneralSettings

    from .floor import E, status_sql

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email="bench@example.com"))
    as_of = GeneralSettings.get().as_of(clock.now())
    counts.fold_counts(clock.now())  # as the worker's pass after the last writes
    spent: list[float] = []

    def timing(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if E in sql:  # the enrollments, or their count aggregate
                spent.append(time.perf_counter() - started)

    def product_sql(status: str) -> float:
        spent.clear()
        with connection.execute_wrapper(timing):
            assert client.get("/staff/tracking/", {"status": status}).status_code == 200
        return sum(spent)

    def hand_written(status: str) -> float:
        where, params = status_sql(status, as_of.today, as_of.notice_days)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.* FROM {E} e JOIN certification_contact c ON c.id = e.contact_id "
                f"WHERE {where} ORDER BY c.sort_last_name, c.sort_first_name, e.id LIMIT 50",
                params,
            )
            cursor.fetchall()
        return time.perf_counter() - started

    out = {}
    for status in STATUSES:
        product, floor = [], []
        for _ in range(runs + 1):
            product.append(product_sql(status))
            floor.append(hand_written(status))
        out[status] = [statistics.median(product[1:]) * 1000, statistics.median(floor[1:]) * 1000]
        print(f"# floor_{status}: {out[status][0]:.2f} ms / {out[status][1]:.2f} ms", flush=True)
    return out


def compare(small: dict, large: dict) -> int:
    """Print each figure's growth; return the number of misses."""
    ok = miss = 0
    for name, before in small["figures"].items():
        after = large["figures"].get(name)
        if after is None:
            continue
        ratio = after / before if before else float("inf")
        passed = ratio <= TARGET
        ok, miss = ok + passed, miss + (not passed)
        print(
            f"BENCH scale_{name} {before:.1f} ms -> {after:.1f} ms ratio={ratio:.2f} "
            f"target=<={TARGET}x {'ok' if passed else 'miss'}",
            flush=True,
        )
    for data in (small, large):
        for status, (product, floor) in data.get("floors", {}).items():
            ratio = product / floor if floor else float("inf")
            passed = ratio <= FLOOR_TARGET
            ok, miss = ok + passed, miss + (not passed)
            print(
                f"BENCH scale_floor_{status}_{data['enrollments']} {product:.2f} ms vs SQL "
                f"{floor:.2f} ms ratio={ratio:.2f} target=<={FLOOR_TARGET:g}x "
                f"{'ok' if passed else 'miss'}",
                flush=True,
            )
    print(f"bench: {ok} ok, {miss} miss ({small['enrollments']} -> {large['enrollments']})")
    return miss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["measure", "compare"])
    parser.add_argument("files", nargs="*", help="compare: the two JSON files")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--only",
        default="",
        help="measure: figures to time, comma-separated (e.g. page_active_by_program); "
        "the others keep their values in the JSON file",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="measure: figures not to time, comma-separated (e.g. worker_10000_due)",
    )
    args = parser.parse_args(argv)
    if args.command == "compare":
        small, large = (json.loads(Path(path).read_text()) for path in args.files)
        compare(small, large)
        return
    env.setup("full")
    from certtrack.certification.models import Enrollment

    enrollments = Enrollment.objects.count()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    skip = frozenset(name.strip() for name in args.skip.split(",") if name.strip())
    figures = measure(args.runs, only or None, skip)
    out = env.DATA_DIR / f"scale-{enrollments}.json"
    kept = json.loads(out.read_text()) if only and out.exists() else {}
    figures = kept.get("figures", {}) | figures
    floor_ = floors(args.runs) if not only or "floors" in only else kept.get("floors", {})
    data = {"enrollments": enrollments, "figures": figures, "floors": floor_}
    out.write_text(json.dumps(data, indent=1))
    print(f"# wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
