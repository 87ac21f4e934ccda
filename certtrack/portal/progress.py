"""What the portal tells a contact about one enrollment: status true now, progress, expiry,
and what to do next. Read-only; every rule comes from the certification domain.
"""

from dataclasses import dataclass, field
from datetime import date

from certtrack.certification.dates import AsOf
from certtrack.certification.models import (
    Completion,
    CompletionState,
    ComponentKind,
    Enrollment,
    ProgramComponent,
)
from certtrack.certification.requirements import Progress, progress_of_many
from certtrack.certification.statuses import MEANING, Status, label
from certtrack.credentials.certificates import has_certificate, verification_url

# The contact's next step in each status, in the contact's words.
NEXT_STEP = {
    Status.APPLIED: "Your application is with our staff. We will email you when it is approved.",
    Status.IN_PROGRESS: "Complete the remaining requirements and report work you have done.",
    Status.ADMIN_REVIEW: "All your work is in. An administrator is reviewing your certification.",
    Status.ACTIVE: "You are certified. Download your certificate or share its verification link.",
    Status.EXPIRING: "Your certification expires soon. Contact us about renewing it.",
    Status.EXPIRED: "Your certification has expired. Apply again to recertify.",
    Status.INACTIVE: "Your enrollment is on hold. Contact us to pick it up again.",
    Status.NOT_COMPLETED: "The work was not completed in time. Contact us to reopen it.",
    Status.DECLINED: "Your application was declined. You may apply again.",
    Status.CANCELLED: "This certification was cancelled.",
}
# Component kinds a contact may report themselves; exams and events are recorded by staff.
REPORTABLE_KINDS = (ComponentKind.COURSE, ComponentKind.TASK)


@dataclass
class Step:
    """One component of the program and where the contact stands on it."""

    link: ProgramComponent
    state: str  # "done", "pending", "rejected" or "todo"
    on: date | None = None

    @property
    def component(self):
        return self.link.component

    @property
    def reportable(self) -> bool:
        """The contact can report this step themselves (not yet done or awaiting approval)."""
        return self.state in ("todo", "rejected") and self.component.kind in REPORTABLE_KINDS

    @property
    def state_label(self) -> str:
        return {
            "done": "Done",
            "pending": "Awaiting approval",
            "rejected": "Not accepted",
            "todo": "To do",
        }[self.state]


@dataclass
class Summary:
    enrollment: Enrollment
    status: Status
    progress: Progress
    as_of: AsOf
    pending: int = 0
    steps: list[Step] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return label(self.status)

    @property
    def meaning(self) -> str:
        return MEANING[self.status]

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.status]

    @property
    def program(self):
        return self.enrollment.program

    @property
    def today(self) -> date:
        return self.as_of.today

    @property
    def days_left(self) -> int | None:
        expires_on = self.enrollment.expires_on
        return None if expires_on is None else (expires_on - self.today).days

    @property
    def percent(self) -> int:
        total = self.progress.required_total
        return 100 if not total else round(100 * self.progress.required_done / total)

    @property
    def has_certificate(self) -> bool:
        return has_certificate(self.enrollment, self.as_of)

    @property
    def periods(self) -> list:
        """The certification's periods, oldest first (prefetch `periods` for a list)."""
        return list(self.enrollment.periods.all())

    @property
    def first_activated_on(self) -> date | None:
        periods = self.periods
        return periods[0].activated_on if periods else self.enrollment.activated_on

    @property
    def past_periods(self) -> list:
        """Earlier periods, newest first: each keeps its certificate."""
        return self.periods[:-1][::-1]

    @property
    def verification_url(self) -> str:
        return verification_url(self.enrollment.certificate_number or "")

    @property
    def can_report(self) -> bool:
        return self.enrollment.is_open

    @property
    def working(self) -> bool:
        """Still working towards the certification: progress is the news (not the certificate)."""
        return self.enrollment.is_open and not self.has_certificate


def summaries(enrollments, as_of: AsOf, steps: bool = False) -> list[Summary]:
    """The contact's view of each enrollment, in a constant number of queries.

    With `steps`, each component of the program and where the contact stands on it.
    """
    enrollments = list(enrollments)
    if not enrollments:
        return []
    progress = progress_of_many(enrollments, as_of.today)
    links_of: dict[int, list[ProgramComponent]] = {}
    for link in ProgramComponent.objects.filter(
        program_id__in={e.program_id for e in enrollments}
    ).select_related("component"):
        links_of.setdefault(link.program_id, []).append(link)
    # The latest live completion of each (contact, component): what a step shows.
    latest: dict[tuple[int, int], Completion] = {}
    pending: dict[tuple[int, int], bool] = {}
    for completion in (
        Completion.objects.live()
        .filter(
            contact_id__in={e.contact_id for e in enrollments},
            component_id__in={link.component_id for ls in links_of.values() for link in ls},
        )
        .order_by("completed_on", "id")
    ):
        key = (completion.contact_id, completion.component_id)
        latest[key] = completion
        pending[key] = pending.get(key, False) or completion.state == CompletionState.PENDING
    result = []
    for enrollment in enrollments:
        links = links_of.get(enrollment.program_id, [])
        done = progress[enrollment.pk]
        keys = [(enrollment.contact_id, link.component_id) for link in links]
        summary = Summary(
            enrollment,
            as_of.status_of(enrollment.status, enrollment.expires_on),
            done,
            as_of,
            sum(1 for key in keys if pending.get(key)),
        )
        if steps:
            summary.steps = [
                _step(link, done, latest.get((enrollment.contact_id, link.component_id)))
                for link in links
            ]
        result.append(summary)
    return result


def _step(link: ProgramComponent, progress: Progress, latest: Completion | None) -> Step:
    if link.component_id in progress.done:
        return Step(link, "done", progress.done[link.component_id])
    if latest is None:
        return Step(link, "todo")
    state = {CompletionState.PENDING: "pending", CompletionState.REJECTED: "rejected"}
    return Step(link, state.get(latest.state, "todo"), latest.completed_on)


def summarize(enrollment: Enrollment, as_of: AsOf, steps: bool = False) -> Summary:
    """The contact's view of one enrollment."""
    return summaries([enrollment], as_of, steps)[0]
