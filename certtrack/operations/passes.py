"""Recording worker passes — PRODUCT.md §10 Operations.

`certtrack worker` calls `record` at the end of every pass (loop and --once): one row with
the counts each step returned, what the steps tallied on the side, and the failed steps'
errors. Rows are pruned as passes are recorded: busy or failed passes after KEPT, idle
ones (nothing done, nothing failed) after IDLE_KEPT.
"""

import logging
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.dispatch import receiver

from certtrack.certification import events
from certtrack.certification.statuses import Status
from certtrack.notifications.outbox import expired_is_news

from .models import WorkerPass
from .tally import tally

log = logging.getLogger("certtrack.worker")

KEPT = timedelta(days=90)  # issue 15: "kept for 90 days"
IDLE_KEPT = timedelta(days=2)  # enough to see the worker ran overnight; 8,640 rows a day

# How the overview says what a step returned; a step not listed shows under its own name.
STEP_LABELS = {
    "record_time_transitions": "transitions recorded",
    "grant_renewals": "renewals granted (window opened)",
    "queue_reminders": "reminder emails queued",
    "deliver_due": "emails sent",
    "check_counts": "Quick Filter counts corrected (daily check)",
    "refresh_due_progress": "progress bars updated (older work no longer counts)",
    "run_queued": "import files processed",
}
# What each step does, for a failed step's line ("Sending emails failed").
STEP_DOINGS = {
    "record_time_transitions": "Recording time transitions",
    "grant_renewals": "Granting renewals",
    "queue_reminders": "Queuing reminders",
    "deliver_due": "Sending emails",
    "fold_counts": "Updating the Quick Filter counts",
    "check_counts": "Checking the Quick Filter counts",
    "refresh_due_progress": "Updating progress bars",
    "run_queued": "Running imports",
}
# Steps that report no number (the Quick Filter counts' fold returns 0): not listed.
UNCOUNTED_STEPS = frozenset({"fold_counts"})
TALLY_LABELS = {
    "emails_failed": "email attempts failed",
    "emails_cancelled": "emails cancelled (no longer true)",
    "emails_skipped_late": "expired emails skipped (expiry more than 30 days ago)",
    "reminders_queued_by_another_worker": "reminder steps another worker queued first",
}


def record(
    started_at: datetime,
    finished_at: datetime,
    steps: Mapping[str, int],
    errors: Mapping[str, str],
    tallies: Mapping[str, int],
) -> WorkerPass | None:
    """Write one pass's row and prune old rows; None if the database refused (logged).

    Never raises: a worker that cannot write its record still goes on with its next pass.
    """
    tallies = {name: n for name, n in sorted(tallies.items()) if n}
    idle = not errors and not tallies and not any(n for n in steps.values())
    try:
        row = WorkerPass.objects.create(
            started_at=started_at,
            finished_at=finished_at,
            steps=dict(steps),
            tallies=tallies,
            errors=dict(errors),
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            idle=idle,
        )
        prune(finished_at)
    except DatabaseError:
        log.exception("could not record the worker pass")
        return None
    return row


def prune(now: datetime) -> int:
    """Delete the passes older than what is kept; return how many went."""
    idle, _ = WorkerPass.objects.filter(idle=True, finished_at__lt=now - IDLE_KEPT).delete()
    old, _ = WorkerPass.objects.filter(finished_at__lt=now - KEPT).delete()
    return idle + old


def last_pass() -> WorkerPass | None:
    """The pass that finished last, from any worker process."""
    return WorkerPass.objects.order_by("-finished_at", "-id").first()


def last_done(step: str) -> datetime | None:
    """The `now` (start) of the last pass in which `step` ran without failing, or None.

    A step that catches up on days (the renewals opening) starts after the day this pass
    already looked at. A backward walk of the finished_at index, stopping at the first
    such pass (almost always the last one).
    """
    passes = WorkerPass.objects.filter(**{f"steps__{step}__gte": 0})
    return passes.order_by("-finished_at", "-id").values_list("started_at", flat=True).first()


def what_it_did(worker_pass: WorkerPass) -> list[tuple[str, int]]:
    """(label, count) for each step that ran, in the order steps run, then each tally."""
    # PostgreSQL's jsonb does not keep key order: order by the configured steps instead.
    order = [path.rsplit(".", 1)[-1] for path in settings.CERTTRACK_WORKER_STEPS]
    steps = sorted(
        worker_pass.steps.items(),
        key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]),
    )
    done = [(step_label(step), n) for step, n in steps if n >= 0 and step not in UNCOUNTED_STEPS]
    tallies = sorted(worker_pass.tallies.items())
    return done + [(TALLY_LABELS.get(k, k.replace("_", " ")), n) for k, n in tallies]


def step_label(step: str) -> str:
    """What a step's count counts, in words (the overview's list)."""
    return STEP_LABELS.get(step, step.replace("_", " "))


def failures(worker_pass: WorkerPass) -> list[tuple[str, str]]:
    """(what the step does, in words; its error) for each step that failed, by name."""
    return [
        (STEP_DOINGS.get(step, step.replace("_", " ").capitalize()), error)
        for step, error in sorted(worker_pass.errors.items())
    ]


@receiver(events.transitions_recorded, dispatch_uid="operations.skipped_late")
def count_expired_emails_skipped(sender, transitions: list[events.Transition], **kwargs) -> None:
    """Tally the expiries a catching-up worker records too late to email (the 30-day cut-off)."""
    late = sum(
        1
        for t in transitions
        if t.automatic
        and t.to_status == Status.EXPIRED
        and not expired_is_news(t.expires_on, t.today)
    )
    tally("emails_skipped_late", late)
