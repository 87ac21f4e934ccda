"""Bulk suspend, renew and set expiry on the Tracking tab (PRODUCT.md §5): one reason for
the batch, each row through the single action's service, refused rows reported."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History

pytestmark = pytest.mark.django_db


def bulk(client, **data):
    response = client.post("/staff/tracking/bulk/", data, follow=True)
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def program(make_program):
    return make_program(required=1, validity_months=12, renewal_window_days=90, code="RNW")


@pytest.fixture
def existing(make_contact, program, admin):
    def build(activated_on: date) -> Enrollment:
        return services.record_existing(make_contact().pk, program.pk, activated_on, admin)

    return build


def test_bulk_renew_grants_each_open_row_a_period_and_reports_the_others(
    admin_client, existing, enroll
):
    # On 15 Jun 2026: two expire 1 Jul 2026 (renewal open), one 1 Jan 2027 (not open yet:
    # a waiver all the same, PRODUCT.md §3), one expired in 2025 (its renewal closed).
    open_rows = [existing(date(2025, 7, 1)), existing(date(2025, 7, 1))]
    not_open = existing(date(2026, 1, 1))
    closed = existing(date(2024, 1, 1))
    applied = enroll("applied")
    ids = [r.pk for r in open_rows] + [not_open.pk, closed.pk, applied.pk]
    messages = bulk(admin_client, action="renew", ids=ids, reason="Board waiver 2026")
    assert messages[0] == "3 renewed, 2 refused:"
    assert f"#{closed.pk}" in messages[1] and "the renewal is closed" in messages[1]
    assert f"#{applied.pk}" in messages[2] and "Cannot renew" in messages[2]
    for row in open_rows:
        row.refresh_from_db()
        assert (row.period_number, row.expires_on) == (2, date(2027, 7, 1))
        entry = History.objects.get(enrollment=row, action="renew")
        assert entry.reason == "Board waiver 2026"
    not_open.refresh_from_db()
    closed.refresh_from_db()
    assert (not_open.period_number, closed.period_number) == (2, 1)
    # Selected again the same day: each is renewed already, none twice.
    again = bulk(admin_client, action="renew", ids=ids[:3], reason="Board waiver 2026")
    assert again[0] == "0 renewed, 3 refused:" and all("renewed already" in m for m in again[1:])


def test_bulk_renew_with_an_expiry_date(admin_client, existing):
    row = existing(date(2025, 7, 1))
    messages = bulk(
        admin_client, action="renew", ids=[row.pk], reason="Waiver", expires_on="2027-12-31"
    )
    assert messages == ["1 renewed."]
    row.refresh_from_db()
    assert row.expires_on == date(2027, 12, 31) and row.period_number == 2


def test_bulk_suspend_needs_one_reason_and_suspends_only_certified_rows(
    admin_client, existing, enroll
):
    row = existing(date(2026, 1, 1))
    in_progress = enroll("in_progress")
    assert bulk(admin_client, action="suspend", ids=[row.pk]) == [
        "Give a reason: it is recorded in each row's history."
    ]
    row.refresh_from_db()
    assert row.status == "active"
    messages = bulk(
        admin_client, action="suspend", ids=[row.pk, in_progress.pk], reason="Fees unpaid"
    )
    assert messages[0] == "1 suspended, 1 refused:"
    assert "Cannot suspend: the enrollment is In progress" in messages[1]
    row.refresh_from_db()
    assert row.status == "inactive"
    assert History.objects.get(enrollment=row, action="suspend").reason == "Fees unpaid"


def test_bulk_set_expiry_moves_each_certified_row_with_the_reason(admin_client, existing, enroll):
    rows = [existing(date(2026, 1, 1)), existing(date(2025, 7, 1))]
    in_progress = enroll("in_progress")
    ids = [r.pk for r in rows] + [in_progress.pk]
    assert bulk(admin_client, action="set_expiry", ids=ids, reason="Extension") == [
        "Give the new expiration date to set it."
    ]
    messages = bulk(
        admin_client, action="set_expiry", ids=ids, reason="Extension", expires_on="2027-03-31"
    )
    assert messages[0] == "2 given the new expiration date, 1 refused:"
    assert f"#{in_progress.pk}" in messages[1] and "In progress" in messages[1]
    for row in rows:
        row.refresh_from_db()
        assert row.expires_on == date(2027, 3, 31)
        assert History.objects.get(enrollment=row, action="set_expires_on").reason == "Extension"


def test_a_bad_date_or_a_date_for_another_action_changes_nothing(admin_client, existing):
    row = existing(date(2026, 1, 1))
    assert bulk(
        admin_client, action="set_expiry", ids=[row.pk], reason="x", expires_on="31/03/2027"
    ) == ["The new expiry must be a date (YYYY-MM-DD), not '31/03/2027'."]
    assert bulk(
        admin_client, action="suspend", ids=[row.pk], reason="x", expires_on="2027-03-31"
    ) == ["A new expiration date is only for renew or set expiry."]
    row.refresh_from_db()
    assert (row.status, row.expires_on) == ("active", date(2027, 1, 1))


def test_the_bulk_form_offers_the_new_actions_a_reason_and_a_date(admin_client, existing):
    existing(date(2026, 1, 1))
    response = admin_client.get("/staff/tracking/")
    offered = [name for name, _ in response.context["bulk_actions"]]
    assert {"suspend", "renew", "set_expiry"} <= set(offered)
    assert b'<option value="set_expiry">Set expiry</option>' in response.content
    assert b'id="bulk-reason" type="text" name="reason"' in response.content
    assert b'id="bulk-expires-on" type="date" name="expires_on"' in response.content
