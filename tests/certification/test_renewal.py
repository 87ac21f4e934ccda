"""PRODUCT.md §3 "Certification periods and renewal": every example, walked through the
services on explicit days."""

from datetime import date
from decimal import Decimal

import pytest

from certtrack.certification import renewals, services
from certtrack.certification.errors import Invalid, Refused
from certtrack.certification.models import Enrollment, History, Period
from tests.builders import at, certify, complete


@pytest.fixture
def certified(make_contact, make_program, admin, settings_row):
    """`certified(earned_on, **program)` → (enrollment, contact, program, component):
    certified on `earned_on` by completing the program's one required component."""

    def build(earned_on: date, **fields):
        fields = {"validity_months": 24, "renewal_window_days": 90, **fields}
        program = make_program(required=1, **fields)
        contact = make_contact()
        enrollment = certify(admin, contact, program, earned_on)
        return enrollment, contact, program, program.components.get()

    return build


def periods_of(enrollment):
    return list(
        Period.objects.filter(enrollment=enrollment)
        .order_by("number")
        .values_list("number", "activated_on", "expires_on", "renewed_on", "source")
    )


# --- the two bases ------------------------------------------------------------------------


def test_previous_expiry_renewing_early_loses_no_time(certified, admin):
    enrollment, contact, _, component = certified(date(2025, 1, 31))
    assert enrollment.expires_on == date(2027, 1, 31)
    complete(contact, component, admin, date(2026, 12, 10))
    enrollment.refresh_from_db()
    assert periods_of(enrollment)[1] == (
        2,
        date(2027, 1, 31),
        date(2029, 1, 31),
        date(2026, 12, 10),
        "renewed",
    )
    assert (enrollment.activated_on, enrollment.expires_on) == (
        date(2027, 1, 31),
        date(2029, 1, 31),
    )
    assert enrollment.period_number == 2
    entry = History.objects.filter(enrollment=enrollment, action="renewal_granted").get()
    assert entry.changes == {
        "activated_on": ["2025-01-31", "2027-01-31"],
        "expires_on": ["2027-01-31", "2029-01-31"],
        "period": [1, 2],
    }


def test_renewal_date_starts_the_new_period_on_the_day_granted(certified, admin):
    enrollment, contact, _, component = certified(date(2025, 1, 31), renewal_base="renewal_date")
    complete(contact, component, admin, date(2026, 12, 10))
    enrollment.refresh_from_db()
    assert periods_of(enrollment)[1][:3] == (2, date(2026, 12, 10), date(2028, 12, 10))


def test_previous_expiry_at_a_month_end_is_clamped(certified, admin):
    # 31 Mar 2026 + 11 months = 28 Feb 2027; + 11 months again = 28 Jan 2028.
    enrollment, contact, _, component = certified(date(2026, 3, 31), validity_months=11)
    assert enrollment.expires_on == date(2027, 2, 28)
    complete(contact, component, admin, date(2027, 1, 15))
    enrollment.refresh_from_db()
    assert (enrollment.activated_on, enrollment.expires_on) == (
        date(2027, 2, 28),
        date(2028, 1, 28),
    )


def test_renewal_date_on_29_february(certified, admin):
    enrollment, contact, _, component = certified(
        date(2027, 3, 1), validity_months=12, renewal_base="renewal_date"
    )
    complete(contact, component, admin, date(2028, 2, 29))
    enrollment.refresh_from_db()
    assert (enrollment.activated_on, enrollment.expires_on) == (
        date(2028, 2, 29),
        date(2029, 2, 28),
    )


def test_previous_expiry_from_29_february(certified, admin):
    enrollment, contact, _, component = certified(date(2024, 2, 29), validity_months=24)
    assert enrollment.expires_on == date(2026, 2, 28)
    complete(contact, component, admin, date(2026, 1, 5))
    enrollment.refresh_from_db()
    assert enrollment.expires_on == date(2028, 2, 28)


# --- the two requirement modes -------------------------------------------------------------


def test_repeat_needs_every_required_component_again(make_contact, make_program, admin):
    program = make_program(required=2, validity_months=12)
    first, second = program.components.order_by("id")
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 10)))
    complete(contact, first, admin, date(2026, 1, 10))
    complete(contact, second, admin, date(2026, 1, 10))
    complete(contact, first, admin, date(2026, 11, 1))
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1  # one of two done again: not yet
    complete(contact, second, admin, date(2026, 11, 2))
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2
    assert Period.objects.get(enrollment=enrollment, number=2).completions.count() == 2


