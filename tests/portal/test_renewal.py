"""The portal's renewal faces — PRODUCT.md §3 "Certification periods and renewal", §6, §7:
renewal progress and what is still needed, the Renew page, past periods with their
certificates, the Open Badges credential, LinkedIn's "Add to profile" link, and the
contact's work grouped by the period that used it.

Pat earns the Certified Safety Inspector certification on 15 Jan 2025 by its one course:
valid 24 months (expires 15 Jan 2027), renewal window 90 days (opens 17 Oct 2026), 14
grace days (the last day to renew is 29 Jan 2027).
"""

import base64
import io
import json
import re
import time
from datetime import date
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Completion, Enrollment, Period
from certtrack.credentials.certificates import issuer_name

from .conftest import PDF, signed_in

OPENS, EXPIRES, LAST_GRACE_DAY = date(2026, 10, 17), date(2027, 1, 15), date(2027, 1, 29)


def text(response) -> str:
    """The page's words, without its markup."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(words).split())


@pytest.fixture
def renewing(make_program, course):
    return make_program(
        required=[course],
        name="Certified Safety Inspector",
        validity_months=24,
        renewal_window_days=90,
        renewal_grace_days=14,
    )


@pytest.fixture
def held(pat, renewing, course, admin, travel) -> Enrollment:
    """Pat's certification, earned on 15 Jan 2025 by completing the course."""
    travel(date(2025, 1, 15))
    enrollment = services.add(pat.pk, renewing.pk, admin)
    services.record_completion(pat.pk, course.pk, date(2025, 1, 15), admin)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.expires_on) == ("active", EXPIRES)
    return enrollment


@pytest.fixture
def on(pat, travel):
    """`on(day)`: the clock on `day`, and a client signed in as Pat that day."""

    def go(day: date):
        travel(day)
        return signed_in(pat)

    return go


def report(client, enrollment, component, day, **extra):
    return client.post(
        f"/portal/enrollments/{enrollment.pk}/renew/",
        {"component": component.pk, "completed_on": day.isoformat(), "note": "", **extra},
        follow=True,
    )


# --- 1. renewal progress and what is still needed ------------------------------------------


def test_an_exam_still_needed_says_staff_record_it(pat, make_program, make_component, admin, on):
    """A member's trial: the Renew page listed an exam as still needed, with no way to
    report it and no word of how it gets recorded."""
    course = make_component(name="Course", code="C-9")
    exam = make_component("exam", name="Final Exam", code="EX-9")
    program = make_program(name="Examined", required=[course, exam], validity_months=24)
    on(date(2025, 1, 15))
    enrollment = services.add(pat.pk, program.pk, admin)
    for component in (course, exam):
        services.record_completion(pat.pk, component.pk, date(2025, 1, 15), admin)
    client = on(date(2026, 12, 1))  # the renewal is open: both are needed again
    page = text(client.get(f"/portal/enrollments/{enrollment.pk}/renew/"))
    assert "Final Exam: our staff record it when you take it" in page
    assert "Course: our staff" not in page


def test_the_certification_shows_the_renewal_state_its_dates_and_what_is_still_needed(held, on):
    client = on(date(2026, 11, 1))
    page = text(client.get(f"/portal/enrollments/{held.pk}/"))
    assert "Renewal open" in page
    assert "Renewal opens 17 Oct 2026" in page
    assert "Certification expires 15 Jan 2027" in page
    assert "Last day to renew 29 Jan 2027" in page
    assert "Work counts from 15 Jan 2025" in page
    assert "0 of 1 required component done" in page
    assert "Still needed Site Safety Basics" in page
    html = client.get(f"/portal/enrollments/{held.pk}/").content.decode()
    assert f'href="/portal/enrollments/{held.pk}/renew/"' in html
    assert "Your renewal is open until 15 Jan 2027" in page
    home = client.get("/portal/")
    assert "Renewal open Renewal 0% done · renew by 15 Jan 2027" in text(home)
    assert f'href="/portal/enrollments/{held.pk}/renew/"' in home.content.decode()


