"""The benchmark measures what it claims: the API and the hand-written SQL agree."""

import random

import pytest
from django.test import Client

from bench import floor
from bench.generate import counts_for
from bench.run import Report
from certtrack import clock
from certtrack.certification.models import Completion, Contact, Enrollment, GeneralSettings
from certtrack.certification.statuses import Status

from .conftest import TINY


@pytest.fixture
def as_of(tiny):
    return GeneralSettings.get().as_of(clock.now())


@pytest.fixture
def client(api_key) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")


def filters(program: int) -> list[floor.Filter]:
    out = []
    for ordering in ("expires_on", "contact"):
        out += [floor.Filter(status=s.value, ordering=ordering) for s in Status]
        out.append(floor.Filter(program=program, ordering=ordering))
    return out


def test_generator_makes_the_sizes_asked(tiny):
    assert tiny == counts_for(TINY)
    assert Contact.objects.count() == TINY * 3 // 10
    assert Completion.objects.count() == TINY * 3


def test_generator_makes_all_ten_statuses_true_today(as_of):
    counts = Enrollment.objects.status_counts(as_of)
    assert set(counts) == set(Status.values)
    assert all(n > 0 for n in counts.values()), counts


def test_generator_leaves_work_for_the_worker(as_of):
    from certtrack.certification.worker import due_q

    assert Enrollment.objects.filter(due_q(as_of)).exists()
    assert Enrollment.objects.filter(expires_on=as_of.today).exists()  # expiring today


def _rows(seed: int) -> list:
    from datetime import date

    from bench.generate import _contacts, _enrollment
    from certtrack.certification.dates import add_months

    rng = random.Random(seed)
    rows = list(_contacts(rng, 50, "2026-01-01 00:00:00"))
    for i, status in enumerate(Status.values * 5):
        rows.append(_enrollment(rng, i, 1, 1, 24, status, date(2026, 11, 29), add_months))
    return rows


def test_generator_is_deterministic():
    assert _rows(7) == _rows(7)
    assert _rows(7) != _rows(8)


def test_api_page_and_sql_page_return_the_same_ids_in_the_same_order(as_of, client):
    program = Enrollment.objects.values_list("program_id", flat=True).first()
    for f in filters(program):
        body = client.get("/api/v1/enrollments", {**f.params(), "page_size": 50}).json()
        page = floor.page(f, as_of.today, as_of.notice_days)
        assert [r["id"] for r in body["results"]] == page["ids"], f
        assert body["count"] == page["count"], f


def test_search_pages_agree(as_of, client):
    name = Contact.objects.order_by("id").first()
    for words in [(name.last_name.lower(),), (name.email[:6],), ("northwind",)]:
        f = floor.Filter(words=words, ordering="contact")
        body = client.get("/api/v1/enrollments", {**f.params(), "page_size": 50}).json()
        page = floor.page(f, as_of.today, as_of.notice_days)
        assert page["count"] > 0 or words == ("northwind",)
        assert [r["id"] for r in body["results"]] == page["ids"], words
        assert body["count"] == page["count"], words


def test_generated_contacts_are_found_as_saved_ones_are(as_of, client):
    from certtrack.certification.search import KEYS, fold, keys_of

    contacts = list(Contact.objects.all())
    assert all(keys_of(c) == {k: getattr(c, k) for k in KEYS} for c in contacts)
    accented = next(c for c in contacts if not c.last_name.isascii())  # "Müller"
    f = floor.Filter(words=(fold(accented.last_name), accented.email.upper()), ordering="contact")
    body = client.get("/api/v1/enrollments", {**f.params(), "page_size": 50}).json()
    assert {r["contact"]["id"] for r in body["results"]} == {accented.pk}
    assert [r["id"] for r in body["results"]] == floor.page(f, as_of.today, as_of.notice_days)[
        "ids"
    ]


def test_sql_counts_equal_api_counts(as_of, client):
    body = client.get("/api/v1/enrollments/status-counts").json()
    sql = floor.status_counts(as_of.today, as_of.notice_days)
    assert {k: v for k, v in body["counts"].items() if v} == sql
    assert body["total"] == sum(sql.values()) == TINY


def test_sql_counts_equal_domain_counts(as_of):
    domain = Enrollment.objects.status_counts(as_of)
    assert {k: v for k, v in domain.items() if v} == floor.status_counts(
        as_of.today, as_of.notice_days
    )


def test_sql_page_progress_inputs_cover_the_page(as_of):
    page = floor.page(floor.Filter(status="active", ordering="contact"), as_of.today, 30)
    assert page["ids"]
    assert page["links"]  # every program has components
    assert page["done"]  # certified contacts have completions


def test_ping_is_an_empty_authenticated_call(client, db):
    assert client.get("/api/v1/ping").json() == {}
    assert Client().get("/api/v1/ping").status_code == 401


def test_report_prints_one_line_per_figure(capsys):
    report = Report()
    report.figure("list_x", 12.5, "ms", 1.5, "<=3x", True, "api 13 ms")
    report.missing("html", "ms", "<=2x", "not there")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "BENCH list_x 12.5 ms ratio=1.50 target=<=3x ok  # api 13 ms"
    assert out[1] == "BENCH html - ms ratio=- target=<=2x miss  # not there"
    assert (report.ok, report.miss) == (1, 1)


