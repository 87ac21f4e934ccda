"""Delivery: SMTP down is survived, retried with backoff, given up loudly, never doubled."""

import logging
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import services
from certtrack.certification.worker import record_time_transitions
from certtrack.notifications import delivery
from certtrack.notifications.delivery import MAX_ATTEMPTS, deliver_due
from certtrack.notifications.models import Email
from certtrack.notifications.queries import emails_for, failed_emails
from tests.conftest import at

from .conftest import self_signed_certificate

DAY = date(2026, 3, 2)


@pytest.fixture
def applied(make_contact, make_program, admin, travel):
    """Ana applied on DAY: "application received" is queued for her."""
    travel(DAY)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(name="Safety Officer", require_approval=True)
    return services.apply(ana.pk, program.pk, admin)


def test_smtp_down_during_a_pass_keeps_the_worker_running_and_the_email_queued(
    smtp, applied, worker, caplog
):
    smtp.stop()
    with caplog.at_level(logging.WARNING, logger="certtrack.notifications"):
        results = worker(DAY)
    assert results["deliver_due"] == 0  # the step ran to its end (-1 would mean it crashed)
    assert "not sent, attempt 1 of" in caplog.text
    assert "ConnectionRefusedError" in caplog.text
    email = Email.objects.get(enrollment=applied, kind="application_received")
    assert (email.status, email.attempts) == ("queued", 1)
    assert email.next_attempt_at == at(DAY) + timedelta(minutes=1)


def test_after_the_server_is_back_the_email_arrives_exactly_once(smtp, applied, worker):
    smtp.stop()
    worker(DAY)
    smtp.start()
    worker(at(DAY) + timedelta(seconds=30))  # still waiting out the retry delay
    assert smtp.inbox.received == []
    for minutes in (1, 2, 5, 60):
        worker(at(DAY) + timedelta(minutes=minutes))
    assert smtp.inbox.subjects() == ["We received your application: Safety Officer"]
    email = Email.objects.get(enrollment=applied, kind="application_received")
    assert (email.status, email.attempts, email.sent_at) == (
        "sent",
        2,
        at(DAY) + timedelta(minutes=1),
    )


def test_flush_retries_the_waiting_emails_at_once(smtp, applied, travel, worker):
    smtp.stop()
    worker(DAY)
    smtp.start()
    call_command("worker", "--once")  # same moment: the retry is not due yet
    assert smtp.inbox.received == []
    call_command("worker", "--once", "--flush")
    assert len(smtp.inbox.received) == 1
    call_command("worker", "--once", "--flush")
    assert len(smtp.inbox.received) == 1


def test_a_failing_flush_does_not_loop_on_the_same_message(smtp, applied, travel):
    smtp.stop()
    assert deliver_due(at(DAY), flush=True) == 0
    assert Email.objects.get(enrollment=applied, kind="application_received").attempts == 1


def test_retries_back_off_then_give_up_loudly_and_staff_see_it(smtp, applied, caplog):
    smtp.stop()
    moment = at(DAY)
    delays = []
    with caplog.at_level(logging.WARNING, logger="certtrack.notifications"):
        for _ in range(MAX_ATTEMPTS):
            deliver_due(moment)
            email = Email.objects.get(enrollment=applied, kind="application_received")
            delays.append(email.next_attempt_at - moment)
            moment = email.next_attempt_at
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert email.status == "failed"
    assert email.attempts == MAX_ATTEMPTS
    assert f"failed {MAX_ATTEMPTS} times, giving up" in caplog.text
    assert list(failed_emails()) == [email]
    [record] = [r for r in emails_for(applied.pk) if r.kind == "application_received"]
    assert (record.status, record.recipient) == ("failed", "ana@example.org")
    assert "ConnectionRefusedError" in record.last_error
    smtp.start()
    deliver_due(moment + timedelta(days=1))  # a failed email is not retried by itself
    assert smtp.inbox.received == []


def test_staff_see_which_emails_were_sent_when_and_which_are_queued_or_failed(
    smtp, applied, admin, travel
):
    deliver_due(at(DAY))
    travel(DAY + timedelta(days=1))
    services.perform(applied.pk, "approve", admin)
    smtp.stop()
    deliver_due(at(DAY + timedelta(days=1)))
    records = emails_for(applied.pk)
    assert [(r.kind, r.status) for r in records] == [
        ("application_received", "sent"),
        ("new_application", "cancelled"),  # no registrar set in General Settings
        ("application_approved", "queued"),
    ]
    sent, cancelled, queued = records
    assert cancelled.last_error == "No recipients for this email in General Settings."
    assert sent.sent_at == at(DAY)
    assert sent.subject == "We received your application: Safety Officer"
    assert sent.recipient == "ana@example.org"
    assert sent.attempts == 1
    assert queued.subject == "Your application to Safety Officer is approved"
    assert queued.sent_at is None
    assert queued.attempts == 1 and "ConnectionRefusedError" in queued.last_error
    assert queued.next_attempt_at == at(DAY + timedelta(days=1)) + timedelta(minutes=1)
    assert emails_for(10**9) == []


