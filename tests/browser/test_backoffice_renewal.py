"""Renewal in the back-office, in Chromium (issue 14): staff set up a renewing program,
see the renewal settings on a dated example, filter the open renewals and renew in bulk;
the staff pages fit a 390-pixel-wide phone without sideways scrolling."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.dates import add_months
from certtrack.certification.models import Enrollment, GeneralSettings, Program
from tests.browser.conftest import shot, sign_in


def test_staff_set_up_a_renewing_program_and_renew_in_bulk(
    page, admin_user, admin, make_component, make_contact
):
    course = make_component(name="Refresher Course")
    sign_in(page, admin_user.email)
    page.goto("/staff/setup/programs/new/")
    page.get_by_label("Name").fill("Certified Rigger")
    page.get_by_label("Code").fill("RIG")
    page.get_by_label("Valid for (months)").fill("12")
    page.get_by_label("Refresher Course").select_option("required")
    example = page.get_by_test_id("renewal-example")
    expect(example).to_contain_text("31 Mar 2026 → 31 Mar 2027")
    page.get_by_label("Renewal opens (days before expiry)").fill("60")
    page.get_by_label("Grace after expiry (days)").fill("30")
    page.get_by_label("A renewed period starts").select_option("renewal_date")
    # The example follows the fields: a 60-day window, 30 grace days, the chosen base.
    expect(example).to_contain_text("(60 days before)")
    expect(example).to_contain_text("30 Apr 2026")
    expect(example.locator("li.chosen").first).to_contain_text("The day the renewal is granted")
    expect(example.locator("li.chosen").first).to_contain_text("10 Feb 2026 → 10 Feb 2027")
    shot(page, "renewal-program-form")
    page.get_by_role("button", name="Save program").click()
    page.wait_for_url("**/staff/setup/programs/")
    program = Program.objects.get(code="RIG")
    assert (program.renewal_window_days, program.renewal_grace_days) == (60, 30)
    assert program.renewal_base == "renewal_date" and course in program.components.all()

    # Three holders: two whose renewal is open today, one whose renewal opens later.
    today = GeneralSettings.get().today(clock.now())

    def holder(expires_in_days: int, name: str) -> Enrollment:
        contact = make_contact(first_name=name, last_name="Holder")
        activated = add_months(today + timedelta(days=expires_in_days), -12)
        return services.record_existing(contact.pk, program.pk, activated, admin)

    due = [holder(20, "Ada"), holder(45, "Bo")]
    later = holder(200, "Cy")

    page.goto(f"/staff/tracking/?program={program.pk}")
    page.get_by_text("Customize Filter").click()
    page.locator("#filter-form").get_by_label("Open", exact=True).check()
    page.get_by_role("button", name="Apply filter").click()
    page.wait_for_url("**renewal=open**")
    listed = page.locator("tbody tr[data-enrollment]")
    expect(listed).to_have_count(2)
    expect(page.get_by_label("Active criteria")).to_contain_text("Renewal: Open")

    # Renew in bulk (a waiver: PRODUCT.md §3, any day before the renewal closes): the two
    # whose renewal is open, one reason; then all three again: each renewed already.
    page.goto(f"/staff/tracking/?program={program.pk}")
    for row in due:
        page.get_by_role("checkbox", name=f"Select {row.contact.full_name}").check()
    page.get_by_label("Action for the selected rows").select_option("renew")
    page.get_by_label("Reason for the batch").fill("Board decision 12/2026")
    shot(page, "renewal-bulk-before")
    page.get_by_role("button", name="Apply to selected").click()
    messages = page.locator(".messages")
    expect(messages).to_contain_text("2 renewed.")
    page.get_by_label("Select all rows on this page").check()
    page.get_by_label("Action for the selected rows").select_option("renew")
    page.get_by_label("Reason for the batch").fill("Board decision 12/2026")
    page.get_by_role("button", name="Apply to selected").click()
    expect(messages).to_contain_text("1 renewed, 2 refused:")
    expect(messages).to_contain_text(f"#{due[0].pk} Ada Holder")
    expect(messages).to_contain_text("renewed already")
    shot(page, "renewal-bulk-result")
    for row in due:
        row.refresh_from_db()
        assert row.period_number == 2 and row.expires_on == add_months(today, 12)
    later.refresh_from_db()
    assert later.period_number == 2  # a waiver before its window opened

    page.goto(f"/staff/enrollments/{due[0].pk}/")
    periods = page.get_by_test_id("periods")
    expect(periods.locator("tr[data-period]")).to_have_count(2)
    expect(periods.locator('tr[data-period="2"]')).to_contain_text("Waived")
    expect(page.get_by_test_id("renewal-state")).to_have_text("Not open yet")
    shot(page, "renewal-enrollment")


PHONE_PAGES = [
    "/staff/tracking/",
    "/staff/overview/",
    "/staff/contacts/",
    "/staff/setup/programs/",
    "/staff/setup/programs/new/",
    "/staff/setup/components/",
    "/staff/setup/settings/",
    "/staff/setup/emails/",
]


def test_staff_pages_fit_a_phone_without_sideways_scrolling(
    phone, admin_user, admin, make_program, make_contact
):
    program = make_program(required=1, validity_months=12, renewal_window_days=400)
    contact = make_contact(organization="A rather long organization name, Incorporated")
    enrollment = services.add(contact.pk, program.pk, admin)
    sign_in(phone, admin_user.email)
    pages = [*PHONE_PAGES, f"/staff/enrollments/{enrollment.pk}/"]
    wide = {}
    for path in pages:
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        # Nor does a card reach past the page's margin (clipped, it scrolls nothing).
        card = phone.evaluate(
            "Math.max(0, ...[...document.querySelectorAll('.card')]"
            ".map(c => c.getBoundingClientRect().right))"
        )
        if width > 390 or card > 390 - 8:
            wide[path] = (width, card)
    shot(phone, "phone-enrollment")
    # The "Mark not completed" button stays on its reason's line.
    form = phone.locator("form").filter(has=phone.locator('input[value="mark_not_completed"]'))
    reason = form.locator('input[name="reason"]').bounding_box()
    button = form.get_by_role("button", name="Mark not completed").bounding_box()
    assert abs(button["y"] - reason["y"]) < 8, (reason, button)
    phone.goto("/staff/tracking/")
    shot(phone, "phone-tracking")
    phone.goto("/staff/overview/")
    shot(phone, "phone-overview")
    assert wide == {}


@pytest.mark.parametrize("width", [1440, 1280, 1100, 1000, 800])
def test_the_mark_not_completed_button_stays_beside_its_reason_on_a_desktop(
    open_page, admin_user, admin, make_program, make_contact, width
):
    """The trial's finding: at 1280 px the button wrapped below its reason field."""
    page = open_page(width)
    program = make_program(required=1)
    enrollment = services.add(make_contact().pk, program.pk, admin)
    sign_in(page, admin_user.email)
    page.goto(f"/staff/enrollments/{enrollment.pk}/")
    form = page.locator("form").filter(has=page.locator('input[value="mark_not_completed"]'))
    reason = form.locator('input[name="reason"]').bounding_box()
    button = form.get_by_role("button", name="Mark not completed").bounding_box()
    shot(page, f"enrollment-actions-{width}")
    assert abs(button["y"] - reason["y"]) < 8, (reason, button)


