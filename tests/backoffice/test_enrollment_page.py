"""The enrollment page: status and meaning, progress tracker, allowed actions, expiry, history."""

from datetime import date

import pytest
from django.utils.html import escape

from certtrack.certification import services
from certtrack.certification.models import (
    Completion,
    CompletionState,
    Enrollment,
    Period,
    PeriodSource,
)
from certtrack.certification.statuses import MEANING, RENEWAL_ACTIONS, Status, actions_from
from tests.backoffice.conftest import TODAY

pytestmark = pytest.mark.django_db


def view_context(response):
    """The page's own context (an email subject rendered for the Emails panel has one too)."""
    return next(c for c in response.context if "expiry_form" in c)


def page(client, enrollment):
    return client.get(f"/staff/enrollments/{enrollment.pk}/")


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_shows_the_status_its_meaning_and_only_the_actions_allowed_from_it(
    admin_client, enroll, status
):
    response = page(admin_client, enroll(status))
    assert view_context(response)["status"] == status
    assert escape(MEANING[Status(status)]).encode() in response.content
    offered = [a.name for a in response.context["actions"]]
    table = [a.name for a in actions_from(status)]
    # Renewal actions are offered only while the renewal's state allows them (below).
    assert [a for a in offered if a not in RENEWAL_ACTIONS] == [
        a for a in table if a not in RENEWAL_ACTIONS
    ]
    assert set(offered) <= set(table)
    for action in ("approve", "decline", "reopen", "reactivate"):
        marker = f'name="action" value="{action}"'.encode()
        assert (marker in response.content) == (action in offered)


def test_approving_an_application_from_the_page(admin_client, enroll):
    row = enroll("applied")
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/action/", {"action": "approve"}, follow=True
    )
    row.refresh_from_db()
    assert row.status == Status.IN_PROGRESS
    assert "now In progress" in [str(m) for m in response.context["messages"]][0]


def test_a_refused_action_says_why_and_changes_nothing(admin_client, enroll):
    row = enroll("declined")
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/action/", {"action": "approve"}, follow=True
    )
    row.refresh_from_db()
    assert row.status == Status.DECLINED
    message = [str(m) for m in response.context["messages"]][0]
    assert "Cannot approve application: the enrollment is Declined" in message


def test_the_action_reason_is_recorded_in_the_history(admin_client, enroll):
    row = enroll("in_progress")
    admin_client.post(
        f"/staff/enrollments/{row.pk}/action/",
        {"action": "set_inactive", "reason": "On leave until spring"},
    )
    response = page(admin_client, row)
    assert b"On leave until spring" in response.content
    assert response.context["history"].last().reason == "On leave until spring"


def test_progress_tracker_shows_each_component_with_its_completions(
    admin_client, admin, make_contact, make_component, make_program
):
    exam = make_component(
        "exam", name="Final Exam", scoring="scored", max_score=100, passing_score=70
    )
    task = make_component("task", name="Portfolio", requires_approval=True)
    elective = make_component(name="Ethics")
    program = make_program(required=[exam, task], electives=[elective])
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    services.record_completion(contact.pk, exam.pk, TODAY, admin, score=88)
    services.record_completion(contact.pk, task.pk, TODAY, admin, note="See the attached essay")
    response = page(admin_client, row)
    tracker = {
        link.component.name: (link.required, items) for link, items in response.context["tracker"]
    }
    assert tracker["Final Exam"][0] is True and tracker["Ethics"][0] is False
    assert tracker["Final Exam"][1][0].score == 88
    assert tracker["Portfolio"][1][0].state == CompletionState.PENDING
    assert tracker["Ethics"][1] == []
    assert b"Score 88/100" in response.content
    assert b"See the attached essay" in response.content
    assert b"Awaiting approval" in response.content
    assert b"Mark All Approved (1)" in response.content


