"""Enrollments (API.md "Enrollments (the Tracking tab)"): each operation is one call of
the domain; the objects are built in `enrollment_rows.py`.

Lists, counts and the export read the status true *now* (`tracking_queryset`), so
`?status=expiring` is right whether or not the worker has run.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router
from ninja import Status as Reply
from ninja.responses import NinjaJSONEncoder

from certtrack.cells import number, safe_cell
from certtrack.certification import counts as aggregate
from certtrack.certification import services
from certtrack.certification.errors import Invalid
from certtrack.certification.models import Enrollment
from certtrack.certification.progress_store import NOT_EVALUATED
from certtrack.certification.requirements import progress_of_many
from certtrack.certification.statuses import Status
from certtrack.certification.tracking import (
    ROW_FIELDS,
    as_of_day,
    parsed_range_criteria,
    tracking_queryset,
)
from certtrack.certification.tracking import status_counts as count_statuses

from .auth import actor
from .common import ID, PAGE, PAGE_SIZE, errors, paginate
from .enrollment_rows import (
    as_of_now,
    enrollment_detail,
    enrollment_or_404,
    enrollment_out,
    enrollments_out,
)
from .enrollment_schemas import (
    ActionIn,
    ApplyIn,
    EnrollmentDetail,
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentPage,
    EnrollmentPatch,
    StatusCounts,
)
from .schemas import ActionName, TrackingFilters, TrackingQuery

router = Router(tags=["enrollments"])


@router.post(
    "/programs/{id}/apply",
    response={201: EnrollmentOut, **errors(404, 409, 422)},
)
def apply(request: HttpRequest, payload: ApplyIn, id: int = ID):
    """The contact applies, as from the portal: Applied (program requires approval) or
    In progress. An open enrollment of the contact in the program → 409."""
    enrollment = services.apply(payload.contact_id, id, actor(request))
    return Reply(201, enrollment_out(enrollment.pk))


@router.post("/enrollments", response={201: EnrollmentOut, **errors(404, 409, 422)})
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
            if getattr(payload, name) is not None:  # (raised: the body carries no nulls)
                raise Invalid(
                    name,
                    f'{name} is only for recording an existing certification ("status": "active").',
                )
        enrollment = services.add(payload.contact_id, payload.program_id, who)
    return Reply(201, enrollment_out(enrollment.pk))


@router.get("/enrollments", response={200: EnrollmentPage, **errors(400)})
def list_enrollments(
    request: HttpRequest,
    filters: Query[TrackingQuery],
    page: int = PAGE,
    page_size: int = PAGE_SIZE,
):
    """The Tracking tab: enrollments by the status true today (or at the end of the
    `as_of` day), filtered and ordered."""
    now = as_of_now()
    # `filters` declares and bounds the parameters; the query string itself is parsed (a
    # repeated parameter counts, a bad value gets the domain's 400): so for all three.
    rows = tracking_queryset(request.GET, now, current_status=False).only(*ROW_FIELDS)
    # `count` from the aggregate when the criteria are status / program / expiry only
    # (never with `as_of`: the aggregate holds today's stored rows).
    count = aggregate.total(request.GET, now) if aggregate.answers(request.GET) else None
    page_body = paginate(rows, page, page_size, count=count)
    # Rendered as built (`enrollments_out`): validating a 50-row page again costs ~2 ms,
    # three times its JSON encoding (docs/decisions.md). tests/api/test_enrollment_periods
    # holds every shape of row to EnrollmentPage: validating it changes nothing.
    page_body["results"] = enrollments_out(page_body["results"], now)
    return HttpResponse(
        json.dumps(page_body, cls=NinjaJSONEncoder), content_type="application/json"
    )


@router.get("/enrollments/status-counts", response={200: StatusCounts, **errors(400)})
def status_counts(request: HttpRequest, filters: Query[TrackingFilters]):
    """How many enrollments are in each of the ten statuses today, or at the end of the
    `as_of` day (the Quick Filter)."""
    now = as_of_now()
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
    # What counts toward the requirements (stored on the row by progress_store).
    ("credits_earned", "progress_credits"),
    ("credits_required", "program__credits_required"),
    ("hours_earned", "progress_hours"),
    ("hours_required", "program__hours_required"),
]
_NUMBER_COLUMNS = {"credits_earned", "credits_required", "hours_earned", "hours_required"}


# Text columns (a name could start with "="); ids and dates never need quoting.
_TEXT_COLUMNS = {"first_name", "last_name", "email", "organization", "program_code"}
_TEXT_COLUMNS |= {"program_name", "certificate_number"}
EXPORT_BATCH = 2000


def export_lines(rows, today: date) -> Iterator[str]:
    """The CSV of `rows` (a values() queryset), read and sent 2000 rows at a time.

    One string per batch, not per row: at a million rows the per-chunk cost of a
    streamed response would otherwise cost more than the rows (docs/performance.md).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in EXPORT_COLUMNS])
    labels = {status.value: status.label for status in Status}
    columns = [
        (source, name in _TEXT_COLUMNS, name == "status_label", name in _NUMBER_COLUMNS)
        for name, source in EXPORT_COLUMNS
    ]
    for batch in _batches(rows):
        _evaluate_unstored(batch, today)
        for row in batch:
            writer.writerow([_cell(row, *column, labels) for column in columns])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(row: dict, source, text: bool, is_label: bool, is_number: bool, labels: dict):
    if is_label:
        return labels[row["current_status"]]
    value = row[source]
    if value is None:
        return ""
    if text:
        return safe_cell(value)
    if is_number:
        return number(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _batches(rows) -> Iterator[list[dict]]:
    batch = []
    for row in rows.iterator(chunk_size=EXPORT_BATCH):
        batch.append(row)
        if len(batch) == EXPORT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _evaluate_unstored(batch: list[dict], today: date) -> None:
    """Rows whose progress is not stored yet (loaded in bulk, or not yet re-evaluated
    after an upgrade: `progress_store.NOT_EVALUATED`) get their credits and hours
    evaluated here, in a constant number of queries per batch."""
    pending = [row["id"] for row in batch if row["progress_until"] == NOT_EVALUATED]
    if not pending:
        return
    enrollments = Enrollment.objects.select_related("program").filter(pk__in=pending)
    progress = progress_of_many(enrollments, today)
    for row in batch:
        if (found := progress.get(row["id"])) is not None:
            row["progress_credits"] = found.credits_earned
            row["progress_hours"] = found.hours_earned


@router.get(
    "/enrollments/export.csv",
    response=errors(400),
    openapi_extra={
        "responses": {
            200: {
                "description": "Every matching enrollment, one CSV row each, after a header row.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_enrollments(request: HttpRequest, filters: Query[TrackingQuery]):
    """The Tracking rows as CSV, streamed (constant memory at any size); with `as_of`,
    the statuses of the end of that day (the file is named after it)."""
    now = as_of_now()
    rows = tracking_queryset(request.GET, now).values(
        *[source for _, source in EXPORT_COLUMNS if source], "progress_until"
    )
    day = as_of_day(request.GET)
    name = f"enrollments-as-of-{day}" if day else f"enrollments-{now.today}"
    response = StreamingHttpResponse(
        export_lines(rows, now.today), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    if day:
        response["X-As-Of"] = day.isoformat()
    return response


@router.get("/enrollments/{id}", response={200: EnrollmentDetail, **errors(404)})
def get_enrollment(request: HttpRequest, id: int = ID):
    """One enrollment with its components (and their completion state) and its history."""
    return enrollment_detail(enrollment_or_404(id), as_of_now())


@router.patch(
    "/enrollments/{id}",
    response={200: EnrollmentOut, **errors(404, 409, 422)},
)
def patch_enrollment(request: HttpRequest, payload: EnrollmentPatch, id: int = ID):
    """Set the expiration date by hand (extension, correction); a `reason` is required."""
    services.set_expires_on(id, payload.expires_on, payload.reason, actor(request))
    return enrollment_out(id)


@router.post(
    "/enrollments/{id}/actions/{action}",
    response={200: EnrollmentOut, **errors(404, 409, 422)},
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
