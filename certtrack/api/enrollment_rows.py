"""An enrollment as the API shows it (EnrollmentOut, EnrollmentDetail).

An enrollment object gathers what no single row holds (progress, periods, renewal): built
here for a page of rows in a constant number of queries. The list sends it as built (see
`list_enrollments`); every other answer is validated against its schema.
"""

from collections.abc import Iterable

from certtrack import clock
from certtrack.certification import renewal
from certtrack.certification.dates import AsOf
from certtrack.certification.models import (
    Completion,
    CompletionState,
    Enrollment,
    GeneralSettings,
    Period,
)
from certtrack.certification.requirements import evaluate, progress_of_many
from certtrack.certification.statuses import CERTIFIED, label
from certtrack.certification.tracking import shown_status

from .common import get_or_404


def as_of_now() -> AsOf:
    """ "Today" and "now" in the organization's time zone."""
    return GeneralSettings.get().as_of(clock.now())


def enrollments_out(enrollments: Iterable[Enrollment], as_of: AsOf) -> list[dict]:
    """Enrollment objects for a page of rows: progress, periods and renewal in a constant
    number of queries."""
    enrollments = list(enrollments)
    progress = progress_of_many(enrollments, as_of.today)
    periods_of = _periods_of(enrollments)
    renewals = _renewals(enrollments, periods_of, as_of)
    return [
        _enrollment_out(e, as_of, progress[e.pk].as_dict(), periods_of.get(e.pk, []))
        | {"renewal": renewals.get(e.pk)}
        for e in enrollments
    ]


def _periods_of(enrollments: list[Enrollment]) -> dict[int, list[Period]]:
    """Each enrollment's periods, oldest first (one query for the page)."""
    periods_of: dict[int, list[Period]] = {}
    for period in Period.objects.filter(enrollment_id__in=[e.pk for e in enrollments]).order_by(
        "enrollment_id", "number"
    ):
        periods_of.setdefault(period.enrollment_id, []).append(period)
    return periods_of


def _renewals(enrollments: list[Enrollment], periods_of: dict, as_of: AsOf) -> dict[int, dict]:
    """The `renewal` object of each row ever certified (it has a period) of a program that
    renews (API.md: null only then). A suspended or cancelled one cannot be renewed:
    `closed`, with its window's days (docs/decisions.md)."""
    windows, since = {}, {}
    for e in enrollments:
        program = e.program
        window = renewal.window(
            e.expires_on, program.renewal_window_days, program.renewal_grace_days
        )
        if e.pk in periods_of and window is not None:
            latest = periods_of[e.pk][-1]
            windows[e.pk] = window
            since[e.pk] = latest.renewed_on or latest.activated_on
    if not windows:
        return {}
    rows = [e for e in enrollments if e.pk in windows]
    by_id = {e.pk: e for e in rows}
    progress = progress_of_many(rows, as_of.today, renewal_since=since)
    out = {}
    for pk, window in windows.items():
        done, rule = progress[pk], progress[pk].rule
        review = by_id[pk].renewal_review_on is not None  # met, awaiting staff
        if by_id[pk].status not in CERTIFIED:
            state = renewal.RenewalState.CLOSED
        elif review:
            state = renewal.RenewalState.REVIEW
        else:
            state = window.state(as_of.today)
        out[pk] = {
            "state": state.value,
            "opens_on": window.opens_on,
            "closes_on": window.closes_on,
            "progress": done.as_dict()
            | {
                "credits_required": None if rule.credits is None else float(rule.credits),
                "hours_required": None if rule.hours is None else float(rule.hours),
            },
        }
    return out


def _enrollment_out(
    enrollment: Enrollment, as_of: AsOf, progress: dict, periods: list[Period]
) -> dict:
    status = shown_status(enrollment, as_of)
    contact, program = enrollment.contact, enrollment.program
    return {
        "id": enrollment.pk,
        "status": status.value,
        "status_label": label(status),
        "contact": {
            "id": contact.pk,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "organization": contact.organization,
        },
        "program": {"id": program.pk, "name": program.name, "code": program.code},
        "applied_on": enrollment.applied_on,
        "started_on": enrollment.started_on,
        "completed_on": enrollment.completed_on,
        "activated_on": enrollment.activated_on,
        "expires_on": enrollment.expires_on,
        "progress": progress,
        "certificate_number": enrollment.certificate_number,
        "first_activated_on": periods[0].activated_on if periods else None,
        "period": periods[-1].number if periods else None,
        "updated_at": enrollment.updated_at,
    }


def enrollment_or_404(enrollment_id: int) -> Enrollment:
    return get_or_404(
        Enrollment.objects.select_related("contact", "program"), enrollment_id, "enrollment"
    )


def enrollment_out(enrollment_id: int) -> dict:
    return enrollments_out([enrollment_or_404(enrollment_id)], as_of_now())[0]


def _component_state(done: bool, attempts: list[Completion]) -> str:
    if done:
        return "completed"
    if any(c.state == CompletionState.PENDING for c in attempts):
        return "pending"
    return "failed" if attempts else "not_started"


def enrollment_detail(enrollment: Enrollment, as_of: AsOf) -> dict:
    """The enrollment with each component's completion state and the history."""
    progress = evaluate(enrollment, as_of.today)
    links = list(enrollment.program.links.select_related("component"))
    attempts: dict[int, list[Completion]] = {}
    for completion in Completion.objects.live().filter(
        contact_id=enrollment.contact_id, component_id__in=[link.component_id for link in links]
    ):
        attempts.setdefault(completion.component_id, []).append(completion)
    components = [
        {
            "component_id": link.component_id,
            "name": link.component.name,
            "code": link.component.code,
            "kind": link.component.kind,
            "required": link.required,
            "state": _component_state(
                link.component_id in progress.done, attempts.get(link.component_id, [])
            ),
            "completed_on": progress.done.get(link.component_id),
            "completions": attempts.get(link.component_id, []),  # CompletionBrief
        }
        for link in links
    ]
    return {
        **enrollments_out([enrollment], as_of)[0],
        "components": components,
        "history": list(enrollment.history.order_by("at", "id")),  # HistoryEntry
        "periods": list(Period.objects.filter(enrollment=enrollment).order_by("number")),
    }