def test_approving_a_completion_moves_the_enrollment_on(
    admin_client, admin, make_contact, make_component, make_program
):
    task = make_component("task", requires_approval=True)
    program = make_program(required=[task])
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    completion = services.record_completion(contact.pk, task.pk, TODAY, admin)
    admin_client.post(
        f"/staff/completions/{completion.pk}/approve/",
        {"next": f"/staff/enrollments/{row.pk}/"},
    )
    completion.refresh_from_db()
    row.refresh_from_db()
    assert completion.state == CompletionState.APPROVED
    assert row.status == Status.ACTIVE


def test_rejecting_a_completion(admin_client, admin, make_contact, make_component, make_program):
    task = make_component("task", requires_approval=True)
    program = make_program(required=[task])
    contact = make_contact()
    services.add(contact.pk, program.pk, admin)
    completion = services.record_completion(contact.pk, task.pk, TODAY, admin)
    admin_client.post(f"/staff/completions/{completion.pk}/reject/", follow=True)
    completion.refresh_from_db()
    assert completion.state == CompletionState.REJECTED
    response = admin_client.post(f"/staff/completions/{completion.pk}/approve/", follow=True)
    assert "it is rejected" in [str(m) for m in response.context["messages"]][0]


def test_mark_all_approved(admin_client, admin, make_contact, make_component, make_program):
    tasks = [make_component("task", requires_approval=True) for _ in range(2)]
    program = make_program(required=tasks)
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    for task in tasks:
        services.record_completion(contact.pk, task.pk, TODAY, admin)
    admin_client.post(f"/staff/enrollments/{row.pk}/approve-all/")
    assert not Completion.objects.filter(state=CompletionState.PENDING).exists()
    row.refresh_from_db()
    assert row.status == Status.ACTIVE


def test_changing_the_expiry_needs_a_reason(admin_client, enroll):
    row = enroll("active")
    old = row.expires_on
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/", {"form": "expiry", "expires_on": "2028-01-31"}
    )
    assert response.status_code == 200
    assert "reason" in response.context["expiry_form"].errors
    row.refresh_from_db()
    assert row.expires_on == old


def test_changing_the_expiry_with_a_reason(admin_client, enroll):
    row = enroll("expiring")
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/",
        {"form": "expiry", "expires_on": "2028-01-31", "reason": "Extension granted"},
        follow=True,
    )
    row.refresh_from_db()
    assert row.expires_on == date(2028, 1, 31)
    assert view_context(response)["status"] == Status.ACTIVE
    assert b"Extension granted" in response.content


def test_an_expiry_before_activation_is_shown_next_to_the_field(admin_client, enroll):
    row = enroll("active")
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/",
        {"form": "expiry", "expires_on": "2020-01-01", "reason": "typo"},
    )
    assert "is before the activation date" in str(
        response.context["expiry_form"].errors["expires_on"]
    )


def test_an_expiry_after_2999_is_refused_next_to_the_field(admin_client, enroll):
    """9999-12-31 ("never" in other systems) was taken, and day arithmetic from it (grace
    days, reminders after expiry) runs past the calendar's end."""
    row = enroll("active")
    before = row.expires_on
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/",
        {"form": "expiry", "expires_on": "9999-12-31", "reason": "never expires"},
    )
    assert response.context["expiry_form"].errors["expires_on"] == [
        "The expiration date 9999-12-31 is after 2999; certtrack holds no dates that late."
    ]
    row.refresh_from_db()
    assert row.expires_on == before


def test_only_certified_enrollments_offer_an_expiry_change(admin_client, enroll):
    assert page(admin_client, enroll("in_progress")).context["can_set_expiry"] is False
    assert page(admin_client, enroll("expired")).context["can_set_expiry"] is True


def test_certificate_links_appear_once_a_certificate_number_exists(admin_client, enroll):
    row = enroll("active")
    assert row.certificate_number
    response = page(admin_client, row)
    assert f"/verify/{row.certificate_number}".encode() in response.content
    assert f"/staff/enrollments/{row.pk}/certificate.pdf".encode() in response.content
    assert b"/verify/" not in page(admin_client, enroll("in_progress")).content


def test_unknown_enrollment_is_404(admin_client, programs):
    assert admin_client.get("/staff/enrollments/999999/").status_code == 404
    assert Enrollment.objects.count() == 0


