"""What a concurrent writer or a database that gives up must not do to the records."""

import contextlib
import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import psycopg
import pytest
from django.db import OperationalError, transaction

from certtrack import clock
from certtrack.certification import services, worker
from certtrack.certification.errors import Refused
from certtrack.certification.models import Enrollment, History
from certtrack.certification.retry import atomic_retry

from .conftest import at


def deadlock() -> OperationalError:
    """What Django raises when PostgreSQL aborts a transaction caught in a deadlock."""
    try:
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()
    except OperationalError as error:
        return error


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_service_call_is_run_again_once():
    calls = []

    @atomic_retry
    def change():
        calls.append(1)
        if len(calls) == 1:
            raise deadlock()
        return "done"

    assert change() == "done"
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_second_deadlock_is_a_refusal_to_try_again_not_a_crash():
    @atomic_retry
    def change():
        raise deadlock()

    with pytest.raises(Refused, match="try again"):
        change()


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    calls = []

    @atomic_retry
    def change():
        calls.append(1)
        raise OperationalError("disk I/O error")

    with pytest.raises(OperationalError):
        change()
    assert len(calls) == 1


def test_history_follows_the_order_of_the_changes_when_an_action_waited_for_the_lock(
    make_contact, make_program, admin, monkeypatch
):
    """Another request changes the row while this one waits for its lock: this one's event,
    which starts from the other's result, is listed after it."""
    enrollment = services.add(make_contact().pk, make_program(required=2).pk, admin)
    seconds = itertools.count(1)
    monkeypatch.setattr(
        clock, "now", lambda: datetime(2026, 1, 5, tzinfo=UTC) + timedelta(seconds=next(seconds))
    )
    lock = services.enrollments._lock_enrollment
    waited = []

    def lock_after_another_request(enrollment_id):
        if not waited:
            waited.append(True)
            services.perform(enrollment_id, "set_inactive", admin)  # the request that got in first
        return lock(enrollment_id)

    monkeypatch.setattr(services.enrollments, "_lock_enrollment", lock_after_another_request)

    services.perform(enrollment.pk, "reactivate", admin)

    listed = (
        History.objects.filter(enrollment=enrollment).exclude(action="add").order_by("at", "id")
    )
    assert [(h.from_status, h.to_status) for h in listed] == [
        ("in_progress", "inactive"),
        ("inactive", "in_progress"),
    ]


def test_the_worker_uses_settings_read_after_taking_the_write_lock(
    make_contact, make_program, admin, monkeypatch
):
    """Settings changed by another process while the worker waits for the lock are the ones
    it applies: no Active → Expiring recorded under a notice period no longer in force."""
    program = make_program(validity_months=12)
    enrollment = services.record_existing(
        make_contact().pk, program.pk, date(2025, 3, 10), admin, now=at(date(2025, 3, 10))
    )  # expires 2026-03-10: Expiring from 2026-02-08 with 30 notice days, never with 0
    atomic, changed = transaction.atomic, []

    @contextlib.contextmanager
    def lock_after_a_settings_change(*args, **kwargs):
        if not changed:
            changed.append(services.update_settings(admin, expiring_notice_days=0))
        with atomic(*args, **kwargs):
            yield

    monkeypatch.setattr(worker, "transaction", SimpleNamespace(atomic=lock_after_a_settings_change))

    moved = worker.record_time_transitions(at(date(2026, 2, 20)))

    assert moved == 0
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"
    assert not History.objects.filter(enrollment=enrollment, action="time").exists()
