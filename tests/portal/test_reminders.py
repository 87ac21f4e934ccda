"""The member sees upcoming reminders and can turn off the optional ones, not the mandatory."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.notifications import reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(pat, program, admin, today):
    services.update_program(
        program.pk,
        admin,
        reminder_schedule=[
            {"offset_days": -30},
            {"offset_days": -7, "mandatory": True},
            {"offset_days": 1},
        ],
    )
    # today is 2026-06-01; expires 2026-08-01.
    return services.record_existing(
        pat.pk, program.pk, date(2025, 8, 1), admin, expires_on=date(2026, 8, 1)
    )


def test_the_member_sees_upcoming_reminder_dates(pat_client, certified):
    page = pat_client.get(f"/portal/enrollments/{certified.pk}/").content.decode()
    assert "2 Jul 2026" in page and "25 Jul 2026" in page and "2 Aug 2026" in page
    assert "Required notice" in page


def test_the_member_turns_off_optional_reminders_and_the_mandatory_one_is_still_owed(
    pat_client, certified
):
    response = pat_client.post(
        f"/portal/enrollments/{certified.pk}/reminders/", {"optional": "off"}
    )
    assert response.status_code == 302
    owed = reminders.owed(date(2026, 6, 1), 100)
    assert [o.step.offset_days for o in owed] == [-7]
    pat_client.post(f"/portal/enrollments/{certified.pk}/reminders/", {"optional": "on"})
    assert [o.step.offset_days for o in reminders.owed(date(2026, 6, 1), 100)] == [-30, -7, 1]


def test_a_stranger_cannot_change_someone_elses_reminders(sam_client, certified):
    response = sam_client.post(
        f"/portal/enrollments/{certified.pk}/reminders/", {"optional": "off"}
    )
    assert response.status_code == 404
    assert len(reminders.owed(date(2026, 6, 1), 100)) == 3
