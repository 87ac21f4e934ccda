"""The benchmark: `python -m bench.run --size full|quick`.

Every figure is a median of several runs, measured in-process through
`django.test.Client` with a real bearer token (no network noise), against the floor
(`bench.floor`, hand-written SQL on the same connection) in the same run. Prints one
line per figure:

    BENCH <name> <value> <unit> ratio=<x> target=<y> ok|miss

then `bench: N ok, M miss`. A figure that cannot be measured (its feature is not
there) is printed as a miss with the reason after `#`.
"""

import argparse
import contextlib
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from urllib.parse import urlencode

from . import env
from . import reminders as reminders_bench

# A Tracking tab row: <tr data-enrollment="123">
ROW_ID = re.compile(r'<tr data-enrollment="([0-9]+)"')


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    ok: int = 0
    miss: int = 0
    figures: dict[str, dict] = field(default_factory=dict)

    def figure(
        self,
        name: str,
        value: float | None,
        unit: str,
        ratio: float | None,
        target: str,
        passed: bool,
        reason: str = "",
    ) -> None:
        shown = "-" if value is None else f"{value:.4g}" if value < 1000 else f"{value:.0f}"
        line = (
            f"BENCH {name} {shown} {unit} ratio={'-' if ratio is None else f'{ratio:.2f}'} "
            f"target={target} {'ok' if passed else 'miss'}"
        )
        if reason:
            line += f"  # {reason}"
        print(line, flush=True)
        self.lines.append(line)
        self.figures[name] = {"value": value, "unit": unit, "ratio": ratio, "ok": passed}
        if passed:
            self.ok += 1
        else:
            self.miss += 1

    def missing(self, name: str, unit: str, target: str, reason: str) -> None:
        self.figure(name, None, unit, None, target, False, reason)