def test_recording_a_completion_from_the_page(admin_client, enroll, programs):
    row = enroll("in_progress")
    component = programs["open"].components.get()
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/",
        {
            "form": "completion",
            "component": component.pk,
            "completed_on": TODAY.isoformat(),
            "note": "Attended in person",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == Status.ACTIVE  # its only requirement is met
    assert Completion.objects.get(contact=row.contact).note == "Attended in person"


def test_the_same_completion_twice_is_asked_about_before_it_is_recorded(
    admin_client, enroll, programs
):
    """A staff user's trial: three identical completions recorded without a word ("6
    completions used" in the period). The second asks; ticking the box records it."""
    row = enroll("in_progress")
    component = programs["open"].components.get()
    form = {"form": "completion", "component": component.pk, "completed_on": TODAY.isoformat()}
    assert admin_client.post(f"/staff/enrollments/{row.pk}/", form).status_code == 302
    response = admin_client.post(f"/staff/enrollments/{row.pk}/", form)
    assert response.status_code == 200
    error = str(response.context["completion_form"].errors["again"])
    assert f"{component.name} on {TODAY.day} {TODAY:%b %Y} is recorded already" in error
    assert 'name="again"' in response.content.decode()
    assert Completion.objects.filter(contact=row.contact).count() == 1
    assert (
        admin_client.post(f"/staff/enrollments/{row.pk}/", form | {"again": "on"}).status_code
        == 302
    )
    assert Completion.objects.filter(contact=row.contact).count() == 2


def test_a_completion_in_the_future_is_refused_on_its_field(admin_client, enroll, programs):
    row = enroll("in_progress")
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/",
        {
            "form": "completion",
            "component": programs["open"].components.get().pk,
            "completed_on": "2030-01-01",
        },
    )
    assert "is in the future" in str(response.context["completion_form"].errors["completed_on"])
    assert not Completion.objects.exists()


def test_removing_a_completion_recorded_in_error(admin_client, admin, enroll, programs):
    row = enroll("in_progress")
    component = programs["open"].components.get()
    completion = services.record_completion(row.contact_id, component.pk, TODAY, admin)
    admin_client.post(f"/staff/completions/{completion.pk}/remove/")
    completion.refresh_from_db()
    assert completion.removed_at is not None
    assert page(admin_client, row).context["tracker"][0][1] == []


def test_evidence_is_downloaded_by_staff_only(
    client, admin_client, admin, make_contact, make_component, make_program, settings, tmp_path
):
    from django.core.files.base import ContentFile

    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        }
    }
    task = make_component("task", requires_approval=True)
    program = make_program(required=[task])
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    completion = services.record_completion(
        contact.pk, task.pk, TODAY, admin, evidence=ContentFile(b"%PDF-1.4 essay", name="essay.pdf")
    )
    response = admin_client.get(f"/staff/completions/{completion.pk}/evidence")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 essay"
    assert "essay.pdf" in response["Content-Disposition"]
    assert b"Evidence: essay.pdf" in page(admin_client, row).content
    admin_client.logout()
    assert client.get(f"/staff/completions/{completion.pk}/evidence").status_code == 302


def test_emails_sent_are_listed(admin_client, enroll, monkeypatch):
    row = enroll("applied")
    monkeypatch.setattr(
        "certtrack.backoffice.views.enrollments.emails_for",
        lambda enrollment_id: [
            {"subject": f"Application received #{enrollment_id}", "to": "casey@example.org"}
        ],
    )
    response = page(admin_client, row)
    assert f"Application received #{row.pk}".encode() in response.content


def test_a_cancelled_certification_offers_no_certificate_only_its_revocation(
    admin_client, admin, enroll
):
    row = enroll("active")
    services.perform(row.pk, "cancel", admin)
    response = page(admin_client, row)
    assert response.context["has_certificate"] is False
    assert f"/staff/enrollments/{row.pk}/certificate.pdf".encode() not in response.content
    assert f"Certificate {row.certificate_number} is revoked:".encode() in response.content