def test_a_measured_worker_pass_is_undone_afterwards(as_of):
    """The worker figure runs committed passes; the data set is as before each one."""
    from bench.run import _undone_after
    from certtrack.certification.models import History
    from certtrack.notifications.models import Email
    from certtrack.operations.management.commands.worker import run_pass

    run_pass()  # the generator's backlog, so that only the measured pass moves rows

    def state():
        rows = Enrollment.objects.order_by("id").values_list("id", "status", "updated_at")
        return list(rows), History.objects.count(), Email.objects.count()

    before = state()
    with _undone_after() as keep:
        picked = list(
            Enrollment.objects.filter(status="expiring").values_list("id", "status", "updated_at")
        )
        keep(picked)
        Enrollment.objects.filter(id__in=[p[0] for p in picked]).update(status="active")
        assert run_pass()["record_time_transitions"] == len(picked) > 0
        assert state() != before
    assert state() == before


def test_the_reminder_floor_selects_what_the_worker_would_and_the_figures_clean_up(as_of):
    """bench/reminders.py: the hand-written SQL and `reminders.owed` agree; nothing stays."""
    from bench import reminders as reminder_bench
    from certtrack.certification.models import ReminderStep
    from certtrack.notifications import reminders
    from certtrack.notifications.models import Email

    ids = reminder_bench._install_schedule()
    try:
        owed = reminders.owed(as_of.today, 30)
        rows = reminder_bench.floor_sql(as_of.today, 30, ids)
        assert len(owed) > 0
        assert sorted((o.enrollment_id, o.step.offset_days) for o in owed) == sorted(
            (r[0], r[6]) for r in rows
        )
    finally:
        reminder_bench._remove_everything()
    report = Report()
    reminder_bench.run(report, runs=1)
    assert set(report.figures) == {"reminder_preview_30d", "reminder_worker_10000_due"}
    assert not ReminderStep.objects.exists()
    assert not Email.objects.filter(kind="reminder").exists()


def test_generator_gives_every_certified_row_its_periods(as_of):
    from certtrack.certification.models import Period, PeriodCompletion

    certified = Enrollment.objects.filter(status__in=["active", "expiring", "expired"])
    assert certified.exists() and not certified.filter(period_number=0).exists()
    assert not Enrollment.objects.exclude(status__in=["active", "expiring", "expired"]).filter(
        period_number__gt=0
    )
    for e in certified.order_by("id")[:100]:
        numbers = list(e.periods.values_list("number", flat=True))
        assert numbers == list(range(1, e.period_number + 1))
        current = e.periods.get(number=e.period_number)
        assert (current.activated_on, current.expires_on) == (e.activated_on, e.expires_on)
    assert Period.objects.filter(number=2, source="renewed").exists()
    assert not Period.objects.filter(renewed_on__gte=as_of.today).exists()  # renewed before
    assert PeriodCompletion.objects.exists()


def test_renewal_open_pages_agree_with_their_floor(as_of, client):
    for ordering in ("expires_on", "contact"):
        f = floor.Filter(renewal="open", ordering=ordering)
        body = client.get("/api/v1/enrollments", {**f.params(), "page_size": 50}).json()
        page = floor.page(f, as_of.today, as_of.notice_days)
        assert page["count"] > 0 and page["periods"]
        assert [r["id"] for r in body["results"]] == page["ids"], f
        assert body["count"] == page["count"], f


def test_the_renewals_opening_figure_grants_them_all_then_undoes_everything(as_of):
    from bench.run import _renewals_opening
    from certtrack.certification.models import Completion, History, Period
    from certtrack.notifications.models import Email
    from certtrack.operations.management.commands.worker import run_pass
    from certtrack.operations.models import WorkerPass

    run_pass()  # the generator's backlog

    def state():
        rows = Enrollment.objects.order_by("id").values_list(
            "id", "status", "activated_on", "expires_on", "period_number"
        )
        periods = Period.objects.order_by("id").values_list("id", "activated_on", "expires_on")
        return (
            list(rows),
            list(periods),
            Completion.objects.count(),
            History.objects.count(),
            Email.objects.count(),
            WorkerPass.objects.count(),
        )

    before = state()
    with _renewals_opening(as_of.today, 40) as picked:
        assert len(picked) == 40
        result = run_pass()
        assert result["grant_renewals"] >= 40
        granted = Period.objects.filter(enrollment__in=picked, renewed_on=as_of.today)
        assert granted.count() == 40  # every one set up, none left behind
        assert History.objects.filter(action="renewal_granted").count() >= 5
        assert run_pass()["grant_renewals"] == 0  # the day's later passes: nothing again
    assert state() == before


def test_python_speed_is_a_time_in_milliseconds():
    from bench.env import python_speed

    speed = python_speed()
    # A million additions take between a microsecond-scale floor and a second.
    assert 0.5 < speed < 1000
