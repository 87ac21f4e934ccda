"""Email templates and the outbox: one row per email the product owes someone."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .sandbox import TemplateError, check


class Kind(models.TextChoices):
    """The emails of PRODUCT.md §4, and the portal's sign-in link."""

    APPLICATION_RECEIVED = "application_received", "Application received"
    NEW_APPLICATION = "new_application", "New Certification Application"
    APPLICATION_APPROVED = "application_approved", "Application approved"
    APPLICATION_DECLINED = "application_declined", "Application declined"
    ADMIN_REVIEW_REQUIRED = "admin_review_required", "Admin Review Required"
    CERTIFICATION_EARNED = "certification_earned", "Certification earned"
    CERTIFICATION_EXPIRING = "certification_expiring", "Certification Expiring"
    CERTIFICATION_EXPIRED = "certification_expired", "Certification expired"
    SIGN_IN_LINK = "sign_in_link", "Sign-in link"
    # Issue 14: staff decisions with their reason, and renewal.
    COMPLETION_REJECTED = "completion_rejected", "Completion rejected"
    CERTIFICATION_SUSPENDED = "certification_suspended", "Certification suspended"
    CERTIFICATION_RENEWED = "certification_renewed", "Certification renewed"
    RENEWAL_REVIEW_REQUIRED = "renewal_review_required", "Renewal awaiting review"
    RENEWAL_REJECTED = "renewal_rejected", "Renewal rejected"
    ENROLLMENT_CANCELLED = "enrollment_cancelled", "Enrollment cancelled"
    RETURNED_FOR_MORE_WORK = "returned_for_more_work", "Returned for more work"
    # Issue 15: a step of a program's reminder schedule (its template is in `data`).
    REMINDER = "reminder", "Reminder"
    # Issue 16: to staff users, with a link to set their password.
    STAFF_INVITATION = "staff_invitation", "Staff invitation"
    PASSWORD_RESET = "password_reset", "Password reset"


# Kinds that go to the staff recipients of General Settings rather than to the contact.
STAFF_KINDS = {Kind.NEW_APPLICATION, Kind.ADMIN_REVIEW_REQUIRED, Kind.RENEWAL_REVIEW_REQUIRED}
# Kinds a staff decision can owe more than once in one period (suspend, reactivate, suspend
# again): the outbox's once-per-period key leaves them out; each is written once by the
# decision's own transaction, which the enrollment's row lock serialises.
REPEATABLE_KINDS = (
    Kind.COMPLETION_REJECTED,
    Kind.CERTIFICATION_SUSPENDED,
    Kind.RENEWAL_REVIEW_REQUIRED,
    Kind.RENEWAL_REJECTED,
    Kind.RETURNED_FOR_MORE_WORK,
)
# Kinds whose text is written when queued (kept in Email.body), not an editable template:
# a sign-in link's text carries the link itself, which exists nowhere else.
FIXED_TEXT_KINDS = {Kind.SIGN_IN_LINK, Kind.STAFF_INVITATION, Kind.PASSWORD_RESET}
# The kinds an administrator edits (Setup › Email templates).
TEMPLATE_KINDS = [kind for kind in Kind if kind not in FIXED_TEXT_KINDS and kind != Kind.REMINDER]
# The shipped templates a reminder step may use as they are (or start a new one from).
REMINDER_BASE_KINDS = (Kind.CERTIFICATION_EXPIRING, Kind.CERTIFICATION_EXPIRED)


