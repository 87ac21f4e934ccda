"""The worker records Active → Expiring → Expired once each, catching up after downtime."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History
from certtrack.certification.worker import record_time_transitions

from .conftest import at


def transitions(enrollment):
    return list(
        History.objects.filter(enrollment=enrollment, action="time").values_list(
            "from_status", "to_status"
        )
    )


def certified(make_contact, make_program, admin, activated=date(2025, 3, 10), validity=12):
    program = make_program(validity_months=validity)
    return services.record_existing(
        make_contact().pk, program.pk, activated, admin, now=at(activated)
    )


def test_worker_records_expiring_on_the_notice_day_and_expired_the_day_after(
    make_contact, make_program, admin
):
    enrollment = certified(make_contact, make_program, admin)  # expires 2026-03-10, notice 30
    record_time_transitions(at(date(2026, 2, 7)))
    assert transitions(enrollment) == []
    record_time_transitions(at(date(2026, 2, 8)))  # 2026-03-10 - 30 days
    assert transitions(enrollment) == [("active", "expiring")]
    record_time_transitions(at(date(2026, 3, 10)))  # the expiry day: still expiring
    assert transitions(enrollment) == [("active", "expiring")]
    record_time_transitions(at(date(2026, 3, 11)))
    assert transitions(enrollment) == [("active", "expiring"), ("expiring", "expired")]
    assert Enrollment.objects.get(pk=enrollment.pk).status == "expired"


def test_each_transition_is_recorded_exactly_once_whatever_the_number_of_passes(
    make_contact, make_program, admin
):
    enrollment = certified(make_contact, make_program, admin)
    for _ in range(3):
        record_time_transitions(at(date(2026, 2, 20)))
    assert record_time_transitions(at(date(2026, 2, 20))) == 0
    assert transitions(enrollment) == [("active", "expiring")]


def test_catching_up_after_downtime_goes_straight_to_expired(make_contact, make_program, admin):
    enrollment = certified(make_contact, make_program, admin)
    # the worker was down from before the notice day until long after expiry
    assert record_time_transitions(at(date(2026, 9, 1))) == 1
    assert transitions(enrollment) == [("active", "expired")]


def test_with_notice_days_zero_there_is_no_expiring(make_contact, make_program, admin):
    services.update_settings(admin, expiring_notice_days=0)
    enrollment = certified(make_contact, make_program, admin)
    record_time_transitions(at(date(2026, 3, 10)))
    assert transitions(enrollment) == []
    record_time_transitions(at(date(2026, 3, 11)))
    assert transitions(enrollment) == [("active", "expired")]


def test_lowering_notice_days_returns_expiring_rows_to_active(make_contact, make_program, admin):
    enrollment = certified(make_contact, make_program, admin)
    record_time_transitions(at(date(2026, 2, 20)))
    services.update_settings(admin, expiring_notice_days=7)
    record_time_transitions(at(date(2026, 2, 21)))
    assert transitions(enrollment) == [("active", "expiring"), ("expiring", "active")]


def test_extending_an_expired_certification_makes_it_active_again(
    make_contact, make_program, admin
):
    enrollment = certified(make_contact, make_program, admin)
    record_time_transitions(at(date(2026, 4, 1)))
    result = services.set_expires_on(
        enrollment.pk, date(2027, 3, 10), "Renewal fee paid", admin, now=at(date(2026, 4, 2))
    )
    assert (result.status, result.cycle) == ("active", 2)
    row = History.objects.filter(enrollment=enrollment, action="set_expires_on").get()
    assert (row.from_status, row.to_status, row.reason) == ("expired", "active", "Renewal fee paid")
    assert row.changes == {"expires_on": ["2026-03-10", "2027-03-10"]}
    assert record_time_transitions(at(date(2026, 4, 3))) == 0


def test_changing_expiry_needs_a_reason_and_a_certified_enrollment(
    make_contact, make_program, admin
):
    import pytest

    from certtrack.certification.errors import Invalid, Refused

    enrollment = certified(make_contact, make_program, admin)
    with pytest.raises(Invalid, match="reason is required"):
        services.set_expires_on(enrollment.pk, date(2027, 1, 1), "  ", admin)
    with pytest.raises(Invalid, match="before the activation date"):
        services.set_expires_on(enrollment.pk, date(2024, 1, 1), "typo", admin)
    in_progress = services.add(make_contact().pk, make_program().pk, admin)
    with pytest.raises(Refused, match="In progress"):
        services.set_expires_on(in_progress.pk, date(2027, 1, 1), "why not", admin)
    assert Enrollment.objects.get(pk=enrollment.pk).expires_on == date(2026, 3, 10)


def test_a_pass_costs_the_same_queries_whatever_the_number_of_rows_not_due(
    make_contact, make_program, admin
):
    due = certified(make_contact, make_program, admin)
    program = make_program(validity_months=120)
    for _ in range(30):  # rows far from expiry: never read
        services.record_existing(
            make_contact().pk, program.pk, date(2025, 1, 1), admin, now=at(date(2025, 1, 2))
        )
    with CaptureQueriesContext(connection) as context:
        assert record_time_transitions(at(date(2026, 2, 20))) == 1
    assert transitions(due) == [("active", "expiring")]
    with CaptureQueriesContext(connection) as idle:
        assert record_time_transitions(at(date(2026, 2, 20))) == 0
    # when nothing is due: one claim query per range of the (status, expires_on) index that
    # can hold due rows (a fixed number); a handful more per batch when something is due
    idle_reads = [q["sql"] for q in idle.captured_queries if "certification_enrollment" in q["sql"]]
    assert len(idle_reads) == 4
    assert all("expires_on" in sql and "LIMIT" in sql.upper() for sql in idle_reads)
    assert len(context) <= 14


def test_worker_command_once(make_contact, make_program, admin, travel):
    from io import StringIO

    from django.core.management import call_command

    enrollment = certified(make_contact, make_program, admin)
    travel(date(2026, 3, 20))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "record_time_transitions=1" in out.getvalue()
    assert transitions(enrollment) == [("active", "expired")]
    assert Enrollment.objects.get(pk=enrollment.pk).status == "expired"
    assert date.today() == date(2026, 3, 20)
