"""Signals the domain sends inside its transactions: notifications hook in here.

A receiver runs in the same transaction as the change, so what it writes (an outbox
row) commits or rolls back with it; an exception it raises (`Signal.send` lets it
through) undoes the change.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

from django.dispatch import Signal


@dataclass(frozen=True)
class Transition:
    enrollment_id: int
    contact_id: int
    program_id: int
    from_status: str  # "" for a new enrollment
    to_status: str
    at: datetime
    today: date
    expires_on: date | None
    cycle: int
    automatic: bool  # recorded by the worker from the dates
    reason: str = ""  # the staff's reason, for the emails that carry it
    period: int = 0  # the enrollment's current period number (0: never certified)
    imported: bool = False  # recorded by an import (history arriving, not news)
    activated_on: date | None = None
    created_by: str = ""  # how the enrollment was created (`Enrollment.source`)


_importing: ContextVar[bool] = ContextVar("importing", default=False)


@contextmanager
def importing() -> Iterator[None]:
    """Transitions announced inside are an import's: receivers may treat them as history."""
    token = _importing.set(True)
    try:
        yield
    finally:
        _importing.reset(token)


def is_importing() -> bool:
    return _importing.get()


@dataclass(frozen=True)
class ExpiryChange:
    enrollment_id: int
    old: date | None
    new: date | None
    cycle: int  # the new cycle
    status: str  # the stored status after the change
    period: int


# transitions_recorded(sender, transitions: list[Transition])
transitions_recorded = Signal()
# expiry_changed(sender, enrollment_id, old, new, cycle, at): a new cycle of reminders
expiry_changed = Signal()
# expiries_changed(sender, changes: list[ExpiryChange], at): many rows' expiry moved at
# once (a program change applied to existing holders): one bulk re-arming of reminders
expiries_changed = Signal()
# renewal_changed(sender, enrollment_id, event, period, at, today, reason): event is
# "renewed" (a new period), "review" (met, awaiting staff) or "rejected"
renewal_changed = Signal()


@dataclass(frozen=True)
class RenewalChange:
    """One `renewal_changed`, for `renewals_changed` (a batch of them in one signal)."""

    enrollment_id: int
    event: str
    period: int
    at: datetime
    today: date
    reason: str = ""


# renewals_changed(sender, changes: list[RenewalChange]): many renewal_changed at once
# (the worker's batch of grants), handled in a few queries
renewals_changed = Signal()
# completion_rejected(sender, completion, enrollment_id, at, today, reason)
completion_rejected = Signal()
# completion_recorded(sender, completion, at): e.g. to tell staff work awaits approval
completion_recorded = Signal()
# reminder_schedule_given(sender, program, schedule): a program was saved with a reminder
# schedule (the API's / form's items, unchecked); the receiver that keeps schedules
# (notifications.schedules) checks them, raising Invalid naming `reminder_schedule`, and
# stores them (PRODUCT.md §4); it answers the change in words, [old, new], for the
# program's History, or None when the schedule is the same (§9)
reminder_schedule_given = Signal()
