"""Bodies of the enrollments (the Tracking tab) and completions operations (API.md)."""

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool, create_model

from certtrack.certification.models import Period

from .schemas import (
    CompletionSource,
    CompletionState,
    ComponentKind,
    ComponentState,
    Day,
    Id,
    Page,
    PeriodSource,
    RenewalState,
    Score,
    Status,
    StatusId,
    Text,
)

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

    @staticmethod
    def resolve_certificate_url(period: Period) -> str:
        return f"/api/v1/enrollments/{period.enrollment_id}/certificate.pdf?period={period.number}"


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
    passed: StrictBool | None = Field(
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

    @staticmethod
    def resolve_removed(completion) -> bool:
        return completion.removed_at is not None
