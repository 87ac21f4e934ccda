"""The command line of API.md: createstaff, apitoken, demo, worker."""

import io
import sys
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certtrack import clock
from certtrack.accounts.models import ApiToken, User
from certtrack.certification.models import Enrollment, GeneralSettings
from certtrack.certification.statuses import Status


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
