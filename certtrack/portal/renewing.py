"""What the portal tells a certified contact about renewing — PRODUCT.md §3 "Certification
periods and renewal", §6 ("see renewal progress and what is still needed, and renew when
the renewal is open").

Read-only: the window, the state and the progress are the domain's (`renewals`); this
module only puts them in the contact's words.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from certtrack.certification import renewals
from certtrack.certification.dates import AsOf
from certtrack.certification.models import ComponentKind, Enrollment, Period, ProgramComponent
from certtrack.certification.renewal import RenewalState, Window
from certtrack.certification.requirements import Progress, progress_of_many

# Component kinds a contact may report themselves; exams and events are recorded by staff.
REPORTABLE_KINDS = (ComponentKind.COURSE, ComponentKind.TASK)
# The contact's words for each renewal state.
STATE_LABELS = {
    RenewalState.NOT_OPEN: "Not open yet",
    RenewalState.OPEN: "Renewal open",
    RenewalState.REVIEW: "Renewal in review",
    RenewalState.GRACE: "Grace days",
    RenewalState.CLOSED: "Renewal closed",
}


@dataclass
class RenewalStep:
    """One component and where the contact stands on it for this renewal."""

    link: ProgramComponent
    required: bool  # needed for the renewal (else it only adds credits / hours)
    state: str  # "done", "pending" or "todo"
    on: date | None = None

    @property
    def component(self):
        return self.link.component

    @property
    def state_label(self) -> str:
        return {"done": "Done", "pending": "Awaiting approval", "todo": "To do"}[self.state]

    @property
    def reportable(self) -> bool:
        """Still to do, and a kind the contact reports themselves."""
        return self.state == "todo" and self.component.kind in REPORTABLE_KINDS


@dataclass
class Renewal:
    """The renewal of one certified enrollment, as true on `today`."""

    state: RenewalState
    window: Window
    since: date  # work dated on or after this day counts (and no period used it)
    progress: Progress
    links: list[ProgramComponent]
    pending_on: dict[int, date] = field(default_factory=dict)  # component id -> report date

    @property
    def is_open(self) -> bool:
        """Open, in grace or in review: the portal offers its Renew page."""
        return renewals.is_open(self.state)

    @property
    def takes_work(self) -> bool:
        """Work reported now can still renew (open or in grace; not while in review)."""
        return self.state in (RenewalState.OPEN, RenewalState.GRACE)

    @property
    def in_review(self) -> bool:
        return self.state == RenewalState.REVIEW

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def has_grace(self) -> bool:
        return self.window.closes_on > self.window.expires_on

    @property
    def credits_required(self) -> Decimal | None:
        return self.progress.rule.credits

    @property
    def hours_required(self) -> Decimal | None:
        return self.progress.rule.hours

    @property
    def credits_left(self) -> Decimal:
        need = self.credits_required
        return Decimal(0) if need is None else max(Decimal(0), need - self.progress.credits_earned)

    @property
    def hours_left(self) -> Decimal:
        need = self.hours_required
        return Decimal(0) if need is None else max(Decimal(0), need - self.progress.hours_earned)

    @property
    def steps(self) -> list[RenewalStep]:
        """The components that matter for this renewal: those it requires, and those that
        earn credits or hours where it asks for them."""
        rule = self.progress.rule
        result = []
        for link in self.links:
            required = link.component_id in rule.required
            earns = (rule.credits is not None and link.component.credits_earned) or (
                rule.hours is not None and link.component.hours_earned
            )
            if not (required or earns):
                continue
            if link.component_id in self.progress.done:
                step = RenewalStep(link, required, "done", self.progress.done[link.component_id])
            elif link.component_id in self.pending_on:
                step = RenewalStep(link, required, "pending", self.pending_on[link.component_id])
            else:
                step = RenewalStep(link, required, "todo")
            result.append(step)
        return sorted(result, key=lambda s: (not s.required, s.component.name))

    @property
    def missing(self) -> list[str]:
        """Names of the required components not yet done for this renewal."""
        return [s.component.name for s in self.steps if s.required and s.state != "done"]

    @property
    def staff_recorded(self) -> list[str]:
        """Of `missing`, what the member cannot report (exams, events): staff record it."""
        return [
            s.component.name
            for s in self.steps
            if s.required and s.state != "done" and s.component.kind not in REPORTABLE_KINDS
        ]

    @property
    def pending(self) -> int:
        return len(self.pending_on)

    @property
    def percent(self) -> int:
        """How far along: each required component, and the credit and hour thresholds,
        weigh one part each."""
        if self.progress.met:
            return 100
        parts = [1.0 if s.state == "done" else 0.0 for s in self.steps if s.required]
        for need, got in (
            (self.credits_required, self.progress.credits_earned),
            (self.hours_required, self.progress.hours_earned),
        ):
            if need:
                parts.append(min(1.0, float(got / need)))
        return round(100 * sum(parts) / len(parts)) if parts else 0

    @property
    def counted_ids(self) -> set[int]:
        """The completions that count toward this renewal now."""
        return {pk for pk, _ in self.progress.counted}


def renewals_of(
    enrollments: list[Enrollment],
    periods_of: dict[int, list[Period]],
    links_of: dict[int, list[ProgramComponent]],
    pending_of: dict[tuple[int, int], list[date]],
    as_of: AsOf,
) -> dict[int, Renewal]:
    """The renewal of each enrollment that has one (certified, of a program that renews),
    by enrollment id, in a constant number of queries.

    `pending_of`: the dates of the reports awaiting approval, by (contact, component).
    """
    states, since = {}, {}
    for enrollment in enrollments:
        state = renewals.state_of(enrollment, as_of.today)
        periods = periods_of.get(enrollment.pk)
        if state is not None and periods:
            states[enrollment.pk] = state
            since[enrollment.pk] = renewals.counts_from(periods[-1])
    rows = [e for e in enrollments if e.pk in states]
    if not rows:
        return {}
    progress = progress_of_many(rows, as_of.today, renewal_since=since)
    result = {}
    for enrollment in rows:
        links = links_of.get(enrollment.program_id, [])
        start = since[enrollment.pk]
        pending_on = {}
        for link in links:
            reported = pending_of.get((enrollment.contact_id, link.component_id), [])
            if days := [d for d in reported if d >= start]:
                pending_on[link.component_id] = max(days)
        result[enrollment.pk] = Renewal(
            state=states[enrollment.pk],
            window=renewals.window_of(enrollment),
            since=start,
            progress=progress[enrollment.pk],
            links=links,
            pending_on=pending_on,
        )
    return result
