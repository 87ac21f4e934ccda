"""Overview: counts by status, the Action required queue, expirations per month."""

from datetime import date

import pytest

from certtrack.certification import services
from tests.backoffice.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_counts_by_status_are_true_today(admin_client, enroll):
    enroll("expiring")
    enroll("expired")
    enroll("applied")
    response = admin_client.get("/staff/overview/")
    counts = response.context["counts"]
    assert (counts["expiring"], counts["expired"], counts["applied"]) == (1, 1, 1)
    assert response.context["total"] == 3


def test_action_required_lists_applications_completions_and_reviews(
    admin_client, admin, enroll, make_contact, make_component, make_program
):
    applied = enroll("applied")
    review = enroll("admin_review")
    task = make_component("task", name="Portfolio", requires_approval=True)
    program = make_program(required=[task])
    contact = make_contact()
    waiting = services.add(contact.pk, program.pk, admin)
    completion = services.record_completion(contact.pk, task.pk, TODAY, admin)
    response = admin_client.get("/staff/overview/")
    assert [e.pk for e in response.context["applied"]] == [applied.pk]
    assert [e.pk for e in response.context["reviews"]] == [review.pk]
    assert [c.pk for c in response.context["pending"]] == [completion.pk]
    assert response.context["pending"][0].enrollment_id == waiting.pk


def test_expiring_per_month_covers_the_next_twelve_months(admin_client, enroll):
    enroll("expiring")  # expires 25 June 2026
    enroll("active")  # expires 5 March 2027
    months = admin_client.get("/staff/overview/").context["months"]
    assert [m["month"] for m in months][:2] == [date(2026, 6, 1), date(2026, 7, 1)]
    assert len(months) == 12
    per_month = {m["month"]: m["count"] for m in months}
    assert per_month[date(2026, 6, 1)] == 1
    assert per_month[date(2027, 3, 1)] == 1
    assert sum(per_month.values()) == 2
