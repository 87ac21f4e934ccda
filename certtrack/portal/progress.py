"""What the portal tells a contact about one enrollment: status true now, progress, expiry,
and what to do next. Read-only; every rule comes from the certification domain.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from certtrack.certification.dates import AsOf, day_text
from certtrack.certification.models import (
    Completion,
    CompletionState,
    Enrollment,
    Period,
    ProgramComponent,
)
from certtrack.certification.periods import ELSEWHERE, in_force
from certtrack.certification.progress_store import percent_of
from certtrack.certification.renewal import RenewalState
from certtrack.certification.requirements import Progress, progress_of_many
from certtrack.certification.statuses import MEANING, SUSPENDED, Status, label, standing
from certtrack.credentials.certificates import has_certificate, issuer_name, verification_url

from .renewing import REPORTABLE_KINDS, Renewal, renewals_of

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
# LinkedIn's documented "Add to profile" link for a certification.
LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


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
    periods: list[Period] = field(default_factory=list)  # oldest first
    renewal: Renewal | None = None
    # A newer open enrollment of the same contact in the same program (enrolled again).
    again: Enrollment | None = None

    @property
    def suspended(self) -> bool:
        """Inactive with a period: a suspended certification, not an enrollment on hold."""
        return standing(self.status, self.enrollment.period_number > 0) == SUSPENDED

    @property
    def status_label(self) -> str:
        return "Suspended" if self.suspended else label(self.status)

    @property
    def meaning(self) -> str:
        return MEANING[self.status]

    @property
    def next_step(self) -> str:
        if self.suspended:
            return (
                "Your certification is suspended: it is not valid while suspended. "
                "Contact us about lifting the suspension."
            )
        if self.again is not None:  # not "Apply again": they have (a member's trial)
            status = label(self.as_of.status_of(self.again.status, self.again.expires_on))
            return f"You have enrolled again: your new enrollment is {status}."
        renewal = self.renewal if self.has_certificate else None
        if renewal is None:
            return NEXT_STEP[self.status]
        window = renewal.window
        if renewal.state == RenewalState.REVIEW:
            return "Your renewal is with our staff for approval. You stay certified meanwhile."
        if renewal.state == RenewalState.OPEN:
            return (
                f"Your renewal is open until {day_text(window.expires_on)}: report the work "
                "it needs on the Renew page."
            )
        if renewal.state == RenewalState.GRACE:
            return (
                "Your certification has expired, but you can still renew it until "
                f"{day_text(window.closes_on)}: report the work on the Renew page."
            )
        if renewal.state == RenewalState.NOT_OPEN and self.status == Status.EXPIRING:
            opens = day_text(window.opens_on)
            return f"Your certification expires soon. Its renewal opens on {opens}."
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
        """The bar: the required components, credits and hours together, as the back-office's
        (`percent_of`); it drew the components alone: full while 8 of 20 hours were done."""
        return percent_of(self.progress)

    @property
    def has_certificate(self) -> bool:
        return has_certificate(self.enrollment, self.as_of)

    @property
    def first_activated_on(self) -> date | None:
        periods = self.periods
        return periods[0].activated_on if periods else self.enrollment.activated_on

    @property
    def past_periods(self) -> list:
        """Periods before the current one, newest first: each keeps its certificate."""
        current = self.current_period
        return [p for p in self.periods if current and p.number < current.number][::-1]

    @property
    def current_period(self) -> Period | None:
        """The period in force today: the latest begun. After an early renewal the latest
        period starts on the old expiry, in the future (`next_period`)."""
        return in_force(self.periods, self.today)

    @property
    def next_period(self) -> Period | None:
        """A period granted that has not begun yet (an early renewal's), if any."""
        current = self.current_period
        later = [p for p in self.periods if current and p.number > current.number]
        return later[-1] if later else None

    @property
    def verification_url(self) -> str:
        return verification_url(self.enrollment.certificate_number or "")

    @property
    def linkedin_url(self) -> str:
        """LinkedIn's "Add to profile" link: issued when first certified (the number stays
        the same across periods, as a licence's does), expiring with the current period."""
        issued = self.first_activated_on
        params = {
            "startTask": "CERTIFICATION_NAME",
            "name": self.program.name,
            "organizationName": issuer_name(),
        }
        if issued is not None:
            params |= {"issueYear": issued.year, "issueMonth": issued.month}
        if (expires_on := self.enrollment.expires_on) is not None:
            params |= {"expirationYear": expires_on.year, "expirationMonth": expires_on.month}
        params |= {
            "certUrl": self.verification_url,
            "certId": self.enrollment.certificate_number or "",
        }
        return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"

    @property
    def can_report(self) -> bool:
        """Work the contact may still report: not once all of it is in (Admin Review)."""
        return self.working and self.status != Status.ADMIN_REVIEW

    @property
    def recorded(self) -> bool:
        """A certification recorded or imported from earlier records: its requirements were
        met elsewhere, so its steps are not "To do" (a member's trial)."""
        current = self.current_period
        return (
            (self.has_certificate or self.suspended)
            and current is not None
            and current.source in ELSEWHERE
        )

    @property
    def working(self) -> bool:
        """Still working towards the certification: progress is the news (not the certificate)."""
        return self.enrollment.is_open and not self.has_certificate and not self.suspended


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
    pending_of: dict[tuple[int, int], list[date]] = {}
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
        if completion.state == CompletionState.PENDING:
            pending_of.setdefault(key, []).append(completion.completed_on)
    periods_of: dict[int, list[Period]] = {}
    for period in Period.objects.filter(enrollment__in=enrollments).order_by(
        "enrollment_id", "number"
    ):
        periods_of.setdefault(period.enrollment_id, []).append(period)
    renewal_of = renewals_of(enrollments, periods_of, links_of, pending_of, as_of)
    again_of = _enrolled_again(enrollments)
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
            sum(1 for key in keys if key in pending_of),
            periods=periods_of.get(enrollment.pk, []),
            renewal=renewal_of.get(enrollment.pk),
            again=again_of.get(enrollment.pk),
        )
        if steps:
            summary.steps = [
                _step(link, done, latest.get((enrollment.contact_id, link.component_id)))
                for link in links
            ]
        result.append(summary)
    return result


def _enrolled_again(enrollments: list[Enrollment]) -> dict[int, Enrollment]:
    """Each closed enrollment's open one of the same contact and program, if any (one
    query; at most one is open, `statuses.OPEN`)."""
    closed = [e for e in enrollments if not e.is_open]
    if not closed:
        return {}
    open_ = Enrollment.objects.open().filter(
        contact_id__in={e.contact_id for e in closed},
        program_id__in={e.program_id for e in closed},
    )
    newer = {(e.contact_id, e.program_id): e for e in open_}
    return {e.pk: again for e in closed if (again := newer.get((e.contact_id, e.program_id)))}


def _step(link: ProgramComponent, progress: Progress, latest: Completion | None) -> Step:
    if link.component_id in progress.done:
        return Step(link, "done", progress.done[link.component_id])
    if latest is None:
        return Step(link, "todo")
    state = {CompletionState.PENDING: "pending", CompletionState.REJECTED: "rejected"}
    if latest.state not in state:  # approved, but not counted here (an earlier period's)
        return Step(link, "todo")  # no date under "To do": it read as a due date
    return Step(link, state[latest.state], latest.completed_on)


def summarize(enrollment: Enrollment, as_of: AsOf, steps: bool = False) -> Summary:
    """The contact's view of one enrollment."""
    return summaries([enrollment], as_of, steps)[0]
