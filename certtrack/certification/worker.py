"""The worker's time step: record Active → Expiring → Expired in the history, once each.

Rows whose stored status differs from what the dates say are found by range scans on
the (status, expires_on) index, so a pass costs time in proportion to what is due,
not to the table's size. Claiming rows uses SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL (SQLite serialises writers), and each move is a conditional UPDATE, so two
workers never record the same transition twice.
"""

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from . import events, renewals
from .actors import Actor
from .dates import AsOf
from .models import Enrollment, GeneralSettings, History
from .statuses import Status

log = logging.getLogger("certtrack.worker")
BATCH = 500
WORKER = Actor.system("worker")


def due_q(as_of: AsOf) -> Q:
    """Certified rows whose stored status is no longer true on `as_of.today`."""
    today = as_of.today
    expired = Q(expires_on__lt=today)
    if as_of.notice_days > 0:
        horizon = as_of.expiring_from
        return (
            Q(status=Status.ACTIVE, expires_on__lte=horizon)
            | Q(status=Status.EXPIRING) & (expired | Q(expires_on__gt=horizon))
            | Q(status=Status.EXPIRED, expires_on__gte=today)
        )
    return (
        Q(status=Status.ACTIVE, expires_on__lt=today)
        | Q(status=Status.EXPIRING)
        | Q(status=Status.EXPIRED, expires_on__gte=today)
    )


def due_ranges(as_of: AsOf) -> list[Q]:
    """`due_q` as disjoint ranges of the (status, expires_on, id) index."""
    today = as_of.today
    if as_of.notice_days > 0:
        horizon = as_of.expiring_from
        return [
            Q(status=Status.ACTIVE, expires_on__lte=horizon),
            Q(status=Status.EXPIRING, expires_on__lt=today),
            Q(status=Status.EXPIRING, expires_on__gt=horizon),
            Q(status=Status.EXPIRED, expires_on__gte=today),
        ]
    return [
        Q(status=Status.ACTIVE, expires_on__lt=today),
        Q(status=Status.EXPIRING),
        Q(status=Status.EXPIRED, expires_on__gte=today),
    ]


def _claim(as_of: AsOf):
    # One index range at a time, read in index order. With the single OR of `due_q` and
    # a LIMIT, PostgreSQL took the ranges for a large share of the table and scanned it
    # whole (0.1 s a pass at a million rows with nothing due).
    claimed: list[dict] = []
    for due in due_ranges(as_of):
        rows = Enrollment.objects.filter(due).order_by("status", "expires_on", "id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        claimed += rows.values(
            "pk", "status", "expires_on", "contact_id", "program_id", "cycle", "period_number"
        )[: BATCH - len(claimed)]
        if len(claimed) >= BATCH:
            break
    return claimed


def _settings_in_force() -> GeneralSettings:
    """General Settings, read inside the pass's transaction after taking its lock.

    SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so no change can
    commit before it ends. PostgreSQL: FOR SHARE makes a settings change wait for this
    pass to commit, while other workers' passes (also FOR SHARE) go on.
    """
    settings = GeneralSettings.get()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(GeneralSettings._meta.db_table)
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR SHARE", [settings.pk])
        settings.refresh_from_db()
    return settings


def record_time_transitions(now: datetime) -> int:
    """Record every time-driven transition due at `now`; return how many were recorded."""
    total, as_of = 0, None
    while True:
        with transaction.atomic():
            # Under the lock: a settings change committed while this pass waited applies.
            as_of = _settings_in_force().as_of(now)
            rows = _claim(as_of)
            if not rows:
                break
            moved = _record_batch(rows, as_of, now)
            total += moved
        if len(rows) < BATCH:
            break
    if total:
        log.info("recorded %d time transition(s) for %s", total, as_of.today)
    return total


def _record_batch(rows: list[dict], as_of: AsOf, now: datetime) -> int:
    by_move: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        target = as_of.status_of(row["status"], row["expires_on"])
        if target != row["status"]:
            by_move.setdefault((row["status"], target), []).append(row)
    history, transitions = [], []
    for (old, new), group in by_move.items():
        ids = [r["pk"] for r in group]
        Enrollment.objects.filter(pk__in=ids, status=old).update(status=new, updated_at=now)
        # Only the rows this worker moved: re-read which are now `new` among those claimed.
        moved = set(Enrollment.objects.filter(pk__in=ids, status=new).values_list("pk", flat=True))
        for r in group:
            if r["pk"] not in moved:
                continue
            history.append(
                History(
                    at=now,
                    actor=WORKER.label,
                    actor_kind=WORKER.kind,
                    enrollment_id=r["pk"],
                    contact_id=r["contact_id"],
                    action="time",
                    from_status=old,
                    to_status=new,
                )
            )
            transitions.append(
                events.Transition(
                    enrollment_id=r["pk"],
                    contact_id=r["contact_id"],
                    program_id=r["program_id"],
                    from_status=old,
                    to_status=new,
                    at=now,
                    today=as_of.today,
                    expires_on=r["expires_on"],
                    cycle=r["cycle"],
                    period=r["period_number"],
                    automatic=True,
                )
            )
    History.objects.bulk_create(history)
    if transitions:
        events.transitions_recorded.send(sender=Enrollment, transitions=transitions)
    return len(transitions)


def grant_renewals(now: datetime, last_pass: datetime | None) -> int:
    """Grant the renewals whose window opened since `last_pass`, for work recorded
    earlier (PRODUCT.md §3 "on the day it opens"); None: every window open today.

    The worker's step (operations.steps.grant_renewals) passes the start of the last pass
    in which this step succeeded, so a worker that was down on the opening day grants on
    its next pass, and the passes after the day's first one read no enrollment again.
    Index-friendly: a range of the (status, expires_on, id) index per distinct window and
    grace (`renewals.opened_q`).
    """
    since = GeneralSettings.get().today(last_pass) if last_pass is not None else None
    granted = renewals.grant_opened(now, WORKER, since)
    if granted:
        log.info("granted or put in review %d renewal(s) whose window opened", granted)
    return granted
