"""Tracking › Customize Filter › Progress: the progress bar's rule (components, credits, hours)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from certtrack.certification.requirements import progress_of_many
from tests.backoffice.conftest import TODAY

pytestmark = pytest.mark.django_db

CHOICES = ("none", "partial", "complete")


@pytest.fixture
def listed(admin_client):
    """`listed("complete")` → ids of the enrollments the Progress criterion keeps."""

    def listed(progress: str) -> set[int]:
        response = admin_client.get("/staff/tracking/", {"progress": progress, "per_page": 200})
        assert response.status_code == 200
        return {row.pk for row in response.context["page"].object_list}

    return listed


@pytest.fixture
def enrolled(admin, make_contact):
    """`enrolled(program, *components)` → an enrollment whose contact completed those."""

    def enrolled(program, *components, day=TODAY) -> Enrollment:
        contact = make_contact()
        enrollment = services.add(contact.pk, program.pk, admin)
        for component in components:
            services.record_completion(contact.pk, component.pk, day, admin)
        return enrollment

    return enrolled


def component(make_component, credits="0", hours="0", **fields):
    return make_component(credits_earned=Decimal(credits), hours_earned=Decimal(hours), **fields)


def test_all_required_components_done_is_not_complete_below_the_credits_threshold(
    listed, enrolled, make_program, make_component
):
    course = component(make_component, credits="2")
    exam = component(make_component, credits="1", kind="exam")
    elective = component(make_component, credits="3")
    program = make_program(required=[course, exam], electives=[elective], credits_required=5)
    short = enrolled(program, course, exam)  # 2/2 components, 3 of 5 credits
    enough = enrolled(program, course, exam, elective)  # 2/2 components, 6 of 5 credits
    assert listed("complete") == {enough.pk}
    assert listed("partial") == {short.pk}
    assert listed("none") == set()


def test_the_hours_threshold_decides_when_every_required_component_is_done(
    listed, enrolled, make_program, make_component
):
    course = component(make_component, hours="4")
    workshop = component(make_component, hours="4")
    program = make_program(required=[course], electives=[workshop], hours_required=8)
    four_hours = enrolled(program, course)
    eight_hours = enrolled(program, course, workshop)
    assert listed("complete") == {eight_hours.pk}
    assert listed("partial") == {four_hours.pk}


def test_a_program_of_credits_only_is_met_by_any_components_that_reach_them(
    listed, enrolled, make_program, make_component
):
    a, b, c = (component(make_component, credits="2") for _ in range(3))
    program = make_program(required=[], electives=[a, b, c], credits_required=4)
    nothing = enrolled(program)
    some = enrolled(program, c)
    met = enrolled(program, a, c)
    assert listed("none") == {nothing.pk}
    assert listed("partial") == {some.pk}  # was "none": no *required* component done
    assert listed("complete") == {met.pk}


def test_only_counting_completions_add_credits(
    listed, enrolled, admin, make_program, make_component
):
    course = component(make_component, credits="5")
    failed = component(make_component, credits="5", kind="exam")
    program = make_program(required=[course], electives=[failed], credits_required=10)
    row = enrolled(program, course)
    services.record_completion(row.contact_id, failed.pk, TODAY, admin, passed=False)
    assert listed("complete") == set()
    assert listed("partial") == {row.pk}


def test_decimal_thresholds_are_reached_exactly(listed, enrolled, make_program, make_component):
    # On SQLite the sum is a float, and 0.3 + 0.6 is 0.8999999999999999 there.
    first = component(make_component, hours="0.3", credits="0.1")
    second = component(make_component, hours="0.6", credits="0.2")
    program = make_program(
        required=[first, second], hours_required=Decimal("0.9"), credits_required="0.3"
    )
    row = enrolled(program, first, second)
    assert listed("complete") == {row.pk}


def test_the_filter_agrees_with_the_progress_bar_on_every_row(
    listed, enrolled, make_program, make_component
):
    c1, c2, c3 = (component(make_component, credits="2", hours="3") for _ in range(3))
    exam = component(make_component, credits="1", kind="exam")
    programs = [
        make_program(required=[c1, exam]),
        make_program(required=[c1], electives=[c2, c3], credits_required=5),
        make_program(required=[exam], electives=[c2, c3], hours_required=6),
        make_program(required=[], electives=[c1, c2], credits_required=3, hours_required=5),
        make_program(required=[], electives=[c3], hours_required=3),
    ]
    done_sets = [(), (c1,), (exam,), (c1, exam), (c2,), (c2, c3), (c1, c2, c3, exam)]
    rows = [enrolled(program, *done) for program in programs for done in done_sets]
    progress = progress_of_many(rows, TODAY)
    expected = {choice: set() for choice in CHOICES}
    for row in rows:
        shown = progress[row.pk]
        choice = "complete" if shown.met else "partial" if shown.done else "none"
        expected[choice].add(row.pk)
    assert all(expected.values())  # every choice is exercised
    for choice in CHOICES:
        assert listed(choice) == expected[choice], choice


def test_the_progress_filter_applies_the_prerequisite_order(
    listed, enrolled, admin, make_program, make_component
):
    """The stored progress is the progress bar's: a completion whose prerequisite is gone
    does not count (the per-row SQL rules, read before, counted it)."""
    course, exam = make_component(), make_component(kind="exam")
    services.update_component(exam.pk, admin, prerequisite_ids=[course.pk])
    program = make_program(required=[exam])
    row = enrolled(program, course, day=TODAY - timedelta(days=2))
    services.record_completion(row.contact_id, exam.pk, TODAY - timedelta(days=1), admin)
    course_done = row.contact.completions.get(component=course)
    services.remove_completion(course_done.pk, admin, reason="recorded in error")
    assert progress_of_many([row], TODAY)[row.pk].met is False
    assert listed("complete") == set()
    assert listed("none") == {row.pk}


def test_the_filter_counts_only_work_no_other_period_used(
    listed, admin, make_contact, make_program
):
    """A member back after an expiry: last cycle's work is the old row's, not the new one's."""
    from tests.conftest import at

    program = make_program(required=1, validity_months=12, renewal_window_days=0)
    contact = make_contact()
    long_ago = TODAY - timedelta(days=500)
    old = services.add(contact.pk, program.pk, admin, now=at(long_ago))
    services.record_completion(
        contact.pk, program.components.get().pk, long_ago, admin, now=at(long_ago)
    )
    new = services.add(contact.pk, program.pk, admin)
    assert Enrollment.objects.get(pk=new.pk).status == "in_progress"
    assert progress_of_many([new], TODAY)[new.pk].done == {}
    assert new.pk in listed("none") and new.pk not in listed("complete")
    assert old.pk in listed("complete")


