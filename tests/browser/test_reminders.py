"""Reminder schedules in Chromium: an administrator builds a 90/30/7/+1 schedule, sees the
preview of the next 90 days, and sees the overview warn when the worker stopped."""

from datetime import timedelta

from playwright.sync_api import expect

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.models import GeneralSettings, ReminderStep
from certtrack.operations.management.commands.worker import run_pass
from certtrack.operations.models import WorkerPass
from tests.browser.conftest import shot, sign_in


def test_build_a_schedule_preview_90_days_and_see_the_worker_warning(
    page, admin_user, admin, make_program, make_contact
):
    program = make_program(name="Crane Operator", code="CRANE")
    today = GeneralSettings.get().today(clock.now())
    for n, days in enumerate((5, 20, 45, 80)):  # expiries ahead of today
        expires_on = today + timedelta(days=days)
        services.record_existing(
            make_contact(first_name=f"Member{n}", last_name="Lima").pk,
            program.pk,
            expires_on - timedelta(days=365),
            admin,
            expires_on=expires_on,
        )

    sign_in(page, admin_user.email)
    page.goto(f"/staff/setup/programs/{program.pk}/")
    for i, (days, when) in enumerate([(90, "before"), (30, "before"), (7, "before"), (1, "after")]):
        page.get_by_label(f"Step {i + 1}: days").fill(str(days))
        page.get_by_label(f"Step {i + 1}: before or after").select_option(when)
    page.get_by_label("Step 3: mandatory").check()
    page.get_by_role("button", name="Save program").click()
    page.wait_for_url("**/staff/setup/programs/")
    assert sorted(ReminderStep.objects.values_list("offset_days", flat=True)) == [-90, -30, -7, 1]

    page.goto(f"/staff/setup/programs/{program.pk}/")
    lines = page.locator(".step-lines")
    expect(lines).to_contain_text("90 days before expiry: Certification Expiring")
    expect(lines).to_contain_text("7 days before expiry: Certification Expiring (mandatory)")
    expect(lines).to_contain_text("1 day after expiry: Certification expired")
    page.locator("#reminders").scroll_into_view_if_needed()
    shot(page, "reminders-program-schedule")

    page.get_by_role("link", name="Reminders").click()
    page.get_by_label("Next days").fill("90")
    page.get_by_role("button", name="Show").click()
    # Expiring in 5 days: −7 today (the latest due), +1 on day 6; in 20: −30 today, −7, +1;
    # in 45: −90 today (its day passed, −30's has not come), −30, −7, +1; in 80: the same.
    expect(page.locator("#preview-total")).to_have_text("13 reminders in the next 90 days")
    expect(page.locator("#preview-rows tbody tr")).to_have_count(13)
    shot(page, "reminders-preview")

    run_pass()
    last = WorkerPass.objects.order_by("-finished_at").first()
    assert last.steps["queue_reminders"] == 4  # one step for each member today
    WorkerPass.objects.filter(pk=last.pk).update(
        started_at=last.started_at - timedelta(hours=3),
        finished_at=last.finished_at - timedelta(hours=3),
    )
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("alert")).to_contain_text("not finished a pass for more than 2 hours")
    expect(page.locator("#worker")).to_contain_text("Reminder emails queued")
    shot(page, "reminders-overview-warning")
