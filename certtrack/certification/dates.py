"""Date math of certifications — PRODUCT.md §3 "Dates".

A certification is valid through the whole of its `expires_on` day and is Expired
from the next day. Expiring: `expires_on - notice_days <= today <= expires_on`
(never, when notice_days is 0).
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q

from certtrack.clock import local_date

from .statuses import CERTIFIED, Status

# The last day certtrack takes as an input (a day to ask about, an expiry set by hand or
# imported): 9999-12-31 stands for "never" in other systems, and the days certtrack counts
# from a date (notice, grace, renewal window, reminders, the end of a day in a time zone)
# would run past the calendar's last day (a 500 for `?as_of=9999-12-31`: an API trial).
LATEST = date(2999, 12, 31)


def day_text(day: date) -> str:
    """A date as certtrack writes it for people, on pages and in messages: 1 Mar 2026 (the
    API's fields stay ISO 8601)."""
    return f"{day.day} {day:%b %Y}"


def too_late(day: date, name: str) -> str | None:
    """Why `day`, given as `name`, is refused: after LATEST; else None."""
    if day > LATEST:
        return f"{name} {day} is after {LATEST.year}; certtrack holds no dates that late."
    return None


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def expiry_for(activated_on: date, validity_months: int | None) -> date | None:
    """The expiration date of a certification activated on `activated_on`."""
    if validity_months is None:
        return None
    return add_months(activated_on, validity_months)


def time_status(expires_on: date | None, today: date, notice_days: int) -> Status:
    """Active, Expiring or Expired, for a certified enrollment on `today`."""
    if expires_on is None:
        return Status.ACTIVE
    if today > expires_on:
        return Status.EXPIRED
    if notice_days > 0 and expires_on - timedelta(days=notice_days) <= today:
        return Status.EXPIRING
    return Status.ACTIVE


@dataclass(frozen=True)
class AsOf:
    """The calendar facts every read and service needs: today's date and the notice days."""

    today: date
    notice_days: int

    @classmethod
    def at(cls, moment: datetime, time_zone: str, notice_days: int) -> "AsOf":
        return cls(local_date(moment, time_zone), notice_days)

    @property
    def expiring_from(self) -> date:
        """Certifications expiring on or before this day (and not before today) are Expiring."""
        return self.today + timedelta(days=self.notice_days)

    @property
    def active_after(self) -> date:
        """Certified rows expiring after this day (or never) are Active."""
        return self.expiring_from if self.notice_days > 0 else self.today - timedelta(days=1)

    def status_of(self, stored: str, expires_on: date | None) -> Status:
        """The status that is true today for a row stored as `stored`."""
        if stored in CERTIFIED:
            return time_status(expires_on, self.today, self.notice_days)
        return Status(stored)

    def status_q(self, status: str, prefix: str = "") -> Q:
        """A filter matching rows whose status today is `status` (works at any size: indexes)."""
        stored, expires = f"{prefix}status", f"{prefix}expires_on"
        certified = Q(**{f"{stored}__in": sorted(CERTIFIED)})
        if status == Status.EXPIRED:
            return certified & Q(**{f"{expires}__lt": self.today})
        if status == Status.EXPIRING:
            if self.notice_days <= 0:
                return Q(pk__in=[])
            return certified & Q(
                **{f"{expires}__gte": self.today, f"{expires}__lte": self.expiring_from}
            )
        if status == Status.ACTIVE:
            return certified & (
                Q(**{f"{expires}__isnull": True}) | Q(**{f"{expires}__gt": self.active_after})
            )
        return Q(**{stored: status})
