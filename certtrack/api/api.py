"""The REST API at /api/v1 (API.md): the error bodies and every router, mounted here."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from ninja.errors import AuthenticationError, ValidationError

from certtrack.certification.errors import Duplicate, Invalid, NotFound, Refused
from certtrack.certification.tracking import BadFilter

from . import credentials, endpoints, ping
from .auth import TokenAuth
from .openapi import CerttrackAPI

api = CerttrackAPI(
    title="certtrack API",
    version="1",
    description="Certification tracking: programs, enrollments, completions, credentials.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def _error(request: HttpRequest, code: int, message: str, extra: dict | None = None):
    """The error body every failure has: `{"detail": message, ...extra}`."""
    return api.create_response(request, {**(extra or {}), "detail": message}, status=code)


@api.exception_handler(NotFound)
def not_found(request, exc: NotFound):
    return _error(request, 404, exc.message, exc.extra)


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    return _error(request, 409, exc.message, exc.extra)


@api.exception_handler(Invalid)
def invalid(request, exc: Invalid):
    return _error(request, 422, exc.message, {**exc.extra, "field": exc.field})


@api.exception_handler(Duplicate)
def duplicate(request, exc: Duplicate):
    return _error(request, 409, exc.message, {**exc.extra, "field": exc.field})


@api.exception_handler(BadFilter)
def bad_filter(request, exc: BadFilter):
    return _error(request, 400, exc.message, {"parameter": exc.parameter})


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc: RequestDataTooBig):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(request, 413, f"Request body too large: the limit is {limit} bytes.")


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def too_many_parts(request, exc: Exception):
    return _error(request, 413, f"Request body too large: {exc}")


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc: AuthenticationError):
    response = _error(
        request, 401, "Missing or invalid API token: send 'Authorization: Bearer <token>'."
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


# Where a request's bad part is decides the status: a path segment names nothing (404),
# a query parameter is a bad filter (400), a body field is an invalid value (422).
_VALIDATION_STATUS = {"path": 404, "query": 400, "body": 422}


def _field(loc) -> tuple[str, str]:
    where, *place = [str(part) for part in loc] or ["body"]
    if where == "body":
        place = place[1:]  # drop the operation's payload argument name
    return where, ".".join(place) or "request body"


@api.exception_handler(ValidationError)
def validation_failed(request, exc: ValidationError):
    if any(
        error.get("type") == "missing"
        and tuple(error.get("loc", ()))[:1] == ("body",)
        and len(error["loc"]) == 2
        for error in exc.errors
    ):  # no body at all is a malformed request (API.md: 400), as broken JSON is
        return _error(request, 400, "The request has no body: send a JSON object.")
    located = [(*_field(error.get("loc", ())), error.get("msg", "invalid")) for error in exc.errors]
    places = {where for where, _, _ in located}
    status = next((code for where, code in _VALIDATION_STATUS.items() if where in places), 422)
    message = "; ".join(f"{field}: {msg}" for _, field, msg in located) or "Invalid request."
    # As the domain's BadFilter: a query parameter at fault is `parameter`, a field `field`.
    key = "parameter" if status == 400 else "field"
    return _error(request, status, message, {key: located[0][1] if located else None})


# Every operation of /api/v1, mounted in this order (the document lists them so).
api.add_router("", endpoints.router)
api.add_router("", credentials.router)
api.add_router("", ping.router)
