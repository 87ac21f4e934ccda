"""PRODUCT.md §3: a renewal met by earlier work is granted "on the day it opens" — by the
real worker pass (`certtrack worker --once`), also when no pass ran that day (the worker
was down): the next pass grants every renewal that opened since the last pass, and a pass
after one that already looked at today's openings reads nothing again."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import services
from certtrack.certification.models import History, Period
from certtrack.operations.management.commands.worker import run_pass
from tests.conftest import at

EARNED = date(2025, 1, 15)  # expires 15 Jan 2027; the 90-day window opens 17 Oct 2026


@pytest.fixture
def met_early(make_contact, make_program, admin, settings_row):
    """Certified on EARNED (24 months, grace 14 days); renewal work done on 1 Oct 2026,
    before the window opens: nothing granted then."""
    program = make_program(required=1, validity_months=24, renewal_grace_days=14)
    component = program.components.get()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(EARNED))
    services.record_completion(contact.pk, component.pk, EARNED, admin, now=at(EARNED))
    services.record_completion(
        contact.pk, component.pk, date(2026, 10, 1), admin, now=at(date(2026, 10, 1))
    )
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1
    return enrollment


def pass_on(travel, day: date) -> dict[str, int]:
    travel(day)
    return run_pass()


def test_the_pass_on_the_opening_day_grants_the_renewal(met_early, travel):
    pass_on(travel, date(2026, 10, 16))
    assert pass_on(travel, date(2026, 10, 17))["grant_renewals"] == 1
    met_early.refresh_from_db()
    assert met_early.period_number == 2
    assert Period.objects.get(enrollment=met_early, number=2).renewed_on == date(2026, 10, 17)


def test_a_worker_down_on_the_opening_day_grants_it_on_its_next_pass(met_early, travel):
    pass_on(travel, date(2026, 10, 15))  # the last pass before the worker went down
    assert pass_on(travel, date(2026, 10, 20))["grant_renewals"] == 1  # back 3 days late
    met_early.refresh_from_db()
    assert (met_early.period_number, met_early.expires_on) == (2, date(2029, 1, 15))
    period = Period.objects.get(enrollment=met_early, number=2)
    assert (period.renewed_on, period.source) == (date(2026, 10, 20), "renewed")
    entry = History.objects.get(enrollment=met_early, action="renewal_granted")
    assert entry.actor_kind == "system"


def test_a_worker_down_into_the_grace_days_still_grants_it(met_early, travel):
    pass_on(travel, date(2026, 10, 1))
    assert pass_on(travel, date(2027, 1, 25))["grant_renewals"] == 1  # expired, in grace
    met_early.refresh_from_db()
    assert met_early.status == "active" and met_early.expires_on == date(2029, 1, 15)


def test_a_worker_back_after_the_grace_days_grants_nothing(met_early, travel):
    pass_on(travel, date(2026, 10, 1))
    assert pass_on(travel, date(2027, 1, 30))["grant_renewals"] == 0  # closed the day before
    met_early.refresh_from_db()
    assert met_early.period_number == 1 and met_early.status == "expired"


def test_a_failed_pass_does_not_count_as_having_looked(met_early, travel, monkeypatch):
    from certtrack.certification import renewals

    pass_on(travel, date(2026, 10, 15))
    with monkeypatch.context() as patched:
        patched.setattr(renewals, "_consider_many", lambda *a, **k: 1 / 0)
        assert pass_on(travel, date(2026, 10, 17))["grant_renewals"] == -1
    assert pass_on(travel, date(2026, 10, 18))["grant_renewals"] == 1


def test_later_passes_the_same_day_read_no_enrollment_again(met_early, travel, make_contact):
    pass_on(travel, date(2026, 10, 16))
    pass_on(travel, date(2026, 10, 17))
    travel(at(date(2026, 10, 17), hour=15))
    with CaptureQueriesContext(connection) as later:
        assert run_pass()["grant_renewals"] == 0
    enrollment_reads = [
        q["sql"]
        for q in later.captured_queries
        if "certification_enrollment" in q["sql"] and "renewal_review_on" in q["sql"]
    ]
    assert enrollment_reads == []


def test_one_refused_grant_does_not_stop_the_others(
    met_early, make_contact, admin, travel, monkeypatch
):
    from certtrack.certification import renewals
    from certtrack.certification.errors import Refused

    program, component = met_early.program, met_early.program.components.get()
    contact = make_contact()
    other = services.add(contact.pk, program.pk, admin, now=at(EARNED))
    for day in (EARNED, date(2026, 10, 1)):
        services.record_completion(contact.pk, component.pk, day, admin, now=at(day))
    real = renewals.grant

    def refuse_the_first(enrollment, *args, **kwargs):
        if enrollment.pk == met_early.pk:
            raise Refused("granted by another request at the same moment")
        return real(enrollment, *args, **kwargs)

    monkeypatch.setattr(renewals, "grant", refuse_the_first)
    # one at a time, as a batch that met a concurrent grant is (test_renewal_bulk.py)
    monkeypatch.setattr(renewals, "BULK_GRANTS", False)
    pass_on(travel, date(2026, 10, 16))
    assert pass_on(travel, date(2026, 10, 17))["grant_renewals"] == 1
    other.refresh_from_db()
    met_early.refresh_from_db()
    assert (met_early.period_number, other.period_number) == (1, 2)
