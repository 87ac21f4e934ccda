"""Browser fixtures, for every test in tests/browser: Chromium (one per module), pages on the
live server, staff and member sign-in, screenshots, a mailbox for emailed links.

Every test here is marked `browser` (and skipped where Chromium is not installed): the
CI runs them in a serial leg of their own.
"""

import email
import os
import time
from email import policy
from pathlib import Path

import pytest

from certtrack.certification.models import Enrollment
from tests.builders import build_enrollment, program_for, standard_programs
from tests.conftest import CHROMIUM
from tests.processes import free_port

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"  # tests/conftest.py's staff users'
# Set to a directory to keep the screenshots (docs/screenshots/).
SCREENSHOTS = os.environ.get("CERTTRACK_SCREENSHOTS")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(skip)


# --- Chromium and pages ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, live_server, transactional_db):
    """`open_page(width=1440, height=900, timeout=10_000, **context_options)`: a page in a
    context of its own, relative URLs on the live server; closed after the test."""
    contexts = []

    def open(width: int = 1440, height: int = 900, timeout: int = 10_000, **options):
        context = chromium.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout)
        return page

    yield open
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    """A desktop-sized page (1440 × 900) that accepts downloads."""
    return open_page(accept_downloads=True)


@pytest.fixture
def phone(open_page):
    """A phone-sized page (390 × 844) that accepts downloads."""
    page = open_page(390, 844, timeout=30_000, accept_downloads=True)
    page.viewport_name = "phone"
    return page


@pytest.fixture
def data_dir(settings, tmp_path):
    """Uploaded files go to this test's own directory."""
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        }
    }
    return tmp_path


def shot(page, name: str, full_page: bool = True) -> None:
    """Keep a screenshot `<name>.png` in $CERTTRACK_SCREENSHOTS, when that is set."""
    if SCREENSHOTS:
        path = Path(SCREENSHOTS) / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, caret="hide")


def assert_fits_the_screen(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


# --- staff ----------------------------------------------------------------------------------


def sign_in(page, email: str) -> None:
    """Sign in to the back-office as a staff user of tests/conftest.py."""
    page.goto("/staff/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/tracking/")


@pytest.fixture
def programs(admin):
    return standard_programs(admin)


@pytest.fixture
def enroll(admin, make_contact, programs):
    """`enroll("expiring", **contact)` → an enrollment whose status today is that one."""
    from certtrack import clock
    from certtrack.certification.models import GeneralSettings

    today = GeneralSettings.get().today(clock.now())

    def build(status: str, **contact_fields) -> Enrollment:
        program = program_for(status, programs)
        return build_enrollment(status, make_contact(**contact_fields), program, admin, today)

    return build


# --- members: the sign-in link by email -----------------------------------------------------


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


@pytest.fixture
def mailbox(settings, live_server):
    """A real SMTP server on 127.0.0.1; the app mails it links to the live server."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
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


def portal_shot(page, name: str) -> None:
    """A portal screenshot, named by the page's viewport: portal-<name>-<viewport>.png."""
    # Chromium's scrollbars and caret would make screenshots differ run to run.
    shot(page, f"portal-{name}-{page.viewport_name}")


def portal_sign_in(page, live_server, mailbox, email: str = "pat@example.org") -> None:
    """Ask for a sign-in link on the portal, follow the emailed link, and confirm."""
    import re

    page.goto(f"{live_server.url}/portal/")
    assert page.url.endswith("/portal/sign-in/")
    portal_shot(page, "sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    assert page.locator("h1").inner_text() == "Check your email"
    message = mailbox.wait_for(1)
    assert message["To"] == email
    link = re.search(r"http://\S+/portal/sign-in/\S+/", message.get_content()).group(0)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Sign in to the member portal"
    portal_shot(page, "confirm")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/portal/")
