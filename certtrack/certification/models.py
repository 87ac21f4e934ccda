"""The certification domain's objects — PRODUCT.md §2."""

from datetime import date
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Lower

from .dates import AsOf
from .search import ContactQuerySet, contact_q
from .statuses import CERTIFIED, OPEN, Status


class Contact(models.Model):
    """A member or candidate. Never deleted while it has records; archived instead."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    organization = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="contact_email_ci_unique")]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
        ]
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

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


class Program(models.Model):
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
        null=True, blank=True, help_text="Empty: the certification never expires."
    )
    credits_required = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    hours_required = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    completion_recency_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Work older than this many months (before the day it is counted) does not "
        "count. Empty: no limit.",
    )
    renewal_window_days = models.PositiveIntegerField(
        default=90,
        help_text="How many days before the expiration date a holder can renew. "
        "0: no renewal (the certification expires and the contact applies again).",
    )
    renewal_grace_days = models.PositiveIntegerField(
        default=0,
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


class CompletionState(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class CompletionSource(models.TextChoices):
    STAFF = "staff", "Staff"
    SELF_REPORT = "self_report", "Contact self-report"
    IMPORT = "import", "Import"
    API = "api", "API"


class CompletionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(removed_at__isnull=True)

    def counting(self):
        """Completions that count toward requirements: approved, passed, not removed."""
        return self.live().filter(state=CompletionState.APPROVED, passed=True)


class Completion(models.Model):
    """A contact completed a component on a date. Belongs to the contact, not an enrollment."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="completions")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(default=True)
    note = models.TextField(blank=True, default="")
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True, default="")
    evidence_name = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(
        max_length=20, choices=CompletionSource.choices, default=CompletionSource.STAFF
    )
    state = models.CharField(
        max_length=10, choices=CompletionState.choices, default=CompletionState.APPROVED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = CompletionQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["contact", "component"], name="completion_contact_comp_idx"),
            models.Index(
                fields=["state"],
                name="completion_pending_idx",
                condition=Q(state="pending", removed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component.code} by {self.contact_id} on {self.completed_on}"


class EnrollmentQuerySet(models.QuerySet):
    """The "true now" reads: every filter and count uses the status that holds today."""

    def in_status(self, statuses, as_of: AsOf):
        q = Q(pk__in=[])
        for status in statuses:
            q |= as_of.status_q(status)
        return self.filter(q)

    def open(self):
        return self.filter(status__in=sorted(OPEN))

    def with_current_status(self, as_of: AsOf):
        """Annotate `current_status`, the status true on `as_of.today`."""
        return self.annotate(current_status=_current_status_expr(as_of))

    def status_counts(self, as_of: AsOf) -> dict[str, int]:
        """How many rows are in each of the ten statuses today, in one query.

        Grouped by the status true today (one CASE per row), not ten filtered counts
        (ten predicates per row): at a million rows that halves the time.
        """
        counts = {status.value: 0 for status in Status}
        rows = (
            self.order_by()
            .annotate(now_status=_current_status_expr(as_of))
            .values("now_status")
            .annotate(n=Count("*"))
        )
        for row in rows:
            counts[row["now_status"]] = row["n"]
        return counts

    def search(self, text: str):
        """Rows whose contact matches every word of `text` (certification.search)."""
        return self.filter(contact_q(text, "contact__"))


def _current_status_expr(as_of: AsOf):
    # Nested: one test of the stored status per row, then the dates for certified rows
    # only (the same answers as `as_of.status_q`, which the tests hold it to).
    by_date = [
        When(expires_on__isnull=True, then=Value(Status.ACTIVE.value)),
        When(expires_on__lt=as_of.today, then=Value(Status.EXPIRED.value)),
    ]
    if as_of.notice_days > 0:
        by_date.append(When(expires_on__lte=as_of.expiring_from, then=Value(Status.EXPIRING.value)))
    certified = Case(*by_date, default=Value(Status.ACTIVE.value), output_field=models.CharField())
    return Case(
        When(status__in=sorted(CERTIFIED), then=certified),
        default=F("status"),
        output_field=models.CharField(),
    )


# Sort keys the Tracking tab and the API accept, and what each orders by.
ORDERINGS = {
    "contact": ["contact__last_name", "contact__first_name", "id"],
    "program": ["program__name", "id"],
    "status": ["status", "id"],
    "expires_on": ["expires_on", "id"],
    "activated_on": ["activated_on", "id"],
    "applied_on": ["applied_on", "id"],
}


class Enrollment(models.Model):
    """One contact in one program: the Tracking tab's row.

    `status` stores the last status recorded in the history. For a certified row
    (Active, Expiring, Expired) the status true today comes from the dates
    (`AsOf.status_of`); the worker records those transitions when it runs.
    """

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=20, choices=Status.choices)
    applied_on = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    activated_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    certificate_number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    # Reminders for the dates of this cycle have been armed; set again when expires_on moves.
    cycle = models.PositiveIntegerField(default=1)
    # The day the renewal requirements were met where the program needs approval: the
    # renewal waits in review (renewal state `review`) until staff approve or reject it.
    # A stored fact, not read from History; cleared by either decision or a new period.
    renewal_review_on = models.DateField(null=True, blank=True)
    # The current period's number (0: never certified). A copy of the latest Period's, so
    # "suspended" (Inactive with a period) and the outbox's per-period key need no join.
    period_number = models.PositiveIntegerField(default=0)
    # Progress toward the requirements as `requirements.evaluate` found it, kept by
    # `progress_store.store` whenever its inputs change (the Tracking filter "Progress" reads
    # these: an index range). Percent 100: requirements met; started: something counts.
    # `progress_until`: the last day the values hold (a completion ages out of the
    # program's recency limit after it); NULL: no end; NOT_EVALUATED (1900-01-01): never
    # stored yet (rows written in bulk), read live until `certtrack rebuild-progress`.
    # Database defaults too: rows loaded in bulk (COPY, raw SQL) are "not evaluated".
    progress_percent = models.PositiveSmallIntegerField(default=0, db_default=0)
    progress_started = models.BooleanField(default=False, db_default=False)
    progress_until = models.DateField(
        null=True, blank=True, default=date(1900, 1, 1), db_default=date(1900, 1, 1)
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "program"],
                condition=Q(status__in=sorted(OPEN)),
                name="one_open_enrollment_per_contact_program",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="enrollment_status_valid"
            ),
        ]
        indexes = [
            # Status filters and counts; the worker's due query (certified rows by expiry);
            # with `id`, a status's page sorted by expiry is read in order (no sort).
            models.Index(
                fields=["status", "expires_on", "id"], name="enrollment_status_exp_id_idx"
            ),
            # Expiring/Expired are decided by the dates: their lists and counts are
            # ranges of this smaller index (dated rows only; `status` rides along for
            # index-only counts). Its condition is implied by any `expires_on <, >, =`
            # whatever the values, so SQLite uses it with bound parameters too (it
            # cannot prove `status IN (?, ?, ?)` implies a partial index's status list).
            models.Index(
                fields=["expires_on", "id", "status"],
                name="enrollment_dated_exp_idx",
                condition=Q(expires_on__isnull=False),
            ),
            # Tracking sorted by expiry (`ORDER BY expires_on, id LIMIT 50`, and the keyset
            # "Next": `… WHERE (expires_on, id) > (…)`); Active by expiry reads its dated
            # rows as a range of it from the horizon on, then its undated rows
            # (`expires_on IS NULL`, by id), in two queries (tracking.first_rows): one
            # query's `> horizon OR IS NULL` is no index condition (1.2 s at 1 M, issue 18).
            models.Index(fields=["expires_on", "id"], name="enrollment_expiry_idx"),
            # `?program=` pages and counts by status within a program (bench page_program:
            # 116 ms at 1 M, 1.06× of 100 k).
            models.Index(
                fields=["program", "status", "expires_on"], name="enrollment_prog_status_idx"
            ),
            # The one-open-enrollment check and a contact's rows in a program (services).
            models.Index(fields=["contact", "program"], name="enrollment_contact_prog_idx"),
            # Tracking sorted by activated_on / applied_on, first page and keyset "Next"
            # (bench page_active_by_activated_on 113 ms at 1 M, 1.31×; by applied_on 1.13×).
            models.Index(fields=["activated_on", "id"], name="enrollment_activated_idx"),
            models.Index(fields=["applied_on", "id"], name="enrollment_applied_idx"),
            # GET /api/v1/enrollments?updated_since=…: the rows written since a moment.
            models.Index(fields=["updated_at", "id"], name="enrollment_updated_at_idx"),
            # The Tracking filter "Progress" (not started / under way / met / at least N %).
            models.Index(
                fields=["progress_started", "progress_percent"], name="enrollment_progress_idx"
            ),
            # Rows whose stored progress ran out (`progress_store.refresh_due`).
            models.Index(
                fields=["progress_until"],
                name="enrollment_progress_until_idx",
                condition=Q(progress_until__isnull=False),
            ),
            # `renewal=review`: the few rows awaiting a renewal decision, whatever the size.
            models.Index(
                fields=["renewal_review_on", "id"],
                name="enrollment_renewal_review_idx",
                condition=Q(renewal_review_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} in {self.program.code}"

    def current_status(self, as_of: AsOf) -> Status:
        return as_of.status_of(self.status, self.expires_on)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class PeriodSource(models.TextChoices):
    EARNED = "earned", "Earned"
    RENEWED = "renewed", "Renewed"
    WAIVED = "waived", "Waived"
    RECORDED = "recorded", "Recorded"
    IMPORTED = "imported", "Imported"


class Period(models.Model):
    """One cycle of a certified enrollment — PRODUCT.md §3 "Certification periods".

    Never edited once superseded; only the current period's `expires_on` moves, by a
    staff expiry change (which writes History). The enrollment keeps the current
    period's dates, so lists and indexes read the enrollment alone.
    """

    # Why a table: a certification's cycles and the completions each used; read by the
    # requirements evaluation (which completions are still unused) and the enrollment detail.
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="periods")
    number = models.PositiveIntegerField()
    activated_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    renewed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=PeriodSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    completions = models.ManyToManyField(
        Completion, through="PeriodCompletion", related_name="periods"
    )

    class Meta:
        ordering = ["enrollment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "number"], name="period_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="period_number_positive"),
        ]

    def __str__(self) -> str:
        return f"period {self.number} of enrollment {self.enrollment_id}"


