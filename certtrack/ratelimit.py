"""The one rate limiter: requests counted per (scope, key) in fixed time windows.

Counted in the database (credentials.RateCounter), so every server process (gunicorn
workers, several hosts) shares one budget. A window starts on a multiple of its length
(epoch seconds): a client may spend a whole budget at the end of one window and another
at the start of the next, never more. Used by public verification, portal sign-in links
and password-reset emails; staff sign-in failures are django-axes' (same client_ip).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from certtrack.credentials.models import RateCounter


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets


def _window_start(now: datetime, window: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window, tz=now.tzinfo)


def hit(scope: str, key: str, limit: int, window: int, now: datetime) -> Verdict:
    """Count one request for `key` in `scope`; `allowed` is False once over `limit` in
    the current `window` (seconds). Race-safe: concurrent hits never lose a count."""
    start = _window_start(now, window)
    key = f"{scope}:{key}"
    counter = RateCounter.objects.filter(key=key, window_start=start)
    # The same four statements every time, whatever the key's past (the portal's sign-in
    # form must not tell by its work whether an address was seen): insert-if-missing,
    # count, forget the scope's ended windows, read.
    with transaction.atomic():
        RateCounter.objects.bulk_create(
            [RateCounter(key=key, window_start=start, count=0)], ignore_conflicts=True
        )
        counter.update(count=F("count") + 1)
        RateCounter.objects.filter(key__startswith=f"{scope}:", window_start__lt=start).delete()
        count = counter.get().count
    retry_after = max(1, int((start + timedelta(seconds=window) - now).total_seconds()))
    return Verdict(allowed=count <= limit, retry_after=retry_after)