def test_a_suspended_certification_says_suspended_not_revoked_or_suspended(
    admin_client, admin, enroll
):
    row = enroll("active")
    services.perform(row.pk, "suspend", admin, reason="Complaint under review")
    response = page(admin_client, row)
    assert response.context["has_certificate"] is False
    assert f"Certificate {row.certificate_number} is suspended:".encode() in response.content


def test_email_times_are_shown_in_the_organization_time_zone_like_history(
    admin_client, enroll, monkeypatch
):
    from datetime import UTC, datetime

    from certtrack.certification.models import GeneralSettings

    settings = GeneralSettings.get()
    settings.time_zone = "America/New_York"
    settings.save()
    row = enroll("applied")
    monkeypatch.setattr(
        "certtrack.backoffice.views.enrollments.emails_for",
        lambda enrollment_id: [
            {"subject": "Welcome", "sent_at": datetime(2026, 6, 15, 16, 0, tzinfo=UTC)}
        ],
    )
    html = page(admin_client, row).content.decode()
    emails = html.split('id="emails-title"')[1].split("</section>")[0]
    assert "Times in America/New_York" in emails
    assert "15 Jun 2026 12:00" in emails  # 16:00 UTC is noon in New York (EDT)


@pytest.mark.parametrize(
    "status, primary, plain",
    [
        ("applied", "Approve application", "Set inactive"),
        ("in_progress", None, "Set inactive"),
        ("admin_review", "Approve certification", "Return for more work"),
        ("inactive", "Reactivate", "Mark not completed"),
    ],
)
def test_only_actions_toward_certification_are_highlighted(
    admin_client, enroll, status, primary, plain
):
    html = page(admin_client, enroll(status)).content.decode()
    buttons = html.split('id="actions-title"')[1].split("</section>")[0]
    highlighted = [
        part.split(">")[1].split("<")[0]
        for part in buttons.split('class="btn btn-sm btn-primary"')[1:]
    ]
    assert highlighted == ([primary] if primary else [])
    assert f'class="btn btn-sm ">{plain}</button>' in buttons


def test_the_periods_section_lists_each_period_with_its_dates_and_source(admin_client, enroll):
    row = enroll("active")
    period = row.periods.get()
    response = page(admin_client, row)
    assert list(view_context(response)["periods"]) == [period]
    html = response.content.decode()
    assert 'id="periods-title"' in html and "Recorded" in html
    assert str(period.activated_on) in html or period.activated_on.strftime("%b") in html


def test_each_period_links_to_its_own_certificate(admin_client, enroll):
    row = enroll("active")
    Period.objects.create(
        enrollment=row, number=2, activated_on=row.expires_on, source=PeriodSource.RENEWED
    )
    html = page(admin_client, row).content.decode()
    for number in (1, 2):
        assert f'href="/staff/enrollments/{row.pk}/certificate.pdf?period={number}"' in html


def test_a_row_never_certified_has_no_periods_section(admin_client, enroll):
    assert b'id="periods-title"' not in page(admin_client, enroll("in_progress")).content


def test_a_suspended_certification_offers_reactivate_and_cancel_and_reactivates(
    admin_client, enroll
):
    row = enroll("active")
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/action/",
        {"action": "suspend", "reason": "Audit"},
        follow=True,
    )
    assert "now Inactive" in [str(m) for m in response.context["messages"]][0]
    response = page(admin_client, row)
    assert response.status_code == 200
    assert [a.name for a in response.context["actions"]] == ["reactivate", "cancel"]
    response = admin_client.post(
        f"/staff/enrollments/{row.pk}/action/", {"action": "reactivate"}, follow=True
    )
    row.refresh_from_db()
    message = [str(m) for m in response.context["messages"]][0]
    assert f"now {Status(row.status).label}" in message and row.status in {"active", "expiring"}


def test_a_certified_row_offers_suspend_with_a_reason_and_renew_as_a_waiver(admin_client, enroll):
    response = page(admin_client, enroll("active"))
    offered = [a.name for a in response.context["actions"]]
    # PRODUCT.md §3: renew (a waiver) from Active, its window open or not yet.
    assert "suspend" in offered and "renew" in offered
    assert "approve_renewal" not in offered
    assert b'id="reason-suspend" type="text" name="reason" placeholder="Reason" required' in (
        response.content
    )


