"""The contact's pages: enrollments, programs and applying, reporting work, certificates."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Completion, Enrollment, Period, PeriodSource
from certtrack.certification.statuses import Status

from .conftest import PDF, PNG, signed_in


def text(response) -> str:
    return " ".join(response.content.decode().split())


# --- home ---------------------------------------------------------------------------------


def test_home_without_enrollments_invites_to_browse_programs(pat_client):
    page = text(pat_client.get("/portal/"))
    assert "No certifications yet" in page and 'href="/portal/programs/"' in page


def test_home_shows_status_progress_and_what_to_do_next(pat, pat_client, program, course, today):
    services.apply(pat.pk, program.pk, Actor.contact(pat))
    services.record_completion(pat.pk, course.pk, date(2026, 5, 2), Actor.system())
    page = text(pat_client.get("/portal/"))
    assert "Certified Safety Inspector" in page
    assert "In progress" in page
    assert "1 of 2 required components done" in page
    assert "1 credits" in page and "1 hours" in page
    assert "Complete the remaining requirements" in page


def test_home_shows_the_expiry_and_days_left_as_true_today(
    pat, pat_client, make_program, admin, travel
):
    program = make_program(name="First Aid", validity_months=12)
    travel(date(2026, 6, 1))
    services.record_existing(pat.pk, program.pk, date(2025, 7, 1), admin)  # expires 1 Jul 2026
    page = text(pat_client.get("/portal/"))
    # GeneralSettings default notice is 30 days: Expiring now, whatever the stored status.
    assert "Expiring" in page
    assert "Expires 1 Jul 2026" in page and "30 days left" in page
    assert "Download certificate" in page
    travel(date(2026, 7, 2))
    page = text(signed_in(pat).get("/portal/"))  # a month idle: the old session is over
    assert "Expired" in page and "Expired on 1 Jul 2026" in page
    assert "Apply again to recertify" in page


def test_home_shows_no_days_left_for_a_revoked_certification(pat, pat_client, make_program, admin):
    program = make_program(name="First Aid", validity_months=24)
    enrollment = services.record_existing(pat.pk, program.pk, date(2026, 1, 10), admin)
    services.perform(enrollment.pk, "cancel", admin, reason="Revoked.")
    page = text(pat_client.get("/portal/"))
    assert "Cancelled" in page
    assert "days left" not in page and "Expires" not in page


def test_home_calls_a_suspended_certification_suspended(pat, pat_client, make_program, admin):
    """A member's trial: a suspended certification read "Inactive · Expires … · 265 days
    left", "Your enrollment is on hold", and offered to report work."""
    program = make_program(name="First Aid", validity_months=24)
    enrollment = services.record_existing(pat.pk, program.pk, date(2026, 1, 10), admin)
    services.perform(enrollment.pk, "suspend", admin, reason="Complaint under review")
    page = text(pat_client.get("/portal/"))
    assert "Suspended" in page and "Inactive" not in page
    assert "days left" not in page and "on hold" not in page
    assert "Not valid while suspended · its period runs to 10 Jan 2028" in page
    assert enrollment.certificate_number in page
    assert "Your certification is suspended" in page and "Report work" not in page


def test_the_progress_bar_counts_hours_and_credits_not_only_components(
    pat, pat_client, make_program, make_component, admin, today
):
    """A member's trial: "2 of 2 required components done · 8 / 20 hours" drew a full bar."""
    course = make_component(name="Course", code="C1", hours_earned=8, credits_earned=0)
    program = make_program(name="Hours", required=[course], hours_required=20)
    services.apply(pat.pk, program.pk, Actor.contact(pat))
    services.record_completion(pat.pk, course.pk, date(2026, 5, 2), admin)
    html = pat_client.get("/portal/").content.decode()
    assert "1 of 1 required component done" in text(pat_client.get("/portal/"))
    # The mean of the parts, as the back-office's bar: (1 + 8/20) / 2 = 70 %.
    assert 'aria-valuenow="70"><span data-width="70">' in html


# --- programs and applying ------------------------------------------------------------------


def test_programs_lists_active_programs_with_description_and_requirements(
    pat_client, program, make_program, admin
):
    archived = make_program(name="Old Scheme")
    services.update_program(archived.pk, admin, is_active=False)
    page = text(pat_client.get("/portal/programs/"))
    assert "Certified Safety Inspector" in page
    assert "For inspectors of building sites." in page
    assert "Site Safety Basics" in page and "Final Exam" in page and "Required" in page
    assert "Old Scheme" not in page


