"""The command line of API.md: createstaff, apitoken, demo, worker."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certtrack import clock
from certtrack.accounts.models import ApiToken, User
from certtrack.certification.models import Enrollment, GeneralSettings
from certtrack.certification.statuses import Status
from tests.processes import free_port


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        old, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command(*args, stdout=out)
    finally:
        if stdin is not None:
            sys.stdin = old
    return out.getvalue()


def test_createstaff_is_idempotent_and_reads_the_password_from_stdin(db):
    assert "created: ops@example.com (staff)" in run(
        "createstaff", "Ops@Example.com", "--password-stdin", stdin="s3cret-pass\n"
    )
    assert "exists: ops@example.com (administrator)" in run(
        "createstaff", "ops@example.com", "--admin"
    )
    user = User.objects.get()
    assert user.is_superuser and user.check_password("s3cret-pass")


def test_createstaff_refuses_a_bad_email(db):
    with pytest.raises(CommandError, match="not an email address"):
        run("createstaff", "nobody")
    assert not User.objects.exists()


def test_apitoken_prints_the_token_last_and_stores_only_its_hash(db):
    run("createstaff", "ops@example.com")
    key = run("apitoken", "ops@example.com").strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert key.startswith("ct_") and key not in (token.key_hash, token.prefix)
    assert ApiToken.objects.authenticate(key) == token
    run("apitoken", "ops@example.com", "--revoke", token.prefix)
    assert ApiToken.objects.authenticate(key) is None


def test_apitoken_does_not_pile_up_tokens_of_one_name(db):
    run("createstaff", "ops@example.com")
    # API.md: `certtrack apitoken EMAIL` issues a new token each time (both stay live).
    first = run("apitoken", "ops@example.com").strip().splitlines()[-1]
    also = run("apitoken", "ops@example.com").strip().splitlines()[-1]
    assert ApiToken.objects.authenticate(first) and ApiToken.objects.authenticate(also)
    # A named token is one per name: another of that name is refused, --rotate replaces it.
    named = run("apitoken", "ops@example.com", "--name", "payroll sync").splitlines()[-1]
    with pytest.raises(
        CommandError, match="already has a live token named 'payroll sync'.*--rotate"
    ):
        run("apitoken", "ops@example.com", "--name", "payroll sync")
    rotated = run("apitoken", "ops@example.com", "--name", "payroll sync", "--rotate")
    assert ApiToken.objects.authenticate(named) is None
    assert ApiToken.objects.authenticate(rotated.splitlines()[-1]).name == "payroll sync"
    # --rotate without a name replaces the unnamed ones: no pile of command-line tokens.
    second = run("apitoken", "ops@example.com", "--rotate").strip().splitlines()[-1]
    assert ApiToken.objects.authenticate(first) is None
    assert ApiToken.objects.authenticate(also) is None
    assert ApiToken.objects.authenticate(second).name == "command line"
    live = ApiToken.objects.filter(revoked_at__isnull=True)
    assert sorted(live.values_list("name", flat=True)) == ["command line", "payroll sync"]
    listed = run("apitoken", "ops@example.com", "--list")
    assert listed.count("live") == 2 and "revoked" in listed


def test_apitoken_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No active staff user"):
        run("apitoken", "ghost@example.com")


def test_demo_is_idempotent_and_shows_all_ten_statuses(db, travel):
    travel(date(2026, 11, 29))
    first = run("demo")
    counts = Enrollment.objects.count()
    second = run("demo")
    assert "demo data loaded" in first and "already present" in second
    assert Enrollment.objects.count() == counts
    status_counts = Enrollment.objects.status_counts(GeneralSettings.get().as_of(clock.now()))
    assert all(status_counts[s.value] >= 1 for s in Status), status_counts
    assert status_counts["expiring"] >= 3
    assert User.objects.filter(email="admin@example.com", is_superuser=True).exists()


def broken_step(now):
    raise RuntimeError("mail server on fire")


def test_worker_once_fails_naming_the_step_that_failed(db, settings):
    settings.CERTTRACK_WORKER_STEPS = [
        "certtrack.certification.worker.record_time_transitions",
        "tests.certification.test_cli.broken_step",
    ]
    with pytest.raises(CommandError, match="broken_step failed"):
        run("worker", "--once")


def test_worker_once_succeeds_when_every_step_did(db):
    assert "record_time_transitions=0" in run("worker", "--once")


def serve(tmp_path, **env) -> subprocess.CompletedProcess:
    """`certtrack serve` on a port nobody uses; it must stop by itself (the test's timeout)."""
    port = free_port()
    env = os.environ | {"CERTTRACK_DATA_DIR": str(tmp_path)} | env
    return subprocess.run(
        [str(Path(sys.executable).parent / "certtrack"), "serve", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_an_unmigrated_database_naming_certtrack_migrate(tmp_path):
    result = serve(tmp_path, CERTTRACK_DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert result.returncode != 0
    assert "certtrack migrate" in result.stderr
    assert "serving" not in result.stdout


def test_a_command_on_an_unmigrated_database_says_so_in_a_line_naming_it(tmp_path):
    """`certtrack apitoken` run without the server's CERTTRACK_DATA_DIR (a new user's trial
    copied the banner's line into another shell): one line naming the database and the
    fix, not a traceback ending "no such table"."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "certtrack"), "apitoken", "a@example.com"],
        env={k: v for k, v in os.environ.items() if k != "CERTTRACK_DATABASE_URL"}
        | {"CERTTRACK_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "run `certtrack migrate` first" in result.stderr
    assert str(tmp_path / "certtrack.sqlite3") in result.stderr


@pytest.mark.postgres
def test_serve_refuses_a_read_only_database(tmp_path, django_db_blocker):
    from django.db import connection

    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    with django_db_blocker.unblock():
        result = serve(
            tmp_path,
            CERTTRACK_DATABASE_URL=url,
            PGOPTIONS="-c default_transaction_read_only=on",
        )
    assert result.returncode != 0
    assert "read-only" in result.stderr and "certtrack migrate" in result.stderr


@pytest.mark.parametrize(("password", "rule"), [("x", "too short"), ("password123", "too common")])
def test_createstaff_refuses_a_weak_password_and_creates_nothing(db, password, rule):
    with pytest.raises(CommandError, match=rule):
        run("createstaff", "ops@example.com", "--password-stdin", stdin=password + "\n")
    assert not User.objects.exists()


def test_createstaff_refuses_a_weak_new_password_for_an_existing_user(db):
    run("createstaff", "ops@example.com", "--password", "s3cret-pass-long")
    with pytest.raises(CommandError, match="too short"):
        run("createstaff", "ops@example.com", "--password", "x")
    assert User.objects.get().check_password("s3cret-pass-long")
