"""The data migration that gives every enrollment ever certified its period 1."""

import importlib
from datetime import date

from django.apps import apps

from certtrack.certification.models import Completion, Enrollment, History, Period

migration = importlib.import_module("certtrack.certification.migrations.0005_first_periods")


NUMBERS = iter(range(1000, 10_000))


def old_shape(contact, program, status, activated_on=None, expires_on=None) -> Enrollment:
    """A row as the code before periods left it: dates on the enrollment, no period."""
    return Enrollment.objects.create(
        contact=contact,
        program=program,
        status=status,
        activated_on=activated_on,
        expires_on=expires_on,
        certificate_number=f"CT-OLD-{next(NUMBERS)}" if activated_on else None,
    )


def completion(contact, component, day, **fields) -> Completion:
    return Completion.objects.create(
        contact=contact, component=component, completed_on=day, **fields
    )


def test_each_certified_enrollment_gets_period_1_with_its_dates_and_source(
    make_contact, make_program, admin
):
    program = make_program(required=1)
    earned = old_shape(make_contact(), program, "expired", date(2023, 1, 31), date(2024, 1, 31))
    recorded = old_shape(make_contact(), program, "active", date(2025, 3, 1), None)
    History.objects.create(
        at="2025-03-02T10:00:00Z",
        actor="x",
        actor_kind="staff",
        enrollment=recorded,
        action="record_existing",
        to_status="active",
    )
    never = old_shape(make_contact(), program, "in_progress")

    migration.create_first_periods(apps, None)

    first = Period.objects.get(enrollment=earned)
    assert (first.number, first.activated_on, first.expires_on, first.source) == (
        1,
        date(2023, 1, 31),
        date(2024, 1, 31),
        "earned",
    )
    assert Period.objects.get(enrollment=recorded).source == "recorded"
    assert not Period.objects.filter(enrollment=never).exists()


def test_the_period_takes_the_counting_completions_up_to_activation_not_used_before(
    make_contact, make_program, admin
):
    program = make_program(required=1, electives=1)
    required, elective = (link.component for link in program.links.order_by("-required"))
    contact = make_contact()
    old = completion(contact, required, date(2022, 5, 1))
    repeat = completion(contact, required, date(2022, 4, 1))  # a repeat in the same cycle
    completion(contact, elective, date(2022, 5, 2), state="rejected")
    renewed_work = completion(contact, required, date(2024, 4, 1))
    later = completion(contact, elective, date(2024, 9, 1))  # after the second activation
    first = old_shape(contact, program, "expired", date(2022, 5, 1), date(2023, 5, 1))
    second = old_shape(contact, program, "active", date(2024, 4, 1), date(2025, 4, 1))

    migration.create_first_periods(apps, None)

    assert set(Period.objects.get(enrollment=first).completions.all()) == {old, repeat}
    assert list(Period.objects.get(enrollment=second).completions.all()) == [renewed_work]
    assert not later.periods.exists()


def test_running_it_twice_adds_nothing(make_contact, make_program):
    program = make_program(required=1)
    old_shape(make_contact(), program, "active", date(2025, 1, 1), date(2026, 1, 1))
    migration.create_first_periods(apps, None)
    migration.create_first_periods(apps, None)
    assert Period.objects.count() == 1