def test_before_the_window_the_renewal_is_not_open_and_the_renew_page_says_when(held, on):
    client = on(date(2026, 6, 1))
    response = client.get(f"/portal/enrollments/{held.pk}/")
    assert "Not open yet" in text(response)
    assert "Still needed Site Safety Basics" in text(response)
    assert f"/portal/enrollments/{held.pk}/renew/" not in response.content.decode()
    response = client.get(f"/portal/enrollments/{held.pk}/renew/", follow=True)
    assert response.redirect_chain[-1][0] == f"/portal/enrollments/{held.pk}/"
    assert "The renewal of Certified Safety Inspector opens on 17 Oct 2026." in text(response)


def test_the_opening_day_opens_the_renew_page(held, on):
    assert on(date(2026, 10, 16)).get(f"/portal/enrollments/{held.pk}/renew/").status_code == 302
    assert on(OPENS).get(f"/portal/enrollments/{held.pk}/renew/").status_code == 200


def test_renewing_by_credits_says_how_many_credits_and_hours_are_left(
    pat, make_program, make_component, admin, on
):
    seminar = make_component("course", name="Seminar", credits_earned=Decimal("2"))
    program = make_program(
        required=[seminar],
        validity_months=24,
        renewal_requirements="credits",
        renewal_credits_required=Decimal("5"),
        renewal_hours_required=Decimal("3"),
    )
    enrollment = services.record_existing(pat.pk, program.pk, date(2025, 1, 15), admin)
    client = on(date(2026, 11, 1))
    services.record_completion(pat.pk, seminar.pk, date(2026, 10, 20), admin)
    page = text(client.get(f"/portal/enrollments/{enrollment.pk}/"))
    assert "2 / 5 credits · 1 / 3 hours" in page
    assert "3 more credits" in page and "2 more hours" in page
    renew = text(client.get(f"/portal/enrollments/{enrollment.pk}/renew/"))
    assert "Seminar Course · Counts toward the total · 2 cr · 1 h Done 20 Oct 2026" in renew


def test_home_costs_the_same_queries_however_many_renewing_certifications(
    pat, make_program, admin, on
):
    def queries() -> int:
        client = on(date(2026, 11, 1))
        with CaptureQueriesContext(connection) as captured:
            assert "Renewal open" in text(client.get("/portal/"))
        return len(captured)

    def certify():
        program = make_program(validity_months=24, renewal_window_days=90)
        services.record_existing(pat.pk, program.pk, date(2025, 1, 15), admin)

    certify()
    one = queries()
    for _ in range(3):
        certify()
    assert queries() == one


# --- 2. the Renew page -------------------------------------------------------------------------


def test_work_reported_on_the_renew_page_waits_for_approval_then_renews(
    pat, held, course, admin, on
):
    client = on(date(2026, 11, 1))
    page = text(client.get(f"/portal/enrollments/{held.pk}/renew/"))
    assert "Renew Certified Safety Inspector" in page
    assert "Renew by 15 Jan 2027 to stay certified without a gap." in page
    assert "Report work toward your renewal" in page

    evidence = SimpleUploadedFile("course.pdf", PDF, "application/pdf")
    response = report(client, held, course, date(2026, 10, 28), evidence=evidence)
    assert response.redirect_chain[-1][0] == f"/portal/enrollments/{held.pk}/renew/"
    page = text(response)
    assert "Site Safety Basics (28 Oct 2026) is awaiting approval by our staff." in page
    assert "Site Safety Basics Course · Required · 1 cr · 1 h Awaiting approval 28 Oct 2026" in page
    assert "1 report awaiting approval" in page
    completion = Completion.objects.get(contact=pat, completed_on=date(2026, 10, 28))
    assert (completion.source, completion.state) == ("self_report", "pending")
    assert Period.objects.filter(enrollment=held).count() == 1

    services.approve_completion(completion.pk, admin)  # the domain grants the renewal
    held.refresh_from_db()
    assert held.period_number == 2
    response = client.get(f"/portal/enrollments/{held.pk}/renew/", follow=True)
    assert response.redirect_chain[-1][0] == f"/portal/enrollments/{held.pk}/"
    page = text(response)
    assert (
        "Your Certified Safety Inspector certification is renewed: period 2 will run from "
        "15 Jan 2027 to 15 Jan 2029. Its next renewal opens on 17 Oct 2028." in page
    )
    # Renewed early: period 1 is in force until period 2 begins (docs/decisions.md).
    assert "Not open yet" in page and "Certified 15 Jan 2025" in page
    assert "Period 2 from 15 Jan 2027 (renewed)" in page
    assert "Next period Period 2 · 15 Jan 2027 – 15 Jan 2029" in page


