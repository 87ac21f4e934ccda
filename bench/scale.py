"""The scale benchmark (issue 18): `python -m bench.scale measure|compare`.

`measure` times the main figures on the database CERTTRACK_DATABASE_URL names and writes
them to bench/data/scale-<enrollments>.json; `compare SMALL LARGE` prints each figure's
growth (time at LARGE ÷ time at SMALL):

    BENCH scale_<figure> <small> ms -> <large> ms ratio=<x> target=<=1.5x ok|miss

then `bench: N ok, M miss`. Every figure is a median of `--runs` runs, in-process
(django.test.Client, signed in as a staff user), after one warm-up.
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


def _median(fn, runs: int) -> float:
    fn()  # warm-up: caches, plans
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(runs: int, only: set[str] | None = None) -> dict[str, float]:
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

    def timed(name: str, fn) -> None:
        if only and name not in only:
            return
        figures[name] = _median(fn, runs) * 1000
        print(f"# {name}: {figures[name]:.1f} ms", flush=True)

    counts.fold()
    now = clock.now()
    record_time_transitions(now)  # catch up once: later passes have nothing due
    timed("worker_nothing_due", lambda: record_time_transitions(now))
    timed("quick_filter_counts", lambda: page({}, "/staff/tracking/quick/"))
    as_of = GeneralSettings.get().as_of(now)
    timed("status_counts", lambda: counts.status_counts(as_of))
    timed("page_all", lambda: page({}))
    for status in STATUSES:
        timed(f"page_{status}", lambda s=status: page({"status": s}))
    for key in SORTS:
        timed(f"page_active_by_{key}", lambda k=key: page({"status": "active", "ordering": k}))
    program = Enrollment.objects.order_by("program_id").values_list("program_id", flat=True)[0]
    timed("page_program", lambda: page({"program": program}))

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
    timed("fold_counts", lambda: counts.fold())
    later = now + timedelta(days=1)
    record_time_transitions(later)
    timed("worker_nothing_due_next_day", lambda: record_time_transitions(later))
    return figures


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
    args = parser.parse_args(argv)
    if args.command == "compare":
        small, large = (json.loads(Path(path).read_text()) for path in args.files)
        compare(small, large)
        return
    env.setup("full")
    from certtrack.certification.models import Enrollment

    enrollments = Enrollment.objects.count()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    figures = measure(args.runs, only or None)
    out = env.DATA_DIR / f"scale-{enrollments}.json"
    if only and out.exists():
        figures = json.loads(out.read_text())["figures"] | figures
    out.write_text(json.dumps({"enrollments": enrollments, "figures": figures}, indent=1))
    print(f"# wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
