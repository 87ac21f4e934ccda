"""Certification Expiring / expired: once per cycle, never for a date already passed."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from certtrack.notifications.models import Email
from tests.conftest import at

ACTIVATED = date(2025, 4, 10)  # validity 12 months: expires 2026-04-10
NOTICE_DAY = date(2026, 3, 11)  # 2026-04-10 - 30 days (the default notice)
EXPIRY = date(2026, 4, 10)


@pytest.fixture
def certified(make_contact, make_program, admin, travel):
    """Ana's certification, recorded on the day she earned it (so not an import after the fact)."""
    travel(ACTIVATED)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(name="Safety Officer", validity_months=12)
    return services.record_existing(ana.pk, program.pk, ACTIVATED, admin)


def expiring(smtp):
    return [r for r in smtp.inbox.received if r.subject.startswith("Certification Expiring")]


def expired(smtp):
    return [r for r in smtp.inbox.received if "has expired" in r.subject]


def test_expiring_email_is_sent_on_the_notice_day(smtp, certified, worker):
    worker(NOTICE_DAY - timedelta(days=1))
    assert smtp.inbox.received == []
    worker(NOTICE_DAY)
    [received] = smtp.inbox.received
    assert received.recipients == ["ana@example.org"]
    assert received.subject == "Certification Expiring: Safety Officer on 10 April 2026"
    assert "30 days from now" in received.text
    assert "https://certs.example.org/portal/" in received.text


def test_expiring_email_is_sent_exactly_once_whatever_the_number_of_worker_passes(
    smtp, certified, worker
):
    for day in [NOTICE_DAY, NOTICE_DAY, NOTICE_DAY + timedelta(days=1), date(2026, 4, 1), EXPIRY]:
        worker(day)
        worker(day)
    assert len(expiring(smtp)) == 1
    assert Email.objects.filter(enrollment=certified, kind="certification_expiring").count() == 1


def test_expired_email_is_sent_the_day_after_the_expiry(smtp, certified, worker):
    worker(NOTICE_DAY)
    worker(EXPIRY)
    assert expired(smtp) == []
    worker(EXPIRY + timedelta(days=1))
    [received] = expired(smtp)
    assert received.subject == "Your Safety Officer certification has expired"
    assert "expired on 10 April 2026" in received.text
    worker(EXPIRY + timedelta(days=2))
    assert len(smtp.inbox.received) == 2  # expiring, then expired: nothing more


def test_a_worker_down_through_the_notice_period_sends_no_expiring_email_after_expiry(
    smtp, certified, worker
):
    worker(EXPIRY + timedelta(days=10))  # first pass since long before the notice day
    assert expiring(smtp) == []
    assert len(expired(smtp)) == 1  # ten days ago is still news


def test_no_expired_email_for_an_expiry_older_than_30_days(smtp, certified, worker):
    worker(EXPIRY + timedelta(days=31))
    assert smtp.inbox.received == []
    assert Enrollment.objects.get(pk=certified.pk).status == "expired"  # recorded all the same


def test_a_queued_expiring_email_is_not_sent_once_the_certification_has_expired(
    smtp, certified, worker
):
    smtp.stop()  # the reminder cannot go out on the notice day …
    worker(NOTICE_DAY)
    smtp.start()
    worker(EXPIRY + timedelta(days=1))  # … and it is too late when the server is back
    assert smtp.inbox.subjects() == ["Your Safety Officer certification has expired"]
    reminder = Email.objects.get(enrollment=certified, kind="certification_expiring")
    assert reminder.status == "cancelled"
    assert "No longer expiring" in reminder.last_error


def test_no_expiring_email_when_notice_days_is_zero(smtp, certified, admin, worker):
    services.update_settings(admin, expiring_notice_days=0)
    for day in [NOTICE_DAY, EXPIRY]:
        worker(day)
    assert smtp.inbox.received == []
    worker(EXPIRY + timedelta(days=1))
    assert len(expired(smtp)) == 1


def test_a_certification_earned_inside_the_notice_window_is_told_it_is_expiring(
    smtp, make_contact, make_program, admin, worker, travel
):
    services.update_settings(admin, expiring_notice_days=45)
    travel(date(2026, 3, 2))
    ana = make_contact(email="ana@example.org")
    program = make_program(name="Short Course", validity_months=1)  # expires 2026-04-02
    enrollment = services.add(ana.pk, program.pk, admin)
    services.record_completion(ana.pk, program.components.get().pk, date(2026, 3, 2), admin)
    assert Enrollment.objects.get(pk=enrollment.pk).status == "expiring"
    worker(date(2026, 3, 2))
    assert smtp.inbox.subjects() == [
        "Congratulations: you are certified in Short Course",
        "Certification Expiring: Short Course on 2 April 2026",
    ]


@pytest.mark.parametrize(
    "activated, status, told",
    [
        (date(2024, 1, 15), "expired", []),  # expired 2025-01-15: long ago, history
        # Expired 2026-02-20, ten days before the record: the expired email is still news.
        (date(2025, 2, 20), "expired", ["Your Safety Officer certification has expired"]),
        # Expires 2026-03-20, inside the notice days: warned, as any holder (PRODUCT.md §4).
        (
            date(2025, 3, 20),
            "expiring",
            ["Certification Expiring: Safety Officer on 20 March 2026"],
        ),
    ],
)
def test_a_recorded_certification_is_told_only_the_latest_news_of_its_dates(
    smtp, make_contact, make_program, admin, worker, travel, activated, status, told
):
    """Never the earning of long ago; of expiring and expired only the one still news."""
    travel(date(2026, 3, 2))
    ana = make_contact(email="ana@example.org")
    program = make_program(name="Safety Officer", validity_months=12)
    enrollment = services.record_existing(ana.pk, program.pk, activated, admin)
    assert enrollment.status == status
    worker(date(2026, 3, 2))
    worker(date(2026, 3, 3))
    assert smtp.inbox.subjects() == told