def test_two_passes_at_once_on_one_database_send_each_email_once(smtp, applied, monkeypatch):
    """A pass whose claim comes second finds nothing: the first one's lease holds the row."""
    first_claim = delivery._claim

    def claim_then_race(now):
        token, batch = first_claim(now)
        if batch:
            monkeypatch.setattr(delivery, "_claim", first_claim)
            assert deliver_due(now) == 0  # the other worker, while this one holds the lease
        return token, batch

    monkeypatch.setattr(delivery, "_claim", claim_then_race)
    assert deliver_due(at(DAY)) == 1
    assert len(smtp.inbox.received) == 1


def test_a_crashed_workers_claim_lapses_and_the_email_still_goes_out(smtp, applied):
    token, batch = delivery._claim(at(DAY))  # claimed, then the process died
    assert batch
    assert deliver_due(at(DAY) + timedelta(minutes=5)) == 0
    assert deliver_due(at(DAY) + delivery.LEASE + timedelta(seconds=1)) == 1
    assert len(smtp.inbox.received) == 1


def test_a_pass_costs_the_same_however_large_the_outbox(smtp, applied, django_assert_num_queries):
    deliver_due(at(DAY))

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            deliver_due(at(DAY + timedelta(days=1)))
        return len(queries)

    before = cost()
    Email.objects.bulk_create(
        [
            Email(
                enrollment=applied,
                kind="application_received",
                cycle=cycle,
                status="sent",
                created_at=at(DAY),
                next_attempt_at=at(DAY),
            )
            for cycle in range(100, 400)
        ]
    )
    assert cost() == before


def test_the_worker_queues_a_batch_of_reminders_in_a_few_queries(
    make_contact, make_program, admin, travel
):
    program = make_program(validity_months=12)

    def cost(count: int, activated: date, day: date) -> int:
        travel(activated)
        for _ in range(count):
            services.record_existing(make_contact().pk, program.pk, activated, admin)
        with CaptureQueriesContext(connection) as queries:
            moved = record_time_transitions(at(day))
        assert moved == count
        return len(queries)

    # Each batch: the same number of queries for 3 reminders as for 30.
    few = cost(3, date(2025, 4, 10), date(2026, 3, 11))
    many = cost(30, date(2025, 5, 10), date(2026, 4, 10))
    assert few == many
    assert Email.objects.filter(kind="certification_expiring").count() == 33


def test_a_worker_whose_lease_lapsed_leaves_the_email_to_the_worker_that_took_it_over(
    smtp, applied, monkeypatch
):
    first_claim = delivery._claim
    elapsed = [0.0]
    monkeypatch.setattr(delivery, "time", SimpleNamespace(monotonic=lambda: elapsed[0]))

    def claim_then_lose_it(now):
        token, batch = first_claim(now)
        # The process stalls for eleven minutes: the ten-minute lease lapsed, and another
        # worker claimed the messages meanwhile.
        elapsed[0] += 11 * 60
        Email.objects.filter(pk__in=[e.pk for e in batch]).update(claim="another worker")
        return token, batch

    monkeypatch.setattr(delivery, "_claim", claim_then_lose_it)
    assert deliver_due(at(DAY)) == 0
    assert smtp.inbox.received == []
    assert Email.objects.get(enrollment=applied, kind="application_received").status == "queued"


