"""Enrollment (the Tracking row) and its certification periods — PRODUCT.md §2, §3
"Certification periods and renewal"; the Tracking orderings of §5."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Case, Count, F, Q, Value, When

from ..dates import AsOf
from ..search import by_name, contact_q
from ..statuses import CERTIFIED, OPEN, Status
from .completions import Completion
from .loading import LoadedFast
from .setup import Contact, Program


class EnrollmentSource(models.TextChoices):
    """How an enrollment was created; each value is also the action History records."""

    APPLY = "apply", "Applied"
    ADD = "add", "Added by staff"
    RECORD_EXISTING = "record_existing", "Existing certification recorded"
    ENROLL_ATTENDEE = "enroll_attendee", "Enrolled as an event attendee"
    IMPORT = "import_certification", "Imported"


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
    "contact": [*by_name("contact__"), "id"],  # folded names (certification.search)
    "program": ["program__name", "id"],
    "status": ["status", "id"],
    "expires_on": ["expires_on", "id"],
    "activated_on": ["activated_on", "id"],
    "applied_on": ["applied_on", "id"],
}


class Enrollment(LoadedFast, models.Model):
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
    # How the row was created: only an application is acknowledged by email (PRODUCT.md
    # §4). A stored fact, so the outbox need not search History for the action. The
    # database default serves raw-SQL writers (the bench generator's COPY).
    source = models.CharField(
        max_length=20, choices=EnrollmentSource.choices, blank=True, default="", db_default=""
    )
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
    # The credits and hours that count toward the requirements (what `evaluate` summed):
    # the exports' columns, read without evaluating each row.
    progress_credits = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal(0), db_default=Decimal(0)
    )
    progress_hours = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal(0), db_default=Decimal(0)
    )
    # The required components done and required (the first period's rule): with the credits
    # and hours, what a list row's progress bar shows, read without evaluating the row.
    progress_required_done = models.PositiveSmallIntegerField(default=0, db_default=0)
    progress_required_total = models.PositiveSmallIntegerField(default=0, db_default=0)
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
            # "Not started" sorted by expiry: its dated rows (few or none — work not begun
            # rarely has an expiry) in order, where the expiry index was walked through
            # every dated row to find none (1.2 s at 1 M on SQLite, 0.3 s on PostgreSQL).
            # Its condition is the filter's own terms (`progress_store.STORED_PROGRESS`).
            models.Index(
                fields=["expires_on", "id"],
                name="enrollment_unstarted_exp_idx",
                condition=Q(progress_started=False, expires_on__isnull=False),
            ),
            # "Under way" sorted by expiry, likewise: its dated rows were a walk of the expiry
            # index through every dated row (0.5–1.3 s at 1 M on SQLite, where no dated row
            # was under way). Its condition is the filter's terms as the query writes them
            # (`certification.literal.Literal`: the schema editor inlines these values alike).
            models.Index(
                fields=["expires_on", "id"],
                name="enrollment_underway_exp_idx",
                condition=Q(
                    progress_started=Value(True),
                    progress_percent__lt=100,
                    expires_on__isnull=False,
                ),
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
