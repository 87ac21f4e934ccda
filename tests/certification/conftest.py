"""Builders for enrollments in any of the ten statuses, through the services."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from tests.conftest import at

TODAY = date(2026, 6, 15)


@pytest.fixture
def reach(admin, make_contact, make_program, settings_row):
    """`reach("expiring")` → an enrollment whose status on TODAY is that one."""

    def build(status: str, today: date = TODAY) -> Enrollment:
        now = at(today)
        contact = make_contact()
        approval = status in {"applied", "declined", "admin_review"}
        program = make_program(
            required=1,
            require_approval=approval,
            completion_requires_approval=(status == "admin_review"),
            validity_months=12,
        )
        component = program.components.get()
        if status in {"active", "expiring", "expired"}:
            # activated so that on `today` the dates say `status` (notice days: 30)
            activated = {
                "active": today - timedelta(days=100),
                "expiring": today - timedelta(days=355),
                "expired": today - timedelta(days=400),
            }[status]
            return services.record_existing(contact.pk, program.pk, activated, admin, now=now)
        enrollment = (services.apply if approval else services.add)(
            contact.pk, program.pk, admin, now=now
        )
        if status in {"applied"}:
            return enrollment
        if status == "declined":
            return services.perform(enrollment.pk, "decline", admin, now=now)
        if status == "admin_review":
            services.perform(enrollment.pk, "approve", admin, now=now)
            services.record_completion(contact.pk, component.pk, today, admin, now=now)
            enrollment.refresh_from_db()
            return enrollment
        action = {
            "inactive": "set_inactive",
            "not_completed": "mark_not_completed",
            "cancelled": "cancel",
        }.get(status)
        if action:
            return services.perform(enrollment.pk, action, admin, now=now)
        return enrollment

    return build
