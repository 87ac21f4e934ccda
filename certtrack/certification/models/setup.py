"""What staff set up — PRODUCT.md §2: Contact, Component, Certification program (its
components and reminder steps) and General settings."""

from datetime import date
from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from ..dates import AsOf
from ..search import KEYS, NAME_ORDER, SEARCHED, ContactQuerySet, set_keys
from .loading import LoadedFast


def validate_local_part(email: str) -> None:
    """At most 64 characters before the @ (RFC 5321): no mail server takes a longer one, so
    the address would take no email. Contacts and staff users alike."""
    if len(email.rpartition("@")[0]) > 64:
        raise ValidationError(
            "The part before @ is longer than 64 characters: no mail server takes it.",
            code="local_part",
        )


class Contact(LoadedFast, models.Model):
    """A member or candidate. Never deleted while it has records; archived instead."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, validators=[validate_local_part])
    organization = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The four searched fields folded (certification.search), kept by `save` and the
    # contacts' bulk writes; `q=` reads it through a trigram index (migration 0019).
    search_key = models.TextField(default="", editable=False)
    # The names folded (text: folding may lengthen, "ß" → "ss"): lists by name sort by
    # these (certification.search, migration 0020).
    sort_last_name = models.TextField(default="", editable=False)
    sort_first_name = models.TextField(default="", editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="contact_email_ci_unique")]
        indexes = [
            models.Index(fields=[*NAME_ORDER, "id"], name="contact_sort_name_idx"),
        ]
        ordering = [*NAME_ORDER, "id"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        # The search and sort keys follow the searched fields (certification.search).
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & set(SEARCHED):
            set_keys(self)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *KEYS}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ComponentKind(models.TextChoices):
    COURSE = "course", "Course"
    EXAM = "exam", "Exam"
    TASK = "task", "Task"
    EVENT = "event", "Event"


class Scoring(models.TextChoices):
    PASS_FAIL = "pass_fail", "Pass / fail"
    SCORED = "scored", "Scored"


def _not_negative(obj, *names: str) -> None:
    """Raise a ValidationError on each of `names` holding a number below zero."""
    errors = {
        name: f"{obj._meta.get_field(name).verbose_name.capitalize()} cannot be negative."
        for name in names
        if getattr(obj, name) is not None and getattr(obj, name) < 0
    }
    if errors:
        raise ValidationError(errors)


class Component(models.Model):
    """A unit of required work: a course, exam, task or event."""

    kind = models.CharField(max_length=10, choices=ComponentKind.choices)
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=50, unique=True)
    description = models.TextField(blank=True, default="")
    credits_earned = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    hours_earned = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    requires_approval = models.BooleanField(
        default=False, help_text="A completion counts only once staff approve it."
    )
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by"
    )
    scoring = models.CharField(max_length=10, choices=Scoring.choices, blank=True, default="")
    max_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    passing_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credits_earned__gte=0) & Q(hours_earned__gte=0),
                name="component_earned_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        # Before the check constraint: a message naming the field, not the constraint.
        _not_negative(self, "credits_earned", "hours_earned", "max_score", "passing_score")
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "The closing date is before the opening date."})
        if self.kind != ComponentKind.EXAM and self.scoring:
            raise ValidationError({"scoring": "Only exams have a scoring."})
        if self.scoring == Scoring.SCORED:
            if self.max_score is None or self.passing_score is None:
                raise ValidationError(
                    {"passing_score": "A scored exam needs a maximum and a passing score."}
                )
            if self.passing_score > self.max_score:
                raise ValidationError(
                    {"passing_score": "The passing score exceeds the maximum score."}
                )

    def passes(self, score: Decimal | None) -> bool:
        """Whether an attempt with `score` completes this component."""
        if self.scoring == Scoring.SCORED:
            return score is not None and score >= self.passing_score
        return True


class CertificateTemplate(models.TextChoices):
    CLASSIC = "classic", "Classic"
    MODERN = "modern", "Modern"


class RenewalBase(models.TextChoices):
    PREVIOUS_EXPIRY = "previous_expiry", "The previous expiration date"
    RENEWAL_DATE = "renewal_date", "The day the renewal is granted"


class RenewalRequirements(models.TextChoices):
    REPEAT = "repeat", "Repeat the requirements"
    CREDITS = "credits", "Credits and hours"


# A program's spans, bounded so that every date they make stays in the calendar (and
# before `dates.LATEST`): a typo of 99999 months was a 500 (year 10359), a staff trial.
MAX_MONTHS = 1200  # 100 years
MAX_DAYS = 3650  # 10 years


class Program(LoadedFast, models.Model):
    """A certification program: components, approval rules and validity."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=50, unique=True)
    version = models.CharField(max_length=20, blank=True, default="")
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    require_approval = models.BooleanField(
        default=False, help_text="Applications wait in Applied until staff approve them."
    )
    completion_requires_approval = models.BooleanField(
        default=False, help_text="Finished work waits in Admin Review until staff approve it."
    )
    validity_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_MONTHS)],
        help_text="Empty: the certification never expires.",
    )
    credits_required = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    hours_required = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    completion_recency_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_MONTHS)],
        help_text="Work older than this many months (before the day it is counted) does not "
        "count. Empty: no limit.",
    )
    renewal_window_days = models.PositiveIntegerField(
        default=90,
        validators=[MaxValueValidator(MAX_DAYS)],
        help_text="How many days before the expiration date a holder can renew. "
        "0: no renewal (the certification expires and the contact applies again).",
    )
    renewal_grace_days = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_DAYS)],
        help_text="How many days after the expiration date a renewal is still accepted.",
    )
    renewal_base = models.CharField(
        max_length=20,
        choices=RenewalBase.choices,
        default=RenewalBase.PREVIOUS_EXPIRY,
        help_text="Where the new period starts: at the old expiration date (renewing early "
        "loses no time) or on the day the renewal is granted.",
    )
    renewal_requirements = models.CharField(
        max_length=10,
        choices=RenewalRequirements.choices,
        default=RenewalRequirements.REPEAT,
        help_text="What a renewal needs: the same work again, or credits/hours from any of "
        "the program's components plus the components marked required for renewal.",
    )
    renewal_credits_required = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Credits a renewal needs (only when renewing by credits and hours).",
    )
    renewal_hours_required = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Hours a renewal needs (only when renewing by credits and hours).",
    )
    is_active = models.BooleanField(default=True)
    certificate_template = models.CharField(
        max_length=20,
        choices=CertificateTemplate.choices,
        blank=True,
        default="",
        help_text="Empty: the General Settings' default.",
    )
    components = models.ManyToManyField(
        Component, through="ProgramComponent", related_name="programs"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="program_validity_positive",
            ),
            models.CheckConstraint(
                condition=Q(completion_recency_months__isnull=True)
                | Q(completion_recency_months__gte=1),
                name="program_recency_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        _not_negative(self, "credits_required", "hours_required")
        if self.completion_recency_months is not None and self.completion_recency_months < 1:
            raise ValidationError(
                {
                    "completion_recency_months": "completion_recency_months must be 1 or more "
                    "(empty: no limit)."
                }
            )
        for name in ("renewal_credits_required", "renewal_hours_required"):
            value = getattr(self, name)
            if value is None:
                continue
            if value < 0:
                raise ValidationError({name: f"{name} cannot be negative."})
            if self.renewal_requirements != RenewalRequirements.CREDITS:
                raise ValidationError(
                    {name: f"{name} applies only when renewal_requirements is 'credits'."}
                )


class ReminderStep(models.Model):
    """One step of a program's reminder schedule — PRODUCT.md §4 "Reminder schedule".

    Why a table: a program's steps, read once per worker pass and per preview
    (certification.reminders); the enrollments each step is owed to are found on the
    Enrollment (status, expires_on, id) index, one range per step.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reminder_steps")
    # Days relative to expires_on: negative before, positive after (0: on the day).
    offset_days = models.IntegerField()
    # A template key: a shipped kind (certification_expiring / _expired) or a
    # notifications.ReminderTemplate key.
    template = models.CharField(max_length=60)
    # The legally required notice: a member cannot turn it off on the portal.
    mandatory = models.BooleanField(default=False)

    class Meta:
        ordering = ["program", "offset_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "offset_days"], name="reminder_step_once_per_offset"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offset_days:+d} days: {self.template}"


class ProgramComponent(models.Model):
    """A component's place in a program: required or elective."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="links")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="links")
    required = models.BooleanField(default=True)
    # With renewal_requirements = credits: this component must be done again to renew.
    required_for_renewal = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "component"], name="program_component_unique"
            )
        ]
        ordering = ["-required", "component__name", "id"]

    def __str__(self) -> str:
        kind = "required" if self.required else "elective"
        return f"{self.component_id} in {self.program_id} ({kind})"


