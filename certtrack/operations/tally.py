"""What a worker step did besides its returned count, e.g. emails that failed or were dropped.

A step calls `tally("emails_failed")`; the pass being recorded (`counting()`) adds it to
its row. Outside a recorded pass (a web request, a test calling the step) it does nothing.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_counts: ContextVar[Counter | None] = ContextVar("worker_pass_tally", default=None)


def tally(name: str, n: int = 1) -> None:
    """Add `n` to the current worker pass's count `name` (if a pass is being recorded)."""
    counts = _counts.get()
    if counts is not None and n:
        counts[name] += n


@contextmanager
def counting() -> Iterator[Counter]:
    """Collect the tallies made inside the block into the Counter it yields."""
    counts: Counter = Counter()
    token = _counts.set(counts)
    try:
        yield counts
    finally:
        _counts.reset(token)
