"""Enrollments in any of the ten statuses, through the services (tests/builders.py)."""

from datetime import date

import pytest

from certtrack.certification.models import Enrollment
from tests.builders import TODAY, at, build_enrollment

__all__ = ["TODAY", "at"]  # imported from here by the certification tests


@pytest.fixture
def reach(admin, make_contact, make_program, settings_row):
    """`reach("expiring")` → an enrollment, in a program of its own, whose status on TODAY
    is that one."""

    def build(status: str, today: date = TODAY) -> Enrollment:
        approval = status in {"applied", "declined", "admin_review"}
        program = make_program(
            required=1,
            require_approval=approval,
            completion_requires_approval=(status == "admin_review"),
            validity_months=12,
        )
        return build_enrollment(status, make_contact(), program, admin, today, now=at(today))

    return build