def test_work_dated_before_the_current_period_is_refused_naming_the_date(held, course, on):
    client = on(date(2026, 11, 1))
    form = client.get(f"/portal/enrollments/{held.pk}/renew/").content.decode()
    assert 'min="2025-01-15"' in form
    page = text(report(client, held, course, date(2025, 1, 14)))
    assert (
        "Work for this renewal must be dated on or after 15 January 2025: earlier work "
        "belongs to your current period." in page
    )
    assert not Completion.objects.filter(completed_on=date(2025, 1, 14)).exists()


def test_the_renew_page_refuses_what_the_completion_service_refuses(held, course, on):
    client = on(date(2026, 11, 1))
    page = text(report(client, held, course, date(2026, 11, 2)))  # tomorrow
    assert "in the future" in page
    assert not Completion.objects.filter(completed_on=date(2026, 11, 2)).exists()


def test_in_grace_an_expired_certification_is_renewed_from_the_renew_page(
    pat, held, course, admin, on
):
    client = on(LAST_GRACE_DAY)
    page = text(client.get(f"/portal/enrollments/{held.pk}/"))
    assert "Expired" in page and "Grace days" in page
    assert "Renewal 0% done · last day 29 Jan 2027" in text(client.get("/portal/"))
    assert "you can still renew it until 29 Jan 2027" in page
    page = text(report(client, held, course, LAST_GRACE_DAY))
    assert "Your certification expired on 15 Jan 2027; you can still renew it until" in page
    completion = Completion.objects.get(contact=pat, completed_on=LAST_GRACE_DAY)
    services.approve_completion(completion.pk, admin)
    held.refresh_from_db()
    assert (held.activated_on, held.expires_on) == (EXPIRES, date(2029, 1, 15))
    assert "Active" in text(client.get(f"/portal/enrollments/{held.pk}/"))


def test_in_grace_the_programs_page_offers_renew_and_applying_again_leads_there(held, renewing, on):
    client = on(date(2027, 1, 20))
    page = client.get("/portal/programs/").content.decode()
    assert f'href="/portal/enrollments/{held.pk}/renew/"' in page
    assert f'action="/portal/programs/{renewing.pk}/apply/"' not in page
    response = client.post(f"/portal/programs/{renewing.pk}/apply/", follow=True)
    assert response.redirect_chain[-1][0] == f"/portal/enrollments/{held.pk}/renew/"
    assert "can still be renewed: report the work it needs here" in text(response)
    assert Enrollment.objects.filter(program=renewing).count() == 1
    after_grace = on(date(2027, 1, 30)).get("/portal/programs/").content.decode()
    assert f'action="/portal/programs/{renewing.pk}/apply/"' in after_grace


def test_the_day_after_the_grace_days_the_renewal_is_closed(held, course, on):
    client = on(date(2027, 1, 30))
    assert "Renewal closed" in text(client.get(f"/portal/enrollments/{held.pk}/"))
    response = client.get(f"/portal/enrollments/{held.pk}/renew/", follow=True)
    assert (
        "The renewal of Certified Safety Inspector closed on 29 Jan 2027. Apply again to "
        "recertify." in text(response)
    )
    report(client, held, course, date(2027, 1, 30))
    assert not Completion.objects.filter(completed_on=date(2027, 1, 30)).exists()


