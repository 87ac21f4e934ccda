"""The one set of test-data builders: plain functions that go through the services.

Fixtures in tests/conftest.py bind them to the administrator (`make_contact`, `make_component`,
`make_program`); packages' conftests build on them (`reach`, `enroll`). A test that needs
data of its own calls these rather than writing another builder.

Default names and codes count from 1 in each test ("Casey1", "COURSE-1", "P1"):
`reset_numbers()` runs before every test (tests/conftest.py).
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Completion, Component, Contact, Enrollment, Program

# The day most view and domain tests run on (notice days: 30).
TODAY = date(2026, 6, 15)

_numbers: Counter[str] = Counter()


def reset_numbers() -> None:
    _numbers.clear()


def _next(kind: str) -> int:
    _numbers[kind] += 1
    return _numbers[kind]


def at(day: date, hour: int = 12) -> datetime:
    """Noon UTC on `day`: a moment for services' `now=`."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


# --- setup: contacts, components, programs ---------------------------------------------------


def make_contact(actor: Actor, **fields) -> Contact:
    n = _next("contact")
    defaults = {
        "first_name": f"Casey{n}",
        "last_name": f"Contact{n}",
        "email": f"casey{n}@example.org",
    }
    return services.create_contact(actor, **(defaults | fields))


def make_component(actor: Actor, kind: str = "course", **fields) -> Component:
    n = _next("component")
    defaults = {
        "kind": kind,
        "name": f"{kind.title()} {n}",
        "code": f"{kind.upper()}-{n}",
        "credits_earned": Decimal("1"),
        "hours_earned": Decimal("1"),
    }
    return services.create_component(actor, **(defaults | fields))


def make_program(
    actor: Actor,
    required: int | Iterable[Component] = 1,
    electives: int | Iterable[Component] = 0,
    **fields,
) -> Program:
    """A program; `required`/`electives` are components (made if given as a count)."""
    n = _next("program")
    if isinstance(required, int):
        required = [make_component(actor) for _ in range(required)]
    if isinstance(electives, int):
        electives = [make_component(actor) for _ in range(electives)]
    links = [{"component_id": c.pk, "required": True} for c in required]
    links += [{"component_id": c.pk, "required": False} for c in electives]
    defaults = {"name": f"Program {n}", "code": f"P{n}", "validity_months": 12}
    return services.create_program(actor, components=links, **(defaults | fields))


def standard_programs(actor: Actor) -> dict[str, Program]:
    """Three programs, each with one required component: open, applications approved, review."""
    return {
        "open": make_program(actor, name="Open Program", code="OPEN", category="Safety"),
        "approval": make_program(
            actor,
            name="Approval Program",
            code="APPR",
            category="Leadership",
            require_approval=True,
        ),
        "review": make_program(
            actor, name="Review Program", code="REV", completion_requires_approval=True
        ),
    }


# --- completions and certifications ----------------------------------------------------------


def complete(
    contact: Contact,
    component: Component,
    actor: Actor,
    day: date,
    on: date | None = None,
    **fields,
) -> Completion:
    """`contact` completed `component` on `day`, recorded at noon on `on` (default: `day`)."""
    return services.record_completion(
        contact.pk, component.pk, day, actor, now=at(on or day), **fields
    )


def certify(actor: Actor, contact: Contact, program: Program, earned_on: date) -> Enrollment:
    """Added on `earned_on` and certified that day by completing every required component."""
    enrollment = services.add(contact.pk, program.pk, actor, now=at(earned_on))
    for component in program.components.filter(links__required=True):
        complete(contact, component, actor, earned_on)
    enrollment.refresh_from_db()
    assert enrollment.status == "active" and enrollment.period_number == 1
    return enrollment


# --- an enrollment in any of the ten statuses ------------------------------------------------

# Activated this long before `today`, the dates say the status (12 months, notice days: 30).
ACTIVATED_BEFORE = {
    "active": timedelta(days=100),
    "expiring": timedelta(days=355),
    "expired": timedelta(days=400),
}
# The staff action that leaves an In Progress enrollment in the status.
ACTION_TO = {
    "inactive": "set_inactive",
    "not_completed": "mark_not_completed",
    "cancelled": "cancel",
}


def program_for(status: str, programs: dict[str, Program]) -> Program:
    """Of `standard_programs`, the one an enrollment in `status` is built in."""
    if status in {"applied", "declined"}:
        return programs["approval"]
    return programs["review"] if status == "admin_review" else programs["open"]


def build_enrollment(
    status: str,
    contact: Contact,
    program: Program,
    actor: Actor,
    today: date,
    now: datetime | None = None,
) -> Enrollment:
    """An enrollment of `contact` in `program` whose status on `today` is `status`.

    `program` has one required component, requires approval for "applied"/"declined" and
    approval of completion for "admin_review"; its validity is 12 months.
    """
    if status in ACTIVATED_BEFORE:
        activated = today - ACTIVATED_BEFORE[status]
        return services.record_existing(contact.pk, program.pk, activated, actor, now=now)
    add = services.apply if program.require_approval else services.add
    enrollment = add(contact.pk, program.pk, actor, now=now)
    if status == "declined":
        services.perform(enrollment.pk, "decline", actor, now=now)
    elif status != "applied" and program.require_approval:
        services.perform(enrollment.pk, "approve", actor, now=now)
    if status == "admin_review":
        services.record_completion(contact.pk, program.components.get().pk, today, actor, now=now)
    elif status in ACTION_TO:
        services.perform(enrollment.pk, ACTION_TO[status], actor, now=now)
    enrollment.refresh_from_db()
    return enrollment
