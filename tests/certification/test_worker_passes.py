"""Every worker pass leaves a record: when, how long, what each step did, what failed."""

import os
from datetime import date, timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError

from certtrack.certification import services
from certtrack.notifications.models import Email
from certtrack.operations import passes
from certtrack.operations.management.commands.worker import run_pass
from certtrack.operations.models import WorkerPass
from certtrack.operations.tally import tally
from tests.conftest import at

pytestmark = pytest.mark.django_db

STEPS = [
    "certtrack.certification.worker.record_time_transitions",
    "certtrack.notifications.delivery.deliver_due",
]


def broken_step(now):
    raise RuntimeError("mail server on fire")


def tallying_step(now):
    tally("widgets_skipped", 2)
    return 0


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("no SMTP server here")


def test_a_pass_is_recorded_with_what_each_step_did(
    travel, settings, make_contact, make_program, admin
):
    settings.CERTTRACK_WORKER_STEPS = STEPS
    program = make_program(validity_months=12)
    services.record_existing(
        make_contact().pk, program.pk, date(2025, 3, 10), admin, now=at(date(2025, 3, 10))
    )
    moment = travel(date(2026, 2, 20))  # the certification's notice day has passed: Expiring
    services.apply(make_contact().pk, program.pk, admin)  # an Application Received email

    results = run_pass()

    row = WorkerPass.objects.get()
    assert row.steps == results
    assert results["record_time_transitions"] == 1
    assert results["deliver_due"] == Email.objects.filter(status="sent").count() >= 2
    assert (row.started_at, row.finished_at, row.errors, row.idle) == (moment, moment, {}, False)
    assert (row.host, row.pid) != ("", 0) and row.pid == os.getpid()


def test_a_pass_with_nothing_to_do_is_recorded_as_idle(settings):
    settings.CERTTRACK_WORKER_STEPS = STEPS
    run_pass()
    row = WorkerPass.objects.get()
    assert row.idle and row.steps == {"record_time_transitions": 0, "deliver_due": 0}


def test_a_failed_step_is_recorded_with_its_error_and_the_others_still_count(settings):
    settings.CERTTRACK_WORKER_STEPS = [STEPS[0], f"{__name__}.broken_step", STEPS[1]]
    run_pass()
    row = WorkerPass.objects.get()
    assert row.errors == {"broken_step": "RuntimeError: mail server on fire"}
    assert row.failed_steps == ["broken_step"]
    assert row.steps == {"record_time_transitions": 0, "broken_step": -1, "deliver_due": 0}
    assert not row.idle


def test_worker_once_records_its_pass_even_when_a_step_failed(settings):
    settings.CERTTRACK_WORKER_STEPS = [f"{__name__}.broken_step"]
    with pytest.raises(CommandError, match="broken_step failed"):
        call_command("worker", "--once")
    assert WorkerPass.objects.get().failed_steps == ["broken_step"]


def test_emails_that_fail_to_send_are_tallied(settings, make_contact, make_program, admin):
    settings.CERTTRACK_WORKER_STEPS = STEPS
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    program = make_program(validity_months=12)
    services.apply(make_contact().pk, program.pk, admin)  # received + new application: 2 emails
    run_pass()
    row = WorkerPass.objects.get()
    assert row.steps["deliver_due"] == 0
    assert row.tallies == {"emails_failed": Email.objects.filter(attempts=1).count()} != {}


def test_expiries_too_old_to_email_are_tallied_as_skipped_by_the_cut_off(
    travel, settings, make_contact, make_program, admin
):
    settings.CERTTRACK_WORKER_STEPS = STEPS
    program = make_program(validity_months=12)
    for _ in range(2):  # expire 10 March 2026
        services.record_existing(
            make_contact().pk, program.pk, date(2025, 3, 10), admin, now=at(date(2025, 3, 10))
        )
    travel(date(2026, 5, 1))  # a worker back after two months: expired 52 days ago, no news

    run_pass()

    row = WorkerPass.objects.get()
    assert row.steps["record_time_transitions"] == 2
    assert row.tallies == {"emails_skipped_late": 2}
    assert not Email.objects.filter(kind="certification_expired").exists()


def test_any_step_can_tally_its_own_counts(settings):
    settings.CERTTRACK_WORKER_STEPS = [f"{__name__}.tallying_step"]
    run_pass()
    row = WorkerPass.objects.get()
    assert row.tallies == {"widgets_skipped": 2} and not row.idle
    assert ("widgets skipped", 2) in passes.what_it_did(row)


def test_tallies_outside_a_pass_go_nowhere(settings):
    tally("emails_failed")  # e.g. a sign-in link sent at once from a web request
    settings.CERTTRACK_WORKER_STEPS = [f"{__name__}.tallying_step"]
    run_pass()
    assert WorkerPass.objects.get().tallies == {"widgets_skipped": 2}


def test_old_passes_are_pruned_idle_ones_sooner(travel, settings):
    settings.CERTTRACK_WORKER_STEPS = [f"{__name__}.tallying_step"]
    start = travel(date(2026, 1, 1))
    run_pass()  # busy (it tallied): kept 90 days
    settings.CERTTRACK_WORKER_STEPS = STEPS
    run_pass()  # idle: kept 2 days
    travel(start + passes.IDLE_KEPT + timedelta(seconds=1))
    run_pass()
    assert list(WorkerPass.objects.order_by("id").values_list("idle", flat=True)) == [False, True]
    travel(start + passes.KEPT + timedelta(seconds=1))
    run_pass()
    assert WorkerPass.objects.count() == 1  # the pass just recorded; everything else aged out


def test_a_database_that_refuses_the_record_does_not_stop_the_worker(settings, monkeypatch):
    from django.db import OperationalError

    def refuse(**fields):
        raise OperationalError("database is locked")

    monkeypatch.setattr(WorkerPass.objects, "create", refuse)
    settings.CERTTRACK_WORKER_STEPS = STEPS
    assert run_pass() == {"record_time_transitions": 0, "deliver_due": 0}


def test_staff_can_read_the_passes_in_the_admin(admin_client_for_passes):
    response = admin_client_for_passes.get("/staff/admin/operations/workerpass/")
    assert response.status_code == 200
    assert "broken_step" in response.content.decode()


@pytest.fixture
def admin_client_for_passes(client, admin_user, settings):
    settings.CERTTRACK_WORKER_STEPS = [f"{__name__}.broken_step"]
    run_pass()
    client.force_login(admin_user)
    return client
