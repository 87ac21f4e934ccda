"""What an operator sees on stderr (and in CERTTRACK_LOG_FILE) with DEBUG off."""

import io
import logging
import logging.handlers

import pytest
from django.test import Client

from certtrack import logs


@pytest.fixture
def stderr(settings):
    """What the configured logging writes to stderr, with DEBUG off."""
    settings.DEBUG = False
    out = io.StringIO()
    streams = []
    for name in ("django.request", "django.security.csrf", "certtrack.security"):
        logger = logging.getLogger(name)
        while logger is not None:
            for handler in logger.handlers:
                if type(handler) is logging.StreamHandler:
                    streams.append((handler, handler.setStream(out)))
            logger = logger.parent if logger.propagate else None
    yield out
    for handler, stream in streams:
        handler.setStream(stream)


@pytest.mark.urls("tests.raising_urls")
def test_an_unhandled_exception_is_logged_with_its_traceback(db, stderr):
    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500
    text = stderr.getvalue()
    assert "Internal Server Error: /broken/" in text
    assert "Traceback" in text and "RuntimeError: the view fell over" in text


@pytest.mark.urls("tests.raising_urls")
def test_errors_also_go_to_the_log_file_when_configured(db, settings, tmp_path):
    settings.DEBUG = False
    config = logs.config("certtrack.log", tmp_path)
    assert "file" in config["loggers"]["django.request"]["handlers"]
    handler = logging.handlers.WatchedFileHandler(config["handlers"]["file"]["filename"])
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        Client(raise_request_exception=False).get("/broken/")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / "certtrack.log").read_text()
    assert "RuntimeError: the view fell over" in text


def test_a_failed_staff_sign_in_is_one_line(db, staff_user, stderr):
    Client().post("/staff/login/", {"username": staff_user.email, "password": "wrong"})

    lines = [line for line in stderr.getvalue().splitlines() if "sign-in failed" in line]
    assert len(lines) == 1
    assert "member@example.com" in lines[0] and "wrong" not in lines[0]


def test_a_failed_portal_sign_in_is_one_line(db, stderr):
    Client().get("/portal/sign-in/not-a-token/")

    assert "portal sign-in failed: invalid link" in stderr.getvalue()


def test_a_permission_refusal_is_one_line_without_traceback(db, staff_user, stderr):
    client = Client()
    client.force_login(staff_user)

    response = client.get("/staff/setup/settings/")

    assert response.status_code == 403
    text = stderr.getvalue()
    assert "Forbidden" in text and "/staff/setup/settings/" in text
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1


def test_other_client_errors_are_not_logged(db, stderr):
    Client().get("/no/such/page/")

    assert stderr.getvalue() == ""
