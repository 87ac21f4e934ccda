"""Overview: renewals due in the next 90 days and the renewal rate of the last 12 months
(docs/decisions.md "Renewal figures on the overview")."""

from datetime import date

import pytest

from certtrack.certification import services
from tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewing(make_program):
    return make_program(required=1, validity_months=12, renewal_window_days=90, code="REN")


def existing(make_contact, program, admin, activated_on):
    return services.record_existing(make_contact().pk, program.pk, activated_on, admin)


def test_renewals_due_in_the_next_90_days(
    admin_client, make_contact, make_program, renewing, admin
):
    # Today 15 Jun 2026: due = expiring 15 Jun … 13 Sep 2026, in a program with renewal.
    due_soon = existing(make_contact, renewing, admin, date(2025, 7, 1))  # 1 Jul 2026
    due_last = existing(make_contact, renewing, admin, date(2025, 9, 13))  # 13 Sep 2026
    existing(make_contact, renewing, admin, date(2025, 9, 14))  # 14 Sep 2026: day 91
    existing(make_contact, renewing, admin, date(2025, 6, 1))  # expired 1 Jun 2026
    no_renewal = make_program(required=1, validity_months=12, renewal_window_days=0)
    existing(make_contact, no_renewal, admin, date(2025, 7, 1))
    suspended = existing(make_contact, renewing, admin, date(2025, 8, 1))
    services.perform(suspended.pk, "suspend", admin, reason="Audit")
    response = admin_client.get("/staff/overview/")
    assert response.context["renewals_due_count"] == 2
    assert [e.pk for e in response.context["renewals_due"]] == [due_soon.pk, due_last.pk]
    html = response.content.decode()
    card = html.split('data-testid="renewals"')[1].split("</section>")[0]
    assert "Renewals due" in card and due_soon.contact.full_name in card
    # The link to Tracking lists exactly these rows.
    listed = admin_client.get("/staff/tracking/" + response.context["renewals_due_url"])
    assert {r.pk for r in listed.context["page"].object_list} == {due_soon.pk, due_last.pk}


def test_renewal_rate_of_the_last_12_months(admin_client, make_contact, renewing, admin):
    # Renewals closed (expiry + 0 grace days) between 15 Jun 2025 and 14 Jun 2026:
    renewed = existing(make_contact, renewing, admin, date(2025, 3, 1))  # expired 1 Mar 2026
    services.perform(renewed.pk, "renew", admin, reason="Waiver", now=at(date(2026, 2, 1)))
    existing(make_contact, renewing, admin, date(2025, 4, 1))  # lapsed 1 Apr 2026
    existing(make_contact, renewing, admin, date(2025, 5, 1))  # lapsed 1 May 2026
    existing(make_contact, renewing, admin, date(2024, 6, 1))  # lapsed 1 Jun 2025: too old
    existing(make_contact, renewing, admin, date(2025, 7, 1))  # expires 1 Jul 2026: not yet
    rate = admin_client.get("/staff/overview/").context["renewal_rate"]
    assert (rate.renewed, rate.closed, rate.percent) == (1, 3, 33)
    assert rate.since == date(2025, 6, 15)
    html = admin_client.get("/staff/overview/").content.decode()
    assert "33%" in html and "1 of 3 certifications whose renewal closed since 15 Jun 2025" in html


def test_a_renewal_still_in_its_grace_days_is_not_counted_yet(
    admin_client, make_contact, make_program, admin
):
    graced = make_program(required=1, validity_months=12, renewal_grace_days=30)
    existing(make_contact, graced, admin, date(2025, 6, 1))  # expired 1 Jun, grace to 1 Jul
    existing(make_contact, graced, admin, date(2025, 5, 1))  # grace closed 31 May 2026
    rate = admin_client.get("/staff/overview/").context["renewal_rate"]
    assert (rate.renewed, rate.closed) == (0, 1)


def test_no_renewal_closed_shows_a_dash(admin_client):
    response = admin_client.get("/staff/overview/")
    assert response.context["renewal_rate"].percent is None
    assert b"no renewal closed since 15 Jun 2025" in response.content
