"""Turn a stored template and the facts of an enrollment into a subject and two bodies."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType, SimpleNamespace

from django.conf import settings
from django.template import Context

from certtrack import clock

from .defaults import DEFAULTS
from .models import EmailTemplate, Kind, ReminderTemplate

# PLACEHOLDERS and TemplateError are re-exported: the editors read them from here.
from .sandbox import PLACEHOLDERS, TemplateError, check, compile_field  # noqa: F401

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def template_for(kind: str) -> EmailTemplate:
    """The stored template of `kind`, created from the shipped default on first use."""
    template = EmailTemplate.objects.filter(kind=kind).first()
    if template is None:
        template, _ = EmailTemplate.objects.get_or_create(kind=kind, defaults=DEFAULTS[kind])
    return template


def reminder_template(key: str) -> EmailTemplate | ReminderTemplate:
    """A reminder step's template: one staff made, or a shipped one (its kind as key).

    A key that no longer exists sends the shipped Certification Expiring text.
    """
    if key in DEFAULTS:
        return template_for(key)
    made = ReminderTemplate.objects.filter(key=key).first()
    return made or template_for(Kind.CERTIFICATION_EXPIRING)


def recipients_for(kind: str, enrollment, general) -> list[str]:
    """Who receives an email of `kind` about `enrollment`, as General Settings say now."""
    if kind == Kind.NEW_APPLICATION:
        return list(general.application_recipients or [])
    if kind in (Kind.ADMIN_REVIEW_REQUIRED, Kind.RENEWAL_REVIEW_REQUIRED):
        return list(general.admin_review_recipients or [])
    return [enrollment.contact.email]


def render(template: EmailTemplate, context: dict) -> Rendered:
    """Render one template with `context` (plain values: see `context_for`)."""
    subject = compile_field(template.subject, "subject", False).render(Context(context))
    # A header line: no line breaks, whatever the placeholders held.
    subject = " ".join(subject.split())
    text = compile_field(template.text_body, "text_body", False).render(Context(context))
    html = (
        compile_field(template.html_body, "html_body", True).render(Context(context))
        if template.html_body
        else ""
    )
    # Plain str, not SafeString: a page that shows a preview must escape it (the HTML
    # body belongs in a sandboxed iframe's srcdoc).
    return Rendered(str.__str__(subject), str.__str__(text), str.__str__(html))


def render_or_default(template: EmailTemplate, context: dict) -> Rendered:
    """Render `template`; if it fails (a template stored before it was checked, or one
    that fails only with these facts), the email goes out with the shipped default text."""
    try:
        return render(template, context)
    except Exception as error:  # noqa: BLE001 - any failure of an editor's template
        log.warning(
            "email template %s cannot be rendered (%s: %s); sent with the shipped default",
            template.kind,
            type(error).__name__,
            error,
        )
        return render(EmailTemplate(kind=template.kind, **DEFAULTS[template.kind]), context)


def render_email(kind: str, context: dict) -> Rendered:
    """Render the current template of `kind` (see `context_for` for the placeholders)."""
    return render_or_default(template_for(kind), context)


def links(certificate_number: str | None) -> dict:
    base = settings.BASE_URL
    return {
        "portal_url": f"{base}/portal/",
        "certificate_url": f"{base}/portal/",
        "verification_url": f"{base}/verify/{certificate_number}" if certificate_number else "",
        "staff_url": f"{base}/staff/",
    }


def _contact(contact) -> MappingProxyType:
    return MappingProxyType(
        {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "full_name": contact.full_name,
            "email": contact.email,
            "organization": contact.organization,
        }
    )


def _program(program) -> MappingProxyType:
    return MappingProxyType(
        {
            "name": program.name,
            "code": program.code,
            "version": program.version,
            "category": program.category,
            "require_approval": program.require_approval,
        }
    )


def from_data(enrollment, data: dict) -> dict:
    """The placeholders an outbox row's `data` (the facts of the moment it was owed) fills:
    reason, component, completion date, period (with that period's certificate link)."""
    out: dict = {"reason": str(data.get("reason") or "")}
    if component := data.get("component"):
        out["component"] = MappingProxyType({"name": str(component)})
    if completed_on := data.get("completed_on"):
        out["completed_on"] = date.fromisoformat(completed_on)
    if period := data.get("period"):
        out["period"] = int(period)
        out["certificate_url"] = (
            f"{settings.BASE_URL}/portal/enrollments/{enrollment.pk}/certificate.pdf"
            f"?period={int(period)}"
        )
    return out


def context_for(enrollment, today: date, data: dict | None = None) -> dict:
    """The placeholders of an email about `enrollment` (contact and program loaded).

    Plain values only (strings, dates, numbers, read-only groups of them), never a model
    instance: a template must not walk from the contact to other rows (passwords, tokens,
    other contacts' addresses)."""
    from certtrack.certification.statuses import label

    expires_on = enrollment.expires_on
    return {
        "contact": _contact(enrollment.contact),
        "program": _program(enrollment.program),
        "status": label(enrollment.status),
        "applied_on": enrollment.applied_on,
        "started_on": enrollment.started_on,
        "activated_on": enrollment.activated_on,
        "expires_on": expires_on,
        "days_left": (expires_on - today).days if expires_on else None,
        "certificate_number": enrollment.certificate_number or "",
        "today": today,
        "reason": "",
        "period": enrollment.period_number or None,
        **links(enrollment.certificate_number),
        **(data or {}),
    }


def sample_context(today: date | None = None) -> dict:
    """Made-up facts for previews: every placeholder filled."""
    today = today or clock.now().date()
    contact = SimpleNamespace(
        first_name="Jordan",
        last_name="Rivera",
        full_name="Jordan Rivera",
        email="jordan.rivera@example.org",
        organization="Example Health",
    )
    program = SimpleNamespace(
        name="Certified Safety Professional",
        code="CSP",
        version="2025",
        category="Safety",
        require_approval=True,
    )
    expires_on = today + timedelta(days=30)
    number = "CT-7K3D-9QXM-2VHA"
    return {
        "contact": _contact(contact),
        "program": _program(program),
        "status": "Active",
        "applied_on": today - timedelta(days=400),
        "started_on": today - timedelta(days=398),
        "activated_on": today - timedelta(days=335),
        "expires_on": expires_on,
        "days_left": 30,
        "certificate_number": number,
        "today": today,
        **links(number),
        "reason": "The evidence file could not be read; please upload it again.",
        "component": MappingProxyType({"name": "Annual safety refresher"}),
        "completed_on": today - timedelta(days=3),
        "period": 2,
    }


def preview(template: EmailTemplate, context: dict | None = None) -> Rendered:
    """Render `template` (saved or not) with sample facts, for the editor's live preview."""
    check(template)
    return render(template, context or sample_context())
