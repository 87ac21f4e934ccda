"""The Quick Filter's count aggregate (issue 18): triggers, fold, check, rebuild."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from certtrack.certification import counts, services
from certtrack.certification.dates import AsOf
from certtrack.certification.models import Enrollment
from certtrack.certification.statuses import Status
from certtrack.operations import health
from tests.conftest import at

from .conftest import TODAY

ALL = ["active", "expiring", "expired", "in_progress", "applied", "declined", "inactive"]
ALL += ["not_completed", "admin_review", "cancelled"]


def scanned(as_of: AsOf) -> dict[str, int]:
    return Enrollment.objects.status_counts(as_of)


@pytest.fixture
def every_status(reach):
    return {status: reach(status) for status in ALL}


def test_every_write_path_keeps_the_aggregate_equal_to_count(every_status, admin):
    as_of = AsOf(TODAY, 30)
    assert counts.mismatches() == []
    assert counts.status_counts(as_of) == scanned(as_of)
    assert counts.status_counts(as_of) == dict.fromkeys(Status.values, 1)
    # A bulk UPDATE and a raw DELETE bypass the services: the triggers still count them.
    Enrollment.objects.filter(status="in_progress").update(status="inactive")
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM certification_history WHERE enrollment_id = %s",
            [every_status["declined"].pk],
        )
        cursor.execute(
            "DELETE FROM certification_enrollment WHERE id = %s", [every_status["declined"].pk]
        )
    active = every_status["active"]
    services.set_expires_on(active.pk, TODAY + timedelta(days=3), "moved", admin, now=at(TODAY))
    assert counts.mismatches() == []
    got = counts.status_counts(as_of)
    assert got == scanned(as_of)
    assert got["declined"] == 0 and got["inactive"] == 2 and got["expiring"] == 2


def test_a_new_day_needs_no_rebuild(every_status):
    later = AsOf(TODAY + timedelta(days=40), 30)  # the active row is now expiring (or past)
    assert counts.status_counts(later) == scanned(later)
    assert counts.status_counts(later) != counts.status_counts(AsOf(TODAY, 30))


def test_program_counts_and_per_program_status_counts(every_status):
    program = every_status["active"].program_id
    assert counts.program_counts()[program] == 1
    assert counts.status_counts(AsOf(TODAY, 30), [program])["active"] == 1
    assert sum(counts.program_counts().values()) == Enrollment.objects.count()


def test_fold_collapses_rows_and_keeps_the_sums(every_status, admin):
    as_of = AsOf(TODAY, 30)
    before = counts.status_counts(as_of)
    rows = counts.EnrollmentCount.objects.count()
    assert rows > len(ALL)  # the +1/−1 rows of every transition
    removed = counts.fold()
    assert removed > 0
    assert counts.EnrollmentCount.objects.count() == rows - removed
    assert counts.status_counts(as_of) == before
    assert counts.mismatches() == []
    assert counts.fold() == 0  # nothing left to fold


def test_check_records_a_difference_and_the_overview_warns_until_rebuilt(every_status, admin):
    now = at(TODAY)
    assert counts.check_counts(now) == 0
    assert counts.last_check_failed() is None
    counts.EnrollmentCount.objects.create(
        program_id=every_status["active"].program_id, status="active", expires_on=None, n=5
    )
    assert counts.check_counts(now + timedelta(hours=1)) == 0  # not due: once a day
    assert counts.check_counts(now + timedelta(days=1)) == 1
    warning = [w for w in health.check(now).warnings() if "Quick Filter" in w]
    assert warning and "certtrack rebuild-counts" in warning[0]
    call_command("rebuild_counts")
    assert counts.mismatches() == []
    assert counts.last_check_failed() is None
    assert not [w for w in health.check(now).warnings() if "Quick Filter" in w]


def test_rebuild_counts_command_by_its_hyphenated_name(every_status, capsys, monkeypatch):
    from certtrack import cli

    counts.EnrollmentCount.objects.all().delete()
    assert counts.mismatches() != []
    # Django's run_from_argv closes the connections (the test's transaction): run the
    # command the name maps to, in this one.
    ran = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: ran.append(argv) or call_command(argv[1]),
    )
    monkeypatch.setattr("sys.argv", ["certtrack", "rebuild-counts"])
    cli.main()
    assert ran == [["certtrack", "rebuild_counts"]]
    assert "check: 0 key(s) differ" in capsys.readouterr().out
    assert counts.status_counts(AsOf(TODAY, 30)) == scanned(AsOf(TODAY, 30))


def test_the_worker_folds_at_most_every_ten_minutes(every_status, travel, monkeypatch, admin):
    from certtrack.operations.management.commands.worker import run_pass

    monkeypatch.setattr(counts, "_last_fold", [])
    travel(TODAY)
    rows = counts.EnrollmentCount.objects.count()
    results = run_pass()
    assert results["fold_counts"] == 0 and results["check_counts"] == 0
    folded = counts.EnrollmentCount.objects.count()
    assert folded < rows
    services.perform(every_status["in_progress"].pk, "set_inactive", admin, now=at(TODAY))
    travel(at(TODAY) + timedelta(minutes=9))
    run_pass()
    assert counts.EnrollmentCount.objects.count() == folded + 6  # not yet: ±1 at 3 levels
    travel(at(TODAY) + timedelta(minutes=10))
    run_pass()
    assert counts.EnrollmentCount.objects.count() <= folded + 2  # folded (a key may be new)
    assert counts.mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_has_an_empty_aggregate(reach):
    """`flush` (what each browser test's teardown runs) leaves no −1 rows behind: on
    SQLite it used to empty the aggregate before the enrollments, whose triggers then
    wrote −1 rows, and the next test's Tracking page counted below zero."""
    reach("active")
    reach("in_progress")
    assert counts.status_counts(AsOf(TODAY, 30))["active"] == 1
    call_command("flush", interactive=False, verbosity=0)
    assert not Enrollment.objects.exists()
    assert counts.status_counts(AsOf(TODAY, 30)) == dict.fromkeys(Status.values, 0)
    assert counts.mismatches() == []
