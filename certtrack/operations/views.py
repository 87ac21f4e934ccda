"""GET /healthz — API.md "Health": for load balancers and uptime monitors, no token."""

from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from certtrack import clock

from .health import check


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every part is ok, 503 naming the failing part; never cached, never a 500."""
    health = check(clock.now())
    response = JsonResponse(health.as_json(), status=200 if health.ok else 503)
    add_never_cache_headers(response)  # a monitor must see now, not a proxy's copy
    return response
