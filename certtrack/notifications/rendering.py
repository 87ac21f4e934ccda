"""Turn a stored template and the facts of an enrollment into a subject and two bodies."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.template import TemplateSyntaxError, engines

from certtrack import clock

from .defaults import DEFAULTS
from .models import EmailTemplate, Kind


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class TemplateError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# What an editor may write, shown next to the template (context_for fills each one).
PLACEHOLDERS = (
    "contact.first_name",
    "contact.last_name",
    "contact.full_name",
    "contact.email",
    "contact.organization",
    "program.name",
    "program.code",
    "status",
    "applied_on",
    "activated_on",
    "expires_on",
    "days_left",
    "certificate_number",
    "certificate_url",
    "verification_url",
    "portal_url",
    "staff_url",
)


def template_for(kind: str) -> EmailTemplate:
    """The stored template of `kind`, created from the shipped default on first use."""
    template = EmailTemplate.objects.filter(kind=kind).first()
    if template is None:
        template, _ = EmailTemplate.objects.get_or_create(kind=kind, defaults=DEFAULTS[kind])
    return template


def recipients_for(kind: str, enrollment, general) -> list[str]:
    """Who receives an email of `kind` about `enrollment`, as General Settings say now."""
    if kind == Kind.NEW_APPLICATION:
        return list(general.application_recipients or [])
    if kind == Kind.ADMIN_REVIEW_REQUIRED:
        return list(general.admin_review_recipients or [])
    return [enrollment.contact.email]


@lru_cache(maxsize=128)
def _compile(source: str, field: str, autoescape: bool):
    # Compiled once per distinct source (a pass sends thousands of the same kinds);
    # an edited template is a new source, so it is compiled afresh.
    # Plain text and subjects must not be HTML-escaped ("O'Brien", "R&D").
    wrapped = source if autoescape else "{% autoescape off %}" + source + "{% endautoescape %}"
    try:
        return engines["django"].from_string(wrapped)
    except TemplateSyntaxError as error:
        raise TemplateError(field, f"Template error: {error}") from None


def check(template: EmailTemplate) -> None:
    """Raise TemplateError naming the field whose template syntax is broken."""
    _compile(template.subject, "subject", False)
    _compile(template.text_body, "text_body", False)
    _compile(template.html_body or "", "html_body", True)


def render(template: EmailTemplate, context: dict) -> Rendered:
    """Render one template with `context`."""
    subject = _compile(template.subject, "subject", False).render(context)
    # A header line: no line breaks, whatever the placeholders held.
    subject = " ".join(subject.split())
    text = _compile(template.text_body, "text_body", False).render(context)
    html = (
        _compile(template.html_body, "html_body", True).render(context)
        if template.html_body
        else ""
    )
    # Plain str, not SafeString: a page that shows a preview must escape it (the HTML
    # body belongs in a sandboxed iframe's srcdoc).
    return Rendered(str.__str__(subject), str.__str__(text), str.__str__(html))


def render_email(kind: str, context: dict) -> Rendered:
    """Render the current template of `kind` (see `context_for` for the placeholders)."""
    return render(template_for(kind), context)


def links(certificate_number: str | None) -> dict:
    base = settings.BASE_URL
    return {
        "portal_url": f"{base}/portal/",
        "certificate_url": f"{base}/portal/",
        "verification_url": f"{base}/verify/{certificate_number}" if certificate_number else "",
        "staff_url": f"{base}/staff/",
    }


def context_for(enrollment, today: date, data: dict | None = None) -> dict:
    """The placeholders of an email about `enrollment` (contact and program loaded)."""
    from certtrack.certification.statuses import label

    data = data or {}
    expires_on = enrollment.expires_on
    return {
        "contact": enrollment.contact,
        "program": enrollment.program,
        "enrollment": enrollment,
        "status": label(enrollment.status),
        "applied_on": enrollment.applied_on,
        "started_on": enrollment.started_on,
        "activated_on": enrollment.activated_on,
        "expires_on": expires_on,
        "days_left": (expires_on - today).days if expires_on else None,
        "certificate_number": enrollment.certificate_number or "",
        "today": today,
        **links(enrollment.certificate_number),
        **data,
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
        "contact": contact,
        "program": program,
        "status": "Active",
        "applied_on": today - timedelta(days=400),
        "started_on": today - timedelta(days=398),
        "activated_on": today - timedelta(days=335),
        "expires_on": expires_on,
        "days_left": 30,
        "certificate_number": number,
        "today": today,
        **links(number),
    }


def preview(template: EmailTemplate, context: dict | None = None) -> Rendered:
    """Render `template` (saved or not) with sample facts, for the editor's live preview."""
    check(template)
    return render(template, context or sample_context())
