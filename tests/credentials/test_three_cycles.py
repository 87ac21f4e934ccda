"""Issue 14 acceptance: one member through three cycles, day by day with time-machine, the
real worker pass (`run_pass`, as `certtrack worker --once`) every day, and verification
(API and page) checked every day against what PRODUCT.md §3 says is true that day.

Safety Officer: validity 6 months, renewal window 20 days, grace 10 days, notice 30 days,
renewal base `previous_expiry`.
- Period 1, earned 31 Jan 2026 → 31 Jul 2026. Expiring from 1 Jul. Work done 5 Jul, before
  the window opens (11 Jul): the worker grants it on 11 Jul.
- Period 2, 31 Jul 2026 → 31 Jan 2027. Expiring from 1 Jan, Expired from 1 Feb; work done
  8 Feb, in the grace days: renewed at once, Expired → Active, no gap.
- Period 3, 31 Jan 2027 → 31 Jul 2027. Expiring from 1 Jul, Expired from 1 Aug; the grace
  days end on 10 Aug; followed through 15 Aug.
"""

from datetime import date, timedelta

import pytest
from django.core import mail

from certtrack.certification import services
from certtrack.certification.models import History, Period
from certtrack.notifications.models import Email
from certtrack.operations.management.commands.worker import run_pass

from .test_pdf import text_of

START, END = date(2026, 1, 31), date(2027, 8, 15)
# (activated_on, expires_on, renewed_on, source) of each period, and the day it begins
# to be the enrollment's latest (granted).
PERIODS = [
    (date(2026, 1, 31), date(2026, 7, 31), None, "earned", START),
    (date(2026, 7, 31), date(2027, 1, 31), date(2026, 7, 11), "renewed", date(2026, 7, 11)),
    (date(2027, 1, 31), date(2027, 7, 31), date(2027, 2, 8), "renewed", date(2027, 2, 8)),
]
WORK_DAYS = [START, date(2026, 7, 5), date(2027, 2, 8)]  # the member's completions
NOTICE = 30


def latest_on(day: date) -> tuple[int, tuple]:
    number = max(n for n, p in enumerate(PERIODS, 1) if p[4] <= day)
    return number, PERIODS[number - 1]


def expected_on(day: date) -> dict:
    number, (activated, expires, *_) = latest_on(day)
    if day > expires:
        status, enrollment_status = "expired", "expired"
    else:
        soon = day >= expires - timedelta(days=NOTICE)
        enrollment_status = "expiring" if soon else "active"
        status = enrollment_status.replace("active", "valid")
    return {
        "status": status,
        "valid": status in ("valid", "expiring"),
        "enrollment_status": enrollment_status,
        "activated_on": activated.isoformat(),
        "expires_on": expires.isoformat(),
        "first_activated_on": START.isoformat(),
    }


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def officer(admin, make_contact, make_program, travel, no_rate_limit_yet):
    travel(START)
    services.update_settings(admin, expiring_notice_days=NOTICE)
    program = make_program(
        name="Safety Officer",
        validity_months=6,
        renewal_window_days=20,
        renewal_grace_days=10,
    )
    contact = make_contact(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    return services.add(contact.pk, program.pk, admin)


def test_three_cycles_day_by_day_with_the_worker(officer, admin, api, client, travel):
    component = officer.program.components.get()
    seen = []
    day = START
    while day <= END:
        travel(day)
        if day in WORK_DAYS:
            services.record_completion(officer.contact_id, component.pk, day, admin)
        run_pass()
        officer.refresh_from_db()
        number = officer.certificate_number
        body = client.get(f"/api/v1/verify/{number}").json()
        want = expected_on(day)
        got = {k: body[k] for k in want}
        assert got == want, day
        html = client.get(f"/verify/{number}").content.decode()
        period, (activated, expires, *_) = latest_on(day)
        assert f"outcome-{want['status'].replace('expiring', 'valid')}" in html, day
        assert long_date(activated) in html and long_date(expires) in html, day
        # The period in force that day (an early renewal's period waits for its first day).
        in_force = max(n for n, p in enumerate(PERIODS, 1) if p[4] <= day and p[0] <= day)
        assert ("Certified since" in html) == (in_force > 1), day
        assert ("Renewed: next period from" in html) == (in_force < period), day
        seen.append(officer.period_number)
        day += timedelta(days=1)

    # Three periods, as planned, each kept with its own dates.
    assert list(
        Period.objects.filter(enrollment=officer)
        .order_by("number")
        .values_list("activated_on", "expires_on", "renewed_on", "source")
    ) == [p[:4] for p in PERIODS]
    assert seen.count(1) == (PERIODS[1][4] - START).days
    assert seen[-1] == 3

    # One expiring email per period, the renewed ones, the expired ones: each once.
    emails = list(
        Email.objects.filter(enrollment=officer).order_by("id").values_list("kind", "period")
    )
    assert emails == [
        ("certification_earned", 1),
        ("certification_expiring", 1),
        ("certification_renewed", 2),
        ("certification_expiring", 2),
        ("certification_expired", 2),
        ("certification_renewed", 3),
        ("certification_expiring", 3),
        ("certification_expired", 3),
    ]
    expiring = [m for m in mail.outbox if m.subject.startswith("Certification Expiring")]
    assert [m.subject for m in expiring] == [
        "Certification Expiring: Safety Officer on 31 July 2026",
        "Certification Expiring: Safety Officer on 31 January 2027",
        "Certification Expiring: Safety Officer on 31 July 2027",
    ]

    # History: every step, with the worker as the actor of the time-driven ones.
    steps = list(
        History.objects.filter(enrollment=officer)
        .order_by("at", "id")
        .values_list("at__date", "action", "from_status", "to_status", "actor_kind")
    )
    moves = [s[:4] for s in steps if s[2] or s[3] or s[1].startswith("renew")]
    assert moves == [
        (START, "add", "", "in_progress"),
        (START, "requirements_met", "in_progress", "active"),
        (date(2026, 7, 1), "time", "active", "expiring"),
        (date(2026, 7, 11), "renewal_granted", "expiring", "active"),
        (date(2027, 1, 1), "time", "active", "expiring"),
        (date(2027, 2, 1), "time", "expiring", "expired"),
        (date(2027, 2, 8), "renewal_granted", "expired", "active"),
        (date(2027, 7, 1), "time", "active", "expiring"),
        (date(2027, 8, 1), "time", "expiring", "expired"),
    ]
    granted = History.objects.filter(enrollment=officer, action="renewal_granted").order_by("at")
    assert [(g.actor_kind, g.changes["period"]) for g in granted] == [
        ("system", [1, 2]),
        ("staff", [2, 3]),
    ]

    # A certificate per period, each with its own dates; the number stays.
    for n, (activated, expires, *_) in enumerate(PERIODS, 1):
        response = api.get(f"/api/v1/enrollments/{officer.pk}/certificate.pdf?period={n}")
        assert response.status_code == 200
        text = text_of(response.content)
        assert long_date(activated) in text and long_date(expires) in text, n
        assert officer.certificate_number in text
        assert ("Certified since" in text) == (n > 1), n
