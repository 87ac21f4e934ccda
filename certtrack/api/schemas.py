"""Request and response bodies of the REST API (API.md). Field names are the contract."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field

from certtrack.certification.statuses import ACTIONS, Status

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
StatusId = Literal[tuple(Status.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]


class Error(Schema):
    detail: str = Field(description="A human-readable message.")
    field: str | None = Field(None, description="The field at fault (422), when one is.")


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
    default_certificate_template: str
    default_program_id: int | None


class SettingsPatch(Schema):
    expiring_notice_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    time_zone: Text(64) | None = None
    application_recipients: list[Text(254)] | None = None
    admin_review_recipients: list[Text(254)] | None = None
    enroll_attendees_to_all_relevant: bool | None = None
    default_certificate_template: Literal["classic", "modern"] | None = None
    default_program_id: Id | None = None


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
    kind: Literal["course", "exam", "task", "event"]
    description: Text(10_000) = ""
    credits_earned: Amount = Decimal("0")
    hours_earned: Amount = Decimal("0")
    requires_approval: bool = False
    scoring: Literal["pass_fail", "scored"] | None = None
    max_score: Score | None = None
    passing_score: Score | None = None
    opens_on: Day | None = None
    closes_on: Day | None = None
    prerequisite_ids: list[Id] = []


class ComponentOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    description: str
    credits_earned: float
    hours_earned: float
    requires_approval: bool
    scoring: str
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


Days = Annotated[int, Field(ge=0, le=3650)]
Months = Annotated[int, Field(ge=1, le=1200)]
RenewalBase = Literal["previous_expiry", "renewal_date"]
RenewalRequirements = Literal["repeat", "credits"]


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
    renewal_base: RenewalBase = "previous_expiry"
    renewal_requirements: RenewalRequirements = "repeat"
    renewal_credits_required: Amount | None = Field(
        None, description="Only with renewal_requirements `credits`."
    )
    renewal_hours_required: Amount | None = Field(
        None, description="Only with renewal_requirements `credits`."
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


class ProgramComponentOut(Schema):
    component_id: int
    required: bool
    required_for_renewal: bool
    name: str
    code: str
    kind: str


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
    state: Literal["not_open", "open", "review", "grace", "closed"]
    opens_on: date
    closes_on: date
    progress: RenewalProgress


class PeriodOut(Schema):
    number: int
    activated_on: date
    expires_on: date | None
    renewed_on: date | None
    source: Literal["earned", "renewed", "waived", "recorded", "imported"]
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


class EnrollmentPage(Page):
    results: list[EnrollmentOut]


class CompletionBrief(Schema):
    id: int
    completed_on: date
    state: Literal["pending", "approved", "rejected"]
    passed: bool
    score: float | None


class EnrollmentComponent(Schema):
    component_id: int
    name: str
    code: str
    kind: str
    required: bool
    state: Literal["completed", "pending", "failed", "not_started"] = Field(
        description="completed (counts toward requirements), pending (awaits approval), "
        "failed (only failed or rejected attempts, or prerequisites missing), not_started."
    )
    completed_on: date | None = Field(description="The date it counts from, when completed.")
    completions: list[CompletionBrief]


class HistoryEntry(Schema):
    at: datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    reason: str
    changes: dict


class EnrollmentDetail(EnrollmentOut):
    components: list[EnrollmentComponent]
    history: list[HistoryEntry]
    periods: list[PeriodOut] = Field(description="Oldest first.")


class StatusCounts(Schema):
    counts: dict[StatusId, int]
    total: int


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
    reason: Text(10_000) = ""


class CompletionOut(Schema):
    id: int
    contact_id: int
    component_id: int
    completed_on: date
    score: float | None
    passed: bool
    state: Literal["pending", "approved", "rejected"]
    note: str
    source: str
    removed: bool
