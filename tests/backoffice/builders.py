"""Enrollments in any of the ten statuses, built through the services (view and browser tests)."""

from datetime import date, datetime, timedelta

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Contact, Enrollment, Program


def standard_programs(make_program) -> dict[str, Program]:
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


def build_enrollment(
    status: str,
    contact: Contact,
    programs: dict[str, Program],
    actor: Actor,
    today: date,
    now: datetime | None = None,
) -> Enrollment:
    """An enrollment whose status on `today` is `status` (notice days: 30)."""
    if status in {"active", "expiring", "expired"}:
        activated = {
            "active": today - timedelta(days=100),
            "expiring": today - timedelta(days=355),
            "expired": today - timedelta(days=400),
        }[status]
        return services.record_existing(contact.pk, programs["open"].pk, activated, actor, now=now)
    if status in {"applied", "declined"}:
        enrollment = services.apply(contact.pk, programs["approval"].pk, actor, now=now)
        if status == "declined":
            services.perform(enrollment.pk, "decline", actor, now=now)
    elif status == "admin_review":
        program = programs["review"]
        enrollment = services.add(contact.pk, program.pk, actor, now=now)
        services.record_completion(contact.pk, program.components.get().pk, today, actor, now=now)
    else:
        enrollment = services.add(contact.pk, programs["open"].pk, actor, now=now)
        action = {
            "inactive": "set_inactive",
            "not_completed": "mark_not_completed",
            "cancelled": "cancel",
        }.get(status)
        if action:
            services.perform(enrollment.pk, action, actor, now=now)
    enrollment.refresh_from_db()
    return enrollment