def test_an_extension_after_the_reminder_does_not_warn_twice_in_a_period(
    smtp, certified, admin, worker, travel
):
    """PRODUCT.md §4: each email at most once per enrollment and period — a staff
    extension keeps the period, so its new date is not warned of again."""
    worker(NOTICE_DAY)
    assert len(expiring(smtp)) == 1
    travel(date(2026, 3, 20))
    services.set_expires_on(certified.pk, date(2027, 4, 10), "Extended for a year", admin)
    for day in [date(2026, 3, 20), date(2026, 4, 11), date(2027, 3, 11)]:
        worker(day)
    assert [r.subject for r in expiring(smtp)] == [
        "Certification Expiring: Safety Officer on 10 April 2026",
    ]
    worker(date(2027, 4, 11))  # the expired email was never sent in this period: owed
    assert [r.subject for r in expired(smtp)] == ["Your Safety Officer certification has expired"]
    assert "10 April 2027" in expired(smtp)[0].text


def test_a_new_date_inside_the_notice_window_is_announced_at_once(
    smtp, certified, admin, worker, travel
):
    travel(NOTICE_DAY - timedelta(days=6))  # no reminder sent yet in this period
    services.set_expires_on(certified.pk, date(2026, 3, 20), "Shortened: audit", admin)
    worker(NOTICE_DAY - timedelta(days=6))
    assert [r.subject for r in expiring(smtp)] == [
        "Certification Expiring: Safety Officer on 20 March 2026",
    ]
    travel(NOTICE_DAY)  # and once is all: moved again, inside the window
    services.set_expires_on(certified.pk, date(2026, 3, 27), "One more week", admin)
    worker(NOTICE_DAY)
    assert len(expiring(smtp)) == 1


def test_a_reminder_still_queued_for_the_old_date_is_never_sent(
    smtp, certified, admin, worker, travel
):
    smtp.stop()
    worker(NOTICE_DAY)  # the reminder for April 10 waits in the outbox
    smtp.start()
    travel(NOTICE_DAY)
    services.set_expires_on(certified.pk, date(2027, 4, 10), "Renewed", admin)
    worker(NOTICE_DAY + timedelta(days=1))
    assert smtp.inbox.received == []
    old = Email.objects.get(enrollment=certified, kind="certification_expiring", cycle=1)
    assert old.status == "cancelled"


def test_extending_an_expired_certification_warns_of_the_new_date_once(
    smtp, certified, admin, worker, travel
):
    worker(EXPIRY + timedelta(days=1))
    assert len(expired(smtp)) == 1
    travel(EXPIRY + timedelta(days=5))
    services.set_expires_on(certified.pk, EXPIRY + timedelta(days=20), "Grace period", admin)
    worker(EXPIRY + timedelta(days=5))
    assert [r.subject for r in expiring(smtp)] == [
        "Certification Expiring: Safety Officer on 30 April 2026"
    ]
    worker(EXPIRY + timedelta(days=21))
    assert len(expired(smtp)) == 1  # the period's expired email went out already


def test_the_reminder_goes_out_on_the_organizations_notice_day_not_utcs(
    smtp, certified, admin, worker
):
    services.update_settings(admin, time_zone="Pacific/Auckland")  # UTC+13 in March
    worker(at(NOTICE_DAY - timedelta(days=1), hour=10))  # 23:00 on the 10th in Auckland
    assert smtp.inbox.received == []
    worker(at(NOTICE_DAY - timedelta(days=1), hour=12))  # already the 11th in Auckland
    assert len(expiring(smtp)) == 1


def test_a_queued_reminder_is_dropped_when_staff_turn_expiring_emails_off(
    smtp, certified, admin, worker, travel
):
    smtp.stop()
    worker(NOTICE_DAY)
    smtp.start()
    travel(NOTICE_DAY)
    services.update_settings(admin, expiring_notice_days=0)
    worker(NOTICE_DAY + timedelta(days=1))
    assert smtp.inbox.received == []
    reminder = Email.objects.get(enrollment=certified, kind="certification_expiring")
    assert reminder.status == "cancelled"


def test_a_certification_cancelled_before_its_earned_email_went_out_gets_none(
    smtp, make_contact, make_program, admin, worker, travel
):
    travel(date(2026, 3, 2))
    ana = make_contact(email="ana@example.org")
    program = make_program(validity_months=12)
    enrollment = services.add(ana.pk, program.pk, admin)
    services.record_completion(ana.pk, program.components.get().pk, date(2026, 3, 2), admin)
    services.perform(enrollment.pk, "cancel", admin, reason="Recorded by mistake")
    worker(date(2026, 3, 2))
    # Only the cancellation, with its reason (PRODUCT.md §3: cancel emails the contact).
    [received] = smtp.inbox.received
    assert received.subject.endswith("enrollment is cancelled")
    assert "The reason: Recorded by mistake" in received.text
    earned = Email.objects.get(enrollment=enrollment, kind="certification_earned")
    assert earned.status == "cancelled"
