"""Is certtrack working? — PRODUCT.md §10 Operations; API.md "Health".

One function answers for `GET /healthz` (load balancers, uptime monitors) and for the
back-office overview's warnings, with a few indexed queries:
- database: reachable (SELECT 1);
- migrations: every migration on disk is applied;
- worker: a pass finished within WORKER_SILENT_AFTER;
- outbox: no email queued for longer than OUTBOX_STUCK_AFTER ("stuck").
"""

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from certtrack.certification import counts
from certtrack.notifications.models import Email, EmailStatus

from .models import WorkerPass
from .passes import failures, last_pass

log = logging.getLogger("certtrack.health")

OK = "ok"
WORKER_SILENT_AFTER = timedelta(hours=2)
# Stuck: an email still queued an hour after it was queued. Sending takes seconds and
# the worker passes every 10 s (cron: every few minutes); an hour means the worker is not
# sending (stopped, or every attempt failing) and members are waiting.
OUTBOX_STUCK_AFTER = timedelta(hours=1)


@dataclass
class Health:
    database: str = OK
    migrations: str = OK
    worker_status: str = OK
    outbox_status: str = OK
    last_pass: WorkerPass | None = None
    last_pass_age: timedelta | None = None
    queued: int | None = None
    oldest_queued_at: datetime | None = None
    failing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failing

    def warnings(self) -> list[str]:
        """What staff must look at, in words: the failing parts, then the last pass's failures."""
        said = {
            "database": f"The database: {self.database}.",
            "migrations": "The database is not up to date: run “certtrack migrate”.",
            "worker": (
                "The worker has never run: no time transition is recorded and no email is "
                "sent. Start “certtrack worker” (or “certtrack worker --once” from cron)."
                if self.last_pass is None
                else "The worker has not finished a pass for more than 2 hours: time "
                "transitions and emails are waiting. Check that “certtrack worker” is running."
            ),
            "outbox": (
                f"The email queue is stuck: {self.queued} email(s) queued, the oldest for more "
                "than an hour. Check the worker and the mail server (CERTTRACK_EMAIL_URL)."
            ),
        }
        found = [said[part] for part in self.failing]
        if self.last_pass is not None and self.last_pass.errors:
            found.append(
                "The last worker pass had failed steps: "
                + "; ".join(f"{doing} ({error})" for doing, error in failures(self.last_pass))
                + "."
            )
        if wrong := counts.last_check_failed():
            found.append(
                f"The Quick Filter's counts differ from the rows ({wrong.mismatched_keys} "
                f"key(s) at the check of {wrong.checked_at:%Y-%m-%d %H:%M} UTC): run "
                "“certtrack rebuild-counts”."
            )
        return found

    def as_json(self) -> dict:
        """The body of GET /healthz (API.md), each part "ok" or "fail: why"."""
        age = self.last_pass_age
        return {
            "status": OK if self.ok else "fail",
            "database": self.database,
            "migrations": self.migrations,
            "worker": {
                "last_pass_at": self.last_pass and self.last_pass.finished_at.isoformat(),
                "age_seconds": None if age is None else int(age.total_seconds()),
                "status": self.worker_status,
            },
            "outbox": {
                "queued": self.queued,
                "oldest_queued_at": self.oldest_queued_at and self.oldest_queued_at.isoformat(),
                "status": self.outbox_status,
            },
        }


def check(now: datetime) -> Health:
    """How certtrack is at `now`. Never raises: a part that cannot be checked fails, named."""
    health = Health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # whatever the driver raises, the answer is "database down"
        log.warning("health: database unreachable: %s", error)
        # The class only: a public page must not show hosts, ports or user names.
        health.database = f"fail: unreachable ({type(error).__name__})"
        health.migrations = health.worker_status = health.outbox_status = "unknown"
        health.failing.append("database")
        return health
    for part, step in (("migrations", _migrations), ("worker", _worker), ("outbox", _outbox)):
        try:
            step(health, now)
        except Exception as error:  # one part's failure must not hide the others
            log.exception("health: checking %s failed", part)
            _fail(health, part, f"fail: could not be checked ({type(error).__name__})")
    return health


def _fail(health: Health, part: str, why: str) -> None:
    setattr(health, {"worker": "worker_status", "outbox": "outbox_status"}.get(part, part), why)
    health.failing.append(part)


@functools.cache
def _leaf_migrations() -> frozenset[tuple[str, str]]:
    # Read from disk once per process: the files change only with a deploy, which restarts it.
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def _migrations(health: Health, now: datetime) -> None:
    applied = MigrationRecorder(connection).applied_migrations()
    pending = sorted(_leaf_migrations() - set(applied))
    if pending:
        _fail(
            health, "migrations", f"fail: {len(pending)} app(s) not migrated, run certtrack migrate"
        )


def _worker(health: Health, now: datetime) -> None:
    health.last_pass = last_pass()
    if health.last_pass is None:
        _fail(health, "worker", "fail: no worker pass ever recorded")
        return
    health.last_pass_age = max(now - health.last_pass.finished_at, timedelta(0))
    if health.last_pass_age > WORKER_SILENT_AFTER:
        hours = WORKER_SILENT_AFTER.total_seconds() / 3600
        _fail(health, "worker", f"fail: no pass finished for more than {hours:g} hours")


def _outbox(health: Health, now: datetime) -> None:
    queued = Email.objects.filter(status=EmailStatus.QUEUED)
    health.queued = queued.count()
    oldest = queued.order_by("created_at").values_list("created_at", flat=True).first()
    health.oldest_queued_at = oldest
    if oldest is not None and now - oldest > OUTBOX_STUCK_AFTER:
        minutes = OUTBOX_STUCK_AFTER.total_seconds() / 60
        _fail(health, "outbox", f"fail: an email has been queued for more than {minutes:g} minutes")
