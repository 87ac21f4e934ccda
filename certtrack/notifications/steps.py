"""The reminder steps' rules, pure — PRODUCT.md §4 "Reminder schedule".

A program's steps are each `offset_days` from `expires_on` (negative before, positive
after); a step's day is `expires_on + offset_days`. Never before its day; a step before
expiry never after `expires_on`; a step after expiry never more than LATE_AFTER days
after its day; several due at once → only the latest (`chosen`). Dates in, dates out:
reminders.py holds the queries that apply these rules to the enrollments.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

LATE_AFTER = 30  # an after-expiry step is never sent more than this many days late
# PRODUCT.md §4: no "expired" mail (a program without a schedule) for expiries older than this.
EXPIRED_NEWS_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Step:
    offset_days: int
    template: str
    mandatory: bool = False


def day_of(step: Step, expires_on: date) -> date:
    """The first day `step` may be sent for a certification expiring on `expires_on`."""
    return expires_on + timedelta(days=step.offset_days)


def last_day(step: Step, expires_on: date) -> date:
    """The last day `step` may still be sent: expiry for a step before it, else 30 days late."""
    if step.offset_days <= 0:
        return expires_on
    return day_of(step, expires_on) + timedelta(days=LATE_AFTER)


def chosen(steps: Sequence[Step], expires_on: date, today: date) -> Step | None:
    """The step to send on `today` if not yet sent: the latest one whose window is open.

    Windows of later steps open later and close no earlier, so the chosen step only
    moves forward in time: an earlier step passed over is never owed again.
    """
    open_ = [s for s in steps if day_of(s, expires_on) <= today <= last_day(s, expires_on)]
    return max(open_, key=lambda s: s.offset_days, default=None)


def ranges(steps: Sequence[Step], today: date, days: int) -> list[tuple[Step, date, date]]:
    """For each step, the expiry dates for which it is chosen on a day of
    [today, today + days − 1]: on `today` (catching up) or on its own day after it.

    `chosen` written as ranges of `expires_on`, so a database index can answer it.
    """
    steps = sorted(steps, key=lambda s: s.offset_days)
    out = []
    for i, step in enumerate(steps):
        o = step.offset_days
        hi = today + timedelta(days=days - 1 - o)  # its day comes by the last day
        lo = today if o <= 0 else today - timedelta(days=o + LATE_AFTER)  # window open today
        if i + 1 < len(steps):  # a later step whose day has come is chosen instead
            lo = max(lo, today - timedelta(days=steps[i + 1].offset_days - 1))
        if lo <= hi:
            out.append((step, lo, hi))
    return out


def state(
    steps: Sequence[Step],
    expires_on: date | None,
    today: date,
    sent: dict[int, str],
    opted_out: bool = False,
) -> list[tuple[Step, date | None, str]]:
    """Each step's state for one enrollment, for staff: (step, its day, words).

    `sent`: offset → the outbox state of the step's email ("sent", "queued", …).
    """
    out = []
    if expires_on is None:
        return [(s, None, "not scheduled: the certification never expires") for s in steps]
    ordered = sorted(steps, key=lambda s: s.offset_days)
    for step in ordered:
        day = day_of(step, expires_on)
        later_sent = any(s.offset_days > step.offset_days for s in ordered if s.offset_days in sent)
        if step.offset_days in sent:
            words = sent[step.offset_days]
        elif opted_out and not step.mandatory:
            words = "off: the member turned off optional reminders"
        elif today < day:
            words = f"scheduled for {day.isoformat()}"
        elif later_sent:
            words = "skipped: a later step was due at the same time"
        elif today > last_day(step, expires_on):
            words = (
                "skipped: its day passed and the certification expired"
                if step.offset_days <= 0
                else f"skipped: more than {LATE_AFTER} days late"
            )
        elif chosen(ordered, expires_on, today) != step:
            words = "skipped: a later step was due at the same time"
        else:
            words = "due today"
        out.append((step, day, words))
    return out
