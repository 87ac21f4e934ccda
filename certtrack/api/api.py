"""The REST API at /api/v1 (API.md). Routers of other packages are mounted here."""

from django.http import HttpRequest
from django.utils.module_loading import import_string
from ninja import NinjaAPI

from certtrack.certification.errors import Invalid, NotFound, Refused

from .auth import TokenAuth

api = NinjaAPI(
    title="certtrack API",
    version="1",
    description="Certification tracking: programs, enrollments, completions, credentials.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, message: str, **extra):
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(NotFound)
def not_found(request, exc: NotFound):
    return _error(request, 404, exc.message)


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    return _error(request, 409, exc.message)


@api.exception_handler(Invalid)
def invalid(request, exc: Invalid):
    return _error(request, 422, exc.message, field=exc.field)


# Routers: (prefix, dotted path). A package not yet present is skipped.
ROUTERS = [
    ("", "certtrack.api.endpoints.router"),
    ("", "certtrack.credentials.api.router"),
]
for prefix, path in ROUTERS:
    try:
        api.add_router(prefix, import_string(path))
    except ImportError as error:
        if path.rsplit(".", 1)[0] not in str(error):
            raise
