"""Back-office fixtures: the day every view test runs on, and enrollments in any status."""

import pytest

from certtrack.certification.models import Enrollment
from certtrack.certification.statuses import Status
from tests.builders import TODAY, at, build_enrollment, program_for, standard_programs

__all__ = ["TODAY"]  # imported from here by the back-office tests


@pytest.fixture(autouse=True)
def today(travel):
    """Every back-office view test runs on TODAY, noon UTC (notice days: 30)."""
    travel(TODAY)
    return TODAY


@pytest.fixture
def programs(admin):
    return standard_programs(admin)


@pytest.fixture
def enroll(admin, make_contact, programs):
    """`enroll("expiring")` → an enrollment whose status today is that one."""

    def build(status: str, contact=None, **contact_fields) -> Enrollment:
        contact = contact or make_contact(**contact_fields)
        program = program_for(status, programs)
        return build_enrollment(status, contact, program, admin, TODAY, now=at(TODAY))

    return build


@pytest.fixture
def one_of_each(enroll) -> dict[str, Enrollment]:
    """One enrollment in each of the ten statuses, by status."""
    return {status.value: enroll(status.value) for status in Status}
