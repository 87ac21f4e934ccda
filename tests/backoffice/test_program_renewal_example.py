"""The program form explains the renewal settings on a dated example (PRODUCT.md §3
"Certification periods and renewal"), for each renewal base, redrawn as fields change."""

import pytest
from django.test import Client

from certtrack.accounts.models import ApiToken
from certtrack.certification.models import Program

pytestmark = pytest.mark.django_db


def example(client, **values):
    params = {
        "validity_months": "12",
        "renewal_window_days": "90",
        "renewal_grace_days": "0",
        "renewal_base": "previous_expiry",
    } | values
    return client.get("/staff/setup/programs/renewal-example/", params).content.decode()


def line(html: str, base: str, nth: int = 0) -> str:
    return html.split(f'data-base="{base}"')[1 + nth].split("</li>")[0]


def test_each_base_shows_its_new_period_on_the_dated_example(admin_client):
    html = example(admin_client)
    assert "expires on <strong>31 Mar 2026</strong>" in html
    assert 'from <strong data-testid="opens">31 Dec 2025</strong> (90 days before)' in html
    assert "Renewed on <strong>10 Feb 2026</strong>" in html
    early = line(html, "previous_expiry")
    assert "31 Mar 2026 → 31 Mar 2027" in early and "chosen" in early
    granted = line(html, "renewal_date")
    assert "10 Feb 2026 → 10 Feb 2027" in granted and "chosen" not in granted


def test_the_chosen_base_follows_the_field(admin_client):
    html = example(admin_client, renewal_base="renewal_date")
    assert "chosen" in line(html, "renewal_date")
    assert "chosen" not in line(html, "previous_expiry")


def test_month_end_clamping_and_grace_days(admin_client):
    html = example(admin_client, validity_months="11", renewal_grace_days="30")
    assert "31 Mar 2026 → 29 Feb 2027" not in html  # 2027 is no leap year
    assert "31 Mar 2026 → 28 Feb 2027" in line(html, "previous_expiry")
    assert 'until <strong data-testid="closes">30 Apr 2026</strong> (30 grace days' in html
    late = line(html, "renewal_date", nth=1)
    assert "30 Apr 2026 → 30 Mar 2027" in late and "a gap of 30 days" in late
    assert "31 Mar 2026 → 28 Feb 2027" in line(html, "previous_expiry", nth=1)


def test_a_short_window_renews_inside_it(admin_client):
    html = example(admin_client, renewal_window_days="30")
    assert "Renewed on <strong>1 Mar 2026</strong>" in html
    assert "1 Mar 2026 → 1 Mar 2027" in line(html, "renewal_date")


def test_no_renewal_no_expiry_and_bad_numbers_are_said_in_words(admin_client):
    assert "No renewal:" in example(admin_client, renewal_window_days="0")
    assert "never expires" in example(admin_client, validity_months="")
    assert "Enter whole numbers" in example(admin_client, renewal_grace_days="-3")


def test_credits_mode_is_explained(admin_client):
    html = example(
        admin_client,
        renewal_requirements="credits",
        renewal_credits_required="20",
        renewal_hours_required="",
    )
    assert "earns 20 credits from any of the program's components" in html
    assert "Required for renewal" in html


def test_the_program_form_shows_the_example_and_redraws_it_on_change(admin_client, make_program):
    program = make_program(validity_months=24, renewal_base="renewal_date", renewal_grace_days=14)
    html = admin_client.get(f"/staff/setup/programs/{program.pk}/").content.decode()
    assert 'hx-get="/staff/setup/programs/renewal-example/"' in html
    assert "#id_renewal_base" in html and "#id_validity_months" in html
    shown = html.split('<div id="renewal-example"')[1]
    assert "10 Feb 2026 → 10 Feb 2028" in line(shown, "renewal_date")
    assert "chosen" in line(shown, "renewal_date")
    new = admin_client.get("/staff/setup/programs/new/").content.decode()
    assert "31 Mar 2026 → 31 Mar 2027" not in new  # no validity yet: never expires
    assert "never expires" in new


def test_a_form_sent_back_with_errors_shows_the_example_of_what_was_typed(admin_client):
    response = admin_client.post(
        "/staff/setup/programs/new/",
        {"name": "", "validity_months": "6", "renewal_window_days": "60"},
    )
    html = response.content.decode()
    assert "31 Mar 2026 → 30 Sep 2026" in line(html, "previous_expiry")


@pytest.mark.parametrize("field", ["validity_months", "completion_recency_months"])
def test_a_negative_number_of_months_gets_one_error_not_two(admin_client, field):
    """A staff user's trial: −5 said both "≥ 0" (the model's) and "≥ 1" (the form's)."""
    form = {"name": "Negative", "validity_months": "12", field: "-5"}
    response = admin_client.post("/staff/setup/programs/new/", form)
    assert response.context["form"].errors[field] == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert not Program.objects.filter(name="Negative").exists()


def test_spans_beyond_the_calendar_are_refused_not_a_server_error(
    admin_client, admin_user, make_program
):
    """A staff user's trial: "Valid for (months)" 99999 or grace 3000000 was a 500 (year
    10359) on the example and on saving; bounded in the model, so on every face."""
    assert "at most 1200 months" in example(admin_client, validity_months="99999")
    assert "at most 3650 days" in example(admin_client, renewal_grace_days="3000000")
    for field, value, bound in (
        ("validity_months", "99999", 1200),
        ("renewal_window_days", "4000", 3650),
        ("renewal_grace_days", "3000000", 3650),
    ):
        form = {"name": "Huge", "validity_months": "12", field: value}
        response = admin_client.post("/staff/setup/programs/new/", form)
        assert response.status_code == 200
        assert f"less than or equal to {bound}" in response.content.decode()
    assert not Program.objects.filter(name="Huge").exists()
    program = make_program(validity_months=12)
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(admin_user, 't')[1]}"})
    answer = api.patch(
        f"/api/v1/programs/{program.pk}", {"validity_months": 99999}, "application/json"
    )
    assert answer.status_code in (400, 422) and "1200" in answer.content.decode()
    program.refresh_from_db()
    assert program.validity_months == 12
