"""Rate limit for the public verification endpoints, counted in the database so every
server process (gunicorn workers, several hosts) shares one budget per client.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from certtrack import clock

from .certificates import setting
from .models import RateCounter

DEFAULT_LIMIT = 30  # requests …
DEFAULT_WINDOW = 60  # … per this many seconds, per client IP


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets

    @property
    def message(self) -> str:
        return (
            "Too many verification requests from your address. "
            f"Please wait {self.retry_after} seconds and try again."
        )


def _limits() -> tuple[int, int]:
    return (
        int(setting("CERTTRACK_VERIFY_RATE_LIMIT", DEFAULT_LIMIT)),
        int(setting("CERTTRACK_VERIFY_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy
    # rewrites it, and a limit keyed on it would be trivially bypassed.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _window_start(now: datetime, window: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window, tz=now.tzinfo)


def hit(request: HttpRequest, scope: str = "verify") -> Verdict:
    """Count one request from this client; `allowed` is False once over the limit."""
    limit, window = _limits()
    now = clock.now()
    start = _window_start(now, window)
    key = f"{scope}:{client_address(request)}"
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window_start=start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:  # another process created it a moment ago
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
            # A new window began: forget the ones that ended (keeps the table tiny).
            RateCounter.objects.filter(window_start__lt=start - timedelta(seconds=window)).delete()
        count = RateCounter.objects.get(key=key, window_start=start).count
    retry_after = max(1, int((start + timedelta(seconds=window) - now).total_seconds()))
    return Verdict(allowed=count <= limit, retry_after=retry_after)
