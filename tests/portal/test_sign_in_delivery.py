"""The sign-in link goes through the outbox: sent at once, retried if the server is down, once."""

import re
from datetime import timedelta

import pytest
from django.test import Client, TestCase

from certtrack import clock
from certtrack.certification import services
from certtrack.notifications import delivery
from certtrack.notifications.models import Email
from certtrack.operations.management.commands.worker import run_pass
from certtrack.portal.models import SignInLink
from certtrack.portal.signin import token_hash
from tests.notifications.conftest import smtp  # noqa: F401  (a real SMTP server on loopback)

from .conftest import BASE_URL, ask_for_link

pytestmark = pytest.mark.usefixtures("no_requests_yet")

LINK = re.compile(re.escape(BASE_URL) + r"(/portal/sign-in/([^\s/]+)/)")


@pytest.fixture
def start(travel, settings, smtp):  # noqa: F811
    """The moment of the request (clock frozen); links point at the portal's BASE_URL."""
    settings.BASE_URL = BASE_URL
    return travel(clock.now())


def sign_in_email() -> Email:
    return Email.objects.get(kind="sign_in_link")


def link_in(text: str) -> tuple[str, str]:
    """(path, token) of the sign-in link in `text`."""
    match = LINK.search(text)
    assert match, text
    return match.group(1), match.group(2)


def worker_pass(travel, moment) -> dict[str, int]:
    travel(moment)
    return run_pass()


def test_the_link_is_sent_during_the_request_without_waiting_for_the_worker(
    smtp,  # noqa: F811
    pat,
    start,
):
    response = ask_for_link(Client(), "pat@example.org")
    assert response.status_code == 200 and b"Check your email" in response.content
    [received] = smtp.inbox.received
    assert received.recipients == ["pat@example.org"]
    assert received.subject == "Your sign-in link"
    assert "15 minutes" in received.text
    email = sign_in_email()
    assert (email.status, email.attempts, email.sent_at) == ("sent", 1, start)
    assert (email.recipient, email.enrollment_id, email.contact_id) == (
        "pat@example.org",
        None,
        pat.pk,
    )
    path, _ = link_in(received.text)
    assert Client().post(path)["Location"] == "/portal/"


def test_smtp_down_at_sign_in_queues_the_link_and_a_later_worker_pass_delivers_it_once(
    smtp,  # noqa: F811
    pat,
    start,
    travel,
):
    smtp.stop()
    response = ask_for_link(Client(), "pat@example.org")
    # The same answer as when it was sent: nothing tells the address is known.
    assert response.status_code == 200 and b"Check your email" in response.content
    email = sign_in_email()
    assert (email.status, email.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at == start + timedelta(minutes=1)
    smtp.start()
    worker_pass(travel, start + timedelta(seconds=30))  # still waiting out its backoff
    assert smtp.inbox.received == []
    assert worker_pass(travel, start + timedelta(minutes=1))["deliver_due"] == 1
    for minutes in (2, 5, 10):
        worker_pass(travel, start + timedelta(minutes=minutes))
    [received] = smtp.inbox.received
    assert received.recipients == ["pat@example.org"]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.body) == ("sent", 2, "")
    # The link still works: it was delivered well within its 15 minutes.
    path, _ = link_in(received.text)
    browser = Client()
    assert browser.post(path)["Location"] == "/portal/"


def test_no_second_email_when_the_worker_sends_it_before_the_in_request_attempt(
    smtp,  # noqa: F811
    pat,
    start,
):
    with TestCase.captureOnCommitCallbacks(execute=False) as after_commit:
        Client().post("/portal/sign-in/", {"email": "pat@example.org"})
    assert delivery.deliver_due(start) == 1  # a worker pass got there first
    for callback in after_commit:  # then the request's own attempt
        callback()
    assert len(smtp.inbox.received) == 1
    assert sign_in_email().attempts == 1


def test_no_second_email_when_a_worker_pass_runs_after_the_in_request_send(
    smtp,  # noqa: F811
    pat,
    start,
    travel,
):
    ask_for_link(Client(), "pat@example.org")
    worker_pass(travel, start)
    worker_pass(travel, start + timedelta(minutes=10))
    assert len(smtp.inbox.received) == 1


def test_no_second_email_when_the_request_tries_while_a_worker_holds_the_message(
    smtp,  # noqa: F811
    pat,
    start,
    monkeypatch,
):
    with TestCase.captureOnCommitCallbacks(execute=False) as after_commit:
        Client().post("/portal/sign-in/", {"email": "pat@example.org"})
    first_claim = delivery._claim

    def claim_then_race(now):
        token, batch = first_claim(now)
        if batch:  # the worker holds the lease; now the request's attempt runs
            monkeypatch.setattr(delivery, "_claim", first_claim)
            assert delivery.deliver_now(batch[0].pk, now) is False
            for callback in after_commit:
                callback()
            assert smtp.inbox.received == []
        return token, batch

    monkeypatch.setattr(delivery, "_claim", claim_then_race)
    assert delivery.deliver_due(start) == 1
    assert len(smtp.inbox.received) == 1


def test_a_link_not_delivered_within_its_15_minutes_is_cancelled_not_sent_late(
    smtp,  # noqa: F811
    pat,
    start,
    travel,
):
    smtp.stop()
    ask_for_link(Client(), "pat@example.org")
    smtp.start()
    worker_pass(travel, start + timedelta(minutes=15))
    assert smtp.inbox.received == []
    email = sign_in_email()
    assert email.status == "cancelled"
    assert "expired" in email.last_error
    assert email.body == ""  # the link is not kept once it cannot be sent


def test_unknown_and_rate_limited_requests_queue_nothing(
    smtp,  # noqa: F811
    pat,
    start,
    settings,
):
    settings.CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS = 1
    assert ask_for_link(Client(), "nobody@example.org").status_code == 200
    assert ask_for_link(Client(), "pat@example.org").status_code == 200
    assert ask_for_link(Client(), "pat@example.org").status_code == 429
    assert Email.objects.count() == 1
    assert len(smtp.inbox.received) == 1


def test_the_raw_link_is_only_in_the_queued_email_body(
    smtp,  # noqa: F811
    pat,
    start,
    travel,
    admin_user,
):
    smtp.stop()
    ask_for_link(Client(), "pat@example.org")
    email = sign_in_email()
    _, token = link_in(email.body)
    assert SignInLink.objects.get().token_hash == token_hash(token)
    assert token not in repr({k: v for k, v in Email.objects.values().get().items() if k != "body"})
    # Staff reading the outbox in the admin do not see the link either.
    staff = Client()
    staff.force_login(admin_user)
    page = staff.get(f"/staff/admin/notifications/email/{email.pk}/change/")
    assert page.status_code == 200 and b"Sign-in link" in page.content
    assert token.encode() not in page.content
    smtp.start()
    worker_pass(travel, start + timedelta(minutes=1))
    assert token in smtp.inbox.received[0].text
    email.refresh_from_db()
    assert email.body == "" and token not in repr(Email.objects.values().get())


def test_a_queued_link_for_a_contact_archived_since_is_cancelled(
    smtp,  # noqa: F811
    pat,
    start,
    travel,
    admin,
):
    smtp.stop()
    ask_for_link(Client(), "pat@example.org")
    services.archive_contact(pat.pk, admin)
    smtp.start()
    worker_pass(travel, start + timedelta(minutes=1))
    assert smtp.inbox.received == []
    email = sign_in_email()
    assert (email.status, email.last_error, email.body) == (
        "cancelled",
        "The contact is archived.",
        "",
    )
