"""Completions (API.md "Completions"): each operation is one call of the domain."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja import Status as Reply

from certtrack.certification import services
from certtrack.certification.models import CompletionSource

from .auth import actor
from .common import ID, errors
from .enrollment_schemas import CompletionIn, CompletionOut, DecisionIn
from .schemas import NO_NUL

router = Router(tags=["completions"])


@router.post("/completions", response={201: CompletionOut, **errors(404, 409, 422)})
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
    return Reply(201, completion)


@router.post(
    "/completions/{id}/approve",
    response={200: CompletionOut, **errors(404, 409, 422)},
)
def approve_completion(request: HttpRequest, id: int = ID, payload: DecisionIn | None = None):
    """Approve a pending completion; it now counts toward requirements."""
    reason = payload.reason if payload is not None else ""
    return services.approve_completion(id, actor(request), reason=reason)


@router.post(
    "/completions/{id}/reject",
    response={200: CompletionOut, **errors(404, 409, 422)},
)
def reject_completion(request: HttpRequest, id: int = ID, payload: DecisionIn | None = None):
    """Reject a pending completion; it never counts."""
    reason = payload.reason if payload is not None else ""
    return services.reject_completion(id, actor(request), reason=reason)


@router.delete("/completions/{id}", response={204: None, **errors(400, 404)})
def delete_completion(
    request: HttpRequest,
    id: int = ID,
    reason: str = Query("", max_length=2000, pattern=NO_NUL, description="Why it is removed."),
):
    """Remove a completion recorded in error (kept and marked removed; the history says so)."""
    services.remove_completion(id, actor(request), reason=reason)
    return Reply(204, None)
