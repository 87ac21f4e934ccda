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
    appended = counts.EnrollmentCount.objects.filter(folded=False).count()
    assert counts.fold() == appended > 0
    keys = counts.EnrollmentCount.objects.values_list("program_id", "status", "expires_on")
    assert len(keys) == len(set(keys)) < rows  # one folded row per key
    assert not counts.EnrollmentCount.objects.filter(folded=False).exists()
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


def test_the_worker_folds_each_pass(every_status, travel, admin):
    from certtrack.operations.management.commands.worker import run_pass

    travel(TODAY)
    results = run_pass()
    assert results["fold_counts"] == 0 and results["check_counts"] == 0
    assert not counts.EnrollmentCount.objects.filter(folded=False).exists()
    folded = counts.EnrollmentCount.objects.count()
    services.perform(every_status["in_progress"].pk, "set_inactive", admin, now=at(TODAY))
    assert counts.EnrollmentCount.objects.filter(folded=False).count() == 6  # ±1, 3 levels
    travel(at(TODAY) + timedelta(minutes=1))
    run_pass()
    assert not counts.EnrollmentCount.objects.filter(folded=False).exists()
    assert counts.EnrollmentCount.objects.count() <= folded + 2  # a key may be new
    assert counts.mismatches() == []


def test_a_fold_touches_only_the_keys_written_since_the_last(every_status, admin):
    """A folded row of a key nobody wrote since is neither rewritten nor re-read: its id
    stays; the keys written are added into their folded row (one per key)."""
    counts.fold()
    untouched = {row.pk: row.n for row in counts.EnrollmentCount.objects.exclude(program_id=None)}
    row = every_status["in_progress"]
    services.perform(row.pk, "set_inactive", admin, now=at(TODAY))
    assert counts.fold() == 6
    after = {row.pk: row.n for row in counts.EnrollmentCount.objects.all()}
    moved = {pk for pk, n in untouched.items() if after.get(pk) != n}
    assert all(pk in after for pk in untouched.keys() - moved)
    keys = counts.EnrollmentCount.objects.values_list("program_id", "status", "expires_on")
    assert len(keys) == len(set(keys))  # one folded row per key
    assert counts.mismatches() == []
    assert counts.status_counts(AsOf(TODAY, 30)) == scanned(AsOf(TODAY, 30))


def test_a_key_that_comes_to_zero_is_dropped(every_status, admin):
    counts.fold()
    row = every_status["in_progress"]  # the only In progress row
    key = {"program_id": None, "status": "in_progress", "expires_on": row.expires_on}
    assert counts.EnrollmentCount.objects.get(**key).n == 1
    services.perform(row.pk, "set_inactive", admin, now=at(TODAY))
    counts.fold()
    assert not counts.EnrollmentCount.objects.filter(**key).exists()
    assert not counts.EnrollmentCount.objects.filter(n=0).exists()
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
