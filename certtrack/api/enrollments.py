"""Enrollments (the Tracking tab) and completions.

Lists, counts and the export read the status true *now* (`tracking_queryset`), so
`?status=expiring` is right whether or not the worker has run.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router
from ninja import Status as Reply
from ninja.responses import NinjaJSONEncoder

from certtrack import clock
from certtrack.cells import safe_cell
from certtrack.certification import counts as aggregate
from certtrack.certification import renewal, services
from certtrack.certification.dates import AsOf
from certtrack.certification.models import (
    Completion,
    CompletionSource,
    CompletionState,
    Enrollment,
    GeneralSettings,
    Period,
)
from certtrack.certification.requirements import evaluate, progress_of_many
from certtrack.certification.statuses import CERTIFIED, Status, label
from certtrack.certification.tracking import (
    ROW_FIELDS,
    as_of_day,
    parsed_range_criteria,
    shown_status,
    tracking_queryset,
)
from certtrack.certification.tracking import status_counts as count_statuses

from .auth import actor
from .common import ID, errors, get_or_404, paginate
from .schemas import (
    NO_NUL,
    ActionIn,
    ActionName,
    ApplyIn,
    CompletionIn,
    CompletionOut,
    DecisionIn,
    EnrollmentDetail,
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentPage,
    EnrollmentPatch,
    StatusCounts,
)
from .setup import PAGE, PAGE_SIZE

router = Router()


def _as_of() -> AsOf:
    return GeneralSettings.get().as_of(clock.now())


# --- serialization ------------------------------------------------------------------------


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
    """The `renewal` object of each certified row of a program that renews."""
    windows, since = {}, {}
    for e in enrollments:
        program = e.program
        window = renewal.window(
            e.expires_on, program.renewal_window_days, program.renewal_grace_days
        )
        if e.status in CERTIFIED and e.pk in periods_of and window is not None:
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
        out[pk] = {
            "state": renewal.RenewalState.REVIEW.value
            if review
            else window.state(as_of.today).value,
            "opens_on": window.opens_on,
            "closes_on": window.closes_on,
            "progress": done.as_dict()
            | {
                "credits_required": None if rule.credits is None else float(rule.credits),
                "hours_required": None if rule.hours is None else float(rule.hours),
            },
        }
    return out


def _period_out(period: Period) -> dict:
    return {
        "number": period.number,
        "activated_on": period.activated_on,
        "expires_on": period.expires_on,
        "renewed_on": period.renewed_on,
        "source": period.source,
        "certificate_url": (
            f"/api/v1/enrollments/{period.enrollment_id}/certificate.pdf?period={period.number}"
        ),
    }


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


def _enrollment(enrollment_id: int) -> Enrollment:
    return get_or_404(
        Enrollment.objects.select_related("contact", "program"), enrollment_id, "enrollment"
    )


def enrollment_out(enrollment_id: int) -> dict:
    return enrollments_out([_enrollment(enrollment_id)], _as_of())[0]


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
            "completions": [
                {
                    "id": c.pk,
                    "completed_on": c.completed_on,
                    "state": c.state,
                    "passed": c.passed,
                    "score": c.score,
                }
                for c in attempts.get(link.component_id, [])
            ],
        }
        for link in links
    ]
    history = [
        {
            "at": h.at,
            "actor": h.actor,
            "action": h.action,
            "from_status": h.from_status,
            "to_status": h.to_status,
            "reason": h.reason,
            "changes": h.changes,
        }
        for h in enrollment.history.order_by("at", "id")
    ]
    out = enrollments_out([enrollment], as_of)[0]
    periods = Period.objects.filter(enrollment=enrollment).order_by("number")
    return {
        **out,
        "components": components,
        "history": history,
        "periods": [_period_out(p) for p in periods],
    }


# --- enrollments --------------------------------------------------------------------------

# The Tracking filters, declared for the schema; `tracking_queryset` parses them (400).
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
    return Query(None, description=FILTER_DOCS[name], max_length=2000, pattern=NO_NUL)


@router.post(
    "/programs/{id}/apply",
    response={201: EnrollmentOut, **errors(404, 409, 422)},
    tags=["enrollments"],
)
def apply(request: HttpRequest, payload: ApplyIn, id: int = ID):
    """The contact applies, as from the portal: Applied (program requires approval) or
    In progress. An open enrollment of the contact in the program → 409."""
    enrollment = services.apply(payload.contact_id, id, actor(request))
    return Reply(201, enrollment_out(enrollment.pk))


@router.post(
    "/enrollments", response={201: EnrollmentOut, **errors(404, 409, 422)}, tags=["enrollments"]
)
def create_enrollment(request: HttpRequest, payload: EnrollmentIn):
    """Staff add a contact to a program (In progress), or with `status: active` and
    `activated_on` (optionally `expires_on`) record a certification earned before."""
    who = actor(request)
    if payload.status == "active":
        enrollment = services.record_existing(
            payload.contact_id,
            payload.program_id,
            payload.activated_on,
            who,
            expires_on=payload.expires_on,
        )
    else:
        for name in ("activated_on", "expires_on"):
            if getattr(payload, name) is not None:
                return Reply(
                    422,
                    {
                        "detail": f"{name} is only for recording an existing certification "
                        '("status": "active").',
                        "field": name,
                    },
                )
        enrollment = services.add(payload.contact_id, payload.program_id, who)
    return Reply(201, enrollment_out(enrollment.pk))


# What a list row reads: only these columns are fetched (no per-row conversion of the rest).


@router.get("/enrollments", response={200: EnrollmentPage, **errors(400)}, tags=["enrollments"])
def list_enrollments(
    request: HttpRequest,
    status: str | None = _filter("status"),
    program: str | None = _filter("program"),
    q: str | None = _filter("q"),
    expires_from: str | None = _filter("expires_from"),
    expires_to: str | None = _filter("expires_to"),
    expires_within_days: str | None = _filter("expires_within_days"),
    renewal: str | None = _filter("renewal"),
    ordering: str | None = _filter("ordering"),
    updated_since: str | None = _filter("updated_since"),
    as_of: str | None = _filter("as_of"),
    page: int = PAGE,
    page_size: int = PAGE_SIZE,
):
    """The Tracking tab: enrollments by the status true today (or at the end of the
    `as_of` day), filtered and ordered."""
    now = _as_of()
    rows = tracking_queryset(request.GET, now, current_status=False).only(*ROW_FIELDS)
    # `count` from the aggregate when the criteria are status / program / expiry only
    # (never with `as_of`: the aggregate holds today's stored rows).
    count = aggregate.total(request.GET, now) if aggregate.answers(request.GET) else None
    envelope, enrollments = paginate(rows, page, page_size, count=count)
    # Rendered as built (`enrollments_out`, which the schema test holds to EnrollmentPage):
    # validating a page of nested objects again cost more than its queries.
    page_body = {**envelope, "results": enrollments_out(enrollments, now)}
    return HttpResponse(
        json.dumps(page_body, cls=NinjaJSONEncoder), content_type="application/json"
    )


@router.get(
    "/enrollments/status-counts", response={200: StatusCounts, **errors(400)}, tags=["enrollments"]
)
def status_counts(
    request: HttpRequest,
    program: str | None = _filter("program"),
    q: str | None = _filter("q"),
    expires_from: str | None = _filter("expires_from"),
    expires_to: str | None = _filter("expires_to"),
    expires_within_days: str | None = _filter("expires_within_days"),
    renewal: str | None = _filter("renewal"),
    as_of: str | None = _filter("as_of"),
):
    """How many enrollments are in each of the ten statuses today, or at the end of the
    `as_of` day (the Quick Filter)."""
    now = _as_of()
    params = {k: v for k, v in request.GET.items() if k not in ("status", "ordering")}
    if aggregate.answers(params):
        # Program and expiry criteria only: sums of the count aggregate, no row scanned.
        _, programs, expiry = parsed_range_criteria(params, now)
        counts = aggregate.status_counts(now, programs, expiry)
    else:  # search, renewal, updated_since, as_of: an exact count over the matching rows
        rows = tracking_queryset(params, now, by_status=False, ordered=False)
        counts = count_statuses(rows, now)
    return {"counts": counts, "total": sum(counts.values())}


EXPORT_COLUMNS = [
    ("id", "id"),
    ("contact_id", "contact_id"),
    ("first_name", "contact__first_name"),
    ("last_name", "contact__last_name"),
    ("email", "contact__email"),
    ("organization", "contact__organization"),
    ("program_id", "program_id"),
    ("program_code", "program__code"),
    ("program_name", "program__name"),
    ("status", "current_status"),
    ("status_label", None),
    ("applied_on", "applied_on"),
    ("started_on", "started_on"),
    ("completed_on", "completed_on"),
    ("activated_on", "activated_on"),
    ("expires_on", "expires_on"),
    ("certificate_number", "certificate_number"),
]


# Text columns (a name could start with "="); ids and dates never need quoting.
_TEXT_COLUMNS = {"first_name", "last_name", "email", "organization", "program_code"}
_TEXT_COLUMNS |= {"program_name", "certificate_number"}
EXPORT_BATCH = 2000


def export_lines(rows) -> Iterator[str]:
    """The CSV of `rows` (a values() queryset), read and sent 2000 rows at a time.

    One string per batch, not per row: at a million rows the per-chunk cost of a
    streamed response would otherwise cost more than the rows (docs/performance.md).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in EXPORT_COLUMNS])
    labels = {status.value: status.label for status in Status}
    columns = [
        (source, name in _TEXT_COLUMNS, name == "status_label") for name, source in EXPORT_COLUMNS
    ]
    for n, row in enumerate(rows.iterator(chunk_size=EXPORT_BATCH), start=1):
        cells = []
        for source, text, is_label in columns:
            if is_label:
                cells.append(labels[row["current_status"]])
                continue
            value = row[source]
            if value is None:
                cells.append("")
            elif text:
                cells.append(safe_cell(value))
            else:
                cells.append(value.isoformat() if hasattr(value, "isoformat") else value)
        writer.writerow(cells)
        if n % EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get(
    "/enrollments/export.csv",
    response=errors(400),
    tags=["enrollments"],
    openapi_extra={
        "responses": {
            200: {
                "description": "Every matching enrollment, one CSV row each, after a header row.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_enrollments(
    request: HttpRequest,
    status: str | None = _filter("status"),
    program: str | None = _filter("program"),
    q: str | None = _filter("q"),
    expires_from: str | None = _filter("expires_from"),
    expires_to: str | None = _filter("expires_to"),
    expires_within_days: str | None = _filter("expires_within_days"),
    renewal: str | None = _filter("renewal"),
    ordering: str | None = _filter("ordering"),
    as_of: str | None = _filter("as_of"),
):
    """The Tracking rows as CSV, streamed (constant memory at any size); with `as_of`,
    the statuses of the end of that day (the file is named after it)."""
    now = _as_of()
    rows = tracking_queryset(request.GET, now).values(
        *[source for _, source in EXPORT_COLUMNS if source]
    )
    day = as_of_day(request.GET)
    name = f"enrollments-as-of-{day}" if day else f"enrollments-{now.today}"
    response = StreamingHttpResponse(export_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    if day:
        response["X-As-Of"] = day.isoformat()
    return response


@router.get(
    "/enrollments/{id}", response={200: EnrollmentDetail, **errors(404)}, tags=["enrollments"]
)
def get_enrollment(request: HttpRequest, id: int = ID):
    """One enrollment with its components (and their completion state) and its history."""
    return enrollment_detail(_enrollment(id), _as_of())


@router.patch(
    "/enrollments/{id}",
    response={200: EnrollmentOut, **errors(404, 409, 422)},
    tags=["enrollments"],
)
def patch_enrollment(request: HttpRequest, payload: EnrollmentPatch, id: int = ID):
    """Set the expiration date by hand (extension, correction); a `reason` is required."""
    services.set_expires_on(id, payload.expires_on, payload.reason, actor(request))
    return enrollment_out(id)


@router.post(
    "/enrollments/{id}/actions/{action}",
    response={200: EnrollmentOut, **errors(404, 409, 422)},
    tags=["enrollments"],
)
def perform_action(
    request: HttpRequest, action: ActionName, id: int = ID, payload: ActionIn | None = None
):
    """A staff action of the transition table; not allowed from the current status (or the
    renewal's state) → 409; `suspend`, `renew`, `reject_renewal` without a reason → 422."""
    reason = payload.reason if payload is not None else ""
    expires_on = payload.expires_on if payload is not None else None
    services.perform(id, action, actor(request), reason=reason, expires_on=expires_on)
    return enrollment_out(id)


# --- completions ------------------------------------------------------------------------


def completion_out(completion: Completion) -> dict:
    return {
        "id": completion.pk,
        "contact_id": completion.contact_id,
        "component_id": completion.component_id,
        "completed_on": completion.completed_on,
        "score": completion.score,
        "passed": completion.passed,
        "state": completion.state,
        "note": completion.note,
        "source": completion.source,
        "removed": completion.removed_at is not None,
    }


@router.post(
    "/completions", response={201: CompletionOut, **errors(404, 409, 422)}, tags=["completions"]
)
def record_completion(request: HttpRequest, payload: CompletionIn):
    """Record a completion (an LMS, an events system): approved, or pending where the
    component requires approval. A failed exam is recorded with `passed: false`."""
    completion = services.record_completion(
        payload.contact_id,
        payload.component_id,
        payload.completed_on,
        actor(request),
        score=payload.score,
        passed=payload.passed,
        note=payload.note,
        source=CompletionSource.API,
    )
    return Reply(201, completion_out(completion))


@router.post(
    "/completions/{id}/approve",
    response={200: CompletionOut, **errors(404, 409, 422)},
    tags=["completions"],
)
def approve_completion(request: HttpRequest, id: int = ID, payload: DecisionIn | None = None):
    """Approve a pending completion; it now counts toward requirements."""
    reason = payload.reason if payload is not None else ""
    return completion_out(services.approve_completion(id, actor(request), reason=reason))


@router.post(
    "/completions/{id}/reject",
    response={200: CompletionOut, **errors(404, 409, 422)},
    tags=["completions"],
)
def reject_completion(request: HttpRequest, id: int = ID, payload: DecisionIn | None = None):
    """Reject a pending completion; it never counts."""
    reason = payload.reason if payload is not None else ""
    return completion_out(services.reject_completion(id, actor(request), reason=reason))


@router.delete("/completions/{id}", response={204: None, **errors(400, 404)}, tags=["completions"])
def delete_completion(
    request: HttpRequest,
    id: int = ID,
    reason: str = Query("", max_length=2000, pattern=NO_NUL, description="Why it is removed."),
):
    """Remove a completion recorded in error (kept and marked removed; the history says so)."""
    services.remove_completion(id, actor(request), reason=reason)
    return Reply(204, None)