def _time_zone_choices():
    return [(tz, tz) for tz in sorted(available_timezones())]


class GeneralSettings(models.Model):
    """Setup > Certification > General Settings (one row)."""

    expiring_notice_days = models.PositiveIntegerField(
        "Send 'Certification Expiring' Emails n Days Before Expiration",
        default=30,
        help_text="0: no Expiring status and no expiring emails.",
    )
    time_zone = models.CharField("Organization time zone", max_length=64, default="UTC")
    application_recipients = models.JSONField(
        "Send 'New Certification Application' emails to", default=list, blank=True
    )
    admin_review_recipients = models.JSONField(
        "Send 'Admin Review Required' emails to", default=list, blank=True
    )
    default_certificate_template = models.CharField(
        max_length=20, choices=CertificateTemplate.choices, default=CertificateTemplate.CLASSIC
    )
    default_program = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="Default program for new components",
    )
    enroll_attendees_to_all_relevant = models.BooleanField(
        "Enroll attendees to all relevant certifications", default=False
    )
    # Branding (PRODUCT.md §9): on certificates, the verification page, emails, the portal
    # and the OB 3.0 issuer profile. Images are checked by certtrack.credentials.branding.
    organization_name = models.CharField(max_length=200, blank=True, default="")
    logo = models.FileField(upload_to="branding/", blank=True, default="")
    signatory_name = models.CharField(max_length=200, blank=True, default="")
    signatory_title = models.CharField(max_length=200, blank=True, default="")
    signature = models.FileField("Signature image", upload_to="branding/", blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "general settings"

    def __str__(self) -> str:
        return "General Settings"

    @classmethod
    def get(cls) -> "GeneralSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def as_of(self, moment) -> AsOf:
        return AsOf.at(moment, self.time_zone, self.expiring_notice_days)

    def today(self, moment) -> date:
        return self.as_of(moment).today
