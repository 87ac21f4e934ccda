"""Setup › Email templates: administrators edit the text of every email with a live preview."""

import pytest

from certtrack.notifications.defaults import DEFAULTS
from certtrack.notifications.models import TEMPLATE_KINDS, EmailTemplate, Kind
from certtrack.notifications.rendering import template_for

pytestmark = pytest.mark.django_db

EXPIRING = Kind.CERTIFICATION_EXPIRING
EDIT = f"/staff/setup/emails/{EXPIRING}/"
PREVIEW = f"/staff/setup/emails/{EXPIRING}/preview/"
GOOD = {
    "subject": "{{ program.name }} ends in {{ days_left }} days",
    "text_body": "Hello {{ contact.first_name }}, renew before {{ expires_on|date:'j F Y' }}.",
    "html_body": "<p>Hello <b>{{ contact.first_name }}</b></p>",
}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/staff/setup/emails/"),
        ("get", EDIT),
        ("get", EDIT + "?restore=default"),
        ("post", EDIT),
        ("post", PREVIEW),
    ],
)
def test_staff_role_gets_the_403_page_on_every_email_template_url(staff_client, method, url):
    before = list(EmailTemplate.objects.values())
    response = getattr(staff_client, method)(url, GOOD if method == "post" else None)
    assert response.status_code == 403
    assert "backoffice/forbidden.html" in [t.name for t in response.templates]
    assert list(EmailTemplate.objects.values()) == before


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/setup/emails/")
    assert response.status_code == 302
    assert response.url.startswith("/staff/login/")


def test_the_list_shows_every_email_with_its_audience_and_subject(admin_client):
    template = template_for(Kind.APPLICATION_APPROVED)
    template.subject = "Welcome aboard, {{ contact.first_name }}"
    template.save()
    response = admin_client.get("/staff/setup/emails/")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in TEMPLATE_KINDS:
        assert f'href="/staff/setup/emails/{kind.value}/"' in page
        assert str(kind.label) in page
    assert "Welcome aboard, {{ contact.first_name }}" in page
    assert "New Certification Application recipients" in page
    assert page.count(">Customized<") == 1


def test_the_email_templates_entry_is_in_the_sidebar_for_administrators_only(
    client, admin_user, staff_user
):
    client.force_login(admin_user)
    assert "Email templates</a>" in client.get("/staff/overview/").content.decode()
    client.force_login(staff_user)
    assert "Email templates</a>" not in client.get("/staff/overview/").content.decode()


def test_the_edit_page_shows_the_form_the_placeholders_and_a_preview(admin_client):
    response = admin_client.get(EDIT)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["form"]["subject"].value() == DEFAULTS[EXPIRING]["subject"]
    assert "{{ contact.first_name }}" in page  # in the placeholder list
    assert 'hx-trigger="input changed delay:400ms"' in page
    assert f'hx-post="{PREVIEW}"' in page
    assert "Jordan" in response.context["rendered"].text  # the sample contact
    assert '<iframe class="email-html" sandbox=""' in page
    # The example format writes the day first, as the shipped texts do.
    assert 'expires_on|date:"j F Y" }}</code> (4 December 2026)' in page


def test_an_unknown_email_kind_is_404(admin_client):
    assert admin_client.get("/staff/setup/emails/birthday/").status_code == 404
    assert admin_client.post("/staff/setup/emails/birthday/preview/", GOOD).status_code == 404


def test_the_sign_in_link_email_is_not_an_editable_template(admin_client):
    # Its text carries the link; an edit that dropped it would lock members out.
    assert b"sign_in_link" not in admin_client.get("/staff/setup/emails/").content
    assert admin_client.get("/staff/setup/emails/sign_in_link/").status_code == 404