class EmailTemplate(models.Model):
    """The editable text of one kind of email (Django template syntax)."""

    kind = models.CharField(
        max_length=40, choices=[(k.value, k.label) for k in TEMPLATE_KINDS], unique=True
    )
    subject = models.CharField(max_length=250)
    text_body = models.TextField("Plain-text body")
    html_body = models.TextField("HTML body", blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return Kind(self.kind).label

    def clean(self) -> None:
        try:
            check(self)
        except TemplateError as error:
            raise ValidationError({error.field: str(error)}) from None


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up after MAX_ATTEMPTS; staff must look
    CANCELLED = "cancelled", "Cancelled"  # no longer true at send time (e.g. renewed)


class Email(models.Model):
    """An outbox row, written in the transaction of the change that owes the email.

    Recipient and text are rendered at send time (current address, current template);
    `data` keeps the facts of the moment the email was owed. An email not about an
    enrollment (a sign-in link) names its contact instead, and carries its text in `body`;
    one to a staff user (an invitation, a password reset) names the user.
    """

    enrollment = models.ForeignKey(
        "certification.Enrollment",
        on_delete=models.CASCADE,
        related_name="emails",
        null=True,
        blank=True,
    )
    contact = models.ForeignKey(
        "certification.Contact",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text="For an email not about an enrollment: the contact it goes to.",
    )
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text="For an email to a staff user (invitation, password reset).",
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # The enrollment's reminder cycle: a new expires_on is a new cycle, a new reminder.
    cycle = models.PositiveIntegerField()
    # The enrollment's period when the email was owed: expiring/expired once per period.
    period = models.PositiveIntegerField(default=0)
    # The text of a FIXED_TEXT_KINDS email (a sign-in link: the only copy of the raw link).
    # Emptied once the email leaves the queue (sent, cancelled or failed).
    body = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    # A worker's lease: the claim token and until when it holds the row.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    recipient = models.TextField(blank=True, default="", help_text="As sent, comma-separated.")
    subject = models.CharField(max_length=250, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    # A reminder step's offset_days (kind "reminder" only).
    step = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One row per period and expiry cycle (`cycle`, which a staff extension bumps
            # to void what was queued for the old date; one already *sent* in the period is
            # not queued again: `outbox.once_per_period`); repeatable decisions left out.
            models.UniqueConstraint(
                fields=["enrollment", "kind", "period", "cycle"],
                condition=~Q(kind__in=[k.value for k in (*REPEATABLE_KINDS, Kind.REMINDER)]),
                name="email_once_per_period",
            ),
            # Each reminder step once per period (and expiry cycle), however many workers.
            models.UniqueConstraint(
                fields=["enrollment", "period", "cycle", "step"],
                condition=Q(kind="reminder"),
                name="email_reminder_step_once",
            ),
            models.CheckConstraint(
                condition=Q(enrollment__isnull=False)
                | Q(contact__isnull=False)
                | Q(user__isnull=False),
                name="email_about_someone",
            ),
        ]
        indexes = [
            # The delivery pass reads only this: its cost follows what is due. In the
            # claim's order, so a claim reads its batch and stops (not every due row).
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="queued"),
                name="email_due_order_idx",
            ),
            models.Index(fields=["status", "created_at"], name="email_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{Kind(self.kind).label}, {self.about} ({self.status})"

    @property
    def about(self) -> str:
        """Whom the email is about, for logs: "enrollment 12" or "contact 7"."""
        if self.enrollment_id is not None:
            return f"enrollment {self.enrollment_id}"
        if self.user_id is not None:
            return f"staff user {self.user_id}"
        return f"contact {self.contact_id}"


class ReminderTemplate(models.Model):
    """An email template staff made for reminder steps, starting from a shipped one.

    Why a table: the shipped templates are one per kind (EmailTemplate); a schedule needs
    several texts of the same kind ("Certification Expiring — 30 days", "— 7 days").
    Read by rendering.reminder_template when a step's email is sent or previewed.
    """

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    based_on = models.CharField(
        max_length=40, choices=[(k.value, k.label) for k in REMINDER_BASE_KINDS]
    )
    subject = models.CharField(max_length=250)
    text_body = models.TextField("Plain-text body")
    html_body = models.TextField("HTML body", blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        return self.based_on

    def clean(self) -> None:
        try:
            check(self)
        except TemplateError as error:
            raise ValidationError({error.field: str(error)}) from None


class ReminderOptOut(models.Model):
    """A member turned off the optional reminder steps of one enrollment (portal).

    Why a table: few rows (only those who opted out); read by the reminder query as an
    anti-join on the enrollment, so mandatory steps are still sent.
    """

    enrollment = models.OneToOneField(
        "certification.Enrollment", on_delete=models.CASCADE, related_name="reminder_opt_out"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"optional reminders off for enrollment {self.enrollment_id}"
