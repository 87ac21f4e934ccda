"""Import in Chromium: an administrator downloads the template, uploads a 5,000-row file,
watches the progress bar (polled with htmx while the worker runs) reach the end, reads
the dry run, confirms, and reads the result."""

import csv
import io
import logging
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from certtrack import clock
from certtrack.certification.imports import base
from certtrack.certification.models import Contact
from certtrack.imports import jobs
from tests.browser import conftest as browser
from tests.browser.conftest import sign_in

expect.set_options(timeout=60_000)  # the worker writes 5,000 rows on a shared machine
ROWS = 5000


@pytest.fixture
def page(open_page):
    return open_page(1280, timeout=30_000, accept_downloads=True)


@pytest.fixture
def worker(monkeypatch):
    """A worker in a thread: the import step every 0.2 s, each progress tick a little slowed
    (so that the bar can be seen moving on a fast machine)."""
    tick = base.Context.tick

    def slow_tick(self, done, total):
        tick(self, done, total)
        if self.progress is not None and done % 250 == 0:
            time.sleep(0.08)

    monkeypatch.setattr(base, "PROGRESS_EVERY", 250)
    monkeypatch.setattr(base.Context, "tick", slow_tick)
    stop = threading.Event()

    def loop():
        from django.db import connection

        while not stop.is_set():
            try:  # as `certtrack worker`: a failing pass is logged, the next one runs
                jobs.run_queued(clock.now())
            except Exception:
                logging.getLogger("certtrack.worker").exception("import step failed")
            time.sleep(0.2)
        connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    yield thread
    stop.set()
    if thread.ident is not None:
        thread.join(timeout=30)


def shot(page, name: str) -> None:
    browser.shot(page, name, full_page=False)


def test_administrator_imports_5000_contacts_watching_the_progress(
    page, admin_user, worker, tmp_path
):
    sign_in(page, admin_user.email)
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    shot(page, "import-page")
    with page.expect_download() as download:
        page.locator("tr", has_text="Contacts").get_by_role("link", name="CSV").click()
    template = Path(download.value.path()).read_text()
    header, example = list(csv.reader(io.StringIO(template)))
    assert header == ["email", "first_name", "last_name", "organization", "phone", "external_id"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for n in range(ROWS):
        writer.writerow([f"member{n}@example.org", "Member", f"N{n}", "Guild", "", f"M-{n}"])
    path = tmp_path / "members.csv"
    path.write_text(out.getvalue())

    bad = tmp_path / "bad.csv"
    bad.write_text(template + "member1@example.org,Ann,,,,\nnot-an-email,Bo,Ek,,,\n")
    page.get_by_label("What the file holds").select_option("contacts")
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-state")).to_contain_text("Waiting for the worker")
    worker.start()
    errors = page.get_by_role("table").filter(has_text="Problem")
    expect(errors).to_contain_text("not-an-email is not an email address")
    expect(errors).to_contain_text("is required")
    expect(page.get_by_role("button", name="Import these")).to_have_count(0)
    shot(page, "import-errors")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    page.get_by_label("What the file holds").select_option("contacts")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    count = page.locator("#import-count")
    expect(count).to_have_text(_moving())
    shot(page, "import-progress")
    expect(page.locator("#import-summary")).to_have_text(
        f"{ROWS:,} row(s): {ROWS:,} would be created, 0 would be updated, 0 unchanged."
    )
    expect(count).to_have_text(f"{ROWS} rows read")
    assert not Contact.objects.exists()  # a dry run
    shot(page, "import-dry-run")

    page.get_by_role("button", name=f"Import these {ROWS:,} rows").click()
    expect(page.locator("#import-summary")).to_have_text(
        f"{ROWS:,} row(s): {ROWS:,} were created, 0 were updated, 0 unchanged."
    )
    expect(count).to_have_text(f"{ROWS} rows read")
    assert Contact.objects.count() == ROWS
    shot(page, "import-result")
    page.reload()  # the result page stays
    expect(page.locator("#import-summary")).to_contain_text(f"{ROWS:,} were created")


def _moving():
    """A count strictly between none and all: the bar seen in motion."""
    import re

    return re.compile(rf"^([1-9]\d{{0,2}}|[1-4]\d{{3}}) / {ROWS} rows$")