def test_administrator_edits_and_saves_a_template(admin_client):
    response = admin_client.post(EDIT, GOOD)
    assert response.status_code == 302
    assert response.url == EDIT
    saved = EmailTemplate.objects.get(kind=EXPIRING)
    assert (saved.subject, saved.text_body, saved.html_body) == (
        GOOD["subject"],
        GOOD["text_body"],
        GOOD["html_body"],
    )
    page = admin_client.get(response.url).content.decode()
    assert "saved." in page
    assert "Certified Safety Professional ends in 30 days" in page  # the preview of it


def test_the_html_body_may_be_left_empty(admin_client):
    response = admin_client.post(EDIT, GOOD | {"html_body": ""})
    assert response.status_code == 302
    assert EmailTemplate.objects.get(kind=EXPIRING).html_body == ""


@pytest.mark.parametrize("field", ["subject", "text_body", "html_body"])
def test_a_broken_template_is_shown_next_to_its_field_and_nothing_is_saved(admin_client, field):
    before = template_for(EXPIRING)
    response = admin_client.post(EDIT, GOOD | {field: "Hello {% if contact.first_name %}"})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert "Template error" in form.errors[field][0]
    page = response.content.decode()
    errors_at = page.index(f'id="{field}-errors"')
    assert "Template error" in page[errors_at : errors_at + 400]
    after = EmailTemplate.objects.get(kind=EXPIRING)
    assert (after.subject, after.text_body, after.html_body, after.updated_at) == (
        before.subject,
        before.text_body,
        before.html_body,
        before.updated_at,
    )


def test_a_template_that_fails_only_when_rendered_is_refused(admin_client):
    before = template_for(EXPIRING).subject
    response = admin_client.post(EDIT, GOOD | {"text_body": "{{ days_left|divisibleby:0 }}"})
    assert response.status_code == 200
    assert "cannot be rendered" in response.content.decode()
    assert EmailTemplate.objects.get(kind=EXPIRING).subject == before


def test_preview_renders_the_unsaved_subject_with_sample_facts(admin_client):
    before = template_for(EXPIRING).subject
    response = admin_client.post(PREVIEW, GOOD, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Certified Safety Professional ends in 30 days" in page
    assert "Hello Jordan, renew before" in page
    assert EmailTemplate.objects.get(kind=EXPIRING).subject == before  # nothing saved


def test_preview_escapes_what_it_shows_and_frames_the_html_body(admin_client):
    response = admin_client.post(
        PREVIEW,
        {
            "subject": "<script>alert(1)</script> {{ contact.first_name }}",
            "text_body": "<img src=x onerror=alert(2)>",
            "html_body": '<p onclick="x()">Hi</p><script>alert(3)</script>',
        },
    )
    page = response.content.decode()
    assert "<script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Jordan" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    # The HTML body is only ever an attribute of a frame that may run nothing.
    assert (
        'sandbox="" title="HTML body preview" srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hi&lt;/p&gt;'
        "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    )


def test_preview_puts_a_syntax_error_next_to_its_field(admin_client):
    response = admin_client.post(
        PREVIEW, GOOD | {"html_body": "<p>{{ contact.first_name|shout }}</p>"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "No preview until the template errors are fixed" in page
    errors_at = page.index('id="html_body-errors"')
    fragment = page[errors_at : errors_at + 400]
    assert 'hx-swap-oob="true"' in fragment
    assert "Template error" in fragment
    # The other fields' error slots are emptied (an error fixed there disappears).
    subject_at = page.index('id="subject-errors"')
    assert "errorlist" not in page[subject_at : page.index("</div>", subject_at)]


def test_restore_default_puts_the_shipped_text_in_the_editor_without_saving(admin_client):
    admin_client.post(EDIT, GOOD)
    response = admin_client.get(EDIT + "?restore=default")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["subject"].value() == DEFAULTS[EXPIRING]["subject"]
    assert form["text_body"].value() == DEFAULTS[EXPIRING]["text_body"]
    assert EmailTemplate.objects.get(kind=EXPIRING).subject == GOOD["subject"]
    admin_client.post(EDIT, DEFAULTS[EXPIRING])
    assert EmailTemplate.objects.get(kind=EXPIRING).subject == DEFAULTS[EXPIRING]["subject"]
