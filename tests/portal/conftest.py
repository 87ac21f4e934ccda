"""Portal fixtures: two contacts (Pat, the one signed in, and Sam, the stranger), a program."""

from datetime import date

import pytest
from django.test import Client, TestCase

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.credentials.models import RateCounter
from certtrack.portal.signin import SESSION_KEY

BASE_URL = "https://members.example.org"


@pytest.fixture(autouse=True)
def portal_settings(settings, tmp_path):
    """Links use a known base URL; mail stays in memory; uploads go to a fresh directory."""
    settings.BASE_URL = BASE_URL
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        }
    }
    return settings


@pytest.fixture
def today(travel) -> date:
    travel(date(2026, 6, 1))
    return date(2026, 6, 1)


@pytest.fixture
def pat(make_contact):
    return make_contact(first_name="Pat", last_name="Lee", email="pat@example.org")


@pytest.fixture
def sam(make_contact):
    return make_contact(first_name="Sam", last_name="Stone", email="sam@example.org")


def ask_for_link(client: Client, email: str, ip: str = "203.0.113.5", **headers):
    """Ask for a sign-in link as the form does, and commit (the email goes out on commit)."""
    # A test's transaction never commits: run what the request's commit would run.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/portal/sign-in/", {"email": email}, REMOTE_ADDR=ip, **headers)


def signed_in(contact) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    return client


@pytest.fixture
def pat_client(pat) -> Client:
    return signed_in(pat)


@pytest.fixture
def sam_client(sam) -> Client:
    return signed_in(sam)


@pytest.fixture
def course(make_component):
    return make_component("course", name="Site Safety Basics", code="SSB")


@pytest.fixture
def program(make_program, course, make_component):
    exam = make_component("exam", name="Final Exam", code="EXAM")
    return make_program(
        required=[course, exam],
        name="Certified Safety Inspector",
        code="CSI",
        description="For inspectors of building sites.",
    )


@pytest.fixture
def no_requests_yet(db):
    RateCounter.objects.all().delete()  # the one rate limiter's counts (certtrack.ratelimit)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def self_report(pat, program, course, today):
    """Pat's pending self-report of the course, with a PDF as evidence."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.apply(pat.pk, program.pk, Actor.contact(pat))
    return services.record_completion(
        pat.pk,
        course.pk,
        date(2026, 5, 20),
        Actor.contact(pat),
        note="Attended in Leeds",
        source="self_report",
        evidence=SimpleUploadedFile("attendance.pdf", PDF, "application/pdf"),
    )
