"""The contact portal in a real browser, on a phone-sized and a desktop-sized screen: sign in
through the link emailed to a real SMTP server, apply, report work with a file, see it pending.
"""

import email
import os
import re
import socket
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.models import Completion, GeneralSettings
from certtrack.portal.models import SignInRequest
from tests.conftest import CHROMIUM

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed"),
]
# Set to a directory to keep the screenshots (docs/screenshots/portal-*.png).
SCREENSHOTS = os.environ.get("CERTTRACK_SCREENSHOTS")
VIEWPORTS = {"narrow": {"width": 390, "height": 844}, "wide": {"width": 1280, "height": 900}}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int) -> email.message.EmailMessage:
        for _ in range(100):  # the web request returns after SMTP accepted the mail
            if len(self.messages) >= count:
                return self.messages[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no message {count} arrived; have {len(self.messages)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox(settings, live_server):
    """A real SMTP server on 127.0.0.1; the app mails it links to the live server."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.BASE_URL = live_server.url
    yield box
    controller.stop()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        }
    }
    return tmp_path


@pytest.fixture(params=list(VIEWPORTS))
def page(request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        viewport = VIEWPORTS[request.param]
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        page.viewport_name = request.param
        yield page
        browser.close()


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


def shot(page, name: str) -> None:
    # Chromium's scrollbars and caret would make screenshots differ run to run.
    if SCREENSHOTS:
        path = Path(SCREENSHOTS) / f"portal-{name}-{page.viewport_name}.png"
        page.screenshot(path=str(path), full_page=True, caret="hide")


def assert_fits_the_screen(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def sign_in(page, live_server, mailbox) -> None:
    page.goto(f"{live_server.url}/portal/")
    assert page.url.endswith("/portal/sign-in/")
    shot(page, "sign-in")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    assert page.locator("h1").inner_text() == "Check your email"
    message = mailbox.wait_for(1)
    assert message["To"] == "pat@example.org"
    link = re.search(r"http://\S+/portal/sign-in/\S+/", message.get_content()).group(0)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Sign in to the member portal"
    shot(page, "confirm")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/portal/")


def test_sign_in_apply_report_work_and_see_it_pending(page, live_server, mailbox, member, data_dir):
    sign_in(page, live_server, mailbox)
    assert "Welcome, Pat" in page.locator(".messages").inner_text()
    assert "Workplace First Aid" in page.locator("main").inner_text()
    assert_fits_the_screen(page)

    page.get_by_role("navigation").get_by_role("link", name="Programs").click()
    heading = page.get_by_role("heading", name="Certified Safety Inspector")
    card = page.locator("article", has=heading)
    assert "Supervised Site Visit" in card.inner_text()
    assert_fits_the_screen(page)
    shot(page, "programs")
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
    shot(page, "report")
    page.get_by_role("button", name="Send for approval").click()

    assert "awaiting approval by our staff" in page.locator(".messages").inner_text()
    step = page.locator("li.step", has_text="Supervised Site Visit")
    assert "Awaiting approval" in step.inner_text()
    reports = page.locator(".completions").inner_text()
    assert "Awaiting approval" in reports and "visit-report.pdf" in reports
    assert_fits_the_screen(page)
    shot(page, "enrollment")
    completion = Completion.objects.get(contact=member)
    assert completion.state == "pending" and completion.evidence.read() == PDF

    page.get_by_role("navigation").get_by_role("link", name="My certifications").click()
    card = page.locator("article", has_text="Certified Safety Inspector")
    assert "In progress" in card.inner_text()
    assert "1 report awaiting approval" in card.inner_text()
    shot(page, "home")


def test_certificate_and_verification_link(page, live_server, mailbox, member):
    sign_in(page, live_server, mailbox)
    page.get_by_role("navigation").get_by_role("link", name="Certificates").click()
    number = member.enrollments.get().certificate_number
    link = page.get_by_label("Public verification link")
    assert link.input_value() == f"{live_server.url}/verify/{number}"
    assert_fits_the_screen(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    shot(page, "certificates")
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
    sign_in(page, live_server, mailbox)
    link = re.search(r"http://\S+/portal/sign-in/\S+/", mailbox.messages[0].get_content())
    page.get_by_role("button", name="Sign out").click()
    page.goto(link.group(0))
    assert page.locator("h1").inner_text() == "This link was already used"
    shot(page, "link-used")
    page.get_by_role("link", name="Get a new sign-in link").click()
    assert page.url.endswith("/portal/sign-in/")
