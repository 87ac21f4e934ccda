"""Request and response bodies of the REST API (API.md). Field names are the contract."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from django.db.models import TextChoices
from ninja import Schema
from pydantic import BeforeValidator, Field, create_model

from certtrack.certification import models
from certtrack.certification.renewal import RenewalState as DomainRenewalState
from certtrack.certification.statuses import ACTIONS, MEANING
from certtrack.certification.statuses import Status as DomainStatus

# Ids fit a 64-bit column; larger numbers cannot name anything.
Id = Annotated[int, Field(ge=1, le=2**62)]
# Text without NUL characters (PostgreSQL cannot store them).
NO_NUL = r"^[^\x00]*$"


def Text(max_length: int, **kwargs):  # noqa: N802 - reads as a type in the schemas below
    return Annotated[str, Field(max_length=max_length, pattern=NO_NUL, **kwargs)]


def _date_text(value):
    # JSON has no date type: a date is a "YYYY-MM-DD" string, never a number.
    if isinstance(value, str | date):
        return value
    raise ValueError("a date must be a string YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_date_text)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("99999.99"), decimal_places=2)]
Score = Annotated[Decimal, Field(ge=0, le=Decimal("99999.99"), decimal_places=2)]


# --- enums: one named schema component each, built from the domain's own tables, so a
# status or action added there appears here (and in generated clients) unchanged.


def _enum(name: str, values, doc: str) -> type[StrEnum]:
    enum = StrEnum(name, {str(v): str(v) for v in values})
    enum.__doc__ = doc  # the component's description
    enum.__module__ = __name__
    return enum


def _choices(choices: type[TextChoices], name: str, doc: str) -> type[StrEnum]:
    labels = "; ".join(f"`{c.value}`: {c.label}" for c in choices)
    return _enum(name, choices.values, f"{doc} {labels}.")


Status = _enum(
    "Status",
    DomainStatus.values,
    "An enrollment's status: "
    + "; ".join(f"`{s.value}` ({s.label}): {MEANING[s]}" for s in DomainStatus),
)
StatusId = Status  # the name the rest of the API used for it
ActionName = _enum(
    "Action",
    ACTIONS,
    "A staff action on an enrollment: "
    + "; ".join(f"`{a.name}`: {a.label}" for a in ACTIONS.values())
    + ".",
)
RenewalState = _enum(
    "RenewalState", [s.value for s in DomainRenewalState], "Where a certification's renewal is."
)
ComponentKind = _choices(models.ComponentKind, "ComponentKind", "What a component is.")
Scoring = _choices(models.Scoring, "Scoring", "How a component's result is given.")
CompletionState = _choices(models.CompletionState, "CompletionState", "A completion's state.")
CompletionSource = _choices(
    models.CompletionSource, "CompletionSource", "Where a completion was recorded."
)
PeriodSource = _choices(models.PeriodSource, "PeriodSource", "How a period began.")
RenewalBase = _choices(models.RenewalBase, "RenewalBase", "What a renewed period starts from.")
RenewalRequirements = _choices(
    models.RenewalRequirements, "RenewalRequirements", "What renewing requires."
)
CertificateTemplate = _choices(
    models.CertificateTemplate, "CertificateTemplate", "The certificate's design."
)
ComponentState = _enum(
    "ComponentState",
    ["completed", "pending", "failed", "not_started"],
    "completed (counts toward requirements), pending (awaits approval), failed (only failed "
    "or rejected attempts, or prerequisites missing), not_started.",
)


class RowError(Schema):
    line: int | None = Field(description="The file's line (the header is 1); null: the file.")
    column: str = Field(description="The column at fault ('' when none).")
    message: str


class Error(Schema):
    """Every error body: `detail` always; the other fields where the problem has them."""

    detail: str = Field(description="A human-readable message.")
    field: str | None = Field(None, description="The field at fault (422), when one is.")
    parameter: str | None = Field(None, description="The query parameter at fault (400).")
    status: Status | None = Field(
        None, description="The enrollment's status when an action is refused from it (409)."
    )
    contact_id: int | None = Field(None, description="The contact concerned, when one is.")
    enrollment_id: int | None = Field(
        None, description="The enrollment concerned (e.g. the open one a request conflicts with)."
    )
    errors: dict[str, list[str]] | list[RowError] | None = Field(
        None,
        description="Every problem found (422): messages by field, or an import's bad rows "
        "with their line and column.",
    )


class Page(Schema):
    count: int
    page: int
    page_size: int


# --- settings ---------------------------------------------------------------------------


class SettingsOut(Schema):
    expiring_notice_days: int
    time_zone: str
    application_recipients: list[str]
    admin_review_recipients: list[str]
    enroll_attendees_to_all_relevant: bool
    default_certificate_template: CertificateTemplate
    default_program_id: int | None
    organization_name: str
    signatory_name: str
    signatory_title: str
    logo_url: str | None = Field(
        description="The organization's logo (set in the back-office), or null."
    )


class SettingsPatch(Schema):
    expiring_notice_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    time_zone: Text(64) | None = None
    application_recipients: list[Text(254)] | None = None
    admin_review_recipients: list[Text(254)] | None = None
    enroll_attendees_to_all_relevant: bool | None = None
    default_certificate_template: CertificateTemplate | None = None
    default_program_id: Id | None = None
    organization_name: Text(200) | None = None
    signatory_name: Text(200) | None = None
    signatory_title: Text(200) | None = None


# --- contacts ---------------------------------------------------------------------------


class ContactIn(Schema):
    first_name: Text(100, min_length=1)
    last_name: Text(100, min_length=1)
    email: Text(254, min_length=1)
    organization: Text(200) = ""
    phone: Text(50) = ""
    external_id: Text(100) | None = None


class ContactPatch(Schema):
    first_name: Text(100, min_length=1) | None = None
    last_name: Text(100, min_length=1) | None = None
    email: Text(254, min_length=1) | None = None
    organization: Text(200) | None = None
    phone: Text(50) | None = None
    external_id: Text(100) | None = None


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    organization: str
    phone: str
    external_id: str | None
    archived: bool
    created_at: datetime


class ContactPage(Page):
    results: list[ContactOut]


# --- components -------------------------------------------------------------------------


class ComponentIn(Schema):
    name: Text(200, min_length=1)
    code: Text(50) | None = None
    kind: ComponentKind
    description: Text(10_000) = ""
    credits_earned: Amount = Decimal("0")
    hours_earned: Amount = Decimal("0")
    requires_approval: bool = False
    scoring: Scoring | None = None
    max_score: Score | None = None
    passing_score: Score | None = None
    opens_on: Day | None = None
    closes_on: Day | None = None
    prerequisite_ids: list[Id] = []


class ComponentOut(Schema):
    id: int
    name: str
    code: str
    kind: ComponentKind
    description: str
    credits_earned: float
    hours_earned: float
    requires_approval: bool
    scoring: Scoring | Literal[""] = Field(description="Empty: a component without a result.")
    max_score: float | None
    passing_score: float | None
    opens_on: date | None
    closes_on: date | None
    is_active: bool
    prerequisite_ids: list[int]


class ComponentPage(Page):
    results: list[ComponentOut]


# --- programs ---------------------------------------------------------------------------


class ProgramComponentIn(Schema):
    component_id: Id
    required: bool = True
    required_for_renewal: bool = Field(
        False, description="With renewal_requirements `credits`: must be done again to renew."
    )


class ReminderStepIn(Schema):
    # Range and template are checked by the domain (one message naming reminder_schedule).
    offset_days: int = Field(
        description="Days relative to expires_on: negative before, positive after (−730…+365)."
    )
    template: str | None = Field(
        None,
        description="A template key (certification_expiring, certification_expired or one "
        "made in the back-office); default: expiring before expiry, expired after.",
    )
    mandatory: bool = Field(False, description="The member cannot turn this one off.")


class ReminderStepOut(Schema):
    offset_days: int
    template: str
    mandatory: bool
    description: str


class ReminderPreviewRow(Schema):
    on: date
    enrollment_id: int
    contact: str
    program: str
    template: str
    offset_days: int


class ReminderPreview(Schema):
    results: list[ReminderPreviewRow]


Days = Annotated[int, Field(ge=0, le=3650)]
Months = Annotated[int, Field(ge=1, le=1200)]


class ProgramIn(Schema):
    name: Text(200, min_length=1)
    code: Text(50) | None = None
    version: Text(20) = ""
    description: Text(10_000) = ""
    category: Text(100) = ""
    require_approval: bool = False
    completion_requires_approval: bool = False
    validity_months: Annotated[int, Field(ge=1, le=1200)] | None = None
    credits_required: Amount | None = None
    hours_required: Amount | None = None
    components: list[ProgramComponentIn] = []
    completion_recency_months: Months | None = Field(
        None, description="Completions older than this many months do not count; null: no limit."
    )
    renewal_window_days: Days = Field(90, description="0: no renewal.")
    renewal_grace_days: Days = 0
    renewal_base: RenewalBase = RenewalBase("previous_expiry")
    renewal_requirements: RenewalRequirements = RenewalRequirements("repeat")
    renewal_credits_required: Amount | None = Field(
        None, description="Only with renewal_requirements `credits`."
    )
    renewal_hours_required: Amount | None = Field(
        None, description="Only with renewal_requirements `credits`."
    )
    reminder_schedule: list[ReminderStepIn] = Field(
        [], description="Empty: the General Setting's single expiring email and the expired email."
    )


class ProgramPatch(Schema):
    name: Text(200, min_length=1) | None = None
    code: Text(50, min_length=1) | None = None
    version: Text(20) | None = None
    description: Text(10_000) | None = None
    category: Text(100) | None = None
    require_approval: bool | None = None
    completion_requires_approval: bool | None = None
    validity_months: Annotated[int, Field(ge=1, le=1200)] | None = Field(
        None, description="null: the certification never expires."
    )
    credits_required: Amount | None = None
    hours_required: Amount | None = None
    is_active: bool | None = None
    components: list[ProgramComponentIn] | None = Field(
        None, description="When given, replaces the program's components."
    )
    completion_recency_months: Months | None = Field(None, description="null: no limit.")
    renewal_window_days: Days | None = None
    renewal_grace_days: Days | None = None
    renewal_base: RenewalBase | None = None
    renewal_requirements: RenewalRequirements | None = None
    renewal_credits_required: Amount | None = None
    renewal_hours_required: Amount | None = None
    reminder_schedule: list[ReminderStepIn] | None = Field(
        None, description="When given, replaces the schedule ([] removes it)."
    )
    apply_to_existing: bool | None = Field(
        None,
        description="With a validity or requirements change: recompute existing holders too "
        "(one History row per changed enrollment). Default: new certifications only.",
    )


class ProgramComponentOut(Schema):
    component_id: int
    required: bool
    required_for_renewal: bool
    name: str
    code: str
    kind: ComponentKind


class ProgramOut(Schema):
    id: int
    name: str
    code: str
    version: str
    description: str
    category: str
    require_approval: bool
    completion_requires_approval: bool
    validity_months: int | None
    credits_required: float | None
    hours_required: float | None
    is_active: bool
    components: list[ProgramComponentOut]
    completion_recency_months: int | None
    renewal_window_days: int
    renewal_grace_days: int
    renewal_base: RenewalBase
    renewal_requirements: RenewalRequirements
    renewal_credits_required: float | None
    renewal_hours_required: float | None
    reminder_schedule: list[ReminderStepOut]


class ProgramPage(Page):
    results: list[ProgramOut]


# --- enrollments ------------------------------------------------------------------------


class ApplyIn(Schema):
    contact_id: Id


class EnrollmentIn(Schema):
    contact_id: Id
    program_id: Id
    status: Literal["in_progress", "active"] = Field(
        "in_progress",
        description="`active` records an existing certification (needs `activated_on`).",
    )
    activated_on: Day | None = None
    expires_on: Day | None = None


class ActionIn(Schema):
    """Optional: an action without a body has no reason."""

    reason: Text(10_000) = Field(
        "", description="Required for suspend, renew and reject_renewal (422 without)."
    )
    expires_on: Day | None = Field(None, description="renew only: the new period's expiry.")


class EnrollmentPatch(Schema):
    expires_on: Day
    reason: Text(10_000) = Field("", description="Required: why the date changes.")


class EnrollmentContact(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    organization: str


class EnrollmentProgram(Schema):
    id: int
    name: str
    code: str


class Progress(Schema):
    required_done: int
    required_total: int
    credits_earned: float
    hours_earned: float


class RenewalProgress(Progress):
    credits_required: float | None
    hours_required: float | None


class Renewal(Schema):
    state: RenewalState
    opens_on: date
    closes_on: date
    progress: RenewalProgress


class PeriodOut(Schema):
    number: int
    activated_on: date
    expires_on: date | None
    renewed_on: date | None
    source: PeriodSource
    certificate_url: str = Field(
        description="This period's certificate PDF (`certificate.pdf?period=N`)."
    )


class EnrollmentOut(Schema):
    id: int
    status: StatusId = Field(description="The status true today.")
    status_label: str
    contact: EnrollmentContact
    program: EnrollmentProgram
    applied_on: date | None
    started_on: date | None
    completed_on: date | None
    activated_on: date | None
    expires_on: date | None
    progress: Progress
    certificate_number: str | None
    first_activated_on: date | None = Field(description="Period 1's activation date.")
    period: int | None = Field(description="The current period's number; null: never certified.")
    renewal: Renewal | None = Field(
        description="null when the program has no renewal or the row is not certified."
    )
    updated_at: datetime = Field(
        description="When the row was last written (a move, a completion counted, an expiry "
        "edit): the cursor for `?updated_since`."
    )


class EnrollmentPage(Page):
    results: list[EnrollmentOut]


class CompletionBrief(Schema):
    id: int
    completed_on: date
    state: CompletionState
    passed: bool
    score: float | None


class EnrollmentComponent(Schema):
    component_id: int
    name: str
    code: str
    kind: ComponentKind
    required: bool
    state: ComponentState
    completed_on: date | None = Field(description="The date it counts from, when completed.")
    completions: list[CompletionBrief]


# A value recorded in a history entry's `changes`: JSON scalars, or a list of them.
Scalar = str | int | float | bool | None
ChangeValue = Scalar | list[Scalar | list[Scalar]]


class HistoryEntry(Schema):
    at: datetime
    actor: str
    action: str
    from_status: str = Field(description="A status id; empty when the entry moved nothing.")
    to_status: str = Field(description="A status id; empty when the entry moved nothing.")
    reason: str
    changes: dict[str, ChangeValue] = Field(
        description="What changed: `{field: [old, new]}`; a completion's entries also carry "
        "`completion_id` and `component` (its code)."
    )


class EnrollmentDetail(EnrollmentOut):
    components: list[EnrollmentComponent]
    history: list[HistoryEntry]
    periods: list[PeriodOut] = Field(description="Oldest first.")


CountsByStatus = create_model(
    "CountsByStatus",
    __base__=Schema,
    __doc__="How many enrollments are in each status: one property per status.",
    **{status: (int, ...) for status in Status},
)


class StatusCounts(Schema):
    counts: CountsByStatus  # type: ignore[valid-type]
    total: int = Field(description="The sum of the counts.")


# --- completions ------------------------------------------------------------------------


class CompletionIn(Schema):
    contact_id: Id
    component_id: Id
    completed_on: Day
    score: Score | None = None
    passed: bool | None = Field(
        None, description="For a pass/fail exam: false records a failed attempt."
    )
    note: Text(10_000) = ""


class DecisionIn(Schema):
    """Optional: without a body the decision has no reason (the contact's email says none)."""

    reason: Text(10_000) = ""


class CompletionOut(Schema):
    id: int
    contact_id: int
    component_id: int
    completed_on: date
    score: float | None
    passed: bool
    state: CompletionState
    note: str
    source: CompletionSource
    removed: bool
