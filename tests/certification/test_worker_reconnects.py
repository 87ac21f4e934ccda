"""A real worker process goes on after PostgreSQL drops its connection."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from certtrack.certification import services
from certtrack.certification.models import Contact, History
from certtrack.notifications.models import Email
from tests.conftest import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def other_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def wait_for(condition, seconds: float = 30.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    return condition()


def test_worker_reconnects_after_its_backend_is_terminated(
    make_contact, make_program, admin, tmp_path
):
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {
        "CERTTRACK_DATABASE_URL": url,
        "CERTTRACK_EMAIL_URL": "console://",
        "CERTTRACK_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "certtrack"), "worker", "--interval", "0.3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        program = make_program(validity_months=12)
        assert wait_for(other_backends), "the worker never connected"

        with connection.cursor() as cursor:  # what a PostgreSQL restart or failover does
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        # Recorded as Active in 2020: long expired today, so the worker has a transition to do.
        due = services.record_existing(
            make_contact().pk, program.pk, date(2020, 1, 10), admin, now=at(date(2020, 1, 10))
        )
        services.apply(make_contact().pk, program.pk, admin)  # Application Received: an email
        moved = History.objects.filter(enrollment=due, action="time", to_status="expired")
        assert wait_for(moved.exists), "no transition recorded after the drop"
        queued = Email.objects.filter(status="queued")
        assert wait_for(lambda: not queued.exists()), "emails stayed queued after the drop"
        assert Email.objects.filter(status="sent").exists()
        assert worker.poll() is None, "the worker stopped"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert "worker stopped" in output, output[-2000:]


def count_contacts(now) -> int:
    """A step whose first query runs outside any transaction (autocommit)."""
    return Contact.objects.count()


def test_a_pass_after_the_connection_dropped_reconnects(settings, make_contact):
    from certtrack.operations.management.commands.worker import run_pass

    settings.CERTTRACK_WORKER_STEPS = [f"{__name__}.count_contacts"]
    make_contact()
    assert run_pass() == {"count_contacts": 1}
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"] or "127.0.0.1"}
    with psycopg.connect(**params, port=db["PORT"] or 5432, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])

    results = [run_pass()["count_contacts"] for _ in range(2)]

    assert results == [1, 1]
