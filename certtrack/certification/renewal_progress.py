"""A renewal as a person reads it — PRODUCT.md §3 "Certification periods and renewal",
§5 (the enrollment page's renewal progress) and §6 (the portal's "what is still needed").

One read for a page of enrollments, in a constant number of queries: the state true
today (`renewals.state_of`), the window's dates, the progress since the latest period
began (`renewals.progress_since`) and, in words, what is still needed. Also the dated
example the program form shows for the renewal settings (`example`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from . import renewal, renewals
from .dates import add_months
from .models import Enrollment, Period, Program, ProgramComponent, RenewalBase
from .renewal import RenewalState, Window
from .requirements import Progress
from .statuses import CERTIFIED

# Each renewal state in words, as staff and members read it (the API says the value).
LABELS = {
    RenewalState.NOT_OPEN: "Not open yet",
    RenewalState.OPEN: "Open",
    RenewalState.REVIEW: "In review",
    RenewalState.GRACE: "In grace",
    RenewalState.CLOSED: "Closed",
}
MEANINGS = {
    RenewalState.NOT_OPEN: "The renewal opens the program's “Renewal opens” number of days "
    "before the expiration date; work done from the start of this period already counts "
    "toward it.",
    RenewalState.OPEN: "The renewal is open: it is granted as soon as its requirements "
    "are met (or staff renew it as a waiver).",
    RenewalState.REVIEW: "The renewal requirements are met; the renewal awaits staff "
    "approval. The certification keeps the status its dates give meanwhile.",
    RenewalState.GRACE: "The certification has expired but can still be renewed during the "
    "grace days, with no gap between the periods.",
    RenewalState.CLOSED: "The renewal closed: to be certified again, the contact applies "
    "again and does the work anew.",
}


@dataclass(frozen=True)
class RenewalProgress:
    """Where one certification's renewal stands on `today`."""

    state: RenewalState
    window: Window
    progress: Progress
    needed: list[str] = field(default_factory=list)  # empty when the requirements are met

    @property
    def is_open(self) -> bool:
        return renewals.is_open(self.state)


def _number(value: Decimal) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def still_needed(progress: Progress, names: dict[int, str]) -> list[str]:
    """What the renewal still needs, in words (`names`: component id → name)."""
    rule = progress.rule
    if rule is None or progress.met:
        return []
    needed = [names.get(pk, f"component {pk}") for pk in sorted(rule.required - set(progress.done))]
    needed.sort()
    for required, earned, noun in (
        (rule.credits, progress.credits_earned, "credits"),
        (rule.hours, progress.hours_earned, "hours"),
    ):
        if required is not None and earned < required:
            needed.append(f"{_number(required - earned)} more {noun}")
    return needed


def of_many(enrollments: Iterable[Enrollment], today: date) -> dict[int, RenewalProgress | None]:
    """Each enrollment's renewal on `today` (None: not certified now, suspended, or the
    program has no renewal), in a constant number of queries."""
    rows = list(enrollments)
    states = {e.pk: renewals.state_of(e, today) for e in rows}
    renewing = [e for e in rows if states[e.pk] is not None]
    result: dict[int, RenewalProgress | None] = {e.pk: None for e in rows}
    if not renewing:
        return result
    progress = renewals.progress_since(renewing, today)
    names = dict(
        ProgramComponent.objects.filter(
            program_id__in={e.program_id for e in renewing}
        ).values_list("component_id", "component__name")
    )
    for e in renewing:
        result[e.pk] = RenewalProgress(
            state=states[e.pk],
            window=renewals.window_of(e),
            progress=progress[e.pk],
            needed=still_needed(progress[e.pk], names),
        )
    return result


def of(enrollment: Enrollment, today: date) -> RenewalProgress | None:
    """One enrollment's renewal on `today` (see `of_many`)."""
    return of_many([enrollment], today)[enrollment.pk]


# --- the program form's example ----------------------------------------------------------

# A fixed, dated example (a month's end, so the clamping shows): the spec's own words.
EXAMPLE_EXPIRES_ON = date(2026, 3, 31)
EXAMPLE_EARLY_DAYS = 49  # renewed 10 Feb 2026, when the window is that long


