"""An import file waiting for, or done by, the worker (PRODUCT.md §8: large files show
progress and do not block the web process)."""

from django.conf import settings
from django.db import models


class ImportState(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportSource(models.TextChoices):
    """Which door the file came through (PRODUCT.md §8: staff, the command line, the API)."""

    UPLOAD = "upload", "Uploaded in the back-office"
    COMMAND = "command", "Imported from the command line"
    API = "api", "Imported through the API"


class ImportJob(models.Model):
    """One uploaded file and what became of it.

    Why a table: the web process stores the file and returns at once; the worker (any
    host) reads it from here, reports progress here for the page's polling, and leaves
    the result here for the result page, which stays. Files imported from the command
    line or through the API are run at once and recorded here when done (`source`), so
    "Recent imports" lists every import, whichever door it came through. Read by the
    import pages and by the worker's claim (queued jobs, oldest first: a few rows, no
    index needed).
    """

    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    data = models.BinaryField(help_text="The uploaded file; emptied once it is written.")
    size = models.PositiveIntegerField(default=0)
    dry_run = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    source = models.CharField(
        max_length=10, choices=ImportSource.choices, default=ImportSource.UPLOAD
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    failure = models.TextField(blank=True, default="")
    # The dry run this import confirms (its result page links to the import).
    checked = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="confirmed"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == ImportState.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def by(self) -> str:
        """Who ran it, as the import pages say it."""
        email = self.created_by.email if self.created_by else ""
        if self.source == ImportSource.COMMAND:
            return "the command line"
        if self.source == ImportSource.API:
            return f"{email} (API)" if email else "the API"
        return email or "—"

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)