def test_programs_state_each_programs_renewal_rules(pat_client, program, make_program):
    make_program(name="Annual Refresher", renewal_window_days=60, renewal_grace_days=30)
    make_program(name="One-Off Permit", renewal_window_days=0)
    make_program(name="Lifetime Fellow", validity_months=None)
    page = text(pat_client.get("/portal/programs/"))

    def rules_of(name: str) -> str:
        card = page[page.index(f"<h2>{name}</h2>") :]
        return card[card.index('<p class="renewal-rules">') :].split("</p>")[0]

    assert "Valid for 12 months; renew from 90 days before expiry, until the day it expires." in (
        rules_of("Certified Safety Inspector")
    )
    assert "Valid for 12 months; renew from 60 days before expiry, up to 30 days after." in (
        rules_of("Annual Refresher")
    )
    assert "no renewal: once it expires, apply again" in rules_of("One-Off Permit")
    assert "Does not expire: nothing to renew." in rules_of("Lifetime Fellow")


def test_applying_to_a_program_without_approval_is_in_progress(pat, pat_client, program, today):
    response = pat_client.post(f"/portal/programs/{program.pk}/apply/", follow=True)
    enrollment = Enrollment.objects.get(contact=pat, program=program)
    assert enrollment.status == Status.IN_PROGRESS
    assert response.redirect_chain[-1][0] == f"/portal/enrollments/{enrollment.pk}/"
    assert "You applied to Certified Safety Inspector: In progress." in text(response)
    assert enrollment.history.get().actor == "Pat Lee <pat@example.org>"


def test_applying_to_a_program_that_requires_approval_is_applied(pat, pat_client, make_program):
    program = make_program(name="Master Inspector", require_approval=True)
    response = pat_client.post(f"/portal/programs/{program.pk}/apply/", follow=True)
    assert Enrollment.objects.get(contact=pat, program=program).status == Status.APPLIED
    assert "Applied" in text(response) and "with our staff" in text(response)


def test_applying_twice_says_already_enrolled(pat, pat_client, program):
    pat_client.post(f"/portal/programs/{program.pk}/apply/")
    response = pat_client.post(f"/portal/programs/{program.pk}/apply/", follow=True)
    assert "You are already enrolled in Certified Safety Inspector." in text(response)
    assert Enrollment.objects.filter(contact=pat).count() == 1
    assert "You are enrolled" in text(pat_client.get("/portal/programs/"))


def test_applying_to_an_archived_program_is_not_found(pat, pat_client, program, admin):
    services.update_program(program.pk, admin, is_active=False)
    assert pat_client.post(f"/portal/programs/{program.pk}/apply/").status_code == 404
    assert not Enrollment.objects.filter(contact=pat).exists()


def test_applying_needs_a_post(pat_client, program):
    assert pat_client.get(f"/portal/programs/{program.pk}/apply/").status_code == 405


# --- reporting work ----------------------------------------------------------------------------


@pytest.fixture
def enrollment(pat, program, today):
    return services.apply(pat.pk, program.pk, Actor.contact(pat))


def report(client, enrollment, course, **fields):
    data = {
        "component": course.pk,
        "completed_on": "2026-05-20",
        "note": "Attended in Leeds",
        "evidence": SimpleUploadedFile("Attendance certificate.pdf", PDF, "application/pdf"),
    } | fields
    return client.post(f"/portal/enrollments/{enrollment.pk}/report/", data, follow=True)


def test_reporting_work_offers_only_the_programs_courses_and_tasks(
    pat_client, enrollment, make_component
):
    make_component("course", name="Unrelated Course")
    page = text(pat_client.get(f"/portal/enrollments/{enrollment.pk}/report/"))
    assert "Site Safety Basics" in page
    assert "Final Exam" not in page  # exams are recorded by staff
    assert "Unrelated Course" not in page


def test_reported_work_waits_for_approval_and_shows_as_pending(pat, pat_client, enrollment, course):
    response = report(pat_client, enrollment, course)
    completion = Completion.objects.get(contact=pat)
    assert completion.state == "pending" and completion.source == "self_report"
    assert completion.note == "Attended in Leeds"
    assert completion.evidence_name == "Attendance_certificate.pdf"
    assert completion.evidence.read() == PDF
    page = text(response)
    assert "awaiting approval by our staff" in page
    assert "Awaiting approval" in page and "1 report awaiting approval" in page
    assert "0 of 2 required components done" in page


def test_reported_work_counts_once_staff_approve_it(pat, pat_client, enrollment, course, admin):
    report(pat_client, enrollment, course)
    services.approve_completion(Completion.objects.get(contact=pat).pk, admin)
    page = text(pat_client.get(f"/portal/enrollments/{enrollment.pk}/"))
    assert "1 of 2 required components done" in page and "Approved" in page


