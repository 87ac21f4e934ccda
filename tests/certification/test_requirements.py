"""PRODUCT.md §3 "Requirements met", and every way of reaching each status."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from certtrack.certification import services
from certtrack.certification.errors import Invalid, NotFound, Refused
from certtrack.certification.models import Completion, Enrollment, History
from certtrack.certification.requirements import evaluate
from tests import builders

from .conftest import TODAY, at

NOW = at(TODAY)


def complete(contact, component, admin, day=TODAY, **fields):
    """Done on `day` (default TODAY), recorded on TODAY."""
    return builders.complete(contact, component, admin, day, on=TODAY, **fields)


def status(enrollment) -> str:
    return Enrollment.objects.get(pk=enrollment.pk).status


# --- ways in ------------------------------------------------------------------------------


def test_applying_to_program_that_requires_approval_is_applied(make_contact, make_program, admin):
    enrollment = services.apply(
        make_contact().pk, make_program(require_approval=True).pk, admin, now=NOW
    )
    assert (enrollment.status, enrollment.applied_on, enrollment.started_on) == (
        "applied",
        TODAY,
        None,
    )


def test_applying_to_program_without_approval_is_in_progress(make_contact, make_program, admin):
    enrollment = services.apply(make_contact().pk, make_program().pk, admin, now=NOW)
    assert (enrollment.status, enrollment.applied_on, enrollment.started_on) == (
        "in_progress",
        TODAY,
        TODAY,
    )


def test_staff_adding_a_contact_is_in_progress_even_when_program_requires_approval(
    make_contact, make_program, admin
):
    enrollment = services.add(
        make_contact().pk, make_program(require_approval=True).pk, admin, now=NOW
    )
    assert enrollment.status == "in_progress"


def test_approving_an_application_whose_work_is_done_activates_it(
    make_contact, make_program, admin
):
    contact, program = make_contact(), make_program(require_approval=True)
    complete(contact, program.components.get(), admin, day=TODAY - timedelta(days=40))
    enrollment = services.apply(contact.pk, program.pk, admin, now=NOW)
    assert enrollment.status == "applied"  # completions never move an application

    result = services.perform(enrollment.pk, "approve", admin, now=NOW)

    # work done before enrolling counts and dates the certification (PRODUCT.md §Dates)
    assert (result.status, result.activated_on) == ("active", TODAY - timedelta(days=40))


def test_meeting_requirements_activates_automatically_dated_by_last_completion(
    make_contact, make_program, admin
):
    contact = make_contact()
    program = make_program(required=2, validity_months=24)
    enrollment = services.add(contact.pk, program.pk, admin, now=at(TODAY - timedelta(days=30)))
    first, second = program.components.order_by("id")
    complete(contact, first, admin, day=TODAY - timedelta(days=20))
    assert status(enrollment) == "in_progress"

    complete(contact, second, admin, day=TODAY - timedelta(days=10))  # a back-dated completion

    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    assert enrollment.activated_on == enrollment.completed_on == TODAY - timedelta(days=10)
    assert enrollment.expires_on == date(2028, 6, 5)
    assert (
        History.objects.filter(
            enrollment=enrollment, action="requirements_met", to_status="active"
        ).count()
        == 1
    )


def test_meeting_requirements_with_completion_approval_goes_to_admin_review(
    make_contact, make_program, admin
):
    contact, program = make_contact(), make_program(completion_requires_approval=True)
    enrollment = services.add(contact.pk, program.pk, admin, now=NOW)
    complete(contact, program.components.get(), admin)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_on, enrollment.activated_on) == (
        "admin_review",
        TODAY,
        None,
    )
    assert enrollment.certificate_number is None


def test_recording_an_existing_certification_derives_or_takes_expiry(
    make_contact, make_program, admin
):
    program = make_program(validity_months=12)
    derived = services.record_existing(
        make_contact().pk, program.pk, date(2026, 1, 31), admin, now=NOW
    )
    given = services.record_existing(
        make_contact().pk,
        program.pk,
        date(2026, 1, 31),
        admin,
        expires_on=date(2030, 1, 1),
        now=NOW,
    )
    assert (derived.status, derived.expires_on) == ("active", date(2027, 1, 31))
    assert (given.status, given.expires_on) == ("active", date(2030, 1, 1))


def test_recording_an_old_certification_records_it_as_expired(make_contact, make_program, admin):
    program = make_program(validity_months=12)
    enrollment = services.record_existing(
        make_contact().pk, program.pk, date(2020, 3, 1), admin, now=NOW
    )
    assert enrollment.status == "expired"
    assert list(
        History.objects.filter(enrollment=enrollment).values_list("to_status", flat=True)
    ) == ["active", "expired"]


def test_declined_contact_may_apply_again_which_makes_a_new_enrollment(
    make_contact, make_program, admin
):
    contact, program = make_contact(), make_program(require_approval=True)
    first = services.apply(contact.pk, program.pk, admin, now=NOW)
    services.perform(first.pk, "decline", admin, now=NOW)
    second = services.apply(contact.pk, program.pk, admin, now=NOW)
    assert second.pk != first.pk and second.status == "applied"


def test_an_open_enrollment_blocks_a_second_one(make_contact, make_program, admin):
    contact, program = make_contact(), make_program()
    services.add(contact.pk, program.pk, admin, now=NOW)
    with pytest.raises(Refused, match="already has an open enrollment"):
        services.apply(contact.pk, program.pk, admin, now=NOW)
    assert Enrollment.objects.count() == 1


def test_an_expired_certification_does_not_block_a_new_enrollment_even_before_the_worker_ran(
    make_contact, make_program, admin
):
    contact, program = make_contact(), make_program(validity_months=12)
    old = services.record_existing(
        contact.pk, program.pk, date(2025, 1, 10), admin, now=at(date(2025, 1, 10))
    )
    assert old.status == "active"  # stored; the dates say Expired on TODAY

    new = services.add(contact.pk, program.pk, admin, now=NOW)

    assert status(old) == "expired" and new.status == "in_progress"


# --- the rules ----------------------------------------------------------------------------


def test_electives_alone_do_not_meet_requirements(make_contact, make_program, admin):
    contact = make_contact()
    program = make_program(required=1, electives=2)
    enrollment = services.add(contact.pk, program.pk, admin, now=NOW)
    for link in program.links.filter(required=False):
        complete(contact, link.component, admin)
    assert status(enrollment) == "in_progress"
    complete(contact, program.links.get(required=True).component, admin)
    assert status(enrollment) == "active"


def test_credit_threshold_counts_electives_and_dates_activation_when_reached(
    make_contact, make_component, make_program, admin
):
    contact = make_contact()
    required = make_component(credits_earned=Decimal("2"))
    electives = [make_component(credits_earned=Decimal(n)) for n in (3, 3, 1)]
    program = make_program(required=[required], electives=electives, credits_required=Decimal("8"))
    enrollment = services.add(contact.pk, program.pk, admin, now=at(TODAY - timedelta(days=60)))
    complete(contact, required, admin, day=TODAY - timedelta(days=50))
    complete(contact, electives[0], admin, day=TODAY - timedelta(days=40))
    assert status(enrollment) == "in_progress"  # 5 credits of 8
    complete(contact, electives[2], admin, day=TODAY - timedelta(days=5))
    assert status(enrollment) == "in_progress"  # 6 credits of 8
    complete(contact, electives[1], admin, day=TODAY - timedelta(days=30))  # reached 8 on day -30

    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    assert enrollment.activated_on == TODAY - timedelta(days=30)


def test_hours_threshold(make_contact, make_component, make_program, admin):
    contact = make_contact()
    courses = [make_component(hours_earned=Decimal("4")) for _ in range(3)]
    program = make_program(required=[], electives=courses, hours_required=Decimal("10"))
    enrollment = services.add(contact.pk, program.pk, admin, now=NOW)
    complete(contact, courses[0], admin)
    complete(contact, courses[1], admin)
    assert status(enrollment) == "in_progress"
    complete(contact, courses[2], admin)
    assert status(enrollment) == "active"


def test_completion_needing_approval_counts_only_once_approved(
    make_contact, make_component, make_program, admin
):
    contact = make_contact()
    task = make_component(kind="task", requires_approval=True)
    program = make_program(required=[task])
    enrollment = services.add(contact.pk, program.pk, admin, now=NOW)
    completion = complete(contact, task, admin)
    assert completion.state == "pending" and status(enrollment) == "in_progress"

    services.approve_completion(completion.pk, admin, now=NOW)

    assert status(enrollment) == "active"


def test_rejected_completion_never_counts(make_contact, make_component, make_program, admin):
    contact = make_contact()
    task = make_component(kind="task", requires_approval=True)
    enrollment = services.add(contact.pk, make_program(required=[task]).pk, admin, now=NOW)
    completion = complete(contact, task, admin)
    services.reject_completion(completion.pk, admin, reason="No evidence", now=NOW)
    assert status(enrollment) == "in_progress"
    with pytest.raises(Refused, match="rejected"):
        services.approve_completion(completion.pk, admin, now=NOW)


def test_self_reported_work_waits_for_approval(make_contact, make_program, admin):
    contact, program = make_contact(), make_program()
    services.add(contact.pk, program.pk, admin, now=NOW)
    completion = complete(contact, program.components.get(), admin, source="self_report")
    assert completion.state == "pending"


def test_failed_exam_attempt_is_recorded_and_does_not_complete(
    make_contact, make_component, make_program, admin
):
    contact = make_contact()
    exam = make_component(
        kind="exam", scoring="scored", max_score=Decimal(100), passing_score=Decimal(70)
    )
    enrollment = services.add(contact.pk, make_program(required=[exam]).pk, admin, now=NOW)

    failed = complete(contact, exam, admin, score=65)

    assert failed.passed is False and status(enrollment) == "in_progress"
    assert complete(contact, exam, admin, score=70).passed is True
    assert status(enrollment) == "active"


def test_pass_fail_exam_failed_attempt(make_contact, make_component, make_program, admin):
    contact = make_contact()
    exam = make_component(kind="exam")
    enrollment = services.add(contact.pk, make_program(required=[exam]).pk, admin, now=NOW)
    assert complete(contact, exam, admin, passed=False).passed is False
    assert status(enrollment) == "in_progress"


def test_completion_before_enrolling_counts(make_contact, make_program, admin):
    contact, program = make_contact(), make_program()
    complete(contact, program.components.get(), admin, day=TODAY - timedelta(days=300))
    enrollment = services.add(contact.pk, program.pk, admin, now=NOW)
    assert (enrollment.status, enrollment.activated_on) == ("active", TODAY - timedelta(days=300))


def test_one_completed_event_counts_toward_every_program_containing_it(
    make_contact, make_component, make_program, admin
):
    contact = make_contact()
    event = make_component(kind="event")
    a, b = make_program(required=[event]), make_program(required=[event])
    ea, eb = (
        services.add(contact.pk, a.pk, admin, now=NOW),
        services.add(contact.pk, b.pk, admin, now=NOW),
    )
    complete(contact, event, admin)
    assert status(ea) == status(eb) == "active"


def test_prerequisite_must_be_completed_first(make_contact, make_component, make_program, admin):
    contact = make_contact()
    course = make_component()
    exam = make_component(kind="exam")
    services.update_component(exam.pk, admin, prerequisite_ids=[course.pk])
    enrollment = services.add(contact.pk, make_program(required=[course, exam]).pk, admin, now=NOW)

    with pytest.raises(Refused, match=f"requires first: {course.name}"):
        complete(contact, exam, admin)
    assert Completion.objects.count() == 0

    complete(contact, course, admin, day=TODAY - timedelta(days=2))
    complete(contact, exam, admin, day=TODAY - timedelta(days=1))
    assert status(enrollment) == "active"


def test_completion_whose_prerequisite_was_removed_stops_counting(
    make_contact, make_component, make_program, admin
):
    contact = make_contact()
    course, exam = make_component(), make_component(kind="exam")
    services.update_component(exam.pk, admin, prerequisite_ids=[course.pk])
    program = make_program(required=[exam])
    done = complete(contact, course, admin, day=TODAY - timedelta(days=2))
    complete(contact, exam, admin, day=TODAY - timedelta(days=1))
    services.remove_completion(done.pk, admin, reason="recorded in error", now=NOW)
    enrollment = services.apply(contact.pk, program.pk, admin, now=NOW)
    assert enrollment.status == "in_progress"
    assert evaluate(enrollment, TODAY).met is False


def test_prerequisite_cycle_is_refused(make_component, admin):
    a, b = make_component(), make_component()
    services.update_component(b.pk, admin, prerequisite_ids=[a.pk])
    with pytest.raises(Invalid, match="cycle"):
        services.update_component(a.pk, admin, prerequisite_ids=[b.pk])


def test_progress_counts(make_contact, make_component, make_program, admin):
    contact = make_contact()
    req = [make_component(credits_earned=Decimal(2), hours_earned=Decimal("1.5")) for _ in range(3)]
    program = make_program(required=req, electives=1)
    enrollment = services.add(contact.pk, program.pk, admin, now=NOW)
    complete(contact, req[0], admin)
    progress = evaluate(enrollment, TODAY)
    assert progress.as_dict() == {
        "required_done": 1,
        "required_total": 3,
        "credits_earned": 2.0,
        "hours_earned": 1.5,
    }


def test_enroll_attendees_to_all_relevant_certifications(
    make_contact, make_component, make_program, admin
):
    services.update_settings(admin, enroll_attendees_to_all_relevant=True)
    contact, event = make_contact(), make_component(kind="event")
    open_program = make_program(required=[event, make_component()])
    gated = make_program(required=[event], require_approval=True)
    complete(contact, event, admin)
    assert list(Enrollment.objects.filter(contact=contact).values_list("program_id", "status")) == [
        (open_program.pk, "in_progress")
    ]
    assert not Enrollment.objects.filter(program=gated).exists()


# --- bad input ----------------------------------------------------------------------------


def test_completion_in_the_future_is_refused_and_nothing_is_written(
    make_contact, make_program, admin
):
    contact, program = make_contact(), make_program()
    history = History.objects.count()
    with pytest.raises(Invalid, match="in the future") as error:
        complete(contact, program.components.get(), admin, day=TODAY + timedelta(days=1))
    assert error.value.field == "completed_on"
    assert Completion.objects.count() == 0 and History.objects.count() == history


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"contact_id": 0}, NotFound, "No contact with id 0"),
        ({"component_id": 999999}, NotFound, "No component with id 999999"),
        ({"completed_on": "2026-02-30"}, Invalid, "must be a date"),
        ({"score": "lots"}, Invalid, "score must be a number"),
        ({"source": "rumour"}, Invalid, "Unknown source"),
    ],
)
def test_bad_completion_input_is_refused(make_contact, make_program, admin, kwargs, error, match):
    contact, program = make_contact(), make_program()
    args = {
        "contact_id": contact.pk,
        "component_id": program.components.get().pk,
        "completed_on": TODAY,
    } | kwargs
    with pytest.raises(error, match=match):
        services.record_completion(
            args.pop("contact_id"),
            args.pop("component_id"),
            args.pop("completed_on"),
            admin,
            now=NOW,
            **args,
        )
    assert Completion.objects.count() == 0


def test_score_outside_range_is_refused(make_contact, make_component, admin):
    exam = make_component(
        kind="exam", scoring="scored", max_score=Decimal(100), passing_score=Decimal(70)
    )
    with pytest.raises(Invalid, match="outside"):
        complete(make_contact(), exam, admin, score=101)


def test_completion_outside_the_availability_window_is_refused(make_contact, make_component, admin):
    course = make_component(opens_on=date(2026, 1, 1), closes_on=date(2026, 3, 31))
    with pytest.raises(Invalid, match="closed on 31 Mar 2026; 1 Apr 2026 is after"):
        complete(make_contact(), course, admin, day=date(2026, 4, 1))


def test_impossible_dates_in_record_existing_are_refused(make_contact, make_program, admin):
    contact, program = make_contact(), make_program()
    with pytest.raises(Invalid, match="in the future"):
        services.record_existing(contact.pk, program.pk, TODAY + timedelta(days=1), admin, now=NOW)
    with pytest.raises(Invalid, match="before the activation date"):
        services.record_existing(
            contact.pk, program.pk, TODAY, admin, expires_on=TODAY - timedelta(days=1), now=NOW
        )
    with pytest.raises(NotFound):
        services.record_existing(contact.pk, 424242, TODAY, admin, now=NOW)
    assert Enrollment.objects.count() == 0


def test_duplicate_contact_email_is_refused_case_insensitively(make_contact, admin):
    make_contact(email="Pat@Example.org")
    with pytest.raises(Refused, match="already exists"):
        services.create_contact(admin, first_name="P", last_name="Q", email="pat@example.ORG")


def test_invalid_contact_fields_are_named(admin, db):
    with pytest.raises(Invalid) as error:
        services.create_contact(admin, first_name="P", last_name="Q", email="not-an-email")
    assert error.value.field == "email"
    with pytest.raises(Invalid, match="Unknown field"):
        services.create_contact(admin, first_name="P", last_name="Q", email="p@q.org", shoe_size=9)


def test_removing_a_completion_twice_is_refused(make_contact, make_program, admin):
    contact, program = make_contact(), make_program()
    completion = complete(contact, program.components.get(), admin)
    services.remove_completion(completion.pk, admin, now=NOW)
    with pytest.raises(NotFound, match="removed"):
        services.remove_completion(completion.pk, admin, now=NOW)
    assert History.objects.filter(action="remove_completion").count() == 1


def test_settings_validation(admin, db):
    with pytest.raises(Invalid, match="whole number"):
        services.update_settings(admin, expiring_notice_days=-1)
    with pytest.raises(Invalid, match="Unknown time zone"):
        services.update_settings(admin, time_zone="Mars/Olympus")
    with pytest.raises(Invalid, match="not an email"):
        services.update_settings(admin, application_recipients=["ok@example.org", "nope"])
    settings = services.update_settings(
        admin, expiring_notice_days=45, time_zone="America/New_York"
    )
    assert (settings.expiring_notice_days, settings.time_zone) == (45, "America/New_York")
    assert History.objects.filter(action="update_settings").count() == 1


def test_progress_reads_exactly_the_completions_that_count(
    make_contact, make_component, admin, settings_row
):
    """The plain-SQL read behind progress agrees with `Completion.objects.counting()`:
    approved, passed and not removed count; pending, rejected, failed and removed do not."""
    from certtrack.certification.requirements import _counting_dates

    contact, other = make_contact(), make_contact()
    course = make_component()
    exam = make_component(kind="exam")
    reviewed = make_component(requires_approval=True)
    day = TODAY - timedelta(days=3)
    complete(contact, course, admin, day=day)
    complete(contact, exam, admin, day=day, passed=False)
    complete(contact, exam, admin, day=TODAY, passed=True)
    pending = complete(contact, reviewed, admin)
    rejected = complete(contact, reviewed, admin)
    services.reject_completion(rejected.pk, admin, now=NOW)
    removed = complete(contact, course, admin, day=TODAY)
    services.remove_completion(removed.pk, admin, now=NOW)
    complete(other, course, admin, day=day)

    components = [course.pk, exam.pk, reviewed.pk]
    read = [row[1:] for row in _counting_dates([contact.pk, other.pk], components)]
    expected = Completion.objects.counting().filter(component_id__in=components)
    assert sorted(read) == sorted(
        expected.values_list("contact_id", "component_id", "completed_on")
    )
    assert (contact.pk, exam.pk, TODAY) in read and (contact.pk, exam.pk, day) not in read
    assert pending.state == "pending" and not any(c == reviewed.pk for _, c, _ in read)


def test_work_done_before_enrolling_dates_activation_and_expiry(make_contact, make_program, admin):
    # staff enroll today a contact whose work was done last month: certified from last month
    contact, program = make_contact(), make_program(validity_months=12)
    done_on = date(2026, 1, 31)
    complete(contact, program.components.get(), admin, day=done_on)
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 2, 20)))
    assert (enrollment.started_on, enrollment.activated_on, enrollment.expires_on) == (
        date(2026, 2, 20),
        done_on,
        date(2027, 1, 31),
    )
