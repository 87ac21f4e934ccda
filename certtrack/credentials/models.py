"""The credentials package's tables: rate-limit counters for public verification, and
the status list entries of the issued credentials."""

from django.db import models


class RateCounter(models.Model):
    """Requests from one client in one time window (shared by every server process)."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_unique")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class StatusListEntry(models.Model):
    """A period credential's place in the status lists (W3C Bitstring Status List v1.0).

    One row per period whose credential was ever issued; the same (list, index) in the
    revocation list and in the suspension list. Rows are never deleted, so an index is
    never given to another credential. The bits are not stored here: they are read from
    the enrollment's status when a list is rendered (docs/credentials.md).
    """

    # Why a table: a credential handed out carries its index for ever; the unique
    # constraint is what makes allocation safe when two processes pick the same index.
    period = models.OneToOneField(
        "certification.Period", on_delete=models.PROTECT, related_name="status_entry"
    )
    list_number = models.PositiveIntegerField()
    index = models.PositiveIntegerField()
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "status list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["list_number", "index"], name="status_list_index_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"list {self.list_number} index {self.index}: period {self.period_id}"
