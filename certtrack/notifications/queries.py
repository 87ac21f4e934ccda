"""Reads for the faces: which emails an enrollment was sent, which are queued or failed."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from certtrack import clock
from certtrack.certification.models import Enrollment, GeneralSettings

from .models import Email, EmailStatus, Kind
from .rendering import context_for, recipients_for, render_email


@dataclass(frozen=True)
class EmailRecord:
    id: int
    kind: str
    kind_label: str
    recipient: str
    subject: str
    status: str  # queued, sent, failed or cancelled
    created: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str
    next_attempt_at: datetime | None


def emails_for(enrollment_id: int) -> list[EmailRecord]:
    """Every email of one enrollment, oldest first (for "emails sent" on its page).

    Sent emails show what went out; queued ones show what would go out now.
    """
    emails = list(Email.objects.filter(enrollment_id=enrollment_id).order_by("created_at", "id"))
    if not emails:
        return []
    enrollment = Enrollment.objects.select_related("contact", "program").get(pk=enrollment_id)
    general = GeneralSettings.get()
    today = general.today(clock.now())
    records = []
    for email in emails:
        recipient, subject = email.recipient, email.subject
        if email.status != EmailStatus.SENT:
            to = recipients_for(email.kind, enrollment, general)
            recipient = recipient or ", ".join(to)
            if not subject:
                try:
                    subject = render_email(email.kind, context_for(enrollment, today)).subject
                except Exception:  # a broken template must not break the page that shows it
                    subject = Kind(email.kind).label
        records.append(
            EmailRecord(
                id=email.pk,
                kind=email.kind,
                kind_label=Kind(email.kind).label,
                recipient=recipient,
                subject=subject,
                status=email.status,
                created=email.created_at,
                sent_at=email.sent_at,
                attempts=email.attempts,
                last_error=email.last_error,
                next_attempt_at=email.next_attempt_at
                if email.status == EmailStatus.QUEUED
                else None,
            )
        )
    return records


def failed_emails() -> QuerySet[Email]:
    """Emails given up on after every retry: staff must fix an address or the server."""
    return (
        Email.objects.filter(status=EmailStatus.FAILED)
        .select_related("enrollment__contact", "enrollment__program")
        .order_by("-created_at", "-id")
    )


def queued_count() -> int:
    """Emails waiting to go out (including those waiting out a retry delay)."""
    return Email.objects.filter(status=EmailStatus.QUEUED).count()
