"""The Tracking tab's filters: query parameters in, enrollments true *now* out.

One parser for every face (API list, counts and CSV export; the back-office's Quick
Filter and Customize Filter): the same words mean the same rows everywhere.
Knows nothing of HTTP: it takes a mapping of strings (a QueryDict works) and raises
`BadFilter` with a message naming the parameter.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, QuerySet

from . import asof
from .dates import AsOf
from .errors import BadFilter
from .models import ORDERINGS, Enrollment, Program
from .progress_store import SHOWN_FIELDS
from .statuses import CERTIFIED, Status

FILTERS = (
    *("status", "program", "q", "expires_from", "expires_to", "expires_within_days"),
    "updated_since",
    "renewal",
    "as_of",
)
DEFAULT_ORDERING = "contact"
# What a row of a Tracking list shows (the API's list, the Tracking tab): `.only()` these.
ROW_FIELDS = [
    *("contact", "program", "status", "certificate_number", "updated_at"),
    *("applied_on", "started_on", "completed_on", "activated_on", "expires_on"),
    *("contact__first_name", "contact__last_name", "contact__email", "contact__organization"),
    *("program__name", "program__code", "program__category"),
    *("program__credits_required", "program__hours_required"),
    "program__completion_recency_months",
    *("program__renewal_window_days", "program__renewal_grace_days"),
    *("program__renewal_requirements", "program__renewal_credits_required"),
    "program__renewal_hours_required",
    *("renewal_review_on", "period_number"),
    # The stored progress a row's bar shows (`progress_store.shown`).
    *SHOWN_FIELDS,
]

# Sort keys that may be NULL: undated rows come last ascending and first descending, on
# every database (PostgreSQL's own order; SQLite puts NULLs first ascending unless told).
# docs/decisions.md "Undated rows sort last ascending, first descending".
NULLABLE_KEYS = frozenset({"expires_on", "activated_on", "applied_on"})

_WHOLE = re.compile(r"[0-9]{1,18}")  # ASCII digits only, and within a 64-bit id


def as_id(text: str) -> int | None:
    """The row id `text` names, or None when it can name no row (not ASCII digits, or
    beyond a 64-bit id: such a number overflows the database's integer)."""
    return int(text) if _WHOLE.fullmatch(str(text).strip()) else None


def _value(params: Mapping, name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    value = str(value).strip()
    if "\x00" in value:
        raise BadFilter(name, f"{name} contains a NUL character.")
    return value


def _list(params: Mapping, name: str) -> list[str]:
    """A list parameter: comma-separated, or repeated (`?status=a&status=b`, a QueryDict)."""
    repeated = params.getlist(name) if hasattr(params, "getlist") else []
    texts = [_value({name: text}, name) for text in repeated] or [_value(params, name)]
    return [part.strip() for text in texts for part in text.split(",") if part.strip()]


def parse_statuses(params: Mapping) -> list[Status]:
    """The `status` parameter: one status id or several, comma-separated."""
    statuses = []
    for item in _list(params, "status"):
        if item not in Status.values:
            raise BadFilter(
                "status", f"Unknown status {item!r}; one of: {', '.join(Status.values)}."
            )
        statuses.append(Status(item))
    return statuses


RENEWAL_FILTERS = ("open", "review", "grace")


def renewal_q(states: list[str], today: date) -> Q:
    """SQL: rows whose renewal state today is one of `states` (PRODUCT.md §3 renewal).

    From the dates and the program's settings, as `renewals.state_of` says: one range of
    the expiry indexes per distinct window (or grace) length, and programs have few.
    """
    certified = Q(status__in=sorted(CERTIFIED))
    renews = Program.objects.filter(renewal_window_days__gt=0)
    q = Q(pk__in=[])
    if "review" in states:
        q |= Q(renewal_review_on__isnull=False)
    if "open" in states:
        for days in renews.values_list("renewal_window_days", flat=True).order_by().distinct():
            q |= Q(
                program__renewal_window_days=days,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=days),
                renewal_review_on__isnull=True,
            )
    if "grace" in states:
        lengths = renews.filter(renewal_grace_days__gt=0).values_list(
            "renewal_grace_days", flat=True
        )
        for days in lengths.order_by().distinct():
            q |= Q(
                program__renewal_grace_days=days,
                program__renewal_window_days__gt=0,
                expires_on__lt=today,
                expires_on__gte=today - timedelta(days=days),
                renewal_review_on__isnull=True,
            )
    return certified & q


def _date(params: Mapping, name: str) -> date | None:
    # As `as_of` reads its day: Python's `fromisoformat` also took "20270101" and the week
    # date "2027-W05-1" (an API trial), which API.md's YYYY-MM-DD does not name.
    return asof.parse_day(_value(params, name), name)


def _moment(params: Mapping, name: str) -> datetime | None:
    value = _value(params, name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # a "+" unescaped in a URL
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadFilter(
            name,
            f"{name} must be an ISO 8601 time with its offset (e.g. "
            f"2026-03-01T12:00:00+00:00), not {value!r}.",
        )
    return moment


def as_of_day(params: Mapping) -> date | None:
    """The `as_of` parameter: a real day from 1900 on, or None (now)."""
    return asof.parse_day(_value(params, "as_of"), "as_of")


def status_counts(rows: QuerySet, as_of: AsOf) -> dict[str, int]:
    """The ten statuses' counts of `tracking_queryset(…, by_status=False, ordered=False)`
    rows: by the `as_of` day's statuses where it set one, else by those true today."""
    if "current_status" not in rows.query.annotations:
        return rows.status_counts(as_of)
    counts = {status.value: 0 for status in Status}
    grouped = rows.order_by().values("current_status").annotate(n=Count("*"))
    for row in grouped:
        if row["current_status"] is not None:  # None: rows absent that day
            counts[row["current_status"]] = row["n"]
    return counts


def shown_status(row: Enrollment, as_of: AsOf) -> Status:
    """The status a Tracking row shows: the `as_of` day's where the query asked one,
    else the one true today."""
    annotated = row.__dict__.get("current_status")  # an annotation (else: the model's method)
    return Status(annotated) if annotated else as_of.status_of(row.status, row.expires_on)


def _ordering(params: Mapping, by_status: bool = True) -> list[str]:
    key = _value(params, "ordering") or DEFAULT_ORDERING
    descending = key.startswith("-")
    fields = ORDERINGS.get(key.removeprefix("-"))
    if fields is None:
        choices = ", ".join(ORDERINGS)
        raise BadFilter(
            "ordering", f"Unknown ordering {key!r}; one of: {choices} (prefix - to reverse)."
        )
    if fields == ORDERINGS["status"] and by_status and len(set(parse_statuses(params))) == 1:
        # One status filtered: every row has it, so "by status" is by id alone — a range
        # read of the primary key, where ordering by the status's CASE sorted every row of
        # the status (bench page_active_by_status: 674 ms at 1 M, 2.76× of 100 k; issue 18).
        fields = ["id"]
    # Order by the status true today, not the stored one (which lags for certified rows).
    fields = ["current_status" if f == "status" else f for f in fields]
    return [f"-{f}" for f in fields] if descending else fields


def order_terms(fields: list[str]) -> list:
    """`fields` (names, `-` for descending) for `order_by`, undated rows where the one
    order puts them: `expires_on ASC NULLS LAST` / `DESC NULLS FIRST` (an index range
    read on both databases)."""
    terms: list = []
    for field in fields:
        name = field.lstrip("-")
        if name not in NULLABLE_KEYS:
            terms.append(field)
        elif field.startswith("-"):
            terms.append(F(name).desc(nulls_first=True))
        else:
            terms.append(F(name).asc(nulls_last=True))
    return terms


def _programs(params: Mapping) -> list[int]:
    ids = [as_id(p) for p in _list(params, "program")]
    if None in ids:
        raise BadFilter("program", "program must be program ids, comma-separated.")
    return ids


def expiry_q(params: Mapping, as_of: AsOf) -> Q | None:
    """`expires_from`, `expires_to` and `expires_within_days` as one filter (None: unset).

    Reads only `status` and `expires_on`: it also filters the count aggregate.
    """
    q = Q()
    expires_from, expires_to = _date(params, "expires_from"), _date(params, "expires_to")
    if expires_from and expires_to and expires_from > expires_to:
        raise BadFilter("expires_from", "expires_from is after expires_to.")
    if expires_from:
        q &= Q(expires_on__gte=expires_from)
    if expires_to:
        q &= Q(expires_on__lte=expires_to)
    if within := _value(params, "expires_within_days"):
        if not _WHOLE.fullmatch(within) or int(within) > 36500:
            raise BadFilter(
                "expires_within_days",
                "expires_within_days must be a whole number of days from 0 to 36500.",
            )
        # Certifications still valid today whose last valid day is within the window.
        q &= (
            Q(status__in=sorted(CERTIFIED))
            & Q(expires_on__gte=as_of.today)
            & Q(expires_on__lte=as_of.today + timedelta(days=int(within)))
        )
    return q if q else None


def parsed_range_criteria(params: Mapping, as_of: AsOf) -> tuple[list, list[int], Q | None]:
    """The criteria the count aggregate answers: statuses, program ids, the expiry filter."""
    return parse_statuses(params), _programs(params), expiry_q(params, as_of)


def tracking_queryset(
    params: Mapping,
    as_of: AsOf,
    *,
    by_status: bool = True,
    ordered: bool = True,
    current_status: bool = True,
) -> QuerySet:
    """Enrollments matching the Tracking filters in `params`, by the status true on `as_of`.

    Parameters: `as_of` (a day: statuses, the status filter, the ordering by status and the
    rows present are those at the end of that day — PRODUCT.md §11), `status` (ids,
    comma-separated), `program` (ids, comma-separated), `q`
    (name, email or organization), `expires_from` / `expires_to` (dates, inclusive),
    `expires_within_days` (certifications expiring between today and today + n),
    `updated_since` (an ISO time with offset: rows written since, `updated_at >=` it),
    `ordering` (an ORDERINGS key, `-` for descending). Anything else is ignored.
    `by_status=False` leaves the status filter out (the per-status counts).
    Rows carry their contact and program, and `current_status` unless `current_status=False`
    (a page of rows can ask `as_of.status_of` in Python, and spare the query its CASE) and
    the rows are ordered by status.
    """
    order = _ordering(params, by_status)
    rows = Enrollment.objects.select_related("contact", "program")
    statuses = parse_statuses(params)  # parsed even when unused: a bad value is still an error
    if (day := as_of_day(params)) is not None:
        # Always annotated: the status of that day is no function of the stored row. A
        # status filter implies the row was present; counts drop the absent (NULL) group.
        filtered = by_status and statuses
        rows = asof.as_of_rows(rows, asof.Day.at(day, as_of), present=by_status and not filtered)
        if filtered:
            rows = rows.filter(current_status__in=[s.value for s in statuses])
    else:
        if current_status or (ordered and any(f.lstrip("-") == "current_status" for f in order)):
            rows = rows.with_current_status(as_of)
        if by_status and statuses:
            rows = rows.in_status(statuses, as_of)
    if programs := _programs(params):
        rows = rows.filter(program_id__in=programs)
    if text := _value(params, "q"):
        rows = rows.search(text)
    if (expiry := expiry_q(params, as_of)) is not None:
        rows = rows.filter(expiry)
    if since := _moment(params, "updated_since"):
        rows = rows.filter(updated_at__gte=since)  # index enrollment_updated_at
    if states := _list(params, "renewal"):
        for state in states:
            if state not in RENEWAL_FILTERS:
                raise BadFilter(
                    "renewal",
                    f"Unknown renewal state {state!r}; one of: {', '.join(RENEWAL_FILTERS)}.",
                )
        rows = rows.filter(renewal_q(states, as_of.today))
    return rows.order_by(*order_terms(order)) if ordered else rows
