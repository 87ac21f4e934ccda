"""Back-office fixtures: signed-in clients and enrollments in any status, built through services."""

from datetime import date

import pytest

from certtrack.certification.models import Enrollment
from tests.backoffice.builders import build_enrollment, standard_programs
from tests.conftest import at

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(travel):
    """Every back-office view test runs on TODAY, noon UTC (notice days: 30)."""
    travel(TODAY)
    return TODAY


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def programs(make_program):
    return standard_programs(make_program)


@pytest.fixture
def enroll(admin, make_contact, programs):
    """`enroll("expiring")` → an enrollment whose status today is that one."""

    def build(status: str, contact=None, **contact_fields) -> Enrollment:
        contact = contact or make_contact(**contact_fields)
        return build_enrollment(status, contact, programs, admin, TODAY, now=at(TODAY))

    return build
