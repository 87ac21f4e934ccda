"""Fixtures for the credentials tests: a private key directory, a base URL, certificates."""

from datetime import date

import pytest
from django.test import Client

from certtrack.certification import services
from certtrack.credentials.models import RateCounter

BASE_URL = "https://certs.example.org"


@pytest.fixture(autouse=True)
def credential_settings(settings, tmp_path):
    """Keys go to a fresh data dir; links use a known base URL; a known issuer name."""
    settings.DATA_DIR = tmp_path
    settings.BASE_URL = BASE_URL
    settings.CERTTRACK_ISSUER_NAME = "Guild of Safety Inspectors"
    return settings


@pytest.fixture
def certified(db, admin, make_contact, make_program, travel):
    """An Active certification recorded through the domain: activated 1 March 2026."""
    travel(date(2026, 6, 1))
    contact = make_contact(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    program = make_program(name="Certified Safety Inspector", code="CSI", validity_months=24)
    return services.record_existing(contact.pk, program.pk, date(2026, 3, 1), admin)


@pytest.fixture
def api(api_key) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_key}"})


@pytest.fixture
def no_rate_limit_yet(db):
    RateCounter.objects.all().delete()
