"""Every error under /api/v1 is JSON `{"detail": ...}` (API.md "Errors"), whoever answered it:
Django's URL resolver (404), ninja's method check (405), an unhandled crash (500)."""

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

PREFIX = "/api/v1/"


def _message(request: HttpRequest, response: HttpResponse) -> str:
    code = response.status_code
    if code == 404:
        return f"No API endpoint at {request.path}."
    if code == 405:
        allowed = response.get("Allow", "")
        return f"Method {request.method} is not allowed here; allowed: {allowed}."
    if code >= 500:
        return "Internal server error: it was logged; please try again or report it."
    try:
        return f"{HTTPStatus(code).phrase}."
    except ValueError:
        return f"HTTP error {code}."


class JsonErrors:
    """Turn a non-JSON error answer under /api/v1 into `{"detail": ...}`, same status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not (request.path + "/").startswith(PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        json = JsonResponse({"detail": _message(request, response)}, status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                json[header] = response[header]
        return json
