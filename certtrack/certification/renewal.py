"""The renewal window — PRODUCT.md §3 "Certification periods and renewal".

Pure rules on dates, true on read like Expiring: the renewal is open from
`expires_on − renewal_window_days` through `expires_on`, in grace through
`expires_on + renewal_grace_days`, closed after. A window of 0 days: no renewal.
(`review` — met, awaiting staff approval — needs stored facts and comes with the
renewal services.)
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class RenewalState(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    REVIEW = "review"
    GRACE = "grace"
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    """When a certification expiring on `expires_on` can be renewed."""

    opens_on: date
    expires_on: date
    closes_on: date

    def state(self, today: date) -> RenewalState:
        """The renewal's state on `today` (before any review)."""
        if today < self.opens_on:
            return RenewalState.NOT_OPEN
        if today <= self.expires_on:
            return RenewalState.OPEN
        if today <= self.closes_on:
            return RenewalState.GRACE
        return RenewalState.CLOSED


def window(expires_on: date | None, window_days: int, grace_days: int) -> Window | None:
    """The renewal window, or None when there is no renewal (no expiry, or 0 window days)."""
    if expires_on is None or window_days <= 0:
        return None
    return Window(
        opens_on=expires_on - timedelta(days=window_days),
        expires_on=expires_on,
        closes_on=expires_on + timedelta(days=grace_days),
    )
