"""PRODUCT.md §3: the renewal is open from expires_on − window through expires_on + grace."""

from datetime import date
from decimal import Decimal

import pytest

from certtrack.certification import services
from certtrack.certification.models import Program
from certtrack.certification.renewal import rules_in_words, window

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


# --- the same settings in a member's words (the portal's Programs page) --------------------


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (
            {"validity_months": 24, "renewal_window_days": 90, "renewal_grace_days": 30},
            "Valid for 24 months; renew from 90 days before expiry, up to 30 days after.",
        ),
        (
            {"validity_months": 1, "renewal_window_days": 1, "renewal_grace_days": 1},
            "Valid for 1 month; renew from 1 day before expiry, up to 1 day after.",
        ),
        (
            {"validity_months": 12, "renewal_window_days": 60, "renewal_grace_days": 0},
            "Valid for 12 months; renew from 60 days before expiry, until the day it expires.",
        ),
        (
            {"validity_months": 12, "renewal_window_days": 0, "renewal_grace_days": 30},
            "Valid for 12 months; no renewal: once it expires, apply again and do the work anew.",
        ),
        (
            {"validity_months": None, "renewal_window_days": 90, "renewal_grace_days": 30},
            "Does not expire: nothing to renew.",
        ),
    ],
)
def test_a_programs_validity_and_renewal_window_in_words(settings, words):
    assert rules_in_words(Program(**settings)).startswith(words)


def test_renewing_by_repeating_the_requirements_in_words():
    words = rules_in_words(Program(validity_months=24))  # the defaults: 90 days, repeat
    assert words == (
        "Valid for 24 months; renew from 90 days before expiry, until the day it expires. "
        "Renewing means meeting the requirements again with new work."
    )


def test_renewing_by_credits_and_hours_names_the_amounts_and_the_components(admin, make_component):
    exam, course = make_component("exam", name="Safety Exam"), make_component(name="First Aid")
    links = [
        {"component_id": exam.pk, "required": True, "required_for_renewal": True},
        {"component_id": course.pk, "required": True},
    ]
    program = services.create_program(
        admin,
        components=links,
        name="Event Safety Specialist",
        code="ESS",
        validity_months=24,
        renewal_requirements="credits",
        renewal_credits_required=Decimal("1"),
        renewal_hours_required=Decimal("12.50"),
    )
    assert rules_in_words(program).endswith(
        " Renewing takes 1 credit and 12.5 hours from any of the program's components, "
        "plus Safety Exam."
    )
    services.update_program(program.pk, admin, renewal_credits_required=None)
    program.refresh_from_db()
    assert rules_in_words(program).endswith(
        " Renewing takes 12.5 hours from any of the program's components, plus Safety Exam."
    )
