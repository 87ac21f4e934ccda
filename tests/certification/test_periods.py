"""PRODUCT.md §3 "Certification periods and renewal": period rows and which completions count."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History, Period
from certtrack.certification.requirements import evaluate, recency_start
from tests.builders import at, complete

D = date(2025, 3, 10)


# --- every path that certifies makes period 1 ---------------------------------------------


def test_requirements_met_makes_period_1_earned_with_the_completions_used(
    make_contact, make_program, admin
):
    program = make_program(required=2, validity_months=12)
    first, second = program.components.order_by("id")
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(D))
    a = complete(contact, first, admin, D - timedelta(days=5), D)
    b = complete(contact, second, admin, D - timedelta(days=1), D)
    enrollment.refresh_from_db()
    period = Period.objects.get(enrollment=enrollment)
    assert (period.number, period.activated_on, period.expires_on, period.source) == (
        1,
        D - timedelta(days=1),
        date(2026, 3, 9),
        "earned",
    )
    assert (enrollment.activated_on, enrollment.expires_on) == (
        period.activated_on,
        period.expires_on,
    )
    assert set(period.completions.all()) == {a, b}
    assert period.renewed_on is None


def test_a_period_uses_only_its_own_programs_completions(
    make_contact, make_component, make_program, admin
):
    """Not a prerequisite outside the program, nor another program's work read with it (the
    contact's enrollments are evaluated together): they showed in the period's transcript."""
    contact = make_contact()
    gate, course, other = make_component(), make_component(), make_component()
    services.update_component(course.pk, admin, prerequisite_ids=[gate.pk])
    mine = make_program(required=[course], validity_months=12)
    theirs = make_program(required=[other], validity_months=12)
    first = services.add(contact.pk, mine.pk, admin, now=at(D))
    second = services.add(contact.pk, theirs.pk, admin, now=at(D))
    g = complete(contact, gate, admin, D - timedelta(days=3), D)
    o = complete(contact, other, admin, D - timedelta(days=2), D)
    c = complete(contact, course, admin, D - timedelta(days=1), D)
    assert set(Period.objects.get(enrollment=first).completions.all()) == {c}
    assert set(Period.objects.get(enrollment=second).completions.all()) == {o}
    assert g.pk not in evaluate(Enrollment.objects.get(pk=first.pk), D).used_through(D)


def test_admin_review_approval_makes_period_1_from_the_day_of_approval(
    make_contact, make_program, admin
):
    program = make_program(required=1, completion_requires_approval=True)
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(D))
    work = complete(contact, program.components.get(), admin, D)
    assert not Period.objects.exists()  # Admin Review: not certified yet
    approval_day = D + timedelta(days=3)
    services.perform(enrollment.pk, "approve_completion", admin, now=at(approval_day))
    period = Period.objects.get(enrollment=enrollment)
    assert (period.activated_on, period.source) == (approval_day, "earned")
    assert list(period.completions.all()) == [work]


def test_recording_an_existing_certification_makes_period_1_recorded(
    make_contact, make_program, admin
):
    program = make_program(required=1)
    enrollment = services.record_existing(
        make_contact().pk, program.pk, date(2025, 1, 31), admin, now=at(D)
    )
    period = Period.objects.get(enrollment=enrollment)
    assert (period.number, period.activated_on, period.expires_on, period.source) == (
        1,
        date(2025, 1, 31),
        date(2026, 1, 31),
        "recorded",
    )


def test_a_staff_expiry_change_moves_the_current_period_too(make_contact, make_program, admin):
    enrollment = services.record_existing(
        make_contact().pk, make_program().pk, date(2025, 1, 31), admin, now=at(D)
    )
    services.set_expires_on(enrollment.pk, date(2026, 6, 30), "extension", admin, now=at(D))
    assert Period.objects.get(enrollment=enrollment).expires_on == date(2026, 6, 30)
    entry = History.objects.filter(enrollment=enrollment, action="set_expires_on").get()
    assert entry.changes == {"expires_on": ["2026-01-31", "2026-06-30"]}


# --- each completion counts toward at most one period -------------------------------------


def test_an_expired_member_who_applies_again_needs_new_work(make_contact, make_program, admin):
    """The bug PRODUCT.md names: Active at once on last cycle's work."""
    program = make_program(required=1, validity_months=12, renewal_window_days=0)
    component = program.components.get()
    contact = make_contact()
    first = services.apply(contact.pk, program.pk, admin, now=at(D))
    complete(contact, component, admin, D)
    first.refresh_from_db()
    assert first.status == "active"

    later = date(2026, 5, 1)  # expired on 2026-03-10
    again = services.apply(contact.pk, program.pk, admin, now=at(later))
    assert again.pk != first.pk
    assert again.status == "in_progress"
    assert evaluate(again, later).required_done == 0

    new_work = complete(contact, component, admin, later)
    again.refresh_from_db()
    assert (again.status, again.activated_on) == ("active", later)
    assert list(Period.objects.get(enrollment=again).completions.all()) == [new_work]
    # The first cycle keeps its own work: its progress still reads complete.
    assert evaluate(Enrollment.objects.get(pk=first.pk), later).met


