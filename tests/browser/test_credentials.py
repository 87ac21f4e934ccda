"""The public verification page in a real browser (Chromium through Playwright)."""

from datetime import timedelta

import pytest

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.models import GeneralSettings
from tests.browser.conftest import shot


@pytest.fixture
def page(open_page):
    return open_page(900, 760, timeout=30_000)


@pytest.fixture
def certificate(transactional_db, admin, make_contact, make_program, settings):
    settings.CERTTRACK_ISSUER_NAME = "Guild of Safety Inspectors"
    today = GeneralSettings.get().today(clock.now())
    contact = make_contact(first_name="Grace", last_name="Hopper", email="grace@example.org")
    program = make_program(name="Certified Safety Inspector", validity_months=24)
    return services.record_existing(contact.pk, program.pk, today - timedelta(days=40), admin)


def test_verification_page_shows_a_valid_certificate(page, live_server, certificate):
    number = certificate.certificate_number
    page.goto(f"{live_server.url}/verify/{number}")
    assert page.locator("h1").inner_text().endswith("Valid")
    facts = page.locator("dl.facts").inner_text()
    assert "Grace Hopper" in facts and "Certified Safety Inspector" in facts and number in facts
    assert "grace@example.org" not in page.content()
    # The stylesheet is served by the app (no CDN): the banner is coloured.
    colour = page.locator(".banner").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour != "rgba(0, 0, 0, 0)"
    shot(page, "verify")


def test_checking_another_number_with_the_keyboard(page, live_server, certificate):
    page.goto(f"{live_server.url}/verify/CT-0000-0000-0000")
    assert page.locator("h1").inner_text() == "Certificate not found"
    page.get_by_label("Check another certificate number").fill(
        certificate.certificate_number.lower()
    )
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/verify/{certificate.certificate_number}")
    assert "Grace Hopper" in page.locator("dl.facts").inner_text()


def test_checking_a_past_day_with_the_date_picker(page, live_server, certificate):
    """PRODUCT.md §11: "was it valid on date D?" from the page's own date picker."""
    number = certificate.certificate_number
    activated = certificate.activated_on
    page.goto(f"{live_server.url}/verify/{number}")
    page.get_by_label("Was it valid on a given day?").fill(
        (activated + timedelta(days=3)).isoformat()
    )
    page.get_by_role("button", name="Check that day").click()
    page.wait_for_url(f"**/verify/{number}?on=*")
    assert page.locator("h1").inner_text().endswith(": yes")
    assert "period 1" in page.locator(".on-day-answer").inner_text()
    shot(page, "verify-on")
    page.get_by_label("Was it valid on a given day?").fill(
        (activated - timedelta(days=3)).isoformat()
    )
    page.get_by_role("button", name="Check that day").click()
    page.wait_for_selector("text=Not yet issued on that day")
    assert f"{number} was not yet issued on" in page.locator(".explain").inner_text()
    assert page.get_by_label("Was it valid on a given day?").is_visible()  # ask another day
    shot(page, "verify-on-before")
