"""GET /healthz: 200 when the database is reachable and migrated, the worker alive and the
outbox moving; 503 naming the failing part otherwise — never a 500, never cached."""

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

from certtrack.certification import services
from certtrack.operations import health, passes

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture
def now(travel):
    return travel(TODAY)


def worker_passed(at) -> None:
    passes.record(at, at, {"record_time_transitions": 0}, {}, {})


def get(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, response.json()


def test_all_well_is_200_in_the_documented_shape(client, now):
    worker_passed(now - timedelta(minutes=5))
    status, body = get(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "worker": {
            "last_pass_at": (now - timedelta(minutes=5)).isoformat(),
            "age_seconds": 300,
            "status": "ok",
        },
        "outbox": {"queued": 0, "oldest_queued_at": None, "status": "ok"},
    }


def test_a_worker_never_seen_is_503_naming_the_worker(client, now):
    status, body = get(client)
    assert (status, body["status"]) == (503, "fail")
    assert body["worker"] == {
        "last_pass_at": None,
        "age_seconds": None,
        "status": "fail: no worker pass ever recorded",
    }
    assert (body["database"], body["migrations"], body["outbox"]["status"]) == ("ok", "ok", "ok")


def test_a_worker_silent_for_two_hours_is_503(client, now, travel):
    worker_passed(now)
    travel(now + health.WORKER_SILENT_AFTER)
    assert get(client)[0] == 200  # two hours to the second: still alive
    travel(now + health.WORKER_SILENT_AFTER + timedelta(seconds=1))
    status, body = get(client)
    assert status == 503
    assert body["worker"]["status"] == "fail: no pass finished for more than 2 hours"
    assert body["worker"]["age_seconds"] == 7201


def test_the_last_pass_of_any_worker_counts(client, now):
    worker_passed(now - timedelta(hours=5))
    worker_passed(now - timedelta(minutes=1))  # another worker process, later
    assert get(client)[1]["worker"]["age_seconds"] == 60


def test_an_email_queued_for_more_than_an_hour_is_a_stuck_outbox(
    client, now, travel, make_contact, make_program, admin
):
    services.apply(make_contact().pk, make_program().pk, admin)  # queues its emails now
    worker_passed(now)
    status, body = get(client)
    assert status == 200 and body["outbox"]["queued"] >= 1
    assert body["outbox"]["oldest_queued_at"] == now.isoformat()

    later = travel(now + health.OUTBOX_STUCK_AFTER + timedelta(seconds=1))
    worker_passed(later)  # the worker runs, but nothing leaves the queue (SMTP refusing)
    status, body = get(client)
    assert (status, body["status"], body["worker"]["status"]) == (503, "fail", "ok")
    assert body["outbox"]["status"] == "fail: an email has been queued for more than 60 minutes"


def test_pending_migrations_are_503_naming_migrations(client, now):
    worker_passed(now)
    MigrationRecorder.Migration.objects.filter(app="operations").delete()  # rolled back after
    status, body = get(client)
    assert status == 503
    assert body["migrations"] == "fail: 1 app(s) not migrated, run certtrack migrate"
    assert body["database"] == "ok"


def test_a_database_that_is_down_is_503_not_500(client, now, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection to server at 10.1.2.3 port 5432 failed")

    monkeypatch.setattr(connection, "cursor", down)
    status, body = get(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["database"] == "fail: unreachable (OperationalError)"
    assert "10.1.2.3" not in str(body)  # no hosts or ports on a public page
    assert body["worker"] == {"last_pass_at": None, "age_seconds": None, "status": "unknown"}


def test_a_part_that_cannot_be_checked_fails_by_name_not_with_a_500(client, now, monkeypatch):
    worker_passed(now)

    def broken(*args):
        raise ValueError("surprise")

    monkeypatch.setattr(health, "_outbox", broken)
    status, body = get(client)
    assert status == 503
    assert body["outbox"]["status"] == "fail: could not be checked (ValueError)"
    assert body["worker"]["status"] == "ok"


def test_it_is_cheap_a_few_indexed_queries(client, now, django_assert_max_num_queries):
    worker_passed(now)
    with django_assert_max_num_queries(6):
        assert get(client)[0] == 200


def test_only_get(client, now):
    assert client.post("/healthz").status_code == 405


def test_a_real_unreachable_database_answers_503(tmp_path):
    """A process whose database server is not there at all: no 500, no traceback page."""
    script = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'certtrack.settings'\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(r.status_code, r.json()['database'])\n"
    )
    env = os.environ | {
        "CERTTRACK_DATA_DIR": str(tmp_path),
        "CERTTRACK_ALLOWED_HOSTS": "testserver",
        # Nothing listens on port 9: connection refused at once.
        "CERTTRACK_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "503 fail: unreachable (OperationalError)", result.stderr