def test_after_applying_again_the_old_certification_says_so_not_apply_again(held, renewing, on):
    """A member's trial: the expired card still said "Apply again" while the new
    enrollment sat on the same page."""
    client = on(date(2027, 1, 30))
    client.post(f"/portal/programs/{renewing.pk}/apply/")
    again = Enrollment.objects.exclude(pk=held.pk).get(program=renewing)
    for path in ("/portal/", f"/portal/enrollments/{held.pk}/"):
        page = text(client.get(path))
        assert "Apply again" not in page
        assert "You have enrolled again: your new enrollment is In progress." in page
        assert f'href="/portal/enrollments/{again.pk}/"' in client.get(path).content.decode()
    response = client.get(f"/portal/enrollments/{held.pk}/renew/", follow=True)
    assert "closed on 29 Jan 2027. You have enrolled again." in text(response)


def test_a_renewal_in_review_shows_no_form_and_takes_no_more_reports(
    pat, make_program, course, admin, on
):
    program = make_program(required=[course], validity_months=24, completion_requires_approval=True)
    enrollment = services.record_existing(pat.pk, program.pk, date(2025, 1, 15), admin)
    client = on(date(2026, 11, 1))
    services.record_completion(pat.pk, course.pk, date(2026, 11, 1), admin)
    page = text(client.get(f"/portal/enrollments/{enrollment.pk}/renew/"))
    assert "Renewal in review" in page
    assert "Everything your renewal needs is in." in page
    assert "Report work toward your renewal" not in page
    response = report(client, enrollment, course, date(2026, 10, 30))
    assert "Your renewal is already with our staff for approval." in text(response)
    assert not Completion.objects.filter(completed_on=date(2026, 10, 30)).exists()
    home = text(client.get("/portal/"))
    assert "Your renewal is with our staff for approval. You stay certified meanwhile." in home
    # Its button says where the renewal stands, not "Renew" (there is nothing left to do).
    assert f"Renewal in review of {program.name}" in home
    assert f"Renew {program.name}" not in home


def test_a_suspended_certification_has_no_renew_page(held, admin, on):
    client = on(date(2026, 11, 1))
    services.perform(held.pk, "suspend", admin, reason="Complaint under review")
    response = client.get(f"/portal/enrollments/{held.pk}/")
    assert "Renewal open" not in text(response) and "/renew/" not in response.content.decode()
    response = client.get(f"/portal/enrollments/{held.pk}/renew/", follow=True)
    assert "There is no renewal to work on" in text(response)


def test_a_program_without_renewal_offers_none(pat, make_program, admin, on):
    program = make_program(name="Fire Warden", validity_months=24, renewal_window_days=0)
    enrollment = services.record_existing(pat.pk, program.pk, date(2025, 1, 15), admin)
    client = on(date(2026, 12, 1))
    page = text(client.get(f"/portal/enrollments/{enrollment.pk}/"))
    assert "Renewal" not in page
    response = client.get(f"/portal/enrollments/{enrollment.pk}/renew/", follow=True)
    assert "Fire Warden is not renewed: once it expires, apply again to recertify." in text(
        response
    )


def test_another_contacts_renew_page_is_not_found(held, sam, travel):
    travel(date(2026, 11, 1))
    assert signed_in(sam).get(f"/portal/enrollments/{held.pk}/renew/").status_code == 404


# --- 3. past periods, the credential, LinkedIn ------------------------------------------------


@pytest.fixture
def renewed(pat, held, course, admin, travel) -> Enrollment:
    """Pat's certification renewed on 1 Nov 2026: period 2 runs 15 Jan 2027 – 15 Jan 2029."""
    travel(date(2026, 11, 1))
    services.record_completion(pat.pk, course.pk, date(2026, 11, 1), admin)
    held.refresh_from_db()
    assert held.period_number == 2
    return held


def pdf_text(response) -> str:
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_each_period_keeps_its_certificate_to_download(renewed, on):
    client = on(date(2026, 11, 2))
    page = client.get(f"/portal/enrollments/{renewed.pk}/").content.decode()
    assert f'href="/portal/enrollments/{renewed.pk}/certificate.pdf?period=1"' in page
    old = client.get(f"/portal/enrollments/{renewed.pk}/certificate.pdf?period=1")
    assert "15 January 2025" in pdf_text(old) and "2029" not in pdf_text(old)
    current = client.get(f"/portal/enrollments/{renewed.pk}/certificate.pdf")
    assert "15 January 2029" in pdf_text(current)
    # My certifications' button too: the period in force (it gave period 2's, from 2027).
    home = client.get("/portal/").content.decode()
    assert f'href="/portal/enrollments/{renewed.pk}/certificate.pdf?period=1">Download' in home


