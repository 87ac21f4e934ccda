"""A worker killed halfway through writing a file leaves nothing of it, and the import
runs again whole. Real processes on a real database file (or PostgreSQL database)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = 3000

CHILD = r"""
import json, sys, time
import django
django.setup()
from datetime import timedelta
from certtrack import clock
what = sys.argv[1]
if what == "prepare":
    from django.core.management import call_command
    from certtrack.imports import jobs
    call_command("migrate", verbosity=0)
    rows = ["email,first_name,last_name"]
    rows += [f"p{n}@example.org,P,N{n}" for n in range(int(sys.argv[2]))]
    data = "\n".join(rows).encode()
    jobs.submit("contacts", "big.csv", data, None, dry_run=False, now=clock.now())
elif what == "hang":
    # Killed while the contacts are inserted and before their History: halfway.
    from certtrack.certification.models import History
    from certtrack.imports import jobs
    def hang(*args, **kwargs):
        print("HALFWAY", flush=True)
        time.sleep(120)
    History.objects.bulk_create = hang
    jobs.run_queued(clock.now())
elif what == "rerun":
    from certtrack.imports import jobs
    print(json.dumps({"ran": jobs.run_queued(clock.now() + 2 * jobs.STALE)}))
elif what == "counts":
    from certtrack.certification.models import Contact, History
    from certtrack.imports.models import ImportJob
    job = ImportJob.objects.get()
    print(json.dumps({"contacts": Contact.objects.count(), "history": History.objects.count(),
                      "state": job.state}))
"""


@pytest.fixture
def database_url(tmp_path):
    """A database of this test's own: a SQLite file, or a PostgreSQL database beside the
    test run's when CERTTRACK_DATABASE_URL is PostgreSQL."""
    url = os.environ.get("CERTTRACK_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'interrupted.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # one per pytest-xdist worker
    name = f"{parts.path.lstrip('/')}_interrupted{worker and '_' + worker}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child(url: str, *args: str, **popen):
    env = os.environ | {
        "CERTTRACK_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "certtrack.settings",
        "CERTTRACK_EMAIL_URL": "locmem://",
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def answer(url: str, *args: str) -> dict:
    out, err = child(url, *args).communicate(timeout=120)
    assert not err.strip() or "Traceback" not in err, err
    return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


def test_a_worker_killed_halfway_leaves_nothing_and_the_import_runs_again(database_url):
    out, err = child(database_url, "prepare", str(ROWS)).communicate(timeout=120)
    assert "Traceback" not in err, err
    worker = child(database_url, "hang")
    assert worker.stdout.readline().strip() == "HALFWAY"  # contacts inserted, not committed
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert answer(database_url, "counts") == {"contacts": 0, "history": 0, "state": "running"}
    assert answer(database_url, "rerun") == {"ran": 1}  # abandoned: claimed again
    assert answer(database_url, "counts") == {"contacts": ROWS, "history": ROWS, "state": "done"}
