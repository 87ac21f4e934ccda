"""Staff users in Chromium: an administrator invites a colleague, who chooses a password from
the emailed link and signs in; the administrator sets the organization's branding."""

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from certtrack.accounts.models import User
from certtrack.certification import services
from tests.browser import conftest as browser
from tests.browser.conftest import PASSWORD, sign_in


def shot(page, name: str) -> None:
    browser.shot(page, f"staff-{name}")


@pytest.fixture
def context(chromium, live_server, transactional_db, settings):
    settings.BASE_URL = live_server.url  # the emailed link points at this server
    context = chromium.new_context(
        viewport={"width": 1440, "height": 900}, base_url=live_server.url
    )
    yield context
    context.close()


def test_an_invited_staff_user_sets_a_password_from_the_email_and_signs_in(context, admin_user):
    admin = context.new_page()
    admin.set_default_timeout(10_000)
    sign_in(admin, admin_user.email)
    admin.get_by_role("link", name="Staff users").click()
    admin.wait_for_url("**/staff/setup/users/")
    admin.get_by_label("Email address").fill("jo.newcomer@example.org")
    admin.get_by_label("First name").fill("Jo")
    admin.get_by_label("Last name").fill("Newcomer")
    admin.get_by_label("Role").select_option("staff")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "Invitation sent to jo.newcomer@example.org"
    )
    row = admin.get_by_role("row", name=re.compile("jo.newcomer@example.org"))
    expect(row).to_contain_text("Invited")
    shot(admin, "invited")

    # The email (sent through the outbox at once), as the newcomer reads it.
    (message,) = mail.outbox
    assert message.to == ["jo.newcomer@example.org"]
    link = re.search(r"https?://\S+/staff/password/\S+/", message.body).group(0)

    newcomer = context.browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=admin.url.split("/staff/")[0]
    ).new_page()
    newcomer.set_default_timeout(10_000)
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(newcomer.get_by_text("For jo.newcomer@example.org.")).to_be_visible()
    newcomer.get_by_label("New password", exact=True).fill("12345")
    newcomer.get_by_label("New password again").fill("12345")
    newcomer.get_by_role("button", name="Save password").click()
    expect(newcomer.locator(".errorlist").first).to_be_visible()  # too short, all digits
    shot(newcomer, "password-refused")
    newcomer.get_by_label("New password", exact=True).fill("ropes and pulleys 42")
    newcomer.get_by_label("New password again").fill("ropes and pulleys 42")
    newcomer.get_by_role("button", name="Save password").click()
    expect(newcomer.get_by_role("heading", name="Password saved")).to_be_visible()
    newcomer.get_by_role("link", name="Sign in").click()
    newcomer.get_by_label("Email address").fill("jo.newcomer@example.org")
    newcomer.get_by_label("Password").fill("ropes and pulleys 42")
    newcomer.get_by_role("button", name="Sign in").click()
    newcomer.wait_for_url("**/staff/tracking/")
    expect(newcomer.locator(".sidebar-foot")).to_contain_text("Jo Newcomer")
    expect(newcomer.locator(".sidebar-foot .role")).to_have_text("staff")
    # Staff do not manage users.
    expect(newcomer.get_by_role("link", name="Staff users")).to_have_count(0)
    shot(newcomer, "signed-in")

    # The administrator sees the change in the list and in the user's history.
    admin.reload()
    expect(admin.get_by_role("row", name=re.compile("jo.newcomer@example.org"))).to_contain_text(
        "Active"
    )
    admin.get_by_role("link", name="Jo Newcomer").click()
    expect(admin.locator(".timeline")).to_contain_text("Invite user")
    shot(admin, "user-page")
    assert User.objects.get(email="jo.newcomer@example.org").check_password("ropes and pulleys 42")
    assert PASSWORD  # the administrator signed in with the shared test password


def test_an_administrator_sets_branding_and_sees_it_in_the_audit(
    context, admin_user, admin, tmp_path, settings, make_contact, make_program
):
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        }
    }
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
        '<rect width="120" height="40" rx="6" fill="#0f4c5c"/>'
        '<circle cx="20" cy="20" r="11" fill="#e36414"/></svg>'
    )
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("meeting notes, not a picture")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, admin_user.email)
    page.get_by_role("link", name="General Settings").click()
    page.get_by_label("Organization name").fill("Guild of Rope Access")
    page.get_by_label("Logo").set_input_files(str(not_an_image))
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".has-error")).to_contain_text("Not an image")
    shot(page, "logo-refused")
    page.get_by_label("Organization name").fill("Guild of Rope Access")
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_label("Signatory name").fill("Maria Chen")
    page.get_by_label("Signatory title").fill("Chair of the Board")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("General Settings saved.")
    expect(page.locator(".branding-preview img").first).to_be_visible()
    shot(page, "branding")
    page.get_by_role("link", name="Audit").click()
    page.get_by_label("Object").select_option("settings")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody")).to_contain_text("Maria Chen")
    expect(page.locator("tbody")).to_contain_text("Guild of Rope Access")
    shot(page, "audit")

    # Where others see it: the verification page and the member portal.
    contact = make_contact(first_name="小明", last_name="王", email="wang@example.org")
    program = make_program(name="Rope Access Technician", code="RAT")
    enrollment = services.record_existing(contact.pk, program.pk, date(2026, 3, 1), admin)
    page.goto(f"/verify/{enrollment.certificate_number}")
    expect(page.locator("header .issuer")).to_contain_text("Guild of Rope Access")
    expect(page.locator("header .issuer img")).to_be_visible()
    expect(page.get_by_text("小明 王").first).to_be_visible()
    # The vendored CJK font is there for machines without one (this Chromium has none).
    loaded = page.evaluate(
        """async () => { await document.fonts.load('16px "Certtrack CJK"', '小明');
        return document.fonts.check('16px "Certtrack CJK"', '小明'); }"""
    )
    assert loaded
    shot(page, "verify")
    page.goto("/portal/sign-in/")
    expect(page.locator("header .brand")).to_contain_text("Guild of Rope Access")
    expect(page.locator("header .brand img")).to_be_visible()
    shot(page, "portal")