def test_work_done_after_a_cancelled_certification_counts_for_the_next_one(
    make_contact, make_program, admin
):
    program = make_program(required=1, electives=1, validity_months=12)
    required, elective = (link.component for link in program.links.order_by("-required"))
    contact = make_contact()
    first = services.add(contact.pk, program.pk, admin, now=at(D))
    complete(contact, required, admin, D)
    services.perform(first.pk, "cancel", admin, now=at(D + timedelta(days=1)))
    unused = complete(contact, elective, admin, D + timedelta(days=2))
    again = services.add(contact.pk, program.pk, admin, now=at(D + timedelta(days=3)))
    progress = evaluate(again, D + timedelta(days=3))
    assert (progress.required_done, set(progress.done)) == (0, {unused.component_id})


def test_one_completion_counts_for_each_program_that_contains_it(
    make_contact, make_component, make_program, admin
):
    shared = make_component()
    one, two = make_program(required=[shared]), make_program(required=[shared])
    contact = make_contact()
    a = services.add(contact.pk, one.pk, admin, now=at(D))
    b = services.add(contact.pk, two.pk, admin, now=at(D))
    complete(contact, shared, admin, D)
    assert {e.status for e in Enrollment.objects.filter(pk__in=[a.pk, b.pk])} == {"active"}
    assert Period.objects.filter(completions__component=shared).count() == 2


# --- completion_recency_months ------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "months", "start"),
    [
        (date(2025, 6, 15), 12, date(2024, 6, 15)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),  # clamped to the month's end (leap year)
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),  # 29 February, a year back
        (date(2028, 2, 29), 48, date(2024, 2, 29)),
        (date(2025, 1, 31), 3, date(2024, 10, 31)),
        (date(2025, 6, 15), None, None),
    ],
)
def test_recency_start_is_months_back_clamped_to_the_month_end(today, months, start):
    assert recency_start(today, months) == start


@pytest.mark.parametrize(
    ("done_on", "counts"),
    [
        (date(2024, 2, 28), False),  # the day before the start
        (date(2024, 2, 29), True),  # the first day that counts: 31 Mar − 1 month, clamped
        (date(2024, 3, 31), True),
    ],
)
def test_completions_older_than_the_recency_limit_do_not_count(
    make_contact, make_program, admin, done_on, counts
):
    program = make_program(required=1, validity_months=None, completion_recency_months=1)
    contact = make_contact()
    complete(contact, program.components.get(), admin, done_on, date(2024, 3, 31))
    enrollment = services.apply(contact.pk, program.pk, admin, now=at(date(2024, 3, 31)))
    assert (enrollment.status == "active") is counts
    assert evaluate(enrollment, date(2024, 3, 31)).met is counts


@pytest.mark.parametrize(
    ("today", "counts"), [(date(2025, 2, 28), True), (date(2025, 3, 1), False)]
)
def test_work_of_29_february_counts_for_twelve_months_to_28_february(
    make_contact, make_program, admin, today, counts
):
    program = make_program(required=1, validity_months=None, completion_recency_months=12)
    contact = make_contact()
    complete(contact, program.components.get(), admin, date(2024, 2, 29), date(2024, 3, 1))
    enrollment = services.add(contact.pk, program.pk, admin, now=at(today))
    assert (enrollment.status == "active") is counts


def test_a_period_keeps_its_own_work_however_old(make_contact, make_program, admin):
    program = make_program(required=1, validity_months=None, completion_recency_months=1)
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(D))
    complete(contact, program.components.get(), admin, D)
    assert evaluate(Enrollment.objects.get(pk=enrollment.pk), date(2030, 1, 1)).met
