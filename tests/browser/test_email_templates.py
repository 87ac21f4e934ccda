"""Email templates in Chromium: an administrator edits a template and watches the preview."""

from certtrack.notifications.models import EmailTemplate, Kind
from tests.browser.conftest import shot, sign_in


def open_expiring_template(page) -> None:
    page.get_by_role("link", name="Email templates").click()
    shot(page, "email-templates")
    page.get_by_role("link", name="Certification Expiring").click()
    page.wait_for_url("**/staff/setup/emails/certification_expiring/")


def test_edit_a_template_see_the_preview_change_and_save(page, admin_user):
    from playwright.sync_api import expect

    sign_in(page, admin_user.email)
    open_expiring_template(page)
    subject = page.get_by_label("Subject")
    preview = page.get_by_test_id("preview-subject")
    expect(preview).to_contain_text("Certified Safety Professional")

    subject.fill("")
    subject.press_sequentially("Only {{ days_left }} days left, {{ contact.first_name }}!")
    expect(preview).to_have_text("Only 30 days left, Jordan!")
    # Typed, not saved: the stored template is unchanged until Save.
    assert "Only" not in EmailTemplate.objects.get(kind=Kind.CERTIFICATION_EXPIRING).subject
    frame = page.frame_locator("iframe[title='HTML body preview']")
    expect(frame.locator("body")).to_contain_text("Jordan")
    shot(page, "email-template")

    page.get_by_role("button", name="Save template").click()
    expect(page.locator(".messages")).to_contain_text("saved.")
    saved = EmailTemplate.objects.get(kind=Kind.CERTIFICATION_EXPIRING)
    assert saved.subject == "Only {{ days_left }} days left, {{ contact.first_name }}!"


def test_a_syntax_error_appears_next_to_its_field_as_you_type(page, admin_user):
    from playwright.sync_api import expect

    sign_in(page, admin_user.email)
    open_expiring_template(page)
    body = page.get_by_label("HTML body")
    body.press_sequentially("{% if days_left %}")
    expect(page.locator("#html_body-errors")).to_contain_text("Template error")
    expect(page.locator("#email-preview")).to_contain_text("No preview until")
    shot(page, "email-template-error")
    body.press_sequentially("{% endif %}")
    expect(page.locator("#html_body-errors")).to_be_empty()
    expect(page.get_by_test_id("preview-subject")).to_be_visible()
