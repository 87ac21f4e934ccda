"""PRODUCT.md §3: suspend (reason required) from Active/Expiring to Inactive; reactivating a
suspended certification returns the status the dates give, with no new period."""

from datetime import date

import pytest

from certtrack.certification import renewals, services
from certtrack.certification.errors import Invalid, Refused
from certtrack.certification.models import Enrollment, History, Period
from tests.builders import at, certify

EARNED = date(2025, 1, 31)  # expires 31 Jan 2027 (24 months); window opens 2 Nov 2026


@pytest.fixture
def holder(make_contact, make_program, admin, settings_row):
    program = make_program(required=1, validity_months=24, renewal_grace_days=10)
    contact = make_contact()
    return certify(admin, contact, program, EARNED), contact, program.components.get()


def test_suspend_needs_a_reason_and_changes_nothing_without_one(holder, admin):
    enrollment, *_ = holder
    with pytest.raises(Invalid) as error:
        services.perform(enrollment.pk, "suspend", admin, reason="  ", now=at(date(2026, 1, 1)))
    assert error.value.field == "reason"
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"


def test_suspend_stores_inactive_and_keeps_the_period(holder, admin):
    enrollment, *_ = holder
    services.perform(enrollment.pk, "suspend", admin, reason="Complaint", now=at(date(2026, 1, 1)))
    enrollment.refresh_from_db()
    assert enrollment.status == "inactive" and enrollment.period_number == 1
    entry = History.objects.get(enrollment=enrollment, action="suspend")
    assert (entry.from_status, entry.to_status, entry.reason) == ("active", "inactive", "Complaint")


def test_reactivate_returns_the_status_the_dates_give_without_a_new_period(holder, admin):
    enrollment, *_ = holder
    services.perform(enrollment.pk, "suspend", admin, reason="Complaint", now=at(date(2026, 1, 1)))
    services.perform(enrollment.pk, "reactivate", admin, now=at(date(2027, 1, 20)))
    enrollment.refresh_from_db()
    assert enrollment.status == "expiring"  # the period ran on while suspended
    assert Period.objects.filter(enrollment=enrollment).count() == 1
    assert enrollment.expires_on == date(2027, 1, 31)


def test_reactivate_after_the_expiry_is_expired(holder, admin):
    enrollment, *_ = holder
    services.perform(enrollment.pk, "suspend", admin, reason="Complaint", now=at(date(2026, 1, 1)))
    services.perform(enrollment.pk, "reactivate", admin, now=at(date(2027, 3, 1)))
    enrollment.refresh_from_db()
    assert enrollment.status == "expired"


def test_suspend_is_refused_from_expired_naming_the_state(holder, admin):
    enrollment, *_ = holder
    with pytest.raises(Refused, match="the enrollment is Expired"):
        services.perform(enrollment.pk, "suspend", admin, reason="x", now=at(date(2027, 3, 1)))


def test_no_renewal_while_suspended_during_the_renewal_window(holder, admin):
    enrollment, contact, component = holder
    services.perform(enrollment.pk, "suspend", admin, reason="Audit", now=at(date(2026, 11, 5)))
    services.record_completion(
        contact.pk, component.pk, date(2026, 11, 10), admin, now=at(date(2026, 11, 10))
    )
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1  # met, open, but suspended: nothing granted
    assert renewals.state_of(enrollment, date(2026, 11, 10)) is None
    with pytest.raises(Refused, match="Inactive .suspended."):
        services.perform(enrollment.pk, "renew", admin, reason="x", now=at(date(2026, 11, 10)))
    assert renewals.grant_opened(at(date(2026, 11, 2)), admin) == 0
    # Reactivated while the renewal is open, with the work done: the dates' status and no
    # new period (PRODUCT.md §3); the next completion recorded grants the renewal.
    services.perform(enrollment.pk, "reactivate", admin, now=at(date(2026, 11, 20)))
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.period_number) == ("active", 1)
    services.record_completion(
        contact.pk, component.pk, date(2026, 11, 25), admin, now=at(date(2026, 11, 25))
    )
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2
    assert enrollment.expires_on == date(2029, 1, 31)


def test_cancel_a_suspended_certification(holder, admin):
    enrollment, *_ = holder
    services.perform(enrollment.pk, "suspend", admin, reason="Audit", now=at(date(2026, 1, 1)))
    services.perform(enrollment.pk, "cancel", admin, reason="Fraud", now=at(date(2026, 2, 1)))
    assert Enrollment.objects.get(pk=enrollment.pk).status == "cancelled"


def test_mark_not_completed_is_refused_while_suspended_saying_which_inactive(holder, admin):
    """Kept refused (docs/decisions.md, session 33), in words that do not contradict
    themselves: it read "the enrollment is Inactive (suspended); … allowed only from …
    Inactive"."""
    enrollment, *_ = holder
    services.perform(enrollment.pk, "suspend", admin, reason="Audit", now=at(date(2026, 1, 1)))
    with pytest.raises(Refused) as refused:
        services.perform(enrollment.pk, "mark_not_completed", admin, now=at(date(2026, 2, 1)))
    assert "Inactive (not a suspended certification)" in str(refused.value)
    assert Enrollment.objects.get(pk=enrollment.pk).status == "inactive"
