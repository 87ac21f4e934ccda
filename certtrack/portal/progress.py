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
from certtrack.certification.requirements import Progress, evaluate
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
    def verification_url(self) -> str:
        return verification_url(self.enrollment.certificate_number or "")

    @property
    def can_report(self) -> bool:
        return self.enrollment.is_open

    @property
    def working(self) -> bool:
        """Still working towards the certification: progress is the news (not the certificate)."""
        return self.enrollment.is_open and not self.has_certificate


def summarize(enrollment: Enrollment, as_of: AsOf, steps: bool = False) -> Summary:
    """The contact's view of one enrollment (with each component's state if `steps`)."""
    progress = evaluate(enrollment.program, enrollment.contact_id)
    links = list(
        ProgramComponent.objects.filter(program=enrollment.program).select_related("component")
    )
    completions = Completion.objects.live().filter(
        contact_id=enrollment.contact_id, component_id__in=[link.component_id for link in links]
    )
    latest: dict[int, Completion] = {}
    pending = 0
    for completion in completions.order_by("completed_on", "id"):
        latest[completion.component_id] = completion
        if completion.state == CompletionState.PENDING:
            pending += 1
    summary = Summary(
        enrollment,
        as_of.status_of(enrollment.status, enrollment.expires_on),
        progress,
        as_of,
        pending,
    )
    if steps:
        for link in links:
            component_id = link.component_id
            if component_id in progress.done:
                step = Step(link, "done", progress.done[component_id])
            elif (completion := latest.get(component_id)) is not None:
                state = {
                    CompletionState.PENDING: "pending",
                    CompletionState.REJECTED: "rejected",
                }.get(completion.state, "todo")
                step = Step(link, state, completion.completed_on)
            else:
                step = Step(link, "todo")
            summary.steps.append(step)
    return summary