def median_time(fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
    """Median wall time of `fn` in seconds, after `warmup` unmeasured calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def paired_medians(a: Callable[[], object], b: Callable[[], object], runs: int) -> tuple:
    """Median times of `a` and `b`, measured in turns so both see the same machine load."""
    a(), b()
    times_a, times_b = [], []
    for _ in range(runs):
        for fn, times in ((a, times_a), (b, times_b)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(times_a), statistics.median(times_b)


class Bench:
    """The measurements, sharing one client, one token and one `as_of`."""

    def __init__(self, runs: int, report: Report):
        from django.test import Client

        from certtrack import clock
        from certtrack.accounts.models import ApiToken, User
        from certtrack.certification.models import Enrollment, GeneralSettings

        self.runs = runs
        self.report = report
        user, _ = User.objects.get_or_create(
            email="bench@example.com", defaults={"is_staff": True, "is_superuser": True}
        )
        _, key = ApiToken.issue(user, "benchmark")
        self.user = user
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        self.as_of = GeneralSettings.get().as_of(clock.now())
        self.program = (
            Enrollment.objects.values_list("program_id", flat=True).order_by("program_id").first()
        )
        self.fixed: float | None = None

    # -- helpers ---------------------------------------------------------------------

    def get(self, path: str, params: dict | None = None, client=None):
        response = (client or self.client).get(path, params or {})
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params} -> {response.status_code}")
        return response

    def api_available(self, path: str) -> bool:
        return self.client.get(path).status_code != 404

    def fixed_cost(self) -> float:
        """The framework's fixed cost: an empty authenticated API call."""
        if self.fixed is None:
            self.fixed = median_time(lambda: self.get("/api/v1/ping"), max(self.runs, 9), 3)
            print(f"# fixed cost (GET /api/v1/ping): {self.fixed * 1000:.2f} ms", flush=True)
        return self.fixed

    # -- figures ---------------------------------------------------------------------

    def tracking_filters(self) -> list:
        from certtrack.certification.statuses import Status

        from .floor import Filter

        filters = []
        for ordering in ("expires_on", "contact"):
            filters += [Filter(status=s.value, ordering=ordering) for s in Status]
            filters.append(Filter(program=self.program, ordering=ordering))
        return filters

    def list_pages(self) -> None:
        from . import floor

        if not self.api_available("/api/v1/enrollments"):
            self.report.missing("list", "ms", "<=3x", "GET /api/v1/enrollments is not there")
            return
        fixed = self.fixed_cost()
        for f in self.tracking_filters():
            name = f"list_{f.status or 'program'}_by_{f.ordering}"
            self._list_figure(name, f, fixed, floor)

    def search(self) -> None:
        from . import floor

        words = [("name", ("garcia",)), ("email", ("lovelace.12",)), ("org", ("northwind",))]
        fixed = self.fixed_cost()
        for label, w in words:
            f = floor.Filter(words=w, ordering="contact")
            self._list_figure(f"search_{label}", f, fixed, floor, target=3)

    def _list_figure(self, name, f, fixed, floor, target: float = 3) -> None:
        params = {**f.params(), "page_size": 50}
        today, notice = self.as_of.today, self.as_of.notice_days
        api_body = self.get("/api/v1/enrollments", params).json()
        sql_page = floor.page(f, today, notice)
        api_ids = [r["id"] for r in api_body["results"]]
        if api_ids != sql_page["ids"] or api_body["count"] != sql_page["count"]:
            self.report.figure(
                name, None, "ms", None, f"<={target}x", False, "API and SQL pages differ"
            )
            return
        api, sql = paired_medians(
            lambda: self.get("/api/v1/enrollments", params),
            lambda: floor.page(f, today, notice),
            self.runs,
        )
        work = max(api - fixed, 0.0)
        ratio = work / sql if sql else float("inf")
        self.report.figure(
            name,
            work * 1000,
            "ms",
            ratio,
            f"<={target}x",
            ratio <= target,
            f"api {api * 1000:.1f} ms, sql {sql * 1000:.1f} ms, rows {sql_page['count']}",
        )

    def status_counts(self) -> None:
        from certtrack.certification.models import Enrollment

        from . import floor

        name, path = "status_counts", "/api/v1/enrollments/status-counts"
        today, notice = self.as_of.today, self.as_of.notice_days
        sql_counts = floor.status_counts(today, notice)
        domain = Enrollment.objects.status_counts(self.as_of)
        if {k: v for k, v in domain.items() if v} != sql_counts:
            self.report.missing(name, "ms", "<=2x", "domain and SQL counts differ")
            return
        sql = median_time(lambda: floor.status_counts(today, notice), self.runs)
        dom = median_time(lambda: Enrollment.objects.status_counts(self.as_of), self.runs)
        print(f"# status counts in the domain: {dom * 1000:.1f} ms ({dom / sql:.2f}x)")
        if not self.api_available(path):
            self.report.missing(name, "ms", "<=2x", f"{path} is not there")
            return
        api_counts = self.get(path).json()["counts"]
        if {k: v for k, v in api_counts.items() if v} != sql_counts:
            self.report.missing(name, "ms", "<=2x", "API and SQL counts differ")
            return
        api, sql = paired_medians(
            lambda: self.get(path), lambda: floor.status_counts(today, notice), self.runs
        )
        work = max(api - self.fixed_cost(), 0.0)
        ratio = work / sql
        self.report.figure(
            name, work * 1000, "ms", ratio, "<=2x", ratio <= 2, f"sql {sql * 1000:.1f} ms"
        )

    # -- the Tracking tab's "Progress" criterion and its Quick Filter counts (issue 17) ---

    PROGRESS_FILTERS = (*(("complete", None), ("none", None), ("partial", None), (None, 50)),)

    def _tab(self, f):
        """What the Tracking tab computes for `f` (its queries, no HTML): the capped
        count, the first page by keyset (51 rows) or offset, and the page's progress."""
        from django.http import QueryDict

        from certtrack.backoffice.filters import TrackingFilter, tab_rows, with_progress_of
        from certtrack.certification import counts as aggregate
        from certtrack.certification.keyset import first_rows

        form = TrackingFilter(QueryDict(urlencode(f.params())))
        queryset = tab_rows(form, self.as_of)
        n = aggregate.capped_count(queryset)
        if n > aggregate.CAP:
            items = first_rows(queryset, form.shared_params(), self.as_of, 51)[:50]
        else:
            items = list(queryset[:50])
        with_progress_of(items, self.as_of.today)
        return min(n, aggregate.CAP + 1), [e.pk for e in items]

    def progress(self) -> None:
        from . import floor

        today, notice = self.as_of.today, self.as_of.notice_days
        cap = 10_000
        for ordering in ("contact", "expires_on"):
            for progress, at_least in self.PROGRESS_FILTERS:
                f = floor.Filter(progress=progress, progress_min=at_least, ordering=ordering)
                label = progress or f"min{at_least}"
                name = f"progress_{label}_by_{ordering}"
                count, ids = self._tab(f)
                sql_page = floor.page(f, today, notice, cap=cap, stored_progress=True)
                if ids != sql_page["ids"] or count != sql_page["count"]:
                    self.report.missing(name, "ms", "<=3x", "tab and SQL pages differ")
                    continue
                tab, sql = paired_medians(
                    lambda f=f: self._tab(f),
                    lambda f=f: floor.page(f, today, notice, cap=cap, stored_progress=True),
                    self.runs,
                )
                ratio = tab / sql if sql else float("inf")
                self.report.figure(
                    name,
                    tab * 1000,
                    "ms",
                    ratio,
                    "<=3x",
                    ratio <= 3,
                    f"tab {tab * 1000:.1f} ms, sql {sql * 1000:.1f} ms, rows {count}",
                )

    def filtered_counts(self) -> None:
        """The Quick Filter's counts with a Customize Filter criterion set (PRODUCT.md §5)."""
        from django.http import QueryDict

        from certtrack.backoffice.filters import TrackingFilter, quick_counts

        from . import floor

        today, notice = self.as_of.today, self.as_of.notice_days
        cases = {
            "counts_progress_complete": floor.Filter(progress="complete"),
            "counts_progress_min50": floor.Filter(progress_min=50),
            "counts_search_garcia": floor.Filter(words=("garcia",)),
        }
        for name, f in cases.items():

            def product(f=f):
                form = TrackingFilter(QueryDict(urlencode(f.params())))
                return quick_counts(form, self.as_of)

            statuses, programs = product()
            want_statuses, want_programs = floor.filtered_counts(f, today, notice)
            if {k: v for k, v in statuses.items() if v} != want_statuses or programs != (
                want_programs
            ):
                self.report.missing(name, "ms", "<=2x", "product and SQL counts differ")
                continue
            tab, sql = paired_medians(
                product, lambda f=f: floor.filtered_counts(f, today, notice), self.runs
            )
            ratio = tab / sql if sql else float("inf")
            self.report.figure(
                name,
                tab * 1000,
                "ms",
                ratio,
                "<=2x",
                ratio <= 2,
                f"tab {tab * 1000:.1f} ms, sql {sql * 1000:.1f} ms, rows {sum(statuses.values())}",
            )

    def html_pages(self) -> None:
        from django.test import Client

        path = tracking_page_path()
        if path is None:
            self.report.missing(
                "html_tracking", "ms", "<=2x", "the back-office Tracking tab is not merged"
            )
            return
        browser = Client()
        browser.force_login(self.user)
        fixed = self.fixed_cost()
        for f in self.tracking_filters():
            name = f"html_{f.status or 'program'}_by_{f.ordering}"
            params = {"ordering": f.ordering, "per_page": 50}
            params.update({"status": f.status} if f.status else {"program": f.program})
            api_params = {**f.params(), "page_size": 50}
            page = self.get(path, params, client=browser).content.decode()
            api_rows = self.get("/api/v1/enrollments", api_params).json()["results"]
            if [int(i) for i in ROW_ID.findall(page)] != [r["id"] for r in api_rows]:
                self.report.missing(name, "ms", "<=2x", "HTML and API rows differ")
                continue
            html, api = paired_medians(
                lambda p=params: self.get(path, p, client=browser),
                lambda p=api_params: self.get("/api/v1/enrollments", p),
                self.runs,
            )
            # Both pay the fixed cost of a request; the ratio compares the work.
            ratio = (html - fixed) / max(api - fixed, 1e-6)
            self.report.figure(
                name,
                (html - fixed) * 1000,
                "ms",
                ratio,
                "<=2x",
                ratio <= 2,
                f"html {html * 1000:.1f} ms, api {api * 1000:.1f} ms",
            )

    def queries_per_page(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = {}
        for size in (10, 500):
            with CaptureQueriesContext(connection) as queries:
                self.get("/api/v1/enrollments", {"page_size": size, "ordering": "contact"})
            counts[size] = len(queries)
        self.report.figure(
            "queries_per_page",
            counts[500],
            "queries",
            counts[500] / counts[10],
            "constant",
            counts[500] == counts[10],
            f"page size 10: {counts[10]}, page size 500: {counts[500]}",
        )

    def worker(self, due: int) -> None:

        from certtrack.operations.management.commands.worker import run_pass

        started = time.perf_counter()
        caught = run_pass()
        print(
            f"# worker catch-up pass: {caught} in {time.perf_counter() - started:.2f} s",
            flush=True,
        )
        idle = median_time(run_pass, max(self.runs, 5))
        self.report.figure(
            "worker_nothing_due", idle * 1000, "ms", idle / 0.05, "<=50ms", idle <= 0.05
        )

        seconds, moved, sent = due_pass(self.as_of, due)
        emails = "deliver" in " ".join(_steps())
        self.report.figure(
            f"worker_{due}_due",
            seconds,
            "s",
            seconds / 20,
            "<=20s",
            seconds <= 20 and min(moved) >= due and emails,
            f"transitions recorded {min(moved)}, emails sent {min(sent)}"
            + ("" if emails else "; no email delivery step (notifications not merged)"),
        )

    def renewal_list(self) -> None:
        """The Tracking list filtered on `renewal=open`, against its hand-written floor."""
        from . import floor

        fixed = self.fixed_cost()
        for ordering in ("expires_on", "contact"):
            f = floor.Filter(renewal="open", ordering=ordering)
            self._list_figure(f"list_renewal_open_by_{ordering}", f, fixed, floor)

    def renewal_worker(self, opening: int) -> None:
        """One worker pass on a day when `opening` renewals, met by earlier work, open
        (granted: new periods, History, the renewed emails); measured once, undone after.

        The last pass recorded is made yesterday's, as on the first pass of a day; then
        the passes after it that day, with nothing more to do (`worker_nothing_due`).
        """
        from django.core import mail

        from certtrack.operations.management.commands.worker import run_pass

        run_pass()  # the generator's backlog of time transitions, not measured here
        _vacuum()
        with _renewals_opening(self.as_of.today, opening) as ids:
            picked = len(ids)
            print(
                f"# before the renewal pass: {len(gc.get_objects())} objects tracked by "
                f"Python's garbage collector, {len(getattr(mail, 'outbox', []))} emails "
                "in the in-memory outbox",
                flush=True,
            )
            begun = time.perf_counter()
            with _step_times() as steps:
                result = run_pass()
            seconds = time.perf_counter() - begun
            later = median_time(run_pass, max(self.runs, 5))
        mail.outbox = []
        granted = result.get("grant_renewals", 0)
        self.report.figure(
            f"worker_{opening}_renewals_opening",
            seconds,
            "s",
            seconds / 20,
            "<=20s",
            seconds <= 20 and granted >= picked,
            f"renewals granted {granted} of {picked} set up, emails sent "
            f"{result.get('deliver_due', 0)}, transitions {result.get('record_time_transitions')}"
            f"; granting {steps.get('grant_renewals', 0):.1f} s, delivering "
            f"{steps.get('deliver_due', 0):.1f} s, Python's garbage collection "
            f"{steps.get('garbage collection', 0):.1f} s of it",
        )
        self.report.figure(
            "worker_renewals_nothing_due",
            later * 1000,
            "ms",
            later / 0.05,
            "<=50ms",
            later <= 0.05,
            "the passes after the day's first: no renewal opened since",
        )

    def export(self, expected: int) -> None:
        if not self.api_available("/api/v1/enrollments/export.csv"):
            self.report.missing("export_rows_per_s", "rows/s", ">=30000", "no export endpoint")
            self.report.missing("export_peak_memory", "MB", "<=250", "no export endpoint")
            return
        results = []
        for _ in range(3 if expected < 200_000 else 2):
            out = subprocess.run(
                [sys.executable, "-m", "bench.export_probe"],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ.copy(),
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        rows = results[0]["rows"]
        rate = statistics.median(r["rows"] / r["seconds"] for r in results)
        memory = max(r["maxrss_mb"] for r in results)
        base = min(r["baseline_mb"] for r in results)
        self.report.figure(
            "export_rows_per_s",
            rate,
            "rows/s",
            rate / 30000,
            ">=30000",
            rate >= 30000 and rows == expected,
            f"{rows} rows of {expected}",
        )
        self.report.figure(
            "export_peak_memory",
            memory,
            "MB",
            memory / 250,
            "<=250",
            memory <= 250,
            f"process before the export: {base:.0f} MB",
        )


@contextlib.contextmanager
def _step_times():
    """Seconds each worker step took in the pass run inside: {step name: seconds}."""
    import functools
    import importlib

    from django.conf import settings

    seconds: dict[str, float] = {}
    wrapped = []
    for path in settings.CERTTRACK_WORKER_STEPS:
        module_path, name = path.rsplit(".", 1)
        module = importlib.import_module(module_path)
        step = getattr(module, name)

        @functools.wraps(step)
        def timed(*args, _step=step, _name=name, **kwargs):
            begun = time.perf_counter()
            try:
                return _step(*args, **kwargs)
            finally:
                seconds[_name] = seconds.get(_name, 0) + time.perf_counter() - begun

        setattr(module, name, timed)
        wrapped.append((module, name, step))
    began = [0.0]

    def collecting(phase: str, info: dict) -> None:
        # Python's garbage collector: the time its collections took during the pass.
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            seconds["garbage collection"] = (
                seconds.get("garbage collection", 0) + time.perf_counter() - began[0]
            )

    gc.callbacks.append(collecting)
    try:
        yield seconds
    finally:
        gc.callbacks.remove(collecting)
        for module, name, step in wrapped:
            setattr(module, name, step)


def due_pass(
    as_of, due: int, runs: int = 3, quotas: list[int] | None = None
) -> tuple[float, list[int], list[int]]:
    """The worker pass with `due` rows whose stored status lags the dates: its median
    seconds over `runs`, and each run's transitions recorded and emails sent.

    The rows: first those whose transition owes an email (Expiring; Expired in the last
    30 days), then older expiries, then renewed rows (Active by the dates) stored Expired.
    `quotas`: how many of each of these four pools (the same work at any size), instead
    of filling them in order. The pass runs as in production, each batch and each email
    committed on its own; what it wrote is undone afterwards."""
    from django.core import mail

    from certtrack.certification.models import Enrollment
    from certtrack.operations.management.commands.worker import run_pass

    today, horizon = as_of.today, as_of.expiring_from
    recent = today - timedelta(days=30)
    pools = [
        (Enrollment.objects.filter(status="expiring", expires_on__gte=today), "active"),
        (Enrollment.objects.filter(status="expired", expires_on__gte=recent), "active"),
        (Enrollment.objects.filter(status="expired", expires_on__lt=recent), "active"),
        (Enrollment.objects.filter(status="active", expires_on__gt=horizon), "expired"),
    ]
    times, moved, sent = [], [], []
    for _ in range(runs):
        _vacuum()
        with _undone_after() as keep:
            chosen = 0
            for index, (rows, stored) in enumerate(pools):
                wanted = quotas[index] if quotas else due - chosen
                picked = list(
                    rows.order_by("id").values_list("id", "status", "updated_at")[:wanted]
                )
                keep(picked)
                Enrollment.objects.filter(id__in=[p[0] for p in picked]).update(status=stored)
                chosen += len(picked)
            begun = time.perf_counter()
            with _step_times() as steps:
                result = run_pass()
            times.append(time.perf_counter() - begun)
            moved.append(result.get("record_time_transitions", 0))
            sent.append(result.get("deliver_due", 0))
            slowest = sorted(steps.items(), key=lambda item: -item[1])[:4]
            print("# steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in slowest), flush=True)
        mail.outbox = []
    return statistics.median(times), moved, sent


@contextlib.contextmanager
def _undone_after():
    """Undo what a measured worker pass wrote: the enrollments it was handed (status and
    updated_at as they were), and the history rows and emails added since."""
    from django.db import connection, transaction
    from django.db.models import Max

    from certtrack.certification.models import Enrollment, History
    from certtrack.notifications.models import Email

    last_history = History.objects.aggregate(n=Max("id"))["n"] or 0
    last_email = Email.objects.aggregate(n=Max("id"))["n"] or 0
    kept: list[tuple] = []
    try:
        yield kept.extend
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            # History is append-only in the application; the benchmark removes its own rows.
            for model, last in ((History, last_history), (Email, last_email)):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [last])
            rows = [Enrollment(id=i, status=s, updated_at=u) for i, s, u in kept]
            Enrollment.objects.bulk_update(rows, ["status", "updated_at"], batch_size=2000)


@contextlib.contextmanager
def _renewals_opening(today, wanted: int):
    """`wanted` Active rows of programs that renew (without completion approval) moved so
    that their window opens today, each with its renewal work (every required component
    again) done yesterday; the last worker pass dated yesterday. Yields their ids;
    afterwards the data set is as before (rows, periods, completions, History, emails,
    passes)."""
    from datetime import datetime
    from datetime import time as clock_time

    from django.db import connection, transaction
    from django.db.models import F, Max

    from certtrack.certification.dates import add_months
    from certtrack.certification.models import (
        Completion,
        Enrollment,
        History,
        Period,
        PeriodCompletion,
        ProgramComponent,
    )
    from certtrack.credentials.models import StatusListEntry
    from certtrack.notifications.models import Email
    from certtrack.operations.models import WorkerPass

    fields = ["activated_on", "expires_on", "status", "period_number", "updated_at"]
    rows = list(
        Enrollment.objects.filter(
            status="active",
            period_number__gte=1,
            expires_on__gt=today + timedelta(days=200),
            program__renewal_window_days__gt=0,
            program__completion_requires_approval=False,
            program__validity_months__isnull=False,
        )
        .order_by("id")
        .values("id", "contact_id", "program_id", *fields)
        .annotate(window=F("program__renewal_window_days"), months=F("program__validity_months"))[
            :wanted
        ]
    )
    required: dict[int, list[int]] = {}
    for program, component in ProgramComponent.objects.filter(required=True).values_list(
        "program_id", "component_id"
    ):
        required.setdefault(program, []).append(component)
    last = {
        model: model.objects.aggregate(n=Max("id"))["n"] or 0
        for model in (Period, PeriodCompletion, Completion, History, Email, StatusListEntry)
    }
    latest = {
        p["enrollment_id"]: p
        for p in Period.objects.filter(enrollment_id__in=[r["id"] for r in rows])
        .order_by("enrollment_id", "number")
        .values("id", "enrollment_id", "activated_on", "expires_on")
    }
    passes = list(WorkerPass.objects.values())
    yesterday = today - timedelta(days=1)
    with transaction.atomic():
        moved, periods = [], []
        for r in rows:
            expires = today + timedelta(days=r["window"])
            activated = add_months(expires, -r["months"])
            moved.append(Enrollment(id=r["id"], activated_on=activated, expires_on=expires))
            periods.append(
                Period(id=latest[r["id"]]["id"], activated_on=activated, expires_on=expires)
            )
        Enrollment.objects.bulk_update(moved, ["activated_on", "expires_on"], batch_size=2000)
        Period.objects.bulk_update(periods, ["activated_on", "expires_on"], batch_size=2000)
        Completion.objects.bulk_create(
            [
                Completion(
                    contact_id=r["contact_id"],
                    component_id=c,
                    completed_on=yesterday,
                    state="approved",
                    source="import",
                )
                for r in rows
                for c in required.get(r["program_id"], [])
            ],
            batch_size=2000,
        )
        WorkerPass.objects.all().delete()
        noon = datetime.combine(yesterday, clock_time(12), tzinfo=UTC)
        WorkerPass.objects.create(
            started_at=noon,
            finished_at=noon,
            steps={"grant_renewals": 0},
            host="bench",
            pid=0,
            idle=True,
        )
    _vacuum()
    try:
        yield [r["id"] for r in rows]
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            # Append-only in the application; the benchmark removes its own rows.
            for model in (StatusListEntry, PeriodCompletion, Period, Completion, History, Email):
                table = model._meta.db_table
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [last[model]])
            Enrollment.objects.bulk_update(
                [Enrollment(id=r["id"], **{k: r[k] for k in fields}) for r in rows],
                fields,
                batch_size=2000,
            )
            Period.objects.bulk_update(
                [Period(**latest[r["id"]]) for r in rows],
                ["activated_on", "expires_on"],
                batch_size=2000,
            )
            WorkerPass.objects.all().delete()
            WorkerPass.objects.bulk_create(WorkerPass(**p) for p in passes)
        _vacuum()


def _vacuum() -> None:
    """On PostgreSQL, clear the dead rows a rolled-back run leaves (10,000 updates, 9,000
    emails and history rows): autovacuum would in production, but not between two runs,
    and each run would otherwise wade through the debris of the ones before."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # (VACUUM cannot run in a transaction: the tests' own)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) certification_enrollment, certification_history, "
            "notifications_email, certification_period, certification_periodcompletion, "
            "certification_completion"
        )


def _steps() -> list[str]:
    from django.conf import settings

    return list(settings.CERTTRACK_WORKER_STEPS)


def tracking_page_path() -> str | None:
    """The back-office Tracking tab's URL, if the back-office has one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("backoffice:tracking",):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="certtrack benchmark")
    parser.add_argument("--size", choices=sorted(env.SIZES), default="quick")
    parser.add_argument("--runs", type=int, default=5, help="Measured runs per figure.")
    parser.add_argument("--only", default="", help="Comma-separated groups to run.")
    args = parser.parse_args(argv)
    env.setup(args.size)
    from django.db import connection

    from certtrack.certification.models import Enrollment

    from .generate import counts_for

    started = time.perf_counter()
    total = Enrollment.objects.count()
    want = counts_for(env.SIZES[args.size])["enrollments"]
    if total != want:
        raise SystemExit(
            f"bench: the database holds {total} enrollments, not {want}: run the generator "
            f"(python -m bench.generate --size {args.size})."
        )
    print(f"# {connection.vendor}, {total} enrollments, {args.runs} runs per figure", flush=True)
    print(f"# machine: sum(range(10**6)) {env.python_speed():.1f} ms at the start", flush=True)
    report = Report()
    bench = Bench(args.runs, report)
    groups = {
        "list": bench.list_pages,
        "counts": bench.status_counts,
        "search": bench.search,
        "html": bench.html_pages,
        "queries": bench.queries_per_page,
        "export": lambda: bench.export(total),
        "worker": lambda: bench.worker(10_000),
        "reminders": lambda: reminders_bench.run(report, args.runs),
        "renewal_list": bench.renewal_list,
        "progress": bench.progress,
        "filtered_counts": bench.filtered_counts,
        "renewal_worker": lambda: bench.renewal_worker(min(10_000, total // 100)),
    }
    only = [g for g in args.only.split(",") if g] or list(groups)
    for name in only:
        try:
            groups[name]()
        except Exception as error:  # one broken figure must not hide the others
            report.missing(name, "-", "-", f"error: {type(error).__name__}: {error}")
    print(f"# {time.perf_counter() - started:.0f} s in all", flush=True)
    print(f"# machine: sum(range(10**6)) {env.python_speed():.1f} ms at the end", flush=True)
    print(f"bench: {report.ok} ok, {report.miss} miss", flush=True)
    results = env.DATA_DIR / f"results-{connection.vendor}-{args.size}.json"
    results.write_text(json.dumps(report.figures, indent=1))


if __name__ == "__main__":
    main()
