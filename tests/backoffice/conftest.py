"""Back-office fixtures: signed-in clients and enrollments in any status, built through services."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from tests.conftest import at

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(travel):
    """Every back-office test runs on TODAY, noon UTC (notice days: 30)."""
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
def programs(make_program, make_component):
    """Three programs, each with one required component: open, applications approved, review."""
    return {
        "open": make_program(name="Open Program", code="OPEN", category="Safety"),
        "approval": make_program(
            name="Approval Program", code="APPR", category="Leadership", require_approval=True
        ),
        "review": make_program(
            name="Review Program", code="REV", completion_requires_approval=True
        ),
    }


@pytest.fixture
def enroll(admin, make_contact, programs):
    """`enroll("expiring")` → an enrollment whose status today is that one."""

    def build(status: str, contact=None, **contact_fields) -> Enrollment:
        contact = contact or make_contact(**contact_fields)
        now = at(TODAY)
        if status in {"active", "expiring", "expired"}:
            activated = {
                "active": TODAY - timedelta(days=100),
                "expiring": TODAY - timedelta(days=355),
                "expired": TODAY - timedelta(days=400),
            }[status]
            return services.record_existing(
                contact.pk, programs["open"].pk, activated, admin, now=now
            )
        if status in {"applied", "declined"}:
            enrollment = services.apply(contact.pk, programs["approval"].pk, admin, now=now)
            if status == "declined":
                services.perform(enrollment.pk, "decline", admin, now=now)
        elif status == "admin_review":
            program = programs["review"]
            enrollment = services.add(contact.pk, program.pk, admin, now=now)
            services.record_completion(
                contact.pk, program.components.get().pk, TODAY, admin, now=now
            )
        else:
            enrollment = services.add(contact.pk, programs["open"].pk, admin, now=now)
            action = {
                "inactive": "set_inactive",
                "not_completed": "mark_not_completed",
                "cancelled": "cancel",
            }.get(status)
            if action:
                services.perform(enrollment.pk, action, admin, now=now)
        enrollment.refresh_from_db()
        return enrollment

    return build
