"""Email templates are validated at save, fall back to the shipped text when a stored one
fails at send, and see plain values only — never a model instance (issue 13)."""

import logging
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template import engines

from certtrack.accounts.models import ApiToken
from certtrack.certification import services
from certtrack.certification.statuses import label
from certtrack.notifications.defaults import DEFAULTS
from certtrack.notifications.models import TEMPLATE_KINDS, EmailTemplate, Kind
from certtrack.notifications.rendering import (
    TemplateError,
    check,
    context_for,
    links,
    preview,
    render_email,
)
from tests.conftest import at

DAY = date(2026, 3, 2)
APPROVED = Kind.APPLICATION_APPROVED
EDIT = f"/staff/setup/emails/{APPROVED}/"
PREVIEW = f"/staff/setup/emails/{APPROVED}/preview/"


def edited(**fields) -> EmailTemplate:
    return EmailTemplate(kind=APPROVED, **(DEFAULTS[APPROVED] | fields))


# --- validation at save -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text_body", "line", "named"),
    [
        ("Hello\n{{ contact.first_name }\nbye", 2, "Template error"),
        ("Hello\n\n{% if contact.first_name %}Hi", 3, "if"),
        ("Hello\n{{ contact.nickname }}", 2, "contact.nickname"),
        ("Hi\n{% if contact.shoe_size > 3 %}x{% endif %}", 2, "contact.shoe_size"),
        ("{{ contact.first_name|default:program.owner }}", 1, "program.owner"),
        ("Hi\n{{ history.user.password }}", 2, "history.user.password"),
        ("{{ enrollment.contact.email }}", 1, "enrollment.contact.email"),
    ],
)
def test_a_broken_template_is_refused_naming_the_line_and_the_placeholder(
    db, text_body, line, named
):
    template = edited(text_body=text_body)
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    [message] = error.value.message_dict["text_body"]
    assert f"line {line}" in message.lower()
    assert named in message


@pytest.mark.parametrize(
    "source",
    [
        '{% include "../settings.py" %}',
        '{% include "backoffice/base.html" %}',
        '{% extends "backoffice/base.html" %}',
        "{% load static %}{% static 'x' %}",
        "{% debug %}",
        "{% url 'backoffice:home' %}",
        "{% csrf_token %}",
    ],
)
def test_include_extends_load_and_other_tags_are_refused_in_the_preview(admin_client, source):
    tag = source.split()[1]
    response = admin_client.post(PREVIEW, DEFAULTS[APPROVED] | {"text_body": source})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["text_body"]
    assert f"{{% {tag} %}} is not allowed" in form.errors["text_body"][0]
    saved = admin_client.post(EDIT, DEFAULTS[APPROVED] | {"text_body": source})
    assert saved.status_code == 200 and saved.context["form"].errors
    assert EmailTemplate.objects.get(kind=APPROVED).text_body == DEFAULTS[APPROVED]["text_body"]


def test_every_placeholder_offered_is_accepted(db):
    from certtrack.notifications.rendering import PLACEHOLDERS

    body = "\n".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
    check(edited(text_body=body, html_body=body))


# --- fallback at send -------------------------------------------------------------------


@pytest.fixture
def approval(admin, make_contact, make_program, travel):
    travel(DAY)
    contact = make_contact(first_name="Ana", last_name="Silva", email="ana@example.org")
    program = make_program(name="Safety Officer", require_approval=True)
    return services.apply(contact.pk, program.pk, admin)


def approved(smtp) -> list:
    """Emails to Ana other than the acknowledgement of her application."""
    return [m for m in smtp.inbox.to("ana@example.org") if "received your" not in m.subject]


def store_unchecked(kind: str, **fields) -> None:
    # What a template saved before validation existed (or by hand in the database) holds.
    EmailTemplate.objects.filter(kind=kind).update(**fields)


def test_a_stored_template_failing_at_send_falls_back_to_the_default_and_is_logged(
    smtp, approval, admin, worker, caplog
):
    store_unchecked(APPROVED, text_body="{% url 'no-such-page' %}", subject="{{ oops }")
    services.perform(approval.pk, "approve", admin)
    with caplog.at_level(logging.WARNING, logger="certtrack.notifications"):
        worker(DAY)
    [mail] = approved(smtp)
    assert mail.subject == "Your application to Safety Officer is approved"
    assert "Good news: your application to Safety Officer is approved" in mail.text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(APPROVED in r.getMessage() and "default" in r.getMessage() for r in warnings)


# --- plain values only ------------------------------------------------------------------