class PeriodCompletion(models.Model):
    """A completion a period used. Program and contact are copied here so that one unique
    constraint says it: a completion counts toward at most one period of a program."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="uses")
    completion = models.ForeignKey(Completion, on_delete=models.PROTECT, related_name="uses")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "completion"], name="completion_once_per_program"
            ),
        ]
        indexes = [
            # The evaluation's read: the used completions of a page's contacts and programs.
            models.Index(fields=["contact", "program"], name="period_use_contact_prog_idx"),
        ]

    def __str__(self) -> str:
        return f"completion {self.completion_id} used by period {self.period_id}"


class AuditObject(models.TextChoices):
    """The kinds of setup object whose changes History records (PRODUCT.md §9)."""

    PROGRAM = "program", "Program"
    COMPONENT = "component", "Component"
    CONTACT = "contact", "Contact"
    SETTINGS = "settings", "General Settings"
    EMAIL_TEMPLATE = "email_template", "Email template"
    USER = "user", "Staff user"


class HistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("History is append-only.")

    def delete(self):
        raise TypeError("History is append-only.")


class History(models.Model):
    """One change of status, dates, completion or settings. Append-only."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(
        max_length=200, help_text="Who: staff email, contact, system, API token."
    )
    actor_kind = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="history"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=50)
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True, default="")
    # The setup object a change is about (PRODUCT.md §9 audit): a program, component,
    # contact, the settings, an email template or a staff user. Empty for enrollment rows.
    object_type = models.CharField(max_length=20, blank=True, default="", choices=AuditObject)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_label = models.CharField(max_length=200, blank=True, default="")

    objects = HistoryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "history"
        indexes = [
            models.Index(fields=["enrollment", "at"], name="history_enrollment_idx"),
            # An object's page reads its own changes; the audit view filters by type.
            models.Index(fields=["object_type", "object_id", "at"], name="history_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("History is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("History is append-only.")


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


from .counts import CountCheck, EnrollmentCount  # noqa: E402, F401  (models of this app)
