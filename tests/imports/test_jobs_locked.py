"""The worker's import job when SQLite refuses a write at once ("database table is
locked": in shared cache, while the live test server's page reads the job): a progress
tick is skipped, the job's result is written once the reader lets go."""

import pytest
from django.db import OperationalError
from django.db.models import QuerySet

from certtrack import clock
from certtrack.imports import jobs
from certtrack.imports.models import ImportJob, ImportState
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [["email", "first_name", "last_name"]] + [
    [f"p{i}@example.org", f"P{i}", "Person"] for i in range(3)
]


def test_a_locked_job_row_loses_progress_ticks_not_the_result(monkeypatch):
    update = QuerySet.update
    refused = {"n": 0}

    def locked_now_and_then(self, **fields):
        # Every job write is refused twice before it goes through.
        if self.model is ImportJob and refused["n"] % 3 != 2:
            refused["n"] += 1
            raise OperationalError("database table is locked: imports_importjob")
        refused["n"] += 1 if self.model is ImportJob else 0
        return update(self, **fields)

    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    job = jobs.submit("contacts", "p.csv", csv_bytes(ROWS), None, dry_run=True, now=clock.now())
    monkeypatch.setattr(QuerySet, "update", locked_now_and_then)
    jobs.run(ImportJob.objects.get(pk=job.pk))
    monkeypatch.setattr(QuerySet, "update", update)
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.failure == ""
    assert job.rows_done == 3 and job.result["created"] == 3


def test_another_database_error_still_fails_the_job(monkeypatch):
    def broken(self, **fields):
        raise OperationalError("disk I/O error")

    job = jobs.submit("contacts", "p.csv", csv_bytes(ROWS), None, dry_run=True, now=clock.now())
    monkeypatch.setattr(QuerySet, "update", broken)
    with pytest.raises(OperationalError, match="disk I/O"):
        jobs.run(ImportJob.objects.get(pk=job.pk))


def test_a_locked_table_at_the_claim_leaves_the_job_for_the_next_pass(monkeypatch):
    """The browser test's worker thread died on this (its summary never came): claiming
    a job while a page polls the table. The claim is simply made at the next pass."""
    update = QuerySet.update

    def locked(self, **fields):
        raise OperationalError("database table is locked: imports_importjob")

    job = jobs.submit("contacts", "p.csv", csv_bytes(ROWS), None, dry_run=True, now=clock.now())
    monkeypatch.setattr(QuerySet, "update", locked)
    assert jobs.run_queued(clock.now()) == 0
    monkeypatch.setattr(QuerySet, "update", update)
    assert ImportJob.objects.get(pk=job.pk).state == ImportState.QUEUED
    assert jobs.run_queued(clock.now()) == 1
    assert ImportJob.objects.get(pk=job.pk).state == ImportState.DONE


def test_a_locked_read_of_the_job_just_claimed_is_read_again(monkeypatch):
    get = jobs.ImportJob.objects.get
    refused = {"n": 0}

    def locked_twice(*args, **kwargs):
        if refused["n"] < 2:
            refused["n"] += 1
            raise OperationalError("database table is locked: imports_importjob")
        return get(*args, **kwargs)

    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    job = jobs.submit("contacts", "p.csv", csv_bytes(ROWS), None, dry_run=True, now=clock.now())
    monkeypatch.setattr(jobs.ImportJob.objects, "get", locked_twice)
    assert jobs.run_queued(clock.now()) == 1
    monkeypatch.undo()
    assert ImportJob.objects.get(pk=job.pk).state == ImportState.DONE
