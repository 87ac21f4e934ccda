"""PRODUCT.md §3: the renewal is open from expires_on − window through expires_on + grace."""

from datetime import date

import pytest

from certtrack.certification.renewal import window

EXPIRES = date(2027, 2, 28)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 11, 29), "not_open"),  # the day before the window opens
        (date(2026, 11, 30), "open"),  # the opening day: 90 days before
        (EXPIRES, "open"),  # the expiry day
        (date(2027, 3, 1), "grace"),  # the day after expiry
        (date(2027, 3, 14), "grace"),  # the last grace day
        (date(2027, 3, 15), "closed"),  # the day after
    ],
)
def test_the_window_state_on_each_boundary_day(today, state):
    renewal = window(EXPIRES, 90, 14)
    assert (renewal.opens_on, renewal.closes_on) == (date(2026, 11, 30), date(2027, 3, 14))
    assert renewal.state(today) == state


def test_without_grace_the_day_after_expiry_is_closed():
    assert window(EXPIRES, 90, 0).state(date(2027, 3, 1)) == "closed"


def test_no_window_days_or_no_expiry_means_no_renewal():
    assert window(EXPIRES, 0, 30) is None
    assert window(None, 90, 0) is None
