"""Customize Filter's renewal criteria (PRODUCT.md §5): renewal open, in review, in grace,
renewed within a date range; the same words as the API's `renewal` filter."""

from datetime import date

import pytest

from certtrack.backoffice.models import SavedFilter
from certtrack.certification import services
from certtrack.certification.tracking import tracking_queryset
from tests.backoffice.conftest import TODAY
from tests.conftest import at

pytestmark = pytest.mark.django_db


def shown(response) -> set[int]:
    return {row.pk for row in response.context["page"].object_list}


@pytest.fixture
def renewals(make_contact, make_program, admin):
    """One row in each renewal situation on TODAY (15 Jun 2026)."""
    program = make_program(
        required=1, validity_months=12, renewal_window_days=90, renewal_grace_days=30
    )
    reviewed = make_program(required=1, validity_months=12, completion_requires_approval=True)

    def existing(activated_on, of=program):
        return services.record_existing(make_contact().pk, of.pk, activated_on, admin)

    rows = {
        "not_open": existing(date(2026, 1, 1)),
        "open": existing(date(2025, 7, 1)),
        "grace": existing(date(2025, 6, 1)),
        "renewed": existing(date(2025, 8, 1)),
        "review": existing(date(2025, 7, 1), of=reviewed),
    }
    services.perform(rows["renewed"].pk, "renew", admin, reason="Waiver", now=at(date(2026, 6, 10)))
    review = rows["review"]
    services.record_completion(
        review.contact_id, reviewed.components.get().pk, TODAY, admin, now=at(TODAY)
    )
    review.refresh_from_db()
    assert review.renewal_review_on == TODAY
    return {name: row.pk for name, row in rows.items()}


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["open"], {"open"}),
        (["review"], {"review"}),
        (["grace"], {"grace"}),
        (["open", "grace"], {"open", "grace"}),
    ],
)
def test_renewal_criteria_show_the_rows_in_that_renewal_state(
    admin_client, renewals, states, expected
):
    response = admin_client.get("/staff/tracking/", {"renewal": states})
    assert shown(response) == {renewals[name] for name in expected}
    # The same rows as the API's filter: one parser.
    api = tracking_queryset({"renewal": ",".join(states)}, response.context["as_of"])
    assert shown(response) == set(api.values_list("pk", flat=True))


def test_comma_separated_as_in_the_api(admin_client, renewals):
    response = admin_client.get("/staff/tracking/", {"renewal": "open,review"})
    assert shown(response) == {renewals["open"], renewals["review"]}


def test_renewed_within_a_date_range(admin_client, renewals):
    inside = admin_client.get(
        "/staff/tracking/", {"renewed_from": "2026-06-01", "renewed_to": "2026-06-30"}
    )
    assert shown(inside) == {renewals["renewed"]}
    before = admin_client.get("/staff/tracking/", {"renewed_to": "2026-06-09"})
    assert shown(before) == set()


def test_an_unknown_renewal_state_is_named_and_shows_nothing(admin_client, renewals):
    response = admin_client.get("/staff/tracking/", {"renewal": "someday"})
    assert shown(response) == set()
    assert any("Renewal" in p and "someday" in p for p in response.context["problems"])


def test_renewal_criteria_show_as_chips_and_in_the_panel(admin_client, renewals):
    response = admin_client.get("/staff/tracking/", {"renewal": ["open", "grace"]})
    chips = [chip["text"] for chip in response.context["form"].chips()]
    assert "Renewal: Open, In grace" in chips
    panel = admin_client.get("/staff/tracking/filter/", {"renewal": "review"})
    assert b'name="renewal" value="review"' in panel.content
    assert b'value="review" id="id_renewal_1" checked' in panel.content


def test_a_saved_filter_keeps_the_renewal_criteria(admin_client, admin_user, renewals):
    page = admin_client.get(
        "/staff/tracking/", {"renewal": ["open", "grace"], "renewed_from": "2026-01-01"}
    )
    query = page.context["query"]
    assert "renewal=open" in query and "renewal=grace" in query and "renewed_from" in query
    response = admin_client.post(
        "/staff/tracking/filters/", {"name": "Renewals due", "query": query}, follow=True
    )
    assert SavedFilter.objects.get(owner=admin_user).query == query
    assert shown(response) == set()  # open or in grace, and renewed since January: none
    saved = admin_client.post(
        "/staff/tracking/filters/",
        {"name": "Open", "query": "renewal=open&renewal=grace"},
        follow=True,
    )
    assert shown(saved) == {renewals["open"], renewals["grace"]}
