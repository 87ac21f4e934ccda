"""The renewal window — PRODUCT.md §3 "Certification periods and renewal".

Pure rules on dates, true on read like Expiring: the renewal is open from
`expires_on − renewal_window_days` through `expires_on`, in grace through
`expires_on + renewal_grace_days`, closed after. A window of 0 days: no renewal.
(`review` — met, awaiting staff approval — needs stored facts and comes with the
renewal services.)

`rules_in_words` says the same settings to a member, before any date is known.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from certtrack.certification.models import Program


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


def rules_in_words(program: "Program") -> str:
    """How long a program's certification lasts, when it can be renewed and what renewing
    takes, in one plain line for members, e.g. "Valid for 24 months; renew from 90 days
    before expiry, up to 30 days after. …" (reads `program.links`: prefetch them)."""
    if program.validity_months is None:
        return "Does not expire: nothing to renew."
    valid = f"Valid for {_many(program.validity_months, 'month')}"
    if program.renewal_window_days <= 0:
        return f"{valid}; no renewal: once it expires, apply again and do the work anew."
    grace = program.renewal_grace_days
    until = f"up to {_many(grace, 'day')} after" if grace else "until the day it expires"
    opens = _many(program.renewal_window_days, "day")
    return f"{valid}; renew from {opens} before expiry, {until}. {_renewal_needs(program)}"


def _renewal_needs(program: "Program") -> str:
    """What a renewal takes (PRODUCT.md §3 `renewal_requirements`), as a sentence."""
    if program.renewal_requirements != "credits":
        return "Renewing means meeting the requirements again with new work."
    amounts = [
        _many(amount, unit)
        for amount, unit in (
            (program.renewal_credits_required, "credit"),
            (program.renewal_hours_required, "hour"),
        )
        if amount
    ]
    names = [link.component.name for link in program.links.all() if link.required_for_renewal]
    parts = [f"{' and '.join(amounts)} from any of the program's components"] if amounts else []
    parts += [", ".join(names)] if names else []
    return f"Renewing takes {', plus '.join(parts) or 'no further work'}."


def _many(amount: int | Decimal, unit: str) -> str:
    number = f"{amount.normalize():f}" if isinstance(amount, Decimal) else str(amount)
    return f"{number} {unit}{'' if amount == 1 else 's'}"
