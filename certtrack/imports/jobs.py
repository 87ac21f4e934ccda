"""Import jobs: the worker's step (claim one queued file, run the import service, keep the
result), and `import_now` for the command line and the API (run at once, kept as a job).

The import itself is one transaction (`certification.imports.run`): a worker killed
halfway leaves nothing of the file written. Its job stays `running` with an old
heartbeat; after STALE it is claimed again and runs from the start.
"""

import logging
import time
from datetime import datetime, timedelta

from django.db import OperationalError
from django.db.models import Q

from certtrack import clock
from certtrack.certification import imports
from certtrack.certification.actors import Actor

from .models import ImportJob, ImportSource, ImportState

log = logging.getLogger("certtrack.worker")
# Heartbeats come with progress while rows are checked; the write is one transaction
# without them (SQLite would block a second writer): allow it this long.
STALE = timedelta(minutes=15)


def submit(
    kind: str,
    filename: str,
    data: bytes,
    user,
    *,
    dry_run: bool,
    now: datetime,
    checked: ImportJob | None = None,
) -> ImportJob:
    """Queue a file for the worker."""
    return ImportJob.objects.create(
        kind=kind,
        filename=filename[:255],
        data=data,
        size=len(data),
        dry_run=dry_run,
        created_by=user,
        created_at=now,
        checked=checked,
    )


def import_now(
    kind: str,
    data: bytes,
    filename: str,
    actor: Actor,
    user,
    *,
    source: ImportSource,
    dry_run: bool,
) -> imports.Result:
    """The command line's and the API's import: run at once (the caller answers with the
    result), then kept as a finished job (`record`)."""
    started = clock.now()
    result = imports.run(kind, data, actor, dry_run=dry_run, now=started)
    record(result, filename, len(data), user, source=source, started=started, now=clock.now())
    return result


def record(
    result: imports.Result,
    filename: str,
    size: int,
    user,
    *,
    source: ImportSource,
    started: datetime,
    now: datetime,
) -> ImportJob:
    """Keep a file the command line or the API imported at once as a finished job: its
    result page and "Recent imports" show it like an upload's. The file itself is not
    kept (such a dry run is confirmed by running the import again, not from the page)."""
    return ImportJob.objects.create(
        kind=result.kind,
        filename=filename[:255],
        data=b"",
        size=size,
        dry_run=result.dry_run,
        state=ImportState.DONE,
        source=source,
        rows_total=result.rows,
        rows_done=result.rows,
        result=result.as_dict(),
        created_by=user,
        created_at=started,
        started_at=started,
        finished_at=now,
    )


def _claim(now: datetime) -> ImportJob | None:
    """The oldest queued (or abandoned) job, claimed by a conditional UPDATE: one worker."""
    claimable = Q(state=ImportState.QUEUED) | Q(
        state=ImportState.RUNNING, heartbeat_at__lt=now - STALE
    )
    try:
        for job in (
            ImportJob.objects.filter(claimable)
            .order_by("created_at", "id")
            .only("id", "state", "heartbeat_at")[:5]
        ):
            won = ImportJob.objects.filter(
                pk=job.pk, state=job.state, heartbeat_at=job.heartbeat_at
            ).update(state=ImportState.RUNNING, started_at=now, heartbeat_at=now, rows_done=0)
            if won:
                return _read_claimed(job.pk)
    except OperationalError as error:  # SQLite: a page polling the table holds it a moment
        if "locked" not in str(error):
            raise
    return None  # (claimed at the next pass)


def _read_claimed(pk: int) -> ImportJob:
    """The job just claimed, read again as `_save` writes: on SQLite a polling page may
    hold the table for a moment; ours now, it must not be left running unread."""
    for attempt in range(100):
        if attempt:
            time.sleep(0.02)
        try:
            return ImportJob.objects.get(pk=pk)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            refused = error
    raise refused


def run_queued(now: datetime) -> int:
    """Worker step: run the queued imports, one after the other; how many were run."""
    done = 0
    while (job := _claim(now)) is not None:
        run(job)
        done += 1
        now = clock.now()
    return done


def run(job: ImportJob) -> None:
    """Run one claimed job and store its result (the file is dropped once written)."""

    def progress(done: int, total: int) -> None:
        # A tick is news, not state: one lost to a lock is said by the next.
        _save(job.pk, best_effort=True, rows_done=done, rows_total=total, heartbeat_at=clock.now())

    by = Actor.staff(job.created_by) if job.created_by else None
    try:
        result = imports.run(
            job.kind, bytes(job.data), Actor.importer(by), dry_run=job.dry_run, progress=progress
        )
    except Exception as error:  # recorded on the job; the worker goes on with its pass
        log.exception("import %s failed", job.pk)
        _save(
            job.pk,
            state=ImportState.FAILED,
            failure=f"{type(error).__name__}: {error}"[:2000],
            finished_at=clock.now(),
        )
        return
    fields = {
        "state": ImportState.DONE,
        "result": result.as_dict(),
        "rows_total": result.rows,
        "rows_done": result.rows,
        "finished_at": clock.now(),
    }
    if result.written:
        fields["data"] = b""
    _save(job.pk, **fields)


def _save(pk: int, *, best_effort: bool = False, **fields) -> None:
    """Update the job's row. SQLite refuses a write at once while another connection
    reads that table in shared cache ("database table is locked": the live test server's
    page polling the job): try again for up to 2 s; a progress tick (`best_effort`) is
    given up at the first refusal instead."""
    for attempt in range(1 if best_effort else 100):
        if attempt:
            time.sleep(0.02)
        try:
            ImportJob.objects.filter(pk=pk).update(**fields)
            return
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            refused = error
    if not best_effort:
        raise refused
