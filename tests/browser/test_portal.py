"""The contact portal in a real browser, on a phone-sized and a desktop-sized screen: sign in
through the link emailed to a real SMTP server, apply, report work with a file, see it pending.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.models import Completion, GeneralSettings
from certtrack.portal.models import SignInRequest
from tests.browser.conftest import PDF, assert_fits_the_screen, portal_shot, portal_sign_in

VIEWPORTS = {"narrow": {"width": 390, "height": 844}, "wide": {"width": 1280, "height": 900}}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, open_page):
    page = open_page(**VIEWPORTS[request.param], timeout=30_000)
    page.viewport_name = request.param
    return page


@pytest.fixture
def member(transactional_db, admin, make_contact, make_component, make_program):
    """Pat, with one earned certification, and two programs to apply to."""
    SignInRequest.objects.all().delete()
    today = GeneralSettings.get().today(clock.now())
    pat = make_contact(first_name="Pat", last_name="Lee", email="pat@example.org")
    first_aid = make_program(name="Workplace First Aid", category="Health", validity_months=24)
    services.record_existing(pat.pk, first_aid.pk, today - timedelta(days=200), admin)
    course = make_component("course", name="Site Safety Basics", code="SSB")
    task = make_component("task", name="Supervised Site Visit", code="VISIT", hours_earned=4)
    exam = make_component("exam", name="Inspector Exam", code="EXAM")
    make_program(
        required=[course, task, exam],
        name="Certified Safety Inspector",
        code="CSI",
        category="Inspection",
        description="The entry-level certification for inspectors of building sites.",
    )
    make_program(
        name="Master Inspector",
        require_approval=True,
        description="For senior inspectors; applications are reviewed.",
    )
    return pat


def test_sign_in_apply_report_work_and_see_it_pending(page, live_server, mailbox, member, data_dir):
    portal_sign_in(page, live_server, mailbox)
    assert "Welcome, Pat" in page.locator(".messages").inner_text()
    assert "Workplace First Aid" in page.locator("main").inner_text()
    assert_fits_the_screen(page)

    page.get_by_role("navigation").get_by_role("link", name="Programs").click()
    heading = page.get_by_role("heading", name="Certified Safety Inspector")
    card = page.locator("article", has=heading)
    assert "Supervised Site Visit" in card.inner_text()
    assert_fits_the_screen(page)
    portal_shot(page, "programs")
    card.get_by_role("button", name="Apply to Certified Safety Inspector").click()
    assert (
        "You applied to Certified Safety Inspector: In progress."
        in page.locator(".messages").inner_text()
    )

    page.get_by_role("link", name="Report completed work").click()
    page.get_by_label("What did you complete?").select_option(label="Supervised Site Visit (task)")
    done_on = GeneralSettings.get().today(clock.now()) - timedelta(days=3)
    page.get_by_label("Completion date").fill(done_on.isoformat())
    page.get_by_label("Note").fill("Visited the Riverside site with J. Okafor.")
    page.get_by_label("Evidence file").set_input_files(
        {"name": "visit-report.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    assert_fits_the_screen(page)
    portal_shot(page, "report")
    page.get_by_role("button", name="Send for approval").click()

    assert "awaiting approval by our staff" in page.locator(".messages").inner_text()
    step = page.locator("li.step", has_text="Supervised Site Visit")
    assert "Awaiting approval" in step.inner_text()
    reports = page.locator(".completions").inner_text()
    assert "Awaiting approval" in reports and "visit-report.pdf" in reports
    assert_fits_the_screen(page)
    portal_shot(page, "enrollment")
    completion = Completion.objects.get(contact=member)
    assert completion.state == "pending" and completion.evidence.read() == PDF

    page.get_by_role("navigation").get_by_role("link", name="My certifications").click()
    card = page.locator("article", has_text="Certified Safety Inspector")
    assert "In progress" in card.inner_text()
    assert "1 report awaiting approval" in card.inner_text()
    portal_shot(page, "home")


def test_certificate_and_verification_link(page, live_server, mailbox, member):
    portal_sign_in(page, live_server, mailbox)
    page.get_by_role("navigation").get_by_role("link", name="Certificates").click()
    number = member.enrollments.get().certificate_number
    link = page.get_by_label("Public verification link")
    assert link.input_value() == f"{live_server.url}/verify/{number}"
    assert_fits_the_screen(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    portal_shot(page, "certificates")
    with page.expect_download() as download_info:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = ''; "
            "document.body.append(a); a.click(); }",
            f"/portal/enrollments/{member.enrollments.get().pk}/certificate.pdf",
        )
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="Open verification page").click()
    assert page.locator("h1").inner_text().endswith("Valid")


def test_a_used_link_gets_a_clear_page(page, live_server, mailbox, member):
    portal_sign_in(page, live_server, mailbox)
    link = re.search(r"http://\S+/portal/sign-in/\S+/", mailbox.messages[0].get_content())
    page.get_by_role("button", name="Sign out").click()
    page.goto(link.group(0))
    assert page.locator("h1").inner_text() == "This link was already used"
    portal_shot(page, "link-used")
    page.get_by_role("link", name="Get a new sign-in link").click()
    assert page.url.endswith("/portal/sign-in/")


def test_an_emailed_download_signs_in_and_leaves_the_certification_open(
    page, live_server, mailbox, member
):
    """A member's trial: the email's "Download your certificate" while signed out gave the
    PDF and left the browser on the used sign-in page."""
    enrollment = member.enrollments.get()
    page.goto(f"{live_server.url}/portal/enrollments/{enrollment.pk}/certificate.pdf")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    link = re.search(r"http://\S+/portal/sign-in/\S+/", mailbox.wait_for(1).get_content())
    page.goto(link.group(0))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Sign in").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    page.wait_for_url(f"{live_server.url}/portal/enrollments/{enrollment.pk}/")
    page.get_by_text("Your download starts now.").wait_for()
    assert page.locator("h1").inner_text() == "Workplace First Aid"
    portal_shot(page, "emailed-download")


def test_optional_reminders_are_turned_off_and_on_with_the_portal_s_own_buttons(
    page, live_server, mailbox, member, admin
):
    """A new user's trial: the reminders' button was the browser's bare grey one."""
    first_aid = member.enrollments.get().program
    services.update_program(
        first_aid.pk,
        admin,
        reminder_schedule=[{"offset_days": -30}, {"offset_days": -7, "mandatory": True}],
    )
    portal_sign_in(page, live_server, mailbox)
    page.get_by_role("link", name="Workplace First Aid").first.click()
    card = page.locator("#reminders")
    assert "Before your certification expires" in card.inner_text()
    button = card.get_by_role("button", name="Turn off optional reminders")
    credential = page.get_by_role("link", name="Download Open Badges credential")

    def look(element) -> tuple:
        return element.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.backgroundColor, s.borderRadius, s.fontWeight, s.paddingLeft]; }"
        )

    assert look(button) == look(credential)  # the portal's secondary button
    portal_shot(page, "reminders")
    button.click()
    assert "Optional reminders are off" in page.locator(".messages").inner_text()
    back_on = page.locator("#reminders").get_by_role(
        "button", name="Turn optional reminders back on"
    )
    assert look(back_on) == look(credential)
    assert_fits_the_screen(page)


def test_the_transcript_fits_the_screen(page, live_server, mailbox, member, admin, make_component):
    """A member's trial: on a phone the transcript was 449 px wide (its tables had no style
    in the portal), its Credits and Hours columns out of the card."""
    today = GeneralSettings.get().today(clock.now())
    for n, name in enumerate(["Continuing Education Assessment", "Regional Spring Summit"]):
        course = make_component("course", name=name, code=f"LONG-CODE-{n}", hours_earned=12)
        services.record_completion(member.pk, course.pk, today - timedelta(days=3 + n), admin)
    portal_sign_in(page, live_server, mailbox)
    page.get_by_role("navigation").get_by_role("link", name="Transcript").click()
    page.get_by_role("heading", name="Transcript", exact=True).wait_for()
    assert page.locator(".transcript table").count() >= 1
    portal_shot(page, "transcript")
    assert_fits_the_screen(page)
    for table in page.locator(".transcript table").all():
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