@dataclass(frozen=True)
class Outcome:
    """A renewal granted on `granted_on`: the new period's dates."""

    base: str  # a RenewalBase value
    label: str
    granted_on: date
    activated_on: date
    expires_on: date | None
    current: bool  # the base the settings choose


@dataclass(frozen=True)
class Example:
    """What the renewal settings do to the dates of one certification expiring on
    `expires_on`; `window` is None when the settings give no renewal."""

    expires_on: date
    validity_months: int | None
    window: Window | None
    early: list[Outcome]  # granted inside the window, before expiry: one per base
    late: list[Outcome]  # granted on the last grace day (when there are grace days)


def example(
    validity_months: int | None,
    window_days: int,
    grace_days: int,
    base: str,
    expires_on: date = EXAMPLE_EXPIRES_ON,
) -> Example:
    """The dated example of the renewal settings (PRODUCT.md §3), computed by the same rule
    as a real renewal (`renewals.new_dates`) for each renewal base."""
    window = renewal.window(expires_on, window_days, grace_days)
    if window is None or validity_months is None:
        return Example(expires_on, validity_months, None, [], [])

    def outcomes(granted_on: date) -> list[Outcome]:
        result = []
        for choice in RenewalBase:
            program = Program(renewal_base=choice.value, validity_months=validity_months)
            start, end = renewals.new_dates(program, expires_on, granted_on)
            chosen = base == choice
            result.append(Outcome(choice.value, choice.label, granted_on, start, end, chosen))
        return result

    early = outcomes(expires_on - timedelta(days=min(EXAMPLE_EARLY_DAYS, window_days)))
    late = outcomes(window.closes_on) if grace_days > 0 else []
    return Example(expires_on, validity_months, window, early, late)


# --- the overview's figures (docs/decisions.md "Renewal figures on the overview") ------------

DUE_DAYS = 90


def due_q(today: date, days: int = DUE_DAYS) -> Q:
    """SQL: certifications whose renewal comes due within `days`: certified now, in a
    program with renewal, expiring between today and today + `days` (the range of the
    expiry index; a renewal granted early moved `expires_on` on, so it is not due)."""
    return Q(
        status__in=sorted(CERTIFIED),
        program__renewal_window_days__gt=0,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=days),
    )


def renewing_program_ids() -> list[int]:
    return list(Program.objects.filter(renewal_window_days__gt=0).values_list("pk", flat=True))


@dataclass(frozen=True)
class Rate:
    """Renewal rate: of the periods whose renewal closed in the 12 months before today,
    how many were followed by a new period."""

    closed: int
    renewed: int
    since: date

    @property
    def percent(self) -> int | None:
        return round(100 * self.renewed / self.closed) if self.closed else None


def renewal_rate(today: date) -> Rate:
    """The renewal rate of the last 12 months (one query): periods of renewing programs
    whose renewal closed (expiry + grace days) on or after today − 12 months and before
    today, renewed = a later period of the same enrollment exists. One `expires_on` range
    per distinct grace length, as the Tracking filter does."""
    since = add_months(today, -12)
    q = Q(pk__in=[])
    lengths = (
        Program.objects.filter(renewal_window_days__gt=0)
        .values_list("renewal_grace_days", flat=True)
        .distinct()
    )
    for grace in lengths:
        q |= Q(
            enrollment__program__renewal_grace_days=grace,
            expires_on__gte=since - timedelta(days=grace),
            expires_on__lt=today - timedelta(days=grace),
        )
    later = Period.objects.filter(
        enrollment_id=OuterRef("enrollment_id"), number__gt=OuterRef("number")
    )
    counts = (
        Period.objects.filter(q, enrollment__program__renewal_window_days__gt=0)
        .annotate(followed=Exists(later))
        .aggregate(closed=Count("pk"), renewed=Count("pk", filter=Q(followed=True)))
    )
    return Rate(closed=counts["closed"], renewed=counts["renewed"], since=since)
