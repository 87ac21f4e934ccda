"""PRODUCT.md §3 "Dates": month ends, 29 February, the notice day, the expiry day, time zones."""

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certtrack.certification import services
from certtrack.certification.dates import AsOf, add_months, expiry_for, time_status
from certtrack.certification.models import Enrollment, GeneralSettings

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=0, max_value=600)


@given(days, months)
def test_adding_months_lands_in_the_right_month_clamped_to_its_end(day, n):
    result = add_months(day, n)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == n
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(days, months, months)
def test_adding_months_in_steps_never_ends_later_than_at_once(day, a, b):
    assert add_months(add_months(day, a), b) <= add_months(day, a + b)


@given(days, st.integers(min_value=1, max_value=600))
def test_expiry_is_after_activation_and_never_more_than_validity(day, n):
    expires = expiry_for(day, n)
    assert (
        day
        < expires
        <= date(day.year + (day.month + n - 1) // 12, (day.month + n - 1) % 12 + 1, 28)
        + timedelta(days=3)
    )


@pytest.mark.parametrize(
    ("activated", "validity", "expires"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), 11, date(2027, 2, 28)),
    ],
)
def test_month_end_examples(activated, validity, expires):
    assert expiry_for(activated, validity) == expires


def test_no_validity_never_expires():
    assert expiry_for(date(2026, 1, 1), None) is None
    assert time_status(None, date(2999, 1, 1), 30) == "active"


EXPIRES = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("today", "notice", "status"),
    [
        (date(2026, 11, 30), 30, "active"),  # the day before the notice day
        (date(2026, 12, 1), 30, "expiring"),  # the notice day: expires_on - 30
        (date(2026, 12, 31), 30, "expiring"),  # the expiry day itself: still valid
        (date(2027, 1, 1), 30, "expired"),  # the day after
        (date(2026, 12, 31), 0, "active"),  # notice 0: no Expiring status at all
        (date(2027, 1, 1), 0, "expired"),
        (date(2026, 12, 31), 1, "expiring"),
        (date(2026, 12, 30), 1, "expiring"),
        (date(2026, 12, 29), 1, "active"),
    ],
)
def test_boundaries(today, notice, status):
    assert time_status(EXPIRES, today, notice) == status


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), days, st.integers(0, 400))
def test_time_status_matches_the_spec_formula(expires, today, notice):
    status = time_status(expires, today, notice)
    if today > expires:
        assert status == "expired"
    elif notice > 0 and expires - timedelta(days=notice) <= today:
        assert status == "expiring"
    else:
        assert status == "active"


def test_today_is_the_organizations_day_not_utcs():
    late_evening_utc = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert AsOf.at(late_evening_utc, "UTC", 30).today == date(2026, 12, 31)
    assert AsOf.at(late_evening_utc, "Asia/Tokyo", 30).today == date(2027, 1, 1)
    assert AsOf.at(datetime(2027, 1, 1, 3, 0, tzinfo=UTC), "America/Los_Angeles", 30).today == date(
        2026, 12, 31
    )


def test_a_certification_expires_at_the_organizations_midnight(
    make_contact, make_program, admin, travel
):
    program = make_program(validity_months=12)
    enrollment = services.record_existing(
        make_contact().pk,
        program.pk,
        date(2025, 12, 31),
        admin,
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert enrollment.expires_on == date(2026, 12, 31)
    services.update_settings(admin, time_zone="Asia/Tokyo")
    moment = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 1 January 01:00 in Tokyo
    as_of = GeneralSettings.get().as_of(moment)
    assert enrollment.current_status(as_of) == "expired"
    assert Enrollment.objects.in_status(["expired"], as_of).count() == 1
    services.update_settings(admin, time_zone="UTC")
    as_of = GeneralSettings.get().as_of(moment)
    assert enrollment.current_status(as_of) == "expiring"
    assert Enrollment.objects.in_status(["expiring"], as_of).count() == 1
