"""PRODUCT.md §4 for issue 14: renewed, suspended, renewal awaiting review, rejected
completion and renewal, cancel and return for more work, each carrying `{{ reason }}`;
expiring / expired once per period."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.notifications.models import Email
from tests.builders import certify

EARNED = date(2025, 4, 10)  # validity 12 months, window 90 days, notice 30 days


@pytest.fixture
def holder(make_contact, make_program, admin, travel, settings_row):
    travel(EARNED)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(name="Safety Officer", validity_months=12)
    return certify(admin, ana, program, EARNED)


def subjects(smtp) -> list[str]:
    """What the contact was told after the certification was earned."""
    return [r.subject for r in smtp.inbox.received if not r.subject.startswith("Congratulations")]


def test_three_cycles_warn_once_per_period_and_announce_each_renewal(
    smtp, holder, admin, worker, travel
):
    component = holder.program.components.get()
    for year in (2026, 2027):
        worker(date(year, 3, 11))  # the notice day: 30 days before 10 April
        worker(date(year, 3, 12))
        travel(date(year, 3, 20))
        services.record_completion(holder.contact_id, component.pk, date(year, 3, 20), admin)
        worker(date(year, 3, 20))
    worker(date(2028, 3, 11))
    worker(date(2028, 4, 11))
    assert subjects(smtp) == [
        "Certification Expiring: Safety Officer on 10 April 2026",
        "Your Safety Officer certification is renewed",
        "Certification Expiring: Safety Officer on 10 April 2027",
        "Your Safety Officer certification is renewed",
        "Certification Expiring: Safety Officer on 10 April 2028",
        "Your Safety Officer certification has expired",
    ]
    renewed = [r for r in smtp.inbox.received if r.subject.endswith("is renewed")][1]
    assert f"/portal/enrollments/{holder.pk}/certificate.pdf?period=3" in renewed.text
    assert "10 April 2028 through 10 April 2029" not in renewed.text
    assert "from 10 April 2027 through 10 April 2028" in renewed.text
    periods = Email.objects.filter(enrollment=holder, kind="certification_expiring")
    assert sorted(periods.values_list("period", flat=True)) == [1, 2, 3]


def test_no_expiring_email_while_suspended(smtp, holder, admin, worker, travel):
    travel(date(2026, 3, 1))
    services.perform(holder.pk, "suspend", admin, reason="Audit of your logbook")
    worker(date(2026, 3, 11))
    worker(date(2026, 4, 11))
    assert subjects(smtp) == ["Your Safety Officer certification is suspended"]
    [suspended] = [r for r in smtp.inbox.received if r.subject.endswith("suspended")]
    assert "The reason: Audit of your logbook" in suspended.text
    assert "The reason: Audit of your logbook" in suspended.html


def test_a_renewal_in_review_tells_the_staff_and_a_rejection_tells_the_contact_why(
    smtp, make_contact, make_program, admin, worker, travel, staff_recipients
):
    travel(EARNED)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(
        name="Safety Officer", validity_months=12, completion_requires_approval=True
    )
    enrollment = services.add(ana.pk, program.pk, admin)
    component = program.components.get()
    services.record_completion(ana.pk, component.pk, EARNED, admin)
    services.perform(enrollment.pk, "approve_completion", admin)
    travel(date(2026, 2, 1))
    services.record_completion(ana.pk, component.pk, date(2026, 2, 1), admin)
    services.perform(enrollment.pk, "reject_renewal", admin, reason="The course was not accredited")
    worker(date(2026, 2, 1))
    review = [r for r in smtp.inbox.received if r.subject.startswith("Renewal awaiting review")]
    assert [sorted(r.recipients) for r in review] == [["chair@example.org", "reviewer@example.org"]]
    [rejected] = [r for r in smtp.inbox.received if r.subject == "Your Safety Officer renewal"]
    assert rejected.recipients == ["ana@example.org"]
    assert "The reason: The course was not accredited" in rejected.text


@pytest.mark.parametrize(
    ("setup", "action", "subject"),
    [
        ("applied", "decline", "Your application to Safety Officer"),
        ("in_progress", "cancel", "Your Safety Officer enrollment is cancelled"),
        ("admin_review", "return_to_in_progress", "Safety Officer: more work is needed"),
    ],
)
def test_staff_decisions_carry_the_reason(
    smtp, make_contact, make_program, admin, worker, travel, setup, action, subject
):
    travel(EARNED)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(
        name="Safety Officer",
        require_approval=setup == "applied",
        completion_requires_approval=setup == "admin_review",
    )
    enrollment = services.apply(ana.pk, program.pk, admin)
    if setup == "admin_review":
        services.record_completion(ana.pk, program.components.get().pk, EARNED, admin)
    services.perform(enrollment.pk, action, admin, reason="Because of the rules")
    worker(EARNED)
    [received] = [r for r in smtp.inbox.received if r.subject == subject]
    assert "The reason: Because of the rules" in received.text


def test_a_suspension_lifted_in_the_notice_days_warns_once(smtp, holder, admin, worker, travel):
    """Emails stop only while suspended (PRODUCT.md §3): reactivated inside the notice
    days, the holder is warned then; one expiring email per period, however often."""
    travel(date(2026, 3, 1))
    services.perform(holder.pk, "suspend", admin, reason="Audit of your logbook")
    worker(date(2026, 3, 11))  # the notice day, suspended: nothing
    travel(date(2026, 3, 20))
    services.perform(holder.pk, "reactivate", admin)
    worker(date(2026, 3, 20))
    services.perform(holder.pk, "suspend", admin, reason="Audit again")
    services.perform(holder.pk, "reactivate", admin)
    worker(date(2026, 3, 21))
    assert subjects(smtp) == [
        "Your Safety Officer certification is suspended",
        "Certification Expiring: Safety Officer on 10 April 2026",
        "Your Safety Officer certification is suspended",
    ]


def test_a_suspension_lifted_after_the_expiry_says_it_expired(smtp, holder, admin, worker, travel):
    travel(date(2026, 3, 1))
    services.perform(holder.pk, "suspend", admin, reason="Audit of your logbook")
    travel(date(2026, 4, 20))  # expired on 10 April, while suspended
    services.perform(holder.pk, "reactivate", admin)
    worker(date(2026, 4, 20))
    assert subjects(smtp) == [
        "Your Safety Officer certification is suspended",
        "Your Safety Officer certification has expired",
    ]


def test_a_rejected_completion_tells_the_contact_why(
    smtp, make_contact, make_program, admin, worker, travel
):
    travel(EARNED)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(name="Safety Officer")
    services.add(ana.pk, program.pk, admin)
    component = program.components.get()
    work = services.record_completion(ana.pk, component.pk, EARNED, admin, source="self_report")
    services.reject_completion(work.pk, admin, reason="The certificate is unreadable")
    worker(EARNED)
    [received] = [r for r in smtp.inbox.received if "was not accepted" in r.subject]
    assert received.subject == f"Your {component.name} completion was not accepted"
    assert "10 April 2025" in received.text
    assert "The reason: The certificate is unreadable" in received.text


def test_work_rejected_in_the_grace_days_is_explained_too(
    smtp, make_contact, make_program, admin, worker, travel, settings_row
):
    """A renewal's work is rejected after expiry, in the grace days: the enrollment is
    Expired (no open one), and the contact is still told why (PRODUCT.md §3)."""
    travel(date(2025, 3, 1))
    ana = make_contact(first_name="Ana", email="ana@example.org")
    program = make_program(name="Safety Officer", renewal_window_days=30, renewal_grace_days=30)
    holder = certify(admin, ana, program, date(2025, 3, 1))  # expires 1 March 2026
    worker(date(2026, 3, 2))  # recorded: Expired, in its grace days
    holder.refresh_from_db()
    assert holder.status == "expired"
    travel(date(2026, 3, 5))
    component = program.components.get()
    work = services.record_completion(
        ana.pk, component.pk, date(2026, 3, 4), admin, source="self_report"
    )
    services.reject_completion(work.pk, admin, reason="The certificate is unreadable")
    worker(date(2026, 3, 5))
    [received] = [r for r in smtp.inbox.received if "was not accepted" in r.subject]
    assert "The reason: The certificate is unreadable" in received.text
    assert "Safety Officer" in received.text


def test_suspending_twice_sends_two_emails(smtp, holder, admin, worker, travel):
    travel(date(2025, 6, 1))
    for _ in range(2):
        services.perform(holder.pk, "suspend", admin, reason="Audit")
        services.perform(holder.pk, "reactivate", admin)
    worker(date(2025, 6, 1))
    assert subjects(smtp) == ["Your Safety Officer certification is suspended"] * 2
