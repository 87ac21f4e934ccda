"""Worker passes as records — PRODUCT.md §10 Operations."""

from django.db import models
from django.db.models import Q


class WorkerPass(models.Model):
    """One pass of `certtrack worker` (loop or --once): when, how long, what it did.

    Written once, when the pass ends; a pass that never ends (a hung or killed worker)
    leaves no row, which is exactly what "no pass finished for two hours" detects.
    """

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    # Step name → the count it returned (transitions recorded, emails sent; -1 = failed).
    steps = models.JSONField(default=dict)
    # Counts the steps tallied on the side: emails_failed, emails_cancelled, emails_skipped_late.
    tallies = models.JSONField(default=dict)
    # Failed step name → its error ("RuntimeError: …"); empty when every step succeeded.
    errors = models.JSONField(default=dict)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    # Nothing done, nothing failed: kept only briefly (a pass every 10 s is 8,640 rows a day).
    idle = models.BooleanField()

    # Why a table: one row per worker pass, so staff and monitors can see the worker is
    # alive; read by the back-office overview and GET /healthz (operations.health.check).
    # (A code comment, not db_table_comment: SQLite has none and Django warns about it.)

    class Meta:
        indexes = [
            # "The last pass" (overview, /healthz): one backward step on this index.
            # Also the range the 90-day pruning deletes.
            models.Index(fields=["finished_at"], name="workerpass_finished_idx"),
            # Idle passes are pruned after IDLE_KEPT: their own range, not a scan of the busy ones.
            models.Index(
                fields=["finished_at"], condition=Q(idle=True), name="workerpass_idle_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"worker pass {self.finished_at:%Y-%m-%d %H:%M:%S} on {self.host}:{self.pid}"

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def failed_steps(self) -> list[str]:
        return sorted(self.errors)