def test_the_certificate_is_a_download_named_after_program_number_and_period(renewed, on):
    client = on(date(2026, 11, 2))
    number = renewed.certificate_number
    current = client.get(f"/portal/enrollments/{renewed.pk}/certificate.pdf")
    assert current["Content-Type"] == "application/pdf"
    assert current["Content-Disposition"] == (
        f'attachment; filename="certified-safety-inspector-certificate-{number}-period-2.pdf"'
    )
    old = client.get(f"/portal/enrollments/{renewed.pk}/certificate.pdf?period=1")
    assert old["Content-Disposition"] == (
        f'attachment; filename="certified-safety-inspector-certificate-{number}.pdf"'
    )


def jwt_payload(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_the_open_badges_credential_of_the_current_period_downloads(renewed, on):
    client = on(date(2026, 11, 2))
    page = text(client.get(f"/portal/enrollments/{renewed.pk}/"))
    assert "Download Open Badges credential" in page
    response = client.get(f"/portal/enrollments/{renewed.pk}/credential.jwt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    number = renewed.certificate_number
    assert response["Content-Disposition"] == (
        f'attachment; filename="certified-safety-inspector-credential-{number}-period-2.jwt"'
    )
    claims = jwt_payload(response.content.decode())
    credential = claims.get("vc", claims)
    assert credential["validFrom"].startswith("2027-01-15")
    assert credential["validUntil"].startswith("2029-01-15")
    assert credential["credentialSubject"]["achievement"]["name"] == "Certified Safety Inspector"


def test_after_an_early_renewal_the_period_in_force_is_current_and_the_next_waits(renewed, on):
    """A member's trial: on 2 Nov 2026 the portal said "Current period from 15 Jan 2027"
    (the renewal's period, not begun) and listed the period in force as past; its buttons
    downloaded a certificate and a credential valid only from 2027."""
    client = on(date(2026, 11, 2))
    page = text(client.get(f"/portal/enrollments/{renewed.pk}/"))
    assert "Certified 15 Jan 2025" in page and "Period 2 from 15 Jan 2027 (renewed)" in page
    assert "Renewed: next period from 15 Jan 2027" in page and "Valid through 15 Jan 2029" in page
    assert "Past periods" not in page and "Next period" in page
    html = client.get(f"/portal/enrollments/{renewed.pk}/").content.decode()
    base = f"/portal/enrollments/{renewed.pk}"
    assert f'href="{base}/certificate.pdf?period=1">Download certificate (PDF)' in html
    assert f'href="{base}/credential.jwt?period=1">Download Open Badges credential' in html
    assert f'href="{base}/certificate.pdf?period=2">Certificate (PDF)' in html
    claims = jwt_payload(client.get(f"{base}/credential.jwt?period=1").content.decode())
    credential = claims.get("vc", claims)
    assert credential["validFrom"].startswith("2025-01-15")
    assert claims["nbf"] <= time.time()  # valid today, for a verifier
    # Once the new period has begun it is the current one, and the first is past.
    page = text(on(date(2027, 2, 1)).get(f"/portal/enrollments/{renewed.pk}/"))
    assert "Period 2 from 15 Jan 2027" in page and "Past periods" in page
    assert "Next period" not in page and "Renewed: next period" not in page


def test_the_credential_is_only_for_its_holder_while_certified(renewed, sam, admin, on):
    client = on(date(2026, 11, 2))
    url = f"/portal/enrollments/{renewed.pk}/credential.jwt"
    assert signed_in(sam).get(url).status_code == 404
    services.perform(renewed.pk, "suspend", admin, reason="Complaint under review")
    assert client.get(url).status_code == 404


def test_linkedin_add_to_profile_link_carries_the_certification(renewed, on):
    client = on(date(2026, 11, 2))
    page = client.get(f"/portal/enrollments/{renewed.pk}/").content.decode()
    match = re.search(r'<a class="button secondary linkedin" href="([^"]+)"', page)
    url = urlsplit(unescape(match.group(1)))
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    number = renewed.certificate_number
    assert parse_qs(url.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Certified Safety Inspector"],
        "organizationName": [issuer_name()],
        "issueYear": ["2025"],  # certified since
        "issueMonth": ["1"],
        "expirationYear": ["2029"],  # the current period's expiry
        "expirationMonth": ["1"],
        "certUrl": [f"https://members.example.org/verify/{number}"],
        "certId": [number],
    }
    assert 'target="_blank" rel="noopener noreferrer"' in page


# --- 4. the contact's work, grouped by the period that used it --------------------------------


def section(page: str, start: str, end: str | None = None) -> str:
    part = page[page.index(start) :]
    return part[: part.index(end)] if end else part


def test_work_after_the_activation_is_shown_apart_as_the_api_counts_it(
    pat, held, course, admin, api_key, on
):
    client = on(date(2025, 3, 1))
    services.record_completion(pat.pk, course.pk, date(2025, 3, 1), admin)
    api = client.get(
        f"/api/v1/enrollments/{held.pk}", HTTP_AUTHORIZATION=f"Bearer {api_key}"
    ).json()
    assert api["renewal"]["progress"]["required_done"] == 1  # counts toward the renewal

    page = text(client.get(f"/portal/enrollments/{held.pk}/"))
    work = section(page, "Your reports and completions")
    unused = section(work, "Not used by a period yet", "Period 1 ·")
    period_1 = section(work, "Period 1 · 15 Jan 2025 – 15 Jan 2027")
    assert "1 Mar 2025" in unused and "Counts toward renewal" in unused
    assert "Approved work dated on or after 15 Jan 2025 counts toward your renewal." in unused
    assert "15 Jan 2025 · Staff" in period_1 and "1 Mar 2025" not in period_1


def test_each_period_lists_the_work_it_used(renewed, pat, course, admin, on):
    client = on(date(2026, 11, 10))
    services.record_completion(pat.pk, course.pk, date(2026, 11, 5), admin)
    page = text(client.get(f"/portal/enrollments/{renewed.pk}/"))
    work = section(page, "Your reports and completions")
    assert work.index("Not used by a period yet") < work.index("Period 2") < work.index("Period 1")
    assert "5 Nov 2026" in section(work, "Not used by a period yet", "Period 2")
    assert "1 Nov 2026" in section(work, "Period 2 · 15 Jan 2027 – 15 Jan 2029", "Period 1")
    assert "15 Jan 2025" in section(work, "Period 1 · 15 Jan 2025 – 15 Jan 2027")


def test_pending_and_rejected_reports_are_not_used_by_any_period(held, pat, course, admin, on):
    client = on(date(2026, 6, 1))
    services.record_completion(
        pat.pk, course.pk, date(2026, 5, 1), Actor.contact(pat), source="self_report"
    )
    work = section(text(client.get(f"/portal/enrollments/{held.pk}/")), "Your reports")
    unused = section(work, "Not used by a period yet", "Period 1")
    assert "1 May 2026" in unused and "Awaiting approval" in unused
    assert "Counts toward renewal" not in unused


def test_work_an_earlier_certification_used_is_named_so(pat, make_program, course, admin, on):
    program = make_program(required=[course], validity_months=12, renewal_window_days=0)
    on(date(2023, 1, 10))
    services.add(pat.pk, program.pk, admin)
    services.record_completion(pat.pk, course.pk, date(2023, 1, 10), admin)
    client = on(date(2024, 6, 1))
    again = services.apply(pat.pk, program.pk, Actor.contact(pat))
    page = text(client.get(f"/portal/enrollments/{again.pk}/"))
    assert "In progress" in page and "0 of 1 required component done" in page
    earlier = section(page, "Used by an earlier certification")
    assert "10 Jan 2023" in earlier