def test_a_period_that_used_many_completions_and_the_date_filters_fit_a_laptop(
    open_page, admin_user, admin, make_program, make_component, make_contact
):
    # A 1366-pixel laptop: the Periods table keeps its PDF column in view (the completions
    # used open from a count), and each date box of the Customize Filter shows a whole date.
    modules = [
        make_component(name=f"Professional Practice and Ethics Module {i}") for i in range(8)
    ]
    program = make_program(required=modules, validity_months=24)
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin)
    today = GeneralSettings.get().today(clock.now())
    for component in program.components.all():
        services.record_completion(contact.pk, component.pk, today, admin)
    assert Enrollment.objects.get(pk=enrollment.pk).period_number == 1
    laptop = open_page(1366, 900)
    sign_in(laptop, admin_user.email)
    laptop.goto(f"/staff/enrollments/{enrollment.pk}/")
    periods = laptop.get_by_test_id("periods")
    periods.get_by_text("8 completions").click()
    expect(periods.locator("details.uses li")).to_have_count(8)
    widths = periods.locator(".table-wrap").evaluate(
        "wrap => [wrap.querySelector('table').scrollWidth, wrap.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the Periods table is {widths[0]}px in {widths[1]}px"
    expect(periods.get_by_role("link", name="Certificate of period 1 (PDF)")).to_be_in_viewport()
    shot(laptop, "laptop-enrollment-periods")
    laptop.goto("/staff/tracking/")
    laptop.get_by_text("Customize Filter").click()
    boxes = laptop.locator('#filter-form .range input[type="date"]')
    expect(boxes).to_have_count(10)
    narrowest = min(
        box["width"]
        for box in boxes.evaluate_all(
            "inputs => inputs.map(i => i.getBoundingClientRect().toJSON())"
        )
    )
    assert narrowest >= 130, f"a date box is {narrowest:.0f}px wide: its date is cut off"


def test_on_a_phone_the_top_bar_keeps_its_height_and_sign_out(phone, admin_user):
    """A staff trial at 390 px: no Sign out anywhere, and on a page with one search result
    the top bar stretched to 392 px of empty bands."""
    sign_in(phone, admin_user.email)
    heights = {}
    for path in ("/staff/contacts/", "/staff/contacts/?q=nobody-by-this-name"):
        phone.goto(path)
        heights[path] = phone.locator("aside.sidebar").bounding_box()["height"]
    assert heights["/staff/contacts/?q=nobody-by-this-name"] == heights["/staff/contacts/"]
    assert heights["/staff/contacts/"] < 844 / 2, heights
    shot(phone, "phone-short-page")
    sign_out = phone.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    sign_out.click()
    phone.goto("/staff/contacts/")
    expect(phone).to_have_url(re.compile(r"/staff/login/"))
