"""PRODUCT.md §11 "As of any date": the status an enrollment had at the end of a day."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.certification.asof import BadFilter, end_of, parse_day, replay, status_on
from certtrack.certification.models import Enrollment
from tests.conftest import at

TODAY = date(2026, 6, 15)


def on(enrollment, day, today=TODAY):
    return status_on(enrollment.pk, end_of(day, at(today)))


def test_a_certification_cancelled_today_was_active_last_year(make_contact, make_program, admin):
    program = make_program(validity_months=36)
    e = services.record_existing(
        make_contact().pk, program.pk, date(2024, 1, 10), admin, now=at(date(2024, 1, 10))
    )
    services.perform(e.pk, "cancel", admin, reason="fraud", now=at(TODAY))
    assert on(e, date(2025, 6, 15)) == "active"
    assert on(e, TODAY) == "cancelled"
    assert on(e, date(2024, 1, 9)) is None  # neither in certtrack nor covered by a period


def test_a_period_recorded_today_answers_for_its_own_days(make_contact, make_program, admin):
    program = make_program(validity_months=12)
    e = services.record_existing(
        make_contact().pk, program.pk, date(2022, 3, 1), admin, now=at(TODAY)
    )
    assert on(e, date(2022, 6, 1)) == "active"
    assert on(e, date(2023, 2, 15)) == "expiring"  # 30 notice days before 1 Mar 2023
    assert on(e, date(2024, 1, 1)) is None  # not in certtrack then, no period covered it
    assert on(e, TODAY) == "expired"


def test_suspension_counts_from_the_day_it_happened(make_contact, make_program, admin):
    program = make_program(validity_months=24)
    e = services.record_existing(
        make_contact().pk, program.pk, date(2025, 1, 1), admin, now=at(date(2025, 1, 1))
    )
    services.perform(e.pk, "suspend", admin, reason="audit", now=at(date(2025, 6, 1)))
    services.perform(e.pk, "reactivate", admin, now=at(date(2025, 7, 1)))
    assert on(e, date(2025, 5, 31)) == "active"
    assert on(e, date(2025, 6, 1)) == "inactive"
    assert on(e, date(2025, 6, 30)) == "inactive"
    assert on(e, date(2025, 7, 1)) == "active"


def test_a_future_day_projects_the_dates(make_contact, make_program, admin):
    program = make_program(validity_months=12)
    e = services.record_existing(
        make_contact().pk, program.pk, date(2026, 1, 10), admin, now=at(date(2026, 1, 10))
    )
    assert on(e, date(2027, 1, 1)) == "expiring"
    assert on(e, date(2027, 1, 11)) == "expired"


def test_staff_set_statuses_come_from_the_history(make_contact, make_program, admin):
    program = make_program(require_approval=True)
    e = services.apply(make_contact().pk, program.pk, admin, now=at(date(2026, 2, 1)))
    services.perform(e.pk, "decline", admin, now=at(date(2026, 3, 1)))
    assert on(e, date(2026, 1, 31)) is None
    assert on(e, date(2026, 2, 1)) == "applied"
    assert on(e, date(2026, 2, 28)) == "applied"
    assert on(e, date(2026, 3, 1)) == "declined"


def test_the_end_of_the_day_is_the_organizations(make_contact, make_program, admin, settings_row):
    settings_row.time_zone = "Pacific/Auckland"  # UTC+12 in June
    settings_row.save()
    program = make_program(require_approval=True)
    # 13:00 UTC on 1 Feb is 2 Feb 02:00 in Auckland: applied on 2 Feb, not 1 Feb.
    e = services.apply(make_contact().pk, program.pk, admin, now=at(date(2026, 2, 1), hour=13))
    assert on(e, date(2026, 2, 1)) is None
    assert on(e, date(2026, 2, 2)) == "applied"


def test_renewal_starts_a_new_period_and_the_old_one_stays_as_it_was(
    make_contact, make_program, admin
):
    program = make_program(validity_months=12)
    e = services.record_existing(
        make_contact().pk, program.pk, date(2025, 1, 10), admin, now=at(date(2025, 1, 10))
    )
    services.perform(e.pk, "renew", admin, reason="waiver", now=at(date(2025, 12, 20)))
    assert on(e, date(2025, 12, 31)) == "expiring"
    assert on(e, date(2026, 1, 11)) == "active"  # period 2 from 10 Jan 2026
    assert on(e, date(2027, 1, 11)) == "expired"


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2024-13-01", "yesterday", "2024-1-5", "1899-12-31"]
)
def test_an_impossible_or_too_early_day_is_refused_naming_it(text):
    with pytest.raises(BadFilter) as error:
        parse_day(text, "as_of")
    assert "as_of" in error.value.message and text in error.value.message


def test_replay_in_python_agrees_with_sql_on_the_examples(make_contact, make_program, admin):
    program = make_program(validity_months=12)
    e = services.record_existing(
        make_contact().pk, program.pk, date(2025, 1, 10), admin, now=at(date(2025, 1, 10))
    )
    services.perform(e.pk, "cancel", admin, now=at(date(2025, 8, 1)))
    row = Enrollment.objects.prefetch_related("history", "periods").get(pk=e.pk)
    for offset in range(-5, 400, 7):
        day = date(2025, 1, 10) + timedelta(days=offset)
        assert replay(row, end_of(day, at(TODAY))) == on(e, day), day
