"""The one clock. Everything that needs "now" calls `now()` or receives it as an argument."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def now() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    return timezone.now()


def local_date(moment: datetime, time_zone: str) -> date:
    """The calendar day of `moment` in the given IANA time zone."""
    return moment.astimezone(ZoneInfo(time_zone)).date()
