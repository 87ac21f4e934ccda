"""The enrollment page's Periods section, renewal progress and renewal actions
(PRODUCT.md §3 "Certification periods and renewal", §5 "A row opens the enrollment")."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History
from tests.backoffice.conftest import TODAY
from tests.conftest import at

pytestmark = pytest.mark.django_db


def page(client, enrollment):
    return client.get(f"/staff/enrollments/{enrollment.pk}/")


def act(client, enrollment, **data):
    response = client.post(f"/staff/enrollments/{enrollment.pk}/action/", data, follow=True)
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def monthly(make_program, make_component):
    """A program valid one month whose renewal is open 400 days before expiry: renewed by
    each new completion of its one required component."""
    return make_program(required=1, validity_months=1, renewal_window_days=400, code="MONTH")


def cycles(contact, program, admin, count: int, start: date) -> Enrollment:
    """An enrollment of `program` with `count` periods: earned on `start`, then renewed by
    one completion a day (the renewal is open at once)."""
    component = program.components.get()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(start))
    for i in range(count):
        day = start + timedelta(days=i)
        services.record_completion(contact.pk, component.pk, day, admin, now=at(day))
    enrollment.refresh_from_db()
    assert enrollment.period_number == count
    return enrollment


def test_ten_periods_run_the_same_number_of_queries_as_one(
    admin_client, make_contact, monthly, admin
):
    one = cycles(make_contact(), monthly, admin, 1, TODAY - timedelta(days=20))
    ten = cycles(make_contact(), monthly, admin, 10, TODAY - timedelta(days=20))
    page(admin_client, one)  # warm: the session, the settings row
    counted = {}
    for name, row in (("one", one), ("ten", ten)):
        with CaptureQueriesContext(connection) as queries:
            response = page(admin_client, row)
        assert response.status_code == 200
        counted[name] = len(queries)
    assert len(response.context["periods"]) == 10
    assert counted["ten"] == counted["one"]


def test_periods_show_number_source_dates_completions_used_and_certificate(
    admin_client, make_contact, monthly, admin
):
    row = cycles(make_contact(), monthly, admin, 3, date(2026, 6, 1))
    html = page(admin_client, row).content.decode()
    section = html.split('data-testid="periods"')[1].split("</section>")[0]
    component = monthly.components.get().name
    for number, (source, activated, expires, used_on) in enumerate(
        [
            ("Earned", "1 Jun 2026", "1 Jul 2026", "1 Jun 2026"),
            ("Renewed", "1 Jul 2026", "1 Aug 2026", "2 Jun 2026"),
            ("Renewed", "1 Aug 2026", "1 Sep 2026", "3 Jun 2026"),
        ],
        start=1,
    ):
        line = section.split(f'data-period="{number}"')[1].split("</tr>")[0]
        assert source in line and activated in line and expires in line
        assert f"{component} ({used_on})" in line  # the one completion this period used
        assert f"certificate.pdf?period={number}" in line
    # On 15 Jun 2026 period 1 is in force; the early renewals' periods begin later (a new
    # user's trial saw the last one called "current").
    tags = {n: section.split(f'data-period="{n}"')[1].split("</td>")[1] for n in (1, 2, 3)}
    assert "current" in tags[1] and "upcoming" not in tags[1]
    assert all("upcoming" in tags[n] and "current" not in tags[n] for n in (2, 3))


def test_renewal_progress_says_the_state_window_and_what_is_still_needed(
    admin_client, make_contact, make_program, admin
):
    program = make_program(
        required=2, validity_months=12, renewal_window_days=90, renewal_grace_days=10
    )
    first, second = program.components.order_by("pk")
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2025, 7, 1)))
    for component in (first, second):
        services.record_completion(
            contact.pk, component.pk, date(2025, 7, 1), admin, now=at(date(2025, 7, 1))
        )
    # Expires 1 Jul 2026: on 15 Jun 2026 the renewal is open; one component done again.
    services.record_completion(contact.pk, first.pk, TODAY, admin, now=at(TODAY))
    response = page(admin_client, enrollment)
    renewal = response.context["renewal"]
    assert renewal.state == "open" and renewal.needed == [second.name]
    html = response.content.decode()
    card = html.split('data-testid="renewal"')[1].split("</section>")[0]
    assert "Opens 2 Apr 2026 · expires 1 Jul 2026 · grace until 11 Jul 2026" in card
    assert 'renewal-state--open" data-testid="renewal-state">Open' in card
    assert "1 of 2 required components" in card
    assert f"<li>{second.name}</li>" in card


def test_credits_still_needed_are_counted_in_words(
    admin_client, make_contact, make_program, make_component, admin
):
    program = make_program(
        required=1,
        electives=1,
        validity_months=12,
        renewal_requirements="credits",
        renewal_credits_required="5",
    )
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2025, 7, 1)))
    required = program.links.get(required=True).component
    services.record_completion(
        contact.pk, required.pk, date(2025, 7, 1), admin, now=at(date(2025, 7, 1))
    )
    elective = program.links.get(required=False).component
    services.record_completion(contact.pk, elective.pk, TODAY, admin, now=at(TODAY))
    renewal = page(admin_client, enrollment).context["renewal"]
    assert renewal.needed == ["4 more credits"]


def test_a_certification_recorded_from_elsewhere_does_not_claim_its_requirements_are_met(
    admin_client, make_contact, make_program, admin
):
    program = make_program(required=3, validity_months=36)
    recorded = services.record_existing(make_contact().pk, program.pk, date(2026, 1, 1), admin)
    meaning = page(admin_client, recorded).context["meaning"]
    assert meaning.startswith("Certified in another system and recorded here;")
    assert "every requirement is met" not in meaning
    # One earned here keeps the seed's meaning.
    earned = services.add(make_contact().pk, make_program(required=1).pk, admin)
    services.record_completion(
        earned.contact_id, earned.program.components.get().pk, date(2026, 1, 1), admin
    )
    assert "every requirement is met" in page(admin_client, earned).context["meaning"]


def test_no_renewal_card_without_a_renewal(admin_client, make_contact, make_program, admin):
    program = make_program(required=1, validity_months=12, renewal_window_days=0)
    contact = make_contact()
    enrollment = services.record_existing(contact.pk, program.pk, date(2026, 1, 1), admin)
    response = page(admin_client, enrollment)
    assert response.context["renewal"] is None
    assert b'data-testid="renewal"' not in response.content


def test_renew_from_the_page_with_a_reason_and_an_expiry(
    admin_client, make_contact, make_program, admin
):
    program = make_program(required=1, validity_months=12, renewal_window_days=90)
    enrollment = services.record_existing(
        make_contact().pk, program.pk, date(2025, 7, 1), admin
    )  # expires 1 Jul 2026: open on TODAY
    html = page(admin_client, enrollment).content.decode()
    assert 'name="action" value="renew"' in html and 'name="expires_on"' in html
    messages = act(
        admin_client,
        enrollment,
        action="renew",
        reason="Board waiver",
        expires_on="2027-12-31",
    )
    assert messages == ["Renew: done. The enrollment is now Active."]
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2 and enrollment.expires_on == date(2027, 12, 31)
    entry = History.objects.get(enrollment=enrollment, action="renew")
    assert entry.reason == "Board waiver"


def test_renew_without_a_reason_or_with_a_bad_date_changes_nothing(
    admin_client, make_contact, make_program, admin
):
    program = make_program(required=1, validity_months=12, renewal_window_days=90)
    enrollment = services.record_existing(make_contact().pk, program.pk, date(2025, 7, 1), admin)
    assert act(admin_client, enrollment, action="renew") == ["A reason is required to renew."]
    messages = act(admin_client, enrollment, action="renew", reason="x", expires_on="31/12/2027")
    assert messages == ["The new expiry must be a date (YYYY-MM-DD), not '31/12/2027'."]
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1


def test_suspend_then_renewal_is_not_offered(admin_client, make_contact, make_program, admin):
    program = make_program(required=1, validity_months=12, renewal_window_days=90)
    enrollment = services.record_existing(make_contact().pk, program.pk, date(2025, 7, 1), admin)
    offered = [a.name for a in page(admin_client, enrollment).context["actions"]]
    assert "renew" in offered and "suspend" in offered
    assert act(admin_client, enrollment, action="suspend", reason="Audit") == [
        "Suspend: done. The enrollment is now Inactive."
    ]
    response = page(admin_client, enrollment)
    assert "renew" not in [a.name for a in response.context["actions"]]
    assert response.context["renewal"] is None


def test_a_renewal_in_review_offers_approve_and_reject(
    admin_client, make_contact, make_program, admin
):
    program = make_program(required=1, validity_months=12, completion_requires_approval=True)
    component = program.components.get()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2025, 7, 1)))
    services.record_completion(
        contact.pk, component.pk, date(2025, 7, 1), admin, now=at(date(2025, 7, 1))
    )
    services.perform(enrollment.pk, "approve_completion", admin, now=at(date(2025, 7, 1)))
    services.record_completion(contact.pk, component.pk, TODAY, admin, now=at(TODAY))
    response = page(admin_client, enrollment)
    assert response.context["renewal"].state == "review"
    offered = [a.name for a in response.context["actions"]]
    assert {"approve_renewal", "reject_renewal"} <= set(offered)
    assert act(admin_client, enrollment, action="reject_renewal") == [
        "A reason is required to reject renewal."
    ]
    assert act(admin_client, enrollment, action="reject_renewal", reason="Evidence unclear") == [
        "Reject renewal: done. The enrollment is now Expiring."
    ]
    assert page(admin_client, enrollment).context["renewal"].state == "open"
    services.record_completion(
        contact.pk, component.pk, TODAY - timedelta(days=1), admin, now=at(TODAY)
    )
    act(admin_client, enrollment, action="approve_renewal")
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2


def test_after_an_early_waiver_the_certificate_button_is_the_period_in_force(
    admin_client, admin, make_contact, make_program
):
    """A staff user's trial: waived on the day it became Active, the page's certificate
    button gave the next period's certificate, "Valid from" a year ahead."""
    program = make_program(required=1, validity_months=12, renewal_window_days=90)
    enrollment = services.record_existing(make_contact().pk, program.pk, TODAY, admin)
    act(admin_client, enrollment, action="renew", reason="Board waiver")
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2 and enrollment.activated_on > TODAY
    html = page(admin_client, enrollment).content.decode()
    base = f"/staff/enrollments/{enrollment.pk}/certificate.pdf"
    assert f'href="{base}?period=1">Certificate (PDF)</a>' in html
    assert f'href="{base}?period=2">Next period\'s certificate (from ' in html