def test_a_future_date_is_refused_next_to_the_field(pat, pat_client, enrollment, course):
    response = report(pat_client, enrollment, course, completed_on="2026-06-02")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_completed_on_error"' in page and "is in the future" in page
    assert not Completion.objects.filter(contact=pat).exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("notes.pdf", b"<html><script>alert(1)</script></html>"),  # a PDF only by name
        ("photo.png", b"GIF89a" + b"\x00" * 20),
        ("run.exe", b"MZ\x90\x00"),
    ],
)
def test_evidence_must_be_a_pdf_png_or_jpeg_by_content(
    pat, pat_client, enrollment, course, name, content
):
    upload = SimpleUploadedFile(name, content, "application/pdf")
    response = report(pat_client, enrollment, course, evidence=upload)
    assert 'id="id_evidence_error"' in response.content.decode()
    assert "Only PDF, PNG or JPEG files are accepted." in text(response)
    assert not Completion.objects.filter(contact=pat).exists()


def test_evidence_over_10_mb_is_refused(pat, pat_client, enrollment, course):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    response = report(pat_client, enrollment, course, evidence=big)
    assert "larger than 10 MB" in text(response)
    assert not Completion.objects.filter(contact=pat).exists()


def test_a_much_larger_upload_is_refused_before_it_is_read(pat, pat_client, enrollment, course):
    huge = SimpleUploadedFile("huge.pdf", PDF + b"0" * (12 * 1024 * 1024), "application/pdf")
    response = report(pat_client, enrollment, course, evidence=huge)
    assert response.status_code == 413
    assert "larger than 10 MB" in text(response)
    assert not Completion.objects.filter(contact=pat).exists()


def test_a_png_is_stored_with_its_real_extension(pat, pat_client, enrollment, course):
    upload = SimpleUploadedFile("scan.pdf", PNG, "application/pdf")
    report(pat_client, enrollment, course, evidence=upload)
    assert Completion.objects.get(contact=pat).evidence_name == "scan.png"


def test_work_can_be_reported_without_a_file(pat, pat_client, enrollment, course):
    report(pat_client, enrollment, course, evidence="")
    assert not Completion.objects.get(contact=pat).evidence


def test_evidence_is_served_to_its_contact_and_to_staff(
    pat_client, sam_client, self_report, admin_user
):
    url = f"/portal/completions/{self_report.pk}/evidence/"
    response = pat_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    staff = Client()
    staff.force_login(admin_user)
    assert staff.get(url).status_code == 200
    assert Client().get(url).status_code == 404
    assert sam_client.get(url).status_code == 404


def test_evidence_is_stored_outside_the_web_root(self_report, settings):
    path = self_report.evidence.path
    assert str(path).startswith(str(settings.STORAGES["default"]["OPTIONS"]["location"]))
    assert not str(path).startswith(str(settings.STATIC_ROOT))


# --- certificates ------------------------------------------------------------------------------


@pytest.fixture
def certified(pat, make_program, admin, today):
    program = make_program(name="First Aid", validity_months=24)
    return services.record_existing(pat.pk, program.pk, date(2026, 3, 1), admin)


def test_a_certified_enrollment_shows_its_certificate_and_links(pat_client, certified):
    number = certified.certificate_number
    page = text(pat_client.get(f"/portal/enrollments/{certified.pk}/"))
    assert number in page
    assert f'href="/portal/enrollments/{certified.pk}/certificate.pdf"' in page
    assert f'value="https://members.example.org/verify/{number}"' in page
    assert "Copy link" in page
    listing = text(pat_client.get("/portal/certificates/"))
    assert number in listing and "First Aid" in listing


def test_both_pages_list_certificates_in_one_order(pat, pat_client, make_program, admin, today):
    """A member's trial: Certificates listed them by activation, My certifications by
    enrollment — two orders of the same cards. Both: the newest enrollment first."""
    first = make_program(name="First Aid", validity_months=24)
    second = make_program(name="Rope Access", validity_months=24)
    services.record_existing(pat.pk, first.pk, date(2026, 3, 1), admin)
    services.record_existing(pat.pk, second.pk, date(2025, 6, 1), admin)  # enrolled later
    for path in ("/portal/", "/portal/certificates/"):
        page = text(pat_client.get(path))
        assert page.index("Rope Access") < page.index("First Aid"), path


def test_a_recorded_certification_does_not_list_its_requirements_as_to_do(pat_client, certified):
    """A member's trial: a certification recorded from earlier records listed every
    requirement "To do" while its certificate said every requirement was met."""
    page = text(pat_client.get(f"/portal/enrollments/{certified.pk}/"))
    assert "recorded from earlier records, where its requirements were met" in page
    assert "To do" not in page and "Report completed work" not in page