def test_a_component_s_credits_and_hours_are_written_without_a_stray_separator(
    admin_client, admin, make_contact, make_component, make_program
):
    import re

    hours = make_component(name="Site Visit", credits_earned=0, hours_earned=8)
    both = make_component(name="Workshop", credits_earned=2, hours_earned="1.5")
    row = services.add(make_contact().pk, make_program(required=[hours, both]).pk, admin)
    html = page(admin_client, row).content.decode()
    written = re.findall(r'<div class="muted small nowrap">([^<]*)</div>', html)
    assert "8 h" in written and "2 cr · 1.50 h" in written
    assert not any(text.startswith(" ·") for text in written)


def test_the_cancel_confirmation_s_button_is_not_called_cancel(admin_client, enroll):
    """A staff user's trial: the dialog's red button read "Cancel" beside "Go back" — what
    someone backing out presses, and it cancelled the enrollment for good."""
    html = page(admin_client, enroll("active")).content.decode()
    assert 'data-confirm-yes="Cancel enrollment"' in html
    assert 'data-confirm-yes="Cancel"' not in html


def test_a_failed_attempt_says_failed_not_approved(
    admin_client, admin, make_contact, make_component, make_program
):
    """A staff user's trial: "Score 40/100 failed Approved" — a green Approved beside it."""
    exam = make_component(
        "exam", name="Final Exam", scoring="scored", max_score=100, passing_score=70
    )
    program = make_program(required=[exam])
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    failed = services.record_completion(contact.pk, exam.pk, TODAY, admin, score=40)
    html = " ".join(page(admin_client, row).content.decode().split())
    shown = html.split(f'data-completion="{failed.pk}"')[1].split("</div>")[0]
    assert "failed" in shown and "Approved" not in shown


def test_a_suspended_certification_is_called_suspended_with_its_reason(admin_client, admin, enroll):
    """A staff user's trial: a suspension read "Set inactive by staff (for example, not
    working towards completion)"."""
    row = enroll("active")
    services.perform(row.pk, "suspend", admin, reason="Complaint under review")
    row.refresh_from_db()
    html = " ".join(page(admin_client, row).content.decode().split())
    assert "Suspended (reason: Complaint under review): the certification is not valid" in html
    box = html.split('class="status-box')[1].split("</div>")[0]
    assert escape(MEANING[Status.INACTIVE]) not in box
    assert f"its period runs on to {row.expires_on.day} {row.expires_on:%b %Y}" in html


def test_a_score_too_large_is_said_against_the_exam_s_range(
    admin_client, admin, make_contact, make_component, make_program
):
    """A staff user's trial: 100000 said "no more than 5 digits before the decimal point"."""
    exam = make_component(
        "exam", name="Final Exam", scoring="scored", max_score=100, passing_score=70
    )
    row = services.add(make_contact().pk, make_program(required=[exam]).pk, admin)
    form = {"form": "completion", "component": exam.pk, "completed_on": TODAY.isoformat()}
    for score in ("100000", "1e30"):
        response = admin_client.post(f"/staff/enrollments/{row.pk}/", form | {"score": score})
        errors = str(response.context["completion_form"].errors["score"])
        assert "is outside 0–100" in errors, errors
    assert not Completion.objects.exists()


def test_approving_says_where_the_enrollment_moved(
    admin_client, admin, make_contact, make_component, make_program
):
    """A staff user's trial: approving the last pending completion said only "Completion …
    approved", not that the enrollment moved on."""
    task = make_component("task", name="Portfolio", requires_approval=True)
    program = make_program(name="Safety Officer", required=[task])
    contact = make_contact()
    services.add(contact.pk, program.pk, admin)
    pending = services.record_completion(contact.pk, task.pk, TODAY, admin)
    response = admin_client.post(f"/staff/completions/{pending.pk}/approve/", follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert said == ["Completion of Portfolio approved. Safety Officer: In progress → Active."]
