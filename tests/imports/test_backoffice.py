"""The back-office door: upload → dry run in the worker → every row's outcome → confirm."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certtrack import clock
from certtrack.imports import jobs
from certtrack.imports.models import ImportJob, ImportState

from .conftest import FILES, WRITES, counts, csv_bytes


@pytest.fixture
def client(admin_user) -> Client:
    c = Client()
    c.force_login(admin_user)
    return c


def upload(client, kind, data: bytes, name="file.csv"):
    return client.post(
        "/staff/setup/import/", {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


@pytest.mark.parametrize("kind", sorted(FILES))
def test_each_kind_is_checked_then_confirmed(kind, client, ready):
    ready(kind)
    before = counts()
    response = upload(client, kind, csv_bytes(FILES[kind]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/setup/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for the worker" in page and 'hx-trigger="load delay:700ms"' in page
    assert jobs.run_queued(clock.now()) == 1
    assert counts() == before  # the dry run wrote nothing
    page = client.get(response["Location"]).content.decode()
    assert "1 row(s): 1 would be created" in page and ">create</span>" in page
    assert "Import these 1 rows" in page
    confirm = client.post(f"/staff/setup/import/{job.pk}/confirm/")
    real = ImportJob.objects.get(dry_run=False)
    assert confirm["Location"] == f"/staff/setup/import/{real.pk}/"
    assert client.post(f"/staff/setup/import/{job.pk}/confirm/")["Location"] == confirm["Location"]
    jobs.run_queued(clock.now())
    real.refresh_from_db()
    assert real.state == ImportState.DONE and real.result["created"] == 1
    assert bytes(real.data) == b""  # the file is not kept once written
    assert WRITES[kind].objects.count() == 1
    assert "1 were created" in client.get(confirm["Location"]).content.decode()


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(client, db):
    upload(client, "contacts", csv_bytes([["email", "first_name", "last_name"], ["x", "A", "B"]]))
    jobs.run_queued(clock.now())
    job = ImportJob.objects.get()
    page = client.get(f"/staff/setup/import/{job.pk}/").content.decode()
    assert "x is not an email address" in page and "Import these" not in page
    assert client.post(f"/staff/setup/import/{job.pk}/confirm/").status_code == 404


def test_progress_is_polled_until_done_then_the_page_reloads(client, db):
    upload(client, "contacts", csv_bytes(FILES["contacts"]))
    job = ImportJob.objects.get()
    polled = client.get(f"/staff/setup/import/{job.pk}/progress/")
    assert "0 / ? rows" in polled.content.decode() and "HX-Refresh" not in polled
    jobs.run_queued(clock.now())
    polled = client.get(f"/staff/setup/import/{job.pk}/progress/")
    assert polled["HX-Refresh"] == "true" and "1 row read" in polled.content.decode()


@pytest.mark.parametrize("kind", sorted(FILES))
def test_templates_have_the_headers_and_one_example_that_imports(kind, client, ready):
    csv_file = client.get(f"/staff/setup/import/template/{kind}.csv")
    assert csv_file["Content-Disposition"] == f'attachment; filename="certtrack-{kind}.csv"'
    lines = csv_file.content.decode().splitlines()
    assert len(lines) == 2
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/staff/setup/import/template/{kind}.xlsx").content)
    )
    rows = list(book.active.values)
    assert [str(c) for c in rows[0]] == lines[0].split(",") and len(rows) == 2


def test_a_file_over_the_limit_is_a_form_error(client, db, monkeypatch):
    from certtrack.certification.imports import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    response = upload(client, "contacts", b"email,first_name,last_name\n")
    assert response.status_code == 422 and "the limit is" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_abandoned_job_is_claimed_again(client, db):
    upload(client, "contacts", csv_bytes(FILES["contacts"]))
    job = ImportJob.objects.get()
    now = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, heartbeat_at=now)
    assert jobs.run_queued(now) == 0  # another worker is on it
    assert jobs.run_queued(now + jobs.STALE * 2) == 1
    job.refresh_from_db()
    assert job.state == ImportState.DONE


def test_staff_see_import_in_the_menu(client, db):
    assert 'href="/staff/setup/import/"' in client.get("/staff/contacts/").content.decode()


def test_the_enrollment_page_shows_the_imported_periods_and_history(client, ready):
    from certtrack.certification import imports
    from certtrack.certification.actors import Actor
    from certtrack.certification.models import Enrollment

    ready("certifications")
    imports.run("certifications", csv_bytes(FILES["certifications"]), Actor.importer())
    enrollment = Enrollment.objects.get()
    page = client.get(f"/staff/enrollments/{enrollment.pk}/").content.decode()
    assert "Certification imported" in page and "OLD-42" in page
    assert "import (command line)" in page