def test_credits_mode_counts_credits_of_any_component_plus_those_required_for_renewal(
    make_contact, make_component, admin
):
    core = make_component(credits_earned=Decimal("1"))
    ethics = make_component(credits_earned=Decimal("1"))
    seminar = make_component(credits_earned=Decimal("2"))
    program = services.create_program(
        admin,
        name="CPD",
        code="CPD",
        validity_months=12,
        renewal_requirements="credits",
        renewal_credits_required=Decimal("3"),
        components=[
            {"component_id": core.pk, "required": True},
            {"component_id": ethics.pk, "required": False, "required_for_renewal": True},
            {"component_id": seminar.pk, "required": False},
        ],
    )
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 10)))
    complete(contact, core, admin, date(2026, 1, 10))
    complete(contact, seminar, admin, date(2026, 11, 1))
    complete(contact, core, admin, date(2026, 11, 2))  # 3 credits, but no ethics
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1
    complete(contact, ethics, admin, date(2026, 11, 3))
    enrollment.refresh_from_db()
    assert enrollment.period_number == 2


# --- window boundaries -----------------------------------------------------------------------


@pytest.fixture
def lapsing(certified):
    """Earned 15 Jan 2025, expires 15 Jan 2027; window opens 17 Oct 2026; grace 14 days:
    the last grace day is 29 Jan 2027."""
    return lambda: certified(date(2025, 1, 15), renewal_grace_days=14)


def test_work_before_the_window_is_granted_by_the_worker_on_the_opening_day(lapsing, admin):
    enrollment, contact, _, component = lapsing()
    complete(contact, component, admin, date(2026, 10, 16))  # the day before it opens
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1
    assert renewals.grant_opened(at(date(2026, 10, 17)), admin) == 1
    enrollment.refresh_from_db()
    assert periods_of(enrollment)[1][3] == date(2026, 10, 17)  # renewed_on: the day granted
    assert renewals.grant_opened(at(date(2026, 10, 17)), admin) == 0


def test_renewing_on_the_expiry_day(lapsing, admin):
    enrollment, contact, _, component = lapsing()
    complete(contact, component, admin, date(2027, 1, 15))
    enrollment.refresh_from_db()
    assert (enrollment.period_number, enrollment.expires_on) == (2, date(2029, 1, 15))


def test_renewing_on_the_last_grace_day_makes_an_expired_certification_active(lapsing, admin):
    enrollment, contact, _, component = lapsing()
    services.settle(
        enrollment,
        services.GeneralSettings.get().as_of(at(date(2027, 1, 20))),
        at(date(2027, 1, 20)),
    )
    assert enrollment.status == "expired"
    complete(contact, component, admin, date(2027, 1, 29))
    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    # The chain goes on with no gap: the new period starts at the old expiry.
    assert (enrollment.activated_on, enrollment.expires_on) == (
        date(2027, 1, 15),
        date(2029, 1, 15),
    )
    entry = History.objects.filter(enrollment=enrollment, action="renewal_granted").get()
    assert (entry.from_status, entry.to_status) == ("expired", "active")


def test_the_day_after_grace_nothing_is_granted_and_applying_again_needs_new_work(lapsing, admin):
    enrollment, contact, program, component = lapsing()
    with pytest.raises(Refused, match="renew it instead"):
        services.apply(contact.pk, program.pk, admin, now=at(date(2027, 1, 29)))
    again = services.apply(contact.pk, program.pk, admin, now=at(date(2027, 1, 30)))
    assert again.status == "in_progress"  # last cycle's work was used by period 1
    enrollment.refresh_from_db()
    assert enrollment.status == "expired" and enrollment.period_number == 1
    complete(contact, component, admin, date(2027, 2, 1))
    again.refresh_from_db()
    enrollment.refresh_from_db()
    assert again.status == "active" and enrollment.period_number == 1


# --- review ------------------------------------------------------------------------------


@pytest.fixture
def in_review(make_contact, make_program, admin):
    program = make_program(required=1, validity_months=12, completion_requires_approval=True)
    component = program.components.get()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 10)))
    complete(contact, component, admin, date(2026, 1, 10))
    services.perform(enrollment.pk, "approve_completion", admin, now=at(date(2026, 1, 12)))
    complete(contact, component, admin, date(2026, 12, 1))
    enrollment.refresh_from_db()
    return enrollment


def test_met_renewal_waits_in_review_and_the_status_stays_as_the_dates_say(in_review):
    assert in_review.renewal_review_on == date(2026, 12, 1)
    assert in_review.status == "active" and in_review.period_number == 1
    assert renewals.state_of(in_review, date(2026, 12, 1)) == "review"
    assert Enrollment.objects.filter(renewal_review_on__isnull=False).count() == 1


def test_approve_renewal_grants_the_new_period(in_review, admin):
    services.perform(in_review.pk, "approve_renewal", admin, now=at(date(2026, 12, 3)))
    in_review.refresh_from_db()
    assert periods_of(in_review)[1] == (
        2,
        date(2027, 1, 12),
        date(2028, 1, 12),
        date(2026, 12, 3),
        "renewed",
    )
    assert in_review.renewal_review_on is None
    with pytest.raises(Refused, match="renewal is not open"):
        services.perform(in_review.pk, "approve_renewal", admin, now=at(date(2026, 12, 3)))