def test_placeholders_cannot_reach_passwords_tokens_or_other_contacts(
    smtp, approval, admin, admin_user, make_contact, worker
):
    other = make_contact(first_name="Bo", email="bo.secret@example.org")
    services.apply(other.pk, approval.program_id, admin)
    token = ApiToken.issue(admin_user, "probe")[0]
    reach = [
        "{{ history.user.password }}",
        "{{ enrollment.contact.email }}",
        "{{ program.enrollments.all }}",
        "{{ program.enrollment_set.all.1.contact.email }}",
        "{{ contact.enrollments.all.0.program.enrollments.all }}",
        "{{ contact.items }}",
        "{{ user.password }}{{ request.user.password }}{{ token.prefix }}",
    ]
    store_unchecked(APPROVED, text_body="Hello {{ contact.first_name }} " + " ".join(reach))
    services.perform(approval.pk, "approve", admin)
    worker(DAY)
    [mail] = approved(smtp)  # refused by the check at send: the shipped text went out
    assert mail.text.startswith("Hello Ana,")
    secrets = (admin_user.password, "bo.secret@example.org", token.prefix, "pbkdf2")
    for secret in secrets:
        assert secret not in mail.text and secret not in mail.html
    # Even Django's full template engine, unchecked, finds nothing to walk in the context.
    context = context_for(approval, DAY)
    walked = engines["django"].from_string(" ".join(reach)).render(dict(context))
    assert not any(secret in walked for secret in secrets), walked
    assert all(
        isinstance(value, str | int | date | bool | type(None)) or _plain_group(value)
        for value in context.values()
    ), context


def _plain_group(value) -> bool:
    from collections.abc import Mapping

    return isinstance(value, Mapping) and all(
        isinstance(v, str | int | date | bool | type(None)) for v in value.values()
    )


@pytest.mark.parametrize("kind", [kind.value for kind in TEMPLATE_KINDS])
def test_every_shipped_template_renders_the_same_text_as_before(
    db, admin, make_contact, make_program, kind, settings
):
    """Before: Django's engine over the model instances. Now: the plain context."""
    settings.BASE_URL = "https://certs.example.org"
    contact = make_contact(
        first_name="Ana", last_name="O'Brien", email="ana@example.org", organization="R&D Ltd"
    )
    program = make_program(name="Safety <Officer>", code="SO", validity_months=12)
    enrollment = services.record_existing(
        contact.pk, program.pk, DAY - timedelta(days=350), admin, now=at(DAY)
    )
    today = DAY
    before_context = {
        "contact": enrollment.contact,
        "program": enrollment.program,
        "enrollment": enrollment,
        "status": label(enrollment.status),
        "applied_on": enrollment.applied_on,
        "started_on": enrollment.started_on,
        "activated_on": enrollment.activated_on,
        "expires_on": enrollment.expires_on,
        "days_left": (enrollment.expires_on - today).days,
        "certificate_number": enrollment.certificate_number or "",
        "today": today,
        **links(enrollment.certificate_number),
    }

    def before(source: str, escape: bool) -> str:
        wrapped = source if escape else "{% autoescape off %}" + source + "{% endautoescape %}"
        return engines["django"].from_string(wrapped).render(before_context)

    now = render_email(kind, context_for(enrollment, today))
    shipped = DEFAULTS[kind]
    assert now.subject == " ".join(before(shipped["subject"], False).split())
    assert now.text == before(shipped["text_body"], False)
    assert now.html == before(shipped["html_body"], True)
    assert "Ana" in now.text + now.subject


def test_preview_and_check_raise_template_error_naming_the_field(db):
    with pytest.raises(TemplateError) as error:
        preview(edited(subject="{{ contact.password }}"))
    assert error.value.field == "subject"


def test_a_day_formatted_with_a_literal_format_is_remembered():
    """A pass sends thousands of emails about few days: the `date` filter with a template's
    literal format (a SafeString) formats each day once, and as Django does."""
    from django.template import Context
    from django.template.defaultfilters import date as django_date

    from certtrack.notifications import sandbox

    source = '{{ day|date:"j F Y" }} · {{ day|date }}'
    template = sandbox.compile(source, autoescape=True, placeholders=("day",))
    day = date(2028, 2, 29)
    sandbox._formatted_day.cache_clear()
    texts = {template.render(Context({"day": day})) for _ in range(3)}
    assert texts == {f"{django_date(day, 'j F Y')} · {django_date(day)}"}
    assert texts == {"29 February 2028 · 29 February 2028"}  # day first (certtrack/formats)
    info = sandbox._formatted_day.cache_info()
    assert (info.misses, info.hits) == (2, 4)
