"""Rate limit for the public verification endpoints (the one limiter: certtrack.ratelimit)."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from certtrack import clock, ratelimit
from certtrack.clientip import client_ip


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


def hit(request: HttpRequest, scope: str = "verify") -> Verdict:
    """Count one request from this client; `allowed` is False once over the limit."""
    verdict = ratelimit.hit(
        scope,
        client_ip(request) or "unknown",
        settings.CERTTRACK_VERIFY_RATE_LIMIT,
        settings.CERTTRACK_VERIFY_RATE_WINDOW,
        clock.now(),
    )
    return Verdict(verdict.allowed, verdict.retry_after)
