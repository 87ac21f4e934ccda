"""PRODUCT.md §3 "Certification periods and renewal": the examples test_renewal.py did not
walk yet — month ends with the `renewal_date` base and a 29 February expiry with
`previous_expiry`, credits and hours without redoing the first cycle's components, work on
the opening day, a review that outlasts the expiry, and the recency limit on renewal work."""

from datetime import date
from decimal import Decimal

import pytest

from certtrack.certification import renewals, services
from certtrack.certification.errors import Refused
from certtrack.certification.models import Period
from tests.builders import at, certify, complete


def latest(enrollment) -> tuple:
    enrollment.refresh_from_db()
    return enrollment.period_number, enrollment.activated_on, enrollment.expires_on


@pytest.fixture
def one_component(make_contact, make_program, admin, settings_row):
    """`one_component(earned_on, **program)` → (enrollment, contact, component)."""

    def build(earned_on: date, **fields):
        program = make_program(required=1, **fields)
        contact = make_contact()
        return certify(admin, contact, program, earned_on), contact, program.components.get()

    return build


# --- renewal_date at month ends; previous_expiry from a 29 February expiry ------------------


def test_renewal_date_granted_on_the_31st_ends_on_the_last_day_of_a_shorter_month(
    one_component, admin
):
    # 31 Aug 2025 + 6 months = 28 Feb 2026; granted 31 Dec 2025 → 30 Jun 2026.
    enrollment, contact, component = one_component(
        date(2025, 8, 31), validity_months=6, renewal_base="renewal_date"
    )
    assert enrollment.expires_on == date(2026, 2, 28)
    complete(contact, component, admin, date(2025, 12, 31))
    assert latest(enrollment) == (2, date(2025, 12, 31), date(2026, 6, 30))


def test_renewal_date_granted_on_31_january_of_a_leap_year_ends_on_29_february(
    one_component, admin
):
    enrollment, contact, component = one_component(
        date(2027, 3, 15), validity_months=11, renewal_base="renewal_date"
    )
    assert enrollment.expires_on == date(2028, 2, 15)
    complete(contact, component, admin, date(2028, 1, 31))
    assert latest(enrollment) == (2, date(2028, 1, 31), date(2028, 12, 31))
    # and from there, 1 month: validity 1 on 31 Jan 2028 gives 29 Feb 2028
    other, contact, component = one_component(
        date(2027, 12, 31), validity_months=1, renewal_base="renewal_date"
    )
    assert other.expires_on == date(2028, 1, 31)
    complete(contact, component, admin, date(2028, 1, 31))
    assert latest(other) == (2, date(2028, 1, 31), date(2028, 2, 29))


def test_previous_expiry_renewing_a_29_february_expiry(one_component, admin):
    # 29 Feb 2024 + 48 months = 29 Feb 2028; + 48 months again = 29 Feb 2032 (a leap year).
    enrollment, contact, component = one_component(date(2024, 2, 29), validity_months=48)
    assert enrollment.expires_on == date(2028, 2, 29)
    complete(contact, component, admin, date(2028, 1, 10))
    assert latest(enrollment) == (2, date(2028, 2, 29), date(2032, 2, 29))


def test_previous_expiry_renewed_on_29_february(one_component, admin):
    enrollment, contact, component = one_component(date(2027, 2, 28), validity_months=12)
    assert enrollment.expires_on == date(2028, 2, 28)
    complete(contact, component, admin, date(2028, 2, 29))  # grace 0: closed on 29 Feb
    assert latest(enrollment) == (1, date(2027, 2, 28), date(2028, 2, 28))
    enrollment, contact, component = one_component(
        date(2027, 2, 28), validity_months=12, renewal_grace_days=1
    )
    complete(contact, component, admin, date(2028, 2, 29))  # the last grace day
    assert latest(enrollment) == (2, date(2028, 2, 28), date(2029, 2, 28))


# --- requirement modes ------------------------------------------------------------------------


@pytest.fixture
def by_credits(make_contact, make_component, admin, settings_row):
    """A program first earned by its required course; renewed by 4 credits and 6 hours of
    any of its components, plus Ethics (required for renewal)."""
    course = make_component(credits_earned=Decimal("3"), hours_earned=Decimal("3"))
    ethics = make_component(credits_earned=Decimal("1"), hours_earned=Decimal("1"))
    seminar = make_component(credits_earned=Decimal("2"), hours_earned=Decimal("4"))
    workshop = make_component(credits_earned=Decimal("1"), hours_earned=Decimal("2"))
    program = services.create_program(
        admin,
        name="CPD",
        code="CPD",
        validity_months=12,
        renewal_requirements="credits",
        renewal_credits_required=Decimal("4"),
        renewal_hours_required=Decimal("6"),
        components=[
            {"component_id": course.pk, "required": True},
            {"component_id": ethics.pk, "required": False, "required_for_renewal": True},
            {"component_id": seminar.pk, "required": False},
            {"component_id": workshop.pk, "required": False},
        ],
    )
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 10)))
    complete(contact, course, admin, date(2026, 1, 10))
    kinds = {"course": course, "ethics": ethics, "seminar": seminar, "workshop": workshop}
    return enrollment, contact, kinds


