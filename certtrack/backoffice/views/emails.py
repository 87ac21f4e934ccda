"""Setup › Email templates: the text of every email, edited with a live preview."""

from csp.decorators import csp_update
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from certtrack.certification import audit
from certtrack.certification.models import AuditObject, GeneralSettings
from certtrack.notifications.defaults import DEFAULTS
from certtrack.notifications.editing import save_template
from certtrack.notifications.models import (
    STAFF_KINDS,
    TEMPLATE_KINDS,
    EmailTemplate,
    Kind,
    ReminderTemplate,
)
from certtrack.notifications.rendering import PLACEHOLDERS, Rendered, preview, template_for

from ..access import administrator_required
from ..forms import EMAIL_TEMPLATE_FIELDS as FIELDS
from ..forms import EmailTemplateForm
from .common import actor_of

# Who receives each kind, and when it is owed (docs/notifications.md).
AUDIENCE = {
    Kind.NEW_APPLICATION: "Staff: General Settings › New Certification Application recipients",
    Kind.ADMIN_REVIEW_REQUIRED: "Staff: General Settings › Admin Review Required recipients",
    Kind.RENEWAL_REVIEW_REQUIRED: "Staff: General Settings › Admin Review Required recipients",
}
OWED_WHEN = {
    Kind.APPLICATION_RECEIVED: "The contact applies to a program.",
    Kind.NEW_APPLICATION: "An application waits for approval.",
    Kind.APPLICATION_APPROVED: "Staff approve an application.",
    Kind.APPLICATION_DECLINED: "Staff decline an application.",
    Kind.ADMIN_REVIEW_REQUIRED: "Requirements are met in a program that needs a final review.",
    Kind.CERTIFICATION_EARNED: "The certification becomes Active.",
    Kind.CERTIFICATION_EXPIRING: "The notice days before expiry (General Settings).",
    Kind.CERTIFICATION_EXPIRED: "The certification expires.",
    Kind.COMPLETION_REJECTED: "Staff reject a completion (with the reason).",
    Kind.CERTIFICATION_SUSPENDED: "Staff suspend a certification (with the reason).",
    Kind.CERTIFICATION_RENEWED: "A renewal is granted: a new period begins.",
    Kind.RENEWAL_REVIEW_REQUIRED: "Renewal requirements are met in a program that needs a review.",
    Kind.RENEWAL_REJECTED: "Staff reject a renewal (with the reason).",
    Kind.ENROLLMENT_CANCELLED: "Staff cancel an enrollment (with the reason).",
    Kind.RETURNED_FOR_MORE_WORK: "Staff return work in Admin Review (with the reason).",
}


def audience(kind: str) -> str:
    """Who receives an email of `kind`."""
    return AUDIENCE[kind] if kind in STAFF_KINDS else "The contact"


def _kind_or_404(kind: str) -> str:
    if kind not in TEMPLATE_KINDS:  # a sign-in link's text is fixed (docs/notifications.md)
        raise Http404("No such email.")
    return kind


@administrator_required
@require_GET
def email_templates(request: HttpRequest) -> HttpResponse:
    # Kinds never edited are shown from the shipped defaults (without writing on a GET).
    stored = {t.kind: t for t in EmailTemplate.objects.all()}
    rows = []
    for kind in TEMPLATE_KINDS:
        template = stored.get(kind.value)
        subject = template.subject if template else DEFAULTS[kind]["subject"]
        customized = template is not None and any(
            getattr(template, name) != DEFAULTS[kind][name] for name in FIELDS
        )
        rows.append(
            {
                "kind": kind.value,
                "name": kind.label,
                "audience": audience(kind),
                "when": OWED_WHEN[kind],
                "subject": subject,
                "customized": customized,
                "updated_at": template.updated_at if customized else None,
            }
        )
    return render(
        request,
        "backoffice/email_templates.html",
        {"rows": rows, "reminder_templates": ReminderTemplate.objects.all()},
    )


# The HTML preview's sandboxed srcdoc frame inherits this page's policy; emails carry
# inline styles. Styles only: scripts stay 'self' (and the sandbox runs none anyway).
@csp_update({"style-src": ["'unsafe-inline'"]})
@administrator_required
def email_template(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind_or_404(kind)
    template = template_for(kind)
    restoring = request.method == "GET" and "restore" in request.GET
    if request.method == "POST":
        form = EmailTemplateForm(request.POST, instance=template)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in FIELDS}
            save_template(template, actor_of(request), **fields)
            messages.success(request, f"Email template “{Kind(kind).label}” saved.")
            return redirect("backoffice:email_template", kind=kind)
    elif restoring:
        # The shipped text, shown in the editor: nothing changes until it is saved.
        form = EmailTemplateForm(initial=DEFAULTS[kind], instance=template)
    else:
        form = EmailTemplateForm(instance=template)
    shown = form.rendered if form.is_bound else _preview_of_initial(form, template)
    return render(
        request,
        "backoffice/email_template.html",
        {
            "form": form,
            "kind": kind,
            "name": Kind(kind).label,
            "audience": audience(kind),
            "when": OWED_WHEN[kind],
            "placeholders": PLACEHOLDERS,
            "restoring": restoring,
            "rendered": shown,
            "history": audit.of(AuditObject.EMAIL_TEMPLATE, template.pk),
            "tz": GeneralSettings.get().time_zone,
        },
    )


def _preview_of_initial(form: EmailTemplateForm, template: EmailTemplate) -> Rendered | None:
    unsaved = EmailTemplate(kind=template.kind, **{n: form[n].value() or "" for n in FIELDS})
    try:
        return preview(unsaved)
    except Exception:  # noqa: BLE001 - a stored template that no longer renders
        return None


@administrator_required
@require_POST
def email_template_preview(request: HttpRequest, kind: str) -> HttpResponse:
    """The live preview of the unsaved form values (htmx); errors go next to their fields."""
    kind = _kind_or_404(kind)
    # An unsaved copy: the preview never touches the stored template.
    form = EmailTemplateForm(request.POST, instance=EmailTemplate(kind=kind))
    form.is_valid()
    return render(
        request,
        "backoffice/_email_preview.html",
        {"form": form, "rendered": form.rendered, "oob": True},
    )