@pytest.mark.parametrize(("age_days", "choice"), [(40, "none"), (20, "complete")])
def test_the_filter_applies_the_recency_limit(
    listed, enrolled, make_program, make_component, age_days, choice
):
    course = make_component()
    program = make_program(required=[course], completion_recency_months=1)
    row = enrolled(program, course, day=TODAY - timedelta(days=age_days))
    # enrolled → the completion came after the row: an old one leaves it In progress
    shown = progress_of_many([Enrollment.objects.get(pk=row.pk)], TODAY)[row.pk]
    assert ("complete" if shown.met else "partial" if shown.done else "none") == choice
    assert row.pk in listed(choice)


def test_at_least_n_percent_lists_exactly_the_rows_whose_bar_shows_n_or_more(
    admin_client, enrolled, make_program, make_component
):
    """One percent for the bar and the filter (a new user's trial: "at least 50 %" listed
    rows whose bar showed 40 %, the filter averaging the parts, the bar taking the least)."""
    import re

    c1, c2 = (component(make_component, hours="4") for _ in range(2))
    elective = component(make_component, credits="2", hours="4")
    hours = make_program(required=[c1, c2], hours_required=20)
    credits = make_program(required=[c1], electives=[elective], credits_required=4)
    rows = [
        *(enrolled(hours, *done) for done in ((), (c1,), (c1, c2))),
        *(enrolled(credits, *done) for done in ((c1,), (elective,), (c1, elective))),
    ]
    # All components, 8 of 20 hours: (2/2 + 8/20) / 2 = 70 %, not met.
    all_done = rows[2]

    def page(**criteria):
        response = admin_client.get("/staff/tracking/", {"per_page": 200, **criteria})
        assert response.status_code == 200
        html = response.content.decode()
        bars = dict(re.findall(r'data-enrollment="(\d+)".*?data-width="(\d+)"', html, re.S))
        return {row.pk for row in response.context["page"].object_list}, bars

    _, bars = page()
    widths = {row.pk: int(bars[str(row.pk)]) for row in rows}
    assert widths[all_done.pk] == 70
    assert sorted(widths.values()) == [0, 25, 35, 50, 70, 75]
    for at_least in (1, 25, 26, 35, 36, 50, 51, 70, 71, 75, 76, 100):
        listed, _ = page(progress_min=at_least)
        assert listed == {pk for pk, width in widths.items() if width >= at_least}, at_least


def test_a_certification_recorded_from_elsewhere_says_recorded_not_an_empty_bar(
    admin, admin_client, make_contact, make_program, make_component
):
    """A certification recorded from another system has no work counted here: its row says
    "Recorded" (as its enrollment page does), not "0/2"; work reported since shows its bar,
    and a certification earned here keeps its bar."""
    course, exam = make_component(), make_component(kind="exam")
    program = make_program(required=[course, exam])
    recorded = services.record_existing(
        make_contact().pk, program.pk, TODAY - timedelta(days=30), admin
    )
    reporting = services.record_existing(
        make_contact().pk, program.pk, TODAY - timedelta(days=30), admin
    )
    services.record_completion(reporting.contact_id, course.pk, TODAY, admin)
    earned = services.add(make_contact().pk, program.pk, admin)
    for done in (course, exam):
        services.record_completion(earned.contact_id, done.pk, TODAY, admin)

    page = admin_client.get("/staff/tracking/", {"per_page": 200}).content.decode()
    cells = {
        pk: page.split(f'data-enrollment="{pk}"')[1].split("</tr>")[0]
        for pk in (recorded.pk, reporting.pk, earned.pk)
    }
    assert ">Recorded</span>" in cells[recorded.pk] and "0/2" not in cells[recorded.pk]
    assert "1/2" in cells[reporting.pk] and "Recorded" not in cells[reporting.pk]
    assert "2/2" in cells[earned.pk] and "Recorded" not in cells[earned.pk]
