"""Renewal in the contact portal, in a real browser on a phone-width screen (390 px): Pat sees
the renewal progress, reports work on the Renew page, and — once staff approve it — gets
the renewed certificate as a download (PRODUCT.md §3 "Certification periods and renewal", §6).
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.dates import add_months
from certtrack.certification.models import Completion, GeneralSettings
from certtrack.portal.models import SignInRequest
from tests.browser.conftest import PDF, assert_fits_the_screen, portal_shot, portal_sign_in


@pytest.fixture
def renewing_member(transactional_db, admin, make_contact, make_component, make_program, data_dir):
    """Pat, certified 23 months ago for 24 months: the renewal is open, nothing done yet."""
    SignInRequest.objects.all().delete()
    today = GeneralSettings.get().today(clock.now())
    pat = make_contact(first_name="Pat", last_name="Lee", email="pat@example.org")
    refresher = make_component("course", name="Inspector Refresher Course", code="REFRESH")
    program = make_program(
        required=[refresher],
        name="Certified Safety Inspector",
        category="Inspection",
        validity_months=24,
        renewal_window_days=90,
        renewal_grace_days=14,
    )
    activated_on = add_months(today, -24) + timedelta(days=40)
    enrollment = services.record_existing(pat.pk, program.pk, activated_on, admin)
    return pat, enrollment, today


def test_a_member_on_a_phone_renews_and_downloads_the_renewed_certificate(
    phone, live_server, mailbox, renewing_member, admin
):
    pat, enrollment, today = renewing_member
    page = phone
    portal_sign_in(page, live_server, mailbox)

    # Home: the certification and its renewal, open.
    card = page.locator("article", has_text="Certified Safety Inspector")
    assert "Renewal open" in card.inner_text() and "Renewal 0% done" in card.inner_text()
    assert_fits_the_screen(page)
    portal_shot(page, "renewal-home")

    # The Renew page: progress and what is still needed.
    card.get_by_role("link", name="Renew Certified Safety Inspector").click()
    assert page.locator("h1").inner_text() == "Renew Certified Safety Inspector"
    progress = page.locator("section.renewal")
    assert "0 of 1 required component done" in progress.inner_text()
    assert "Inspector Refresher Course" in progress.locator(".needed").inner_text()
    assert_fits_the_screen(page)
    portal_shot(page, "renew")

    # Report the refresher course there.
    page.get_by_role("link", name="Report Inspector Refresher Course").click()
    page.get_by_label("What did you complete?").select_option(
        label="Inspector Refresher Course (course)"
    )
    page.get_by_label("Completion date").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("Note").fill("Two-day refresher in Leeds.")
    page.get_by_label("Evidence file").set_input_files(
        {"name": "refresher.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Send for approval").click()
    assert "awaiting approval by our staff" in page.locator(".messages").inner_text()
    step = page.locator("li.step", has_text="Inspector Refresher Course")
    assert "Awaiting approval" in step.inner_text()
    assert "1 report awaiting approval" in page.locator("section.renewal").inner_text()
    assert_fits_the_screen(page)
    portal_shot(page, "renew-reported")

    # The certification's page: the report stands apart from the work period 1 used.
    page.get_by_role("link", name="Certified Safety Inspector").first.click()
    work = page.locator("section", has_text="Your reports and completions")
    assert work.get_by_role("heading", name="Not used by a period yet").is_visible()
    assert "Awaiting approval" in work.inner_text()
    assert "Renewal open" in page.locator("section.renewal").inner_text()
    assert_fits_the_screen(page)
    portal_shot(page, "renewal-enrollment")
    page.get_by_role("link", name="Renew", exact=True).click()

    # Staff approve the work: the domain grants the renewal.
    completion = Completion.objects.get(contact=pat, source="self_report")
    services.approve_completion(completion.pk, admin)
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2
    new_expiry = enrollment.expires_on

    page.reload()  # the Renew page now sends Pat to the renewed certification
    assert page.url.endswith(f"/portal/enrollments/{enrollment.pk}/")
    # Renewed early: period 2 begins on the old expiry; period 1 is in force until then.
    assert "is renewed: period 2 will run from" in page.locator(".messages").inner_text()
    certificate = page.locator("section.certificate")
    assert certificate.get_by_role("heading", name="Next period").is_visible()
    assert "Period 2" in certificate.locator(".past-periods").inner_text()
    linkedin = certificate.get_by_role("link", name="Add to LinkedIn profile")
    assert linkedin.get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
    assert_fits_the_screen(page)
    portal_shot(page, "renewed")

    with page.expect_download() as download_info:  # the next period's own certificate
        certificate.get_by_role("link", name="Certificate (PDF) of period 2").click()
    download = download_info.value
    assert download.suggested_filename == (
        f"certified-safety-inspector-certificate-{enrollment.certificate_number}-period-2.pdf"
    )
    content = Path(download.path()).read_bytes()
    words = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert f"{new_expiry.day} {new_expiry:%B %Y}" in words

    with page.expect_download() as download_info:  # the period in force today's
        certificate.get_by_role("link", name="Download Open Badges credential").click()
    assert download_info.value.suggested_filename.endswith(f"-{enrollment.certificate_number}.jwt")
    assert Path(download_info.value.path()).read_bytes().count(b".") == 2  # a compact JWS

    # The same page on a desktop screen: more room, the same content.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert_fits_the_screen(page)
    page.viewport_name = "wide"
    portal_shot(page, "renewed")
