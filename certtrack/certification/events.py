"""Signals the domain sends inside its transactions: notifications hook in here.

A receiver runs in the same transaction as the change, so what it writes (an outbox
row) commits or rolls back with it.
"""

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


# transitions_recorded(sender, transitions: list[Transition])
transitions_recorded = Signal()
# expiry_changed(sender, enrollment_id, old, new, cycle, at): a new cycle of reminders
expiry_changed = Signal()
# completion_recorded(sender, completion, at): e.g. to tell staff work awaits approval
completion_recorded = Signal()
