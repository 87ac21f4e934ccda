"""Templates: shipped for every email, editable in the admin with a preview, validated."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from certtrack.certification import services
from certtrack.notifications.defaults import DEFAULTS
from certtrack.notifications.models import TEMPLATE_KINDS, Email, EmailTemplate, Kind
from certtrack.notifications.rendering import TemplateError, preview, render_email, sample_context
from tests.conftest import at


def test_every_email_of_the_product_ships_with_a_template(db):
    assert set(EmailTemplate.objects.values_list("kind", flat=True)) == set(TEMPLATE_KINDS)


def test_a_deleted_template_comes_back_with_its_default_on_first_use(db):
    EmailTemplate.objects.filter(kind=Kind.CERTIFICATION_EXPIRED).delete()
    rendered = render_email(Kind.CERTIFICATION_EXPIRED, sample_context(date(2026, 3, 2)))
    assert rendered.subject == "Your Certified Safety Professional certification has expired"


@pytest.mark.parametrize("kind", [kind.value for kind in TEMPLATE_KINDS])
def test_every_default_renders_every_placeholder_it_uses(db, kind):
    rendered = render_email(kind, sample_context(date(2026, 3, 2)))
    assert rendered.subject and "{{" not in rendered.subject and "\n" not in rendered.subject
    assert "Jordan" in rendered.text + rendered.subject
    assert rendered.html.startswith("<p>")
    for text in (rendered.text, rendered.html):
        assert "None" not in text
        assert "https://" in text or "http://" in text


@pytest.mark.parametrize("kind", [kind.value for kind in TEMPLATE_KINDS])
def test_every_shipped_email_writes_its_dates_day_first(db, kind):
    # As the certificate and the portal do: "4 December 2026", never "December 4, 2026".
    day = date(2026, 12, 4)
    facts = sample_context(date(2026, 11, 4)) | {
        "applied_on": day,
        "activated_on": day,
        "expires_on": day,
        "completed_on": day,
    }
    rendered = render_email(kind, facts)
    for text in (rendered.subject, rendered.text, rendered.html):
        assert "December 4" not in text
    if "|date:" in DEFAULTS[kind]["text_body"]:
        assert "4 December 2026" in rendered.text and "4 December 2026" in rendered.html


def test_a_date_printed_without_a_format_is_day_first_too(db):
    """A staff member's own template writing `{{ expires_on }}`: Django's English format
    wrote "Dec. 4, 2026" (certtrack/formats)."""
    template = EmailTemplate(
        kind=Kind.CERTIFICATION_EXPIRING,
        subject="Ends {{ expires_on }}",
        text_body="{{ expires_on|date }} / {{ expires_on|date:'SHORT_DATE_FORMAT' }}",
        html_body="<p>{{ expires_on }}</p>",
    )
    shown = preview(template, sample_context(date(2026, 11, 4)) | {"expires_on": date(2026, 12, 4)})
    assert shown.subject == "Ends 4 December 2026"
    assert shown.text == "4 December 2026 / 4 Dec 2026"
    assert "<p>4 December 2026</p>" in shown.html


def test_preview_renders_an_unsaved_edit_with_sample_facts(db):
    template = EmailTemplate(
        kind=Kind.CERTIFICATION_EXPIRING,
        subject="{{ program.code }} ends {{ expires_on|date:'Y-m-d' }}",
        text_body="{{ days_left }} days, {{ contact.first_name }}",
        html_body="<b>{{ contact.organization }} & co</b>",
    )
    shown = preview(template, sample_context(date(2026, 3, 2)))
    assert shown.subject == "CSP ends 2026-04-01"
    assert shown.text == "30 days, Jordan"
    assert shown.html == "<b>Example Health & co</b>"


def test_a_template_with_broken_syntax_is_refused_naming_the_field(db):
    template = EmailTemplate.objects.get(kind=Kind.APPLICATION_APPROVED)
    template.text_body = "Hello {% if contact.first_name %}"
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "text_body" in error.value.message_dict
    with pytest.raises(TemplateError):
        preview(template)


def test_staff_edit_a_template_in_the_admin_and_see_its_preview(client, admin_user):
    client.force_login(admin_user)
    template = EmailTemplate.objects.get(kind=Kind.CERTIFICATION_EXPIRING)
    url = f"/staff/admin/notifications/emailtemplate/{template.pk}/change/"
    page = client.get(url).content.decode()
    assert "Preview (sample contact and dates)" in page
    assert "Certification Expiring: Certified Safety Professional on" in page
    response = client.post(
        url,
        {
            "subject": "Renew {{ program.name }} soon",
            "text_body": "Hi {{ contact.first_name }}",
            "html_body": "",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "Renew {{ program.name }} soon"
    assert "Renew Certified Safety Professional soon" in client.get(url).content.decode()
    client.post(url, {"subject": "x", "text_body": "<script>alert(1)</script>", "html_body": ""})
    page = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in page  # shown, escaped, never run
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    broken = client.post(url, {"subject": "{% if %}", "text_body": "x", "html_body": ""})
    assert broken.status_code == 200
    assert "Template error" in broken.content.decode()


def test_staff_see_the_outbox_in_the_admin_and_retry_failed_emails(
    client, admin_user, make_contact, make_program, admin, travel
):
    travel(date(2026, 3, 2))
    enrollment = services.apply(make_contact().pk, make_program().pk, admin)
    Email.objects.filter(enrollment=enrollment).update(
        status="failed", attempts=8, last_error="SMTPRecipientsRefused: no such user"
    )
    other = services.apply(make_contact().pk, make_program().pk, admin)
    client.force_login(admin_user)
    page = client.get("/staff/admin/notifications/email/?status__exact=failed").content.decode()
    assert "SMTPRecipientsRefused: no such user" in page
    one = client.get(f"/staff/admin/notifications/email/?enrollment__id__exact={enrollment.pk}")
    assert one.status_code == 200
    assert enrollment.contact.full_name in one.content.decode()
    assert other.contact.full_name not in one.content.decode()
    email = Email.objects.get(enrollment=enrollment)
    client.post(
        "/staff/admin/notifications/email/",
        {"action": "retry_now", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (
        "queued",
        0,
        at(date(2026, 3, 2)),
    )


def test_dates_are_formatted_as_each_template_asks_however_often_they_repeat(db):
    # The date filter remembers a formatted day (delivery renders thousands of emails
    # about the same days): each format, language and day still has its own text.
    from django.utils import translation

    from certtrack.notifications.rendering import render

    template = EmailTemplate(
        kind=Kind.CERTIFICATION_EXPIRING,
        subject="{{ expires_on|date:'F j, Y' }}",
        text_body="{{ expires_on|date:'Y-m-d' }} {{ expires_on|date }} {{ today|date:'D' }}",
        html_body="",
    )
    for _ in range(2):
        first = render(template, {"expires_on": date(2026, 4, 1), "today": date(2026, 3, 2)})
        assert (first.subject, first.text) == ("April 1, 2026", "2026-04-01 1 April 2026 Mon")
        other = render(template, {"expires_on": date(2026, 5, 9), "today": date(2026, 3, 3)})
        assert (other.subject, other.text) == ("May 9, 2026", "2026-05-09 9 May 2026 Tue")
    with translation.override("de"):
        german = render(template, {"expires_on": date(2026, 5, 9), "today": date(2026, 3, 3)})
    assert german.subject == "Mai 9, 2026"
