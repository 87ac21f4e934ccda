"""Setup › Email templates: saving an edited template, with its History (PRODUCT.md §9)."""

from datetime import datetime

from django.db import transaction

from certtrack import clock
from certtrack.certification import audit
from certtrack.certification.actors import Actor
from certtrack.certification.models import AuditObject

from .models import EmailTemplate, Kind

EDITABLE = ("subject", "text_body", "html_body")


@transaction.atomic
def save_template(
    template: EmailTemplate, actor: Actor, now: datetime | None = None, **fields
) -> EmailTemplate:
    """Store `fields` (already checked by the template's clean()) on `template`; the
    history records each changed field, old → new."""
    now = now or clock.now()
    current = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    changes = {
        name: [getattr(current, name), value]
        for name, value in fields.items()
        if name in EDITABLE and _text(getattr(current, name)) != _text(value)
    }
    if not changes:
        return current
    for name, (_, value) in changes.items():
        setattr(current, name, value)
    current.save()
    audit.record(
        actor,
        now,
        AuditObject.EMAIL_TEMPLATE,
        current.pk,
        Kind(current.kind).label,
        "update_email_template",
        changes,
    )
    return current


def _text(value: str) -> str:
    # A form posts CRLF line ends and loses the trailing newline: not a change of text.
    return (value or "").replace("\r\n", "\n").strip()
