"""Overview: counts by status, the Action required queue, expirations per month."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from tests.backoffice.conftest import TODAY
from tests.conftest import at

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


# --- The worker's health on the overview (PRODUCT.md §10) ---


def _passed(at, **fields):
    from certtrack.operations import passes

    return passes.record(
        at,
        at + timedelta(seconds=2),
        fields.get("steps", {"record_time_transitions": 3, "deliver_due": 5}),
        fields.get("errors", {}),
        fields.get("tallies", {}),
    )


def _alert(response) -> str:
    html = response.content.decode()
    start = html.find('id="health-alert"')
    return "" if start < 0 else html[start : html.index("</div>", start)]


def test_the_overview_shows_the_last_worker_pass_and_what_it_did(staff_client, today):
    steps = {"record_time_transitions": 3, "deliver_due": 5, "fold_counts": 0, "run_queued": 1}
    _passed(at(today) - timedelta(minutes=3), steps=steps, tallies={"emails_failed": 1})
    response = staff_client.get("/staff/overview/")
    assert response.context["last_pass"].steps["deliver_due"] == 5
    # In words, in the order steps run; the fold, which counts nothing, is not listed.
    assert response.context["last_pass_did"] == [
        ("transitions recorded", 3),
        ("emails sent", 5),
        ("import files processed", 1),
        ("email attempts failed", 1),
    ]
    html = response.content.decode()
    assert "Transitions recorded" in html and "2.0 s" in html and "2\xa0minutes ago" in html
    assert "fold" not in html.lower()
    assert _alert(response) == ""


def test_a_pass_that_finished_seconds_ago_is_just_now(staff_client, today, travel):
    travel(at(today))
    _passed(at(today) - timedelta(seconds=20))
    html = staff_client.get("/staff/overview/").content.decode()
    assert "just now" in html and "0\xa0minutes ago" not in html


def test_a_warning_when_no_worker_pass_finished_for_two_hours(staff_client, today):
    _passed(at(today) - timedelta(hours=2, minutes=1))
    alert = _alert(staff_client.get("/staff/overview/"))
    assert "not finished a pass for more than 2 hours" in alert


def test_no_warning_for_a_pass_just_under_two_hours_ago(staff_client, today):
    _passed(at(today) - timedelta(hours=2) + timedelta(seconds=3))
    assert _alert(staff_client.get("/staff/overview/")) == ""


def test_a_warning_when_the_worker_never_ran(staff_client):
    assert "The worker has never run" in _alert(staff_client.get("/staff/overview/"))


def test_a_warning_when_the_email_queue_is_stuck(
    staff_client, today, travel, make_contact, make_program, admin
):
    travel(at(today) - timedelta(hours=2))
    services.apply(make_contact().pk, make_program().pk, admin)  # its emails, two hours ago
    travel(today)
    _passed(at(today))  # the worker runs, but the mail server refuses everything
    alert = _alert(staff_client.get("/staff/overview/"))
    assert "The email queue is stuck" in alert
    assert "worker has" not in alert


def test_a_warning_when_the_last_pass_had_failed_steps(staff_client, today):
    _passed(at(today), errors={"deliver_due": "SMTPServerDisconnected: gone"})
    response = staff_client.get("/staff/overview/")
    assert "Sending emails (SMTPServerDisconnected: gone)" in _alert(response)
    assert "Sending emails failed" in response.content.decode()
    assert "deliver_due" not in response.content.decode()  # staff read words, not names


def test_djangos_admin_is_for_administrators_only(staff_client, admin_user):
    """A staff user's trial opened /staff/admin/ and got Django's bare empty index."""
    from django.test import Client

    refused = staff_client.get("/staff/admin/")
    assert refused.status_code == 302 and "/staff/admin/login/" in refused["Location"]
    assert staff_client.get("/staff/admin/notifications/email/").status_code == 302
    administrator = Client()
    administrator.force_login(admin_user)
    assert administrator.get("/staff/admin/").status_code == 200