def test_credits_mode_renews_without_redoing_the_first_cycles_required_component(by_credits, admin):
    enrollment, contact, c = by_credits
    complete(contact, c["seminar"], admin, date(2026, 11, 1))  # 2 credits, 4 hours
    complete(contact, c["ethics"], admin, date(2026, 11, 2))  # 3 credits, 5 hours
    assert latest(enrollment)[0] == 1
    complete(contact, c["workshop"], admin, date(2026, 11, 3))  # 4 credits, 7 hours
    assert latest(enrollment) == (2, date(2027, 1, 10), date(2028, 1, 10))
    used = Period.objects.get(enrollment=enrollment, number=2).completions
    assert set(used.values_list("component_id", flat=True)) == {
        c["seminar"].pk,
        c["ethics"].pk,
        c["workshop"].pk,
    }


def test_credits_mode_needs_the_hours_too(by_credits, admin):
    enrollment, contact, c = by_credits
    complete(contact, c["ethics"], admin, date(2026, 11, 2))  # 1 credit, 1 hour
    complete(contact, c["course"], admin, date(2026, 11, 3))  # 4 credits, 4 hours
    assert latest(enrollment)[0] == 1  # credits reached, hours not
    progress = renewals.progress_since([enrollment], date(2026, 11, 3))[enrollment.pk]
    assert not progress.met
    complete(contact, c["workshop"], admin, date(2026, 11, 4))  # 5 credits, 6 hours
    assert latest(enrollment)[0] == 2


# --- window boundaries --------------------------------------------------------------------


def test_work_on_the_opening_day_is_granted_at_once_and_the_day_before_is_not(one_component, admin):
    # Expires 15 Jan 2027; the 90-day window opens 17 Oct 2026.
    enrollment, contact, component = one_component(date(2025, 1, 15), validity_months=24)
    complete(contact, component, admin, date(2026, 10, 16))
    assert latest(enrollment)[0] == 1
    other, contact, component = one_component(date(2025, 1, 15), validity_months=24)
    complete(contact, component, admin, date(2026, 10, 17))
    period = Period.objects.get(enrollment=other, number=2)
    assert (period.renewed_on, period.activated_on) == (date(2026, 10, 17), date(2027, 1, 15))


# --- review --------------------------------------------------------------------------------


def test_a_review_that_outlasts_the_expiry_reads_expired_and_approval_continues_the_chain(
    make_contact, make_program, admin, settings_row
):
    program = make_program(required=1, validity_months=12, completion_requires_approval=True)
    component = program.components.get()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 10)))
    complete(contact, component, admin, date(2026, 1, 10))
    services.perform(enrollment.pk, "approve_completion", admin, now=at(date(2026, 1, 12)))
    complete(contact, component, admin, date(2027, 1, 5))  # met in the window: review
    # Nobody decides before the expiry (12 Jan 2027): the dates say Expired; still in review.
    later = date(2027, 2, 20)
    services.settle(
        enrollment := services.Enrollment.objects.get(pk=enrollment.pk),
        services.GeneralSettings.get().as_of(at(later)),
        at(later),
    )
    assert enrollment.status == "expired"
    assert renewals.state_of(enrollment, later) == "review"
    # Applying again waits for the decision, said without an "open until" day gone by.
    with pytest.raises(Refused) as refused:
        services.apply(contact.pk, program.pk, admin, now=at(later))
    assert "sent for review before it closed on 12 Jan 2027, awaits a staff decision" in str(
        refused.value
    )
    assert "open until" not in str(refused.value)
    services.perform(enrollment.pk, "approve_renewal", admin, now=at(later))
    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    assert latest(enrollment) == (2, date(2027, 1, 12), date(2028, 1, 12))


# --- completion_recency_months on renewal work ------------------------------------------------


def test_renewal_work_older_than_the_recency_limit_does_not_count(one_component, admin):
    # Earned 1 Feb 2025 (24 months, expires 1 Feb 2027; the window opens 3 Nov 2026);
    # only work of the last 12 months counts.
    enrollment, contact, component = one_component(
        date(2025, 2, 1), validity_months=24, completion_recency_months=12
    )
    complete(contact, component, admin, date(2025, 10, 1))  # in the period, before the window
    assert not renewals.grant_opened(at(date(2026, 11, 3)), admin)  # 13 months old by then
    assert latest(enrollment)[0] == 1
    progress = renewals.progress_since([enrollment], date(2026, 11, 3))[enrollment.pk]
    assert not progress.met
    complete(contact, component, admin, date(2026, 11, 3))
    assert latest(enrollment) == (2, date(2027, 2, 1), date(2029, 2, 1))
    used = Period.objects.get(enrollment=enrollment, number=2).completions
    assert list(used.values_list("completed_on", flat=True)) == [date(2026, 11, 3)]
