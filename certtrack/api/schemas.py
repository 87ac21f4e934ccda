"""Request and response bodies of the REST API (API.md). Field names are the contract.

Shared types and the set-up (settings, contacts, components, programs); the enrollments'
and completions' bodies are in `enrollment_schemas.py`. A response schema reads the model
it shows (ninja's `resolve_<field>` for what is not a column), so no view builds a dict.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from django.conf import settings as django_settings
from django.db.models import TextChoices
from django.urls import reverse
from ninja import Schema
from pydantic import BeforeValidator, Field, Strict, StrictBool

from certtrack.certification import models
from certtrack.certification.renewal import RenewalState as DomainRenewalState
from certtrack.certification.statuses import ACTIONS, MEANING
from certtrack.certification.statuses import Status as DomainStatus
from certtrack.notifications import reminders

# Ids fit a 64-bit column; larger numbers cannot name anything.
# Numbers and yes/no are JSON's own: `true` is not 1, "yes" is not true (strict).
Id = Annotated[int, Strict(), Field(ge=1, le=2**62)]
# Text without NUL characters (PostgreSQL cannot store them).
NO_NUL = r"^[^\x00]*$"


def Text(max_length: int, **kwargs):  # noqa: N802 - reads as a type in the schemas below
    return Annotated[str, Field(max_length=max_length, pattern=NO_NUL, **kwargs)]


def _date_text(value):
    # JSON has no date type: a date is a "YYYY-MM-DD" string, never a number nor a time
    # ("2026-11-20T00:00:00" was taken as a date, "20261120" refused with pydantic's
    # "Datetimes provided to dates should have zero time": an API trial).
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be a real day written YYYY-MM-DD, not {value!r}")


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


# --- the Tracking filters: one declaration for the list, the counts and the export ----------

# Declared for the document and held to a length without NUL; `tracking_queryset` parses
# the values from the query string (a bad one → 400 naming the parameter).
FILTER_DOCS = {
    "status": "Status ids, comma-separated (e.g. `active,expiring`).",
    "program": "Program ids, comma-separated.",
    "q": "Words found in the contact's name, email or organization.",
    "expires_from": "Expiring on or after this date (YYYY-MM-DD).",
    "expires_to": "Expiring on or before this date (YYYY-MM-DD).",
    "expires_within_days": "Certifications still valid today that expire within n days.",
    "renewal": "Renewal states, comma-separated: open (in the window), review (met, awaiting "
    "staff), grace (expired, still renewable).",
    "ordering": "contact, program, status, expires_on, activated_on or applied_on; "
    "prefix - for descending.",
    "as_of": "A day (YYYY-MM-DD, from 1900): statuses, the status filter and the rows "
    "present are those at the end of that day in the organization's time zone (a future day "
    "projects the dates); nothing else of a row changes. An impossible day → 400.",
    "updated_since": "Only rows written at or after this time (ISO 8601 with offset): "
    "transitions, completions that change progress, the worker's status changes, "
    "expiry edits. Poll with the largest `updated_at` seen (docs/integrations.md).",
}


def _filter(name: str):
    return Field(None, description=FILTER_DOCS[name], max_length=2000, pattern=NO_NUL)


class TrackingFilters(Schema):
    """What the status counts take: every Tracking filter but `status` and `ordering`."""

    program: str | None = _filter("program")
    q: str | None = _filter("q")
    expires_from: str | None = _filter("expires_from")
    expires_to: str | None = _filter("expires_to")
    expires_within_days: str | None = _filter("expires_within_days")
    renewal: str | None = _filter("renewal")
    updated_since: str | None = _filter("updated_since")
    as_of: str | None = _filter("as_of")


class TrackingQuery(TrackingFilters):
    """What the list and the export take: every Tracking filter."""

    status: str | None = _filter("status")
    ordering: str | None = _filter("ordering")


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

    @staticmethod
    def resolve_logo_url(settings: models.GeneralSettings) -> str | None:
        if not settings.logo:
            return None
        return django_settings.BASE_URL + reverse("credentials:branding_image", args=["logo"])


class SettingsPatch(Schema):
    expiring_notice_days: Annotated[int, Strict(), Field(ge=0, le=3650)] | None = None
    time_zone: Text(64) | None = None
    application_recipients: list[Text(254)] | None = None
    admin_review_recipients: list[Text(254)] | None = None
    enroll_attendees_to_all_relevant: StrictBool | None = None
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

    @staticmethod
    def resolve_archived(contact: models.Contact) -> bool:
        return contact.archived_at is not None


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
    requires_approval: StrictBool = False
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

    @staticmethod
    def resolve_prerequisite_ids(component: models.Component) -> list[int]:
        return sorted(p.pk for p in component.prerequisites.all())  # prefetched


class ComponentPage(Page):
    results: list[ComponentOut]


# --- programs ---------------------------------------------------------------------------


class ProgramComponentIn(Schema):
    component_id: Id
    required: StrictBool = True
    required_for_renewal: StrictBool = Field(
        False, description="With renewal_requirements `credits`: must be done again to renew."
    )


class ReminderStepIn(Schema):
    # Range and template are checked by the domain (one message naming reminder_schedule).
    offset_days: Annotated[int, Strict()] = Field(
        description="Days relative to expires_on: negative before, positive after (−730…+365)."
    )
    template: str | None = Field(
        None,
        description="A template key (certification_expiring, certification_expired or one "
        "made in the back-office); default: expiring before expiry, expired after.",
    )
    mandatory: StrictBool = Field(False, description="The member cannot turn this one off.")


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


Days = Annotated[int, Strict(), Field(ge=0, le=3650)]
Months = Annotated[int, Strict(), Field(ge=1, le=1200)]


class ProgramIn(Schema):
    name: Text(200, min_length=1)
    code: Text(50) | None = None
    version: Text(20) = ""
    description: Text(10_000) = ""
    category: Text(100) = ""
    require_approval: StrictBool = False
    completion_requires_approval: StrictBool = False
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
    require_approval: StrictBool | None = None
    completion_requires_approval: StrictBool | None = None
    validity_months: Annotated[int, Field(ge=1, le=1200)] | None = Field(
        None, description="null: the certification never expires."
    )
    credits_required: Amount | None = None
    hours_required: Amount | None = None
    is_active: StrictBool | None = None
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
    apply_to_existing: StrictBool | None = Field(
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

    # A program's link to a component: the component's name, code and kind.
    @staticmethod
    def resolve_name(link: models.ProgramComponent) -> str:
        return link.component.name

    @staticmethod
    def resolve_code(link: models.ProgramComponent) -> str:
        return link.component.code

    @staticmethod
    def resolve_kind(link: models.ProgramComponent) -> str:
        return link.component.kind


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

    @staticmethod
    def resolve_components(program: models.Program) -> list:
        return list(program.links.all())  # prefetched, with their components

    @staticmethod
    def resolve_reminder_schedule(program: models.Program) -> list[dict]:
        names = reminders.template_keys()
        steps = [
            reminders.Step(r.offset_days, r.template, r.mandatory)
            for r in program.reminder_steps.all()  # prefetched
        ]
        return [{**vars(s), "description": reminders.describe(s, names)} for s in steps]


class ProgramPage(Page):
    results: list[ProgramOut]