def test_admin_review_offers_no_report_button(pat, pat_client, make_program, admin, today):
    """A member's trial: with all work in (Admin Review) the portal still said "Report work"."""
    program = make_program(name="Reviewed", completion_requires_approval=False)
    enrollment = services.add(pat.pk, program.pk, admin)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Status.ADMIN_REVIEW)
    assert "Report work" not in text(pat_client.get("/portal/"))
    assert "Report completed work" not in text(
        pat_client.get(f"/portal/enrollments/{enrollment.pk}/")
    )


def test_work_used_by_an_earlier_period_shows_no_date_under_to_do(
    pat, pat_client, make_program, make_component, admin, travel
):
    """A member's trial: after a lapse, "To do / 16 Jul 2025" read as a due date."""
    course = make_component(name="Course", code="C-1")
    program = make_program(name="Lapsed", required=[course], validity_months=12)
    travel(date(2024, 7, 1))
    first = services.add(pat.pk, program.pk, admin)
    services.record_completion(pat.pk, course.pk, date(2024, 7, 1), admin)
    first.refresh_from_db()
    assert first.status == Status.ACTIVE
    travel(date(2026, 6, 1))  # expired a year ago, its renewal closed: enrolled again
    again = services.add(pat.pk, program.pk, admin)
    client = signed_in(pat)
    html = client.get(f"/portal/enrollments/{again.pk}/").content.decode()
    step = html.split('class="step step-todo"')[1].split("</li>")[0]
    assert "To do" in step and "2024" not in step


def test_the_certificate_pdf_downloads(pat_client, certified):
    response = pat_client.get(f"/portal/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_past_periods_keep_their_certificates(pat, pat_client, certified, travel):

    Period.objects.create(
        enrollment=certified,
        number=2,
        activated_on=date(2028, 3, 1),
        expires_on=date(2030, 3, 1),
        renewed_on=date(2028, 1, 5),
        source=PeriodSource.RENEWED,
    )
    Enrollment.objects.filter(pk=certified.pk).update(
        activated_on=date(2028, 3, 1), expires_on=date(2030, 3, 1)
    )
    # Until period 2 begins it is the next period, and period 1 the current one.
    listing = text(pat_client.get("/portal/certificates/"))
    assert "Next period" in listing and "Past periods" not in listing
    assert f'href="/portal/enrollments/{certified.pk}/certificate.pdf?period=2"' in listing
    travel(date(2028, 6, 1))
    pat_client = signed_in(pat)
    listing = text(pat_client.get("/portal/certificates/"))
    assert "Certified since" in listing and "Past periods" in listing
    assert f'href="/portal/enrollments/{certified.pk}/certificate.pdf?period=1"' in listing
    old = pat_client.get(f"/portal/enrollments/{certified.pk}/certificate.pdf?period=1")
    assert old.status_code == 200
    old_text = PdfReader(io.BytesIO(old.content)).pages[0].extract_text()
    assert "1 March 2026" in old_text and "2030" not in old_text
    missing = pat_client.get(f"/portal/enrollments/{certified.pk}/certificate.pdf?period=7")
    assert missing.status_code == 404


def test_an_enrollment_without_certificate_has_no_pdf(pat_client, enrollment):
    assert pat_client.get(f"/portal/enrollments/{enrollment.pk}/certificate.pdf").status_code == 404
    assert "No certificates yet" in text(pat_client.get("/portal/certificates/"))


def test_a_cancelled_certificate_is_no_longer_offered(pat_client, certified, admin):
    services.perform(certified.pk, "cancel", admin, reason="Revoked")
    assert pat_client.get(f"/portal/enrollments/{certified.pk}/certificate.pdf").status_code == 404
    page = text(pat_client.get(f"/portal/enrollments/{certified.pk}/"))
    assert "Cancelled" in page and "certificate.pdf" not in page


def test_a_closed_enrollment_takes_no_reports(pat_client, certified, admin):
    services.perform(certified.pk, "cancel", admin, reason="Revoked")
    response = pat_client.get(f"/portal/enrollments/{certified.pk}/report/", follow=True)
    assert "This enrollment is closed" in text(response)


def test_home_costs_the_same_queries_however_many_enrollments(pat, pat_client, make_program):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert pat_client.get("/portal/").status_code == 200
        return len(captured)

    services.apply(pat.pk, make_program().pk, Actor.contact(pat))
    one = queries()
    for _ in range(4):
        services.apply(pat.pk, make_program(required=2).pk, Actor.contact(pat))
    assert queries() == one


def test_a_course_still_to_do_links_to_its_report_form(pat_client, enrollment, course):
    page = pat_client.get(f"/portal/enrollments/{enrollment.pk}/").content.decode()
    link = f"/portal/enrollments/{enrollment.pk}/report/?component={course.pk}"
    assert link in page
    form = pat_client.get(link).content.decode()
    assert f'<option value="{course.pk}" selected>' in form
