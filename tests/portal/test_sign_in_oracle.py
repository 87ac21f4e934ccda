"""Sign-in is no oracle: until the answer is sent, a known and an unknown address cost the same.

Compared by the statements run and the emails sent before the response leaves the view,
not by timing (bench/signin_timing.py measures the times).
"""

import re

from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext

from certtrack.notifications.models import Email
from certtrack.portal import entry
from certtrack.portal.models import SignInLink


def _shape(sql: str) -> str:
    """A statement without its values: the same work for another address looks the same."""
    return re.sub(r"'[^']*'|\b\d+(\.\d+)?\b|\"s\d+_x\d+\"", "?", sql)


def _answer(email: str):
    """The sign-in view's response, and the statements and emails it cost before returning."""
    request = RequestFactory().post("/portal/sign-in/", {"email": email}, REMOTE_ADDR="203.0.113.5")
    SessionMiddleware(lambda r: None).process_request(request)
    with CaptureQueriesContext(connection) as queries:
        response = entry.sign_in(request)
    return response, [_shape(q["sql"]) for q in queries.captured_queries], len(mail.outbox)


def test_known_and_unknown_addresses_do_the_same_work_before_the_answer(
    pat, settings, settings_row
):
    # settings_row: the General Settings row exists (the page's header reads the
    # organization's name; the first read of all would create it).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    known, known_sql, known_sent = _answer("pat@example.org")
    unknown, unknown_sql, unknown_sent = _answer("nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known_sql == unknown_sql
    assert known_sent == unknown_sent == 0
    assert not SignInLink.objects.exists() and not Email.objects.exists()
    # The link is made and sent once the answer has gone (Django closes the response).
    # As the test client does: the test's connection stays open past request_finished.
    request_finished.disconnect(close_old_connections)
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            known.close()
            unknown.close()
    finally:
        request_finished.connect(close_old_connections)
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    assert SignInLink.objects.get().contact == pat
