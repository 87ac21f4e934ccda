"""What the API's operations share: pagination, path ids, declared error responses."""

from django.db.models import QuerySet
from ninja import Path, Query

from certtrack.certification.errors import NotFound

from .schemas import Error

MAX_PAGE_SIZE = 500

# A path id: a positive 64-bit integer (anything else names nothing: 404).
ID = Path(..., ge=1, le=2**62, description="The object's id.")
PAGE = Query(1, ge=1, le=10**9, description="Page number, from 1.")
PAGE_SIZE = Query(50, ge=1, description="Rows per page (at most 500; more is reduced to 500).")


def errors(*statuses: int) -> dict[int, type]:
    """Response declarations for the error statuses an operation can return.

    Every operation can answer 400 (a malformed request: unparsable body, bad query
    parameter) and 401 (no or bad token).
    """
    return {status: Error for status in sorted({400, 401, *statuses})}


def paginate(rows: QuerySet, page: int, page_size: int, count: int | None = None) -> dict:
    """The page: `{count, page, page_size, results}` (the rows); page_size is capped at 500.

    `count`: the number of rows when the caller knows it (the count aggregate), else COUNT(*).
    """
    page_size = min(page_size, MAX_PAGE_SIZE)
    start = (page - 1) * page_size
    count = rows.count() if count is None else count
    results = list(rows[start : start + page_size])
    return {"count": count, "page": page, "page_size": page_size, "results": results}


def get_or_404(rows: QuerySet, pk: int, what: str):
    """The row of `rows` with id `pk`, or the domain's NotFound (404)."""
    row = rows.filter(pk=pk).first()
    if row is None:
        raise NotFound(f"No {what} with id {pk}.")
    return row