def test_reject_renewal_needs_a_reason_and_clears_the_review(in_review, admin):
    with pytest.raises(Invalid) as error:
        services.perform(in_review.pk, "reject_renewal", admin, now=at(date(2026, 12, 3)))
    assert error.value.field == "reason"
    services.perform(
        in_review.pk, "reject_renewal", admin, reason="Evidence missing", now=at(date(2026, 12, 3))
    )
    in_review.refresh_from_db()
    assert in_review.renewal_review_on is None and in_review.period_number == 1
    entry = History.objects.filter(enrollment=in_review, action="reject_renewal").get()
    assert entry.reason == "Evidence missing"
    with pytest.raises(Refused, match="renewal is open"):
        services.perform(
            in_review.pk, "reject_renewal", admin, reason="again", now=at(date(2026, 12, 3))
        )


# --- waiver --------------------------------------------------------------------------------


def test_renew_is_a_waiver_with_a_reason(certified, admin):
    enrollment, *_ = certified(date(2025, 1, 31))
    with pytest.raises(Invalid):
        services.perform(enrollment.pk, "renew", admin, now=at(date(2026, 12, 1)))
    services.perform(
        enrollment.pk, "renew", admin, reason="Board decision", now=at(date(2026, 12, 1))
    )
    enrollment.refresh_from_db()
    assert periods_of(enrollment)[1][4] == "waived"
    assert History.objects.get(enrollment=enrollment, action="renew").reason == "Board decision"


def test_renew_with_its_own_expiry_date(certified, admin):
    enrollment, *_ = certified(date(2025, 1, 31))
    services.perform(
        enrollment.pk,
        "renew",
        admin,
        reason="Extension by the board",
        expires_on=date(2027, 12, 31),
        now=at(date(2026, 12, 1)),
    )
    enrollment.refresh_from_db()
    assert enrollment.expires_on == date(2027, 12, 31)


def test_a_waiver_before_the_window_opens_renews_once(certified, admin):
    """PRODUCT.md §3: staff renew (a waiver) from Active, Expiring, or Expired within its
    grace days — the window need not be open (an API trial: it was refused then). Not
    twice for one cycle: two staff renewing at once make one period."""
    enrollment, *_ = certified(date(2025, 1, 31))
    services.perform(enrollment.pk, "renew", admin, reason="x", now=at(date(2026, 6, 1)))
    enrollment.refresh_from_db()
    assert (enrollment.period_number, enrollment.activated_on) == (2, date(2027, 1, 31))
    with pytest.raises(Refused, match="renewed already .period 2 from 31 Jan 2027"):
        services.perform(enrollment.pk, "renew", admin, reason="x", now=at(date(2026, 6, 2)))
    assert Period.objects.filter(enrollment=enrollment).count() == 2


def test_renew_is_refused_after_the_grace_days(certified, admin):
    enrollment, *_ = certified(date(2025, 1, 31), renewal_grace_days=10)
    with pytest.raises(Refused, match="renewal is closed .it closed on 10 Feb 2027"):
        services.perform(enrollment.pk, "renew", admin, reason="x", now=at(date(2027, 2, 11)))
    services.perform(enrollment.pk, "renew", admin, reason="x", now=at(date(2027, 2, 10)))


def test_a_completion_counts_toward_one_period_only(certified, admin):
    enrollment, contact, _, component = certified(date(2025, 1, 31))
    work = complete(contact, component, admin, date(2026, 12, 10))
    enrollment.refresh_from_db()
    assert list(Period.objects.get(enrollment=enrollment, number=2).completions.all()) == [work]
    # Period 2's renewal counts from its renewed_on: the same work does not renew again.
    assert not renewals.progress_since([enrollment], date(2029, 1, 1))[enrollment.pk].met


def test_three_cycles(certified, admin):
    enrollment, contact, _, component = certified(date(2025, 1, 31), validity_months=12)
    for day in (date(2025, 12, 1), date(2026, 12, 1)):
        complete(contact, component, admin, day)
    enrollment.refresh_from_db()
    assert [p[:3] for p in periods_of(enrollment)] == [
        (1, date(2025, 1, 31), date(2026, 1, 31)),
        (2, date(2026, 1, 31), date(2027, 1, 31)),
        (3, date(2027, 1, 31), date(2028, 1, 31)),
    ]


def test_no_renewal_without_a_window(certified, admin):
    enrollment, contact, _, component = certified(date(2025, 1, 31), renewal_window_days=0)
    complete(contact, component, admin, date(2027, 1, 20))
    enrollment.refresh_from_db()
    assert enrollment.period_number == 1
    with pytest.raises(Refused, match="has no renewal"):
        services.perform(enrollment.pk, "renew", admin, reason="x", now=at(date(2027, 1, 20)))