@pytest.mark.parametrize("password, delivered", [("s@cret", True), ("wrong", False)])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_smtp_url_with_a_login_authenticates_to_the_server(
    smtp, applied, settings, password, delivered
):
    from certtrack.settings import _email

    smtp.require_login("mailer", "s@cret")
    quoted = password.replace("@", "%40")
    for name, value in _email(f"smtp://mailer:{quoted}@127.0.0.1:{smtp.port}").items():
        setattr(settings, name, value)
    settings.EMAIL_TIMEOUT = 5
    deliver_due(at(DAY))
    email = Email.objects.get(enrollment=applied, kind="application_received")
    if delivered:
        assert email.status == "sent"
        assert smtp.inbox.subjects() == ["We received your application: Safety Officer"]
    else:
        assert (email.status, smtp.inbox.received) == ("queued", [])
        assert "SMTPAuthenticationError" in email.last_error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_tls_url_upgrades_with_starttls_and_logs_in(
    smtp, applied, settings, tmp_path, monkeypatch
):
    from certtrack.settings import _email

    certfile, keyfile = self_signed_certificate(tmp_path)
    smtp.account = ("mailer", "s3cret")
    smtp.require_starttls(certfile, keyfile)
    monkeypatch.setenv("SSL_CERT_FILE", str(certfile))  # the client trusts our test CA only
    for name, value in _email(f"smtp+tls://mailer:s3cret@127.0.0.1:{smtp.port}").items():
        setattr(settings, name, value)
    assert settings.EMAIL_USE_TLS
    assert deliver_due(at(DAY)) == 1
    assert smtp.inbox.subjects() == ["We received your application: Safety Officer"]


def test_an_unreachable_server_ends_the_pass_after_one_batch(
    smtp, make_contact, make_program, admin, travel, monkeypatch
):
    monkeypatch.setattr(delivery, "BATCH", 2)
    travel(DAY)
    program = make_program()
    for _ in range(5):
        services.apply(make_contact().pk, program.pk, admin)
    smtp.stop()
    assert deliver_due(at(DAY)) == 0
    attempts = sorted(Email.objects.values_list("attempts", flat=True))
    assert attempts == [0, 0, 0, 1, 1]  # one batch tried, the rest left for the next pass
    smtp.start()
    assert deliver_due(at(DAY) + timedelta(minutes=1)) == 5
    assert len(smtp.inbox.received) == 5


def test_a_slow_server_has_the_lease_renewed_for_the_batch_and_each_email_sent_once(
    smtp, make_contact, make_program, admin, travel, monkeypatch
):
    travel(DAY)
    program = make_program(name="Safety Officer", require_approval=True)
    for n in range(6):
        services.apply(make_contact(email=f"slow{n}@example.org").pk, program.pk, admin)
    # Each message takes four minutes of the ten-minute lease: the lease is renewed for
    # what is left of the batch before it is half gone, so no other worker can take over.
    elapsed = [0.0]
    monkeypatch.setattr(delivery, "time", SimpleNamespace(monotonic=lambda: elapsed[0]))
    build = delivery._message

    def slow(*args):
        message = build(*args)
        send = message.send

        def send_in_four_minutes(*a, **kw):
            elapsed[0] += 240
            return send(*a, **kw)

        message.send = send_in_four_minutes
        return message

    monkeypatch.setattr(delivery, "_message", slow)
    renewals = []
    renew = delivery._renew
    monkeypatch.setattr(delivery, "_renew", lambda *a: renewals.append(a) or renew(*a))
    assert deliver_due(at(DAY)) == 6
    assert len(smtp.inbox.received) == 6
    assert 2 <= len(renewals) < 6  # renewed as needed, not once per message
    assert not Email.objects.filter(status="queued").exists()


def test_delivering_a_batch_of_100_costs_the_same_queries_as_a_batch_of_10(
    smtp, make_contact, make_program, admin, travel, monkeypatch
):
    monkeypatch.setattr(delivery, "BATCH", 200)  # 100 emails in one batch, then no claim
    travel(DAY)
    program = make_program(name="Safety Officer", require_approval=True)

    def cost(applications: int) -> list[str]:
        for _ in range(applications):
            services.apply(make_contact().pk, program.pk, admin)
        with CaptureQueriesContext(connection) as queries:
            assert deliver_due(at(DAY)) == applications
        return [q["sql"].split()[0] for q in queries]

    # Each application queues two emails: "received" (sent) and "new application" to
    # staff (cancelled: no recipients set). A batch writes its outcomes together: the
    # same statements for 10 emails as for 100.
    assert cost(5) == cost(50)
    statuses = Counter(Email.objects.values_list("status", flat=True))
    assert statuses == {"sent": 55, "cancelled": 55}
    assert len(smtp.inbox.received) == 55
    sent = Email.objects.filter(status="sent").select_related("enrollment__contact")
    for email in sent:  # each row got its own recipient and subject
        assert email.recipient == email.enrollment.contact.email
        assert email.subject and email.sent_at == at(DAY) and email.attempts == 1
    assert {r.recipients[0] for r in smtp.inbox.received} == {e.recipient for e in sent}
