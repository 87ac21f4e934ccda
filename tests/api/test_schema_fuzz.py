"""Schemathesis against /api/v1/openapi.json: generated requests (valid and invalid) never
make a server error, and every response conforms to the documented schema."""

from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from certtrack.certification import services
from certtrack.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection():
    """Requests here go through the WSGI app directly; like Django's test client, keep the
    test's database connection (and its transaction) open across them."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def some_data(db, admin, make_contact, make_program):
    """A little data so that generated ids sometimes name real rows."""
    program = make_program(required=2, electives=1)
    for _ in range(3):
        contact = make_contact()
        services.add(contact.pk, program.pk, admin)
        component = program.links.first().component
        services.record_completion(contact.pk, component.pk, date.today(), admin)


# The schema the app serves (no database needed to serve it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_key, some_data, keep_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
