"""The back-office in Chromium, as staff use it: sign in, filter, approve, bulk-cancel, export,
set up a program, change the notice days."""

import csv
import re

from playwright.sync_api import expect

from certtrack import clock
from certtrack.certification.models import Enrollment, GeneralSettings, Program
from certtrack.certification.statuses import Status
from tests.browser.conftest import shot, sign_in


def rows(page) -> set[int]:
    return {
        int(v)
        for v in page.locator("tbody tr[data-enrollment]").evaluate_all(
            "rows => rows.map(r => r.dataset.enrollment)"
        )
    }


def test_filter_the_tracking_tab_by_each_quick_filter(page, admin_user, enroll):
    made = {status.value: enroll(status.value) for status in Status}
    sign_in(page, admin_user.email)
    assert rows(page) == {e.pk for e in made.values()}
    quick = page.get_by_role("navigation", name="Quick Filter")
    for status in Status:
        quick.get_by_role("link", name=f"{status.label} 1", exact=True).click()
        page.wait_for_url(f"**/staff/tracking/?status={status.value}")
        assert rows(page) == {made[status.value].pk}, status
        assert page.locator("tbody .badge").inner_text() == status.label
    quick.get_by_role("link", name="All 10").click()
    assert len(rows(page)) == 10
    page.get_by_label("A specific certification").select_option(label="Approval Program (2)")
    page.get_by_role("region", name="Quick Filter").get_by_role("button", name="Show").click()
    page.wait_for_url("**/staff/tracking/?program=*")
    assert rows(page) == {made["applied"].pk, made["declined"].pk}


def test_filter_by_a_custom_filter_and_save_it(page, admin_user, enroll):
    wanted = enroll("in_progress", organization="Fabrikam Builders")
    enroll("inactive", organization="Fabrikam Builders")
    enroll("in_progress", organization="Contoso")
    sign_in(page, admin_user.email)
    page.get_by_text("Customize Filter").click()
    page.get_by_label("Search").fill("fabrikam")
    page.locator("#filter-form").get_by_label("In progress").check()
    page.get_by_role("button", name="Apply filter").click()
    page.wait_for_url("**q=fabrikam**")
    assert rows(page) == {wanted.pk}
    assert "status=in_progress" in page.url  # bookmarkable
    assert page.get_by_label("Active criteria").inner_text().startswith("Search: fabrikam")
    page.get_by_text("Customize Filter").click()
    page.get_by_label("Name this filter").fill("Fabrikam at work")
    page.get_by_role("button", name="Save filter").click()
    page.get_by_role("link", name="Clear").click()
    assert len(rows(page)) == 3
    page.get_by_text("Customize Filter").click()
    # The panel's own link (the same filter is also one click away above the table): the
    # locator waits for the panel, which loads on open, so the two are never both matched.
    page.locator("#filter-form").get_by_role("link", name="Fabrikam at work").click()
    assert rows(page) == {wanted.pk}


def test_open_an_enrollment_and_approve_the_application(page, admin_user, enroll):
    applied = enroll("applied", first_name="Hedy", last_name="Lamarr")
    sign_in(page, admin_user.email)
    page.get_by_role("link", name="Hedy Lamarr").click()
    page.wait_for_url(f"**/staff/enrollments/{applied.pk}/")
    assert page.get_by_test_id("status").inner_text() == "Applied"
    assert page.get_by_role("button", name="Reopen").count() == 0
    page.get_by_role("button", name="Approve application").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "In progress"
    assert "now In progress" in page.locator(".messages").inner_text()
    applied.refresh_from_db()
    assert applied.status == Status.IN_PROGRESS


def test_approve_a_completion(page, admin_user, admin, make_contact, make_component, make_program):
    from certtrack.certification import services

    task = make_component("task", name="Portfolio", requires_approval=True)
    program = make_program(required=[task], name="Portfolio Program")
    contact = make_contact(first_name="Ada", last_name="Lovelace")
    enrollment = services.add(contact.pk, program.pk, admin)
    services.record_completion(
        contact.pk, task.pk, GeneralSettings.get().today(clock.now()), admin, note="My essay"
    )
    sign_in(page, admin_user.email)
    page.goto(f"/staff/enrollments/{enrollment.pk}/")
    assert "Awaiting approval" in page.locator("[data-component]").inner_text()
    page.get_by_role("button", name="Approve Portfolio completion").click()
    page.wait_for_load_state()
    assert "Approved" in page.locator("[data-component]").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Active"


def test_bulk_cancel_two_rows(page, admin_user, enroll):
    first, second = enroll("in_progress"), enroll("applied")
    kept = enroll("active")
    sign_in(page, admin_user.email)
    page.get_by_role("checkbox", name=f"Select {first.contact.full_name}").check()
    page.get_by_role("checkbox", name=f"Select {second.contact.full_name}").check()
    assert page.locator("#selected-count").inner_text() == "2 selected"
    page.get_by_label("Action for the selected rows").select_option("cancel")
    page.get_by_role("button", name="Apply to selected").click()
    # The page's own confirmation, not the browser's: it names what happens.
    dialog = page.get_by_role("dialog", name="Are you sure?")
    expect(dialog).to_contain_text("Cancel 2 enrollments? Cancelled is final.")
    dialog.get_by_role("button", name="Cancel 2 enrollments").click()
    page.wait_for_load_state()
    assert "2 cancelled." in page.locator(".messages").inner_text()
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.CANCELLED,
        second.pk: Status.CANCELLED,
        kept.pk: Status.ACTIVE,
    }


def test_cancelling_asks_first_and_going_back_changes_nothing(page, admin_user, enroll):
    enrollment = enroll("in_progress", first_name="Hedy", last_name="Lamarr")
    sign_in(page, admin_user.email)
    page.goto(f"/staff/enrollments/{enrollment.pk}/")
    asking = page.get_by_role("region", name="Actions").get_by_role("button", name="Cancel")
    asking.click()
    dialog = page.get_by_role("dialog", name="Are you sure?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Cancel: Hedy Lamarr")
    # "Go back" has the focus: Enter on it, or Escape, changes nothing.
    expect(dialog.get_by_role("button", name="Go back")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(asking).to_be_focused()
    asking.click()
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    enrollment.refresh_from_db()
    assert enrollment.status == Status.IN_PROGRESS
    # Confirmed with the keyboard: Tab to the button that names the act, Enter.
    asking.click()
    page.keyboard.press("Tab")
    # Not "Cancel", which reads as backing out (a staff user's trial): it names the act.
    expect(dialog.get_by_role("button", name="Cancel enrollment", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_test_id("status")).to_have_text("Cancelled")
    enrollment.refresh_from_db()
    assert enrollment.status == Status.CANCELLED


def test_export_the_filtered_rows(page, admin_user, enroll, tmp_path):
    expiring, expired = enroll("expiring"), enroll("expired")
    enroll("in_progress")
    sign_in(page, admin_user.email)
    page.goto("/staff/tracking/?status=expiring&status=expired")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    with open(path, encoding="utf-8-sig") as f:
        exported = {int(r["Enrollment id"]): r["Status"] for r in csv.DictReader(f)}
    assert exported == {expiring.pk: "Expiring", expired.pk: "Expired"}


def test_add_a_contact_with_the_type_ahead(page, admin_user, make_contact, programs):
    grace = make_contact(first_name="Grace", last_name="Hopper", organization="Navy")
    make_contact(first_name="Alan", last_name="Turing")
    sign_in(page, admin_user.email)
    page.get_by_role("link", name="Add").click()
    page.get_by_role("searchbox", name="Contact").fill("hopp")
    page.get_by_role("radio", name="Grace Hopper").check()
    page.get_by_label("Certification program").select_option(label=str(programs["open"]))
    page.get_by_role("button", name="Enroll").click()
    page.wait_for_url("**/staff/enrollments/*/")
    enrollment = Enrollment.objects.get(contact=grace)
    assert enrollment.status == Status.IN_PROGRESS
    assert page.get_by_test_id("status").inner_text() == "In progress"


def test_create_a_program_with_components(page, admin_user, make_component):
    course = make_component(name="Safety Basics")
    exam = make_component("exam", name="Safety Exam")
    elective = make_component("event", name="Safety Summit")
    sign_in(page, admin_user.email)
    page.get_by_role("link", name="Programs").click()
    page.get_by_role("link", name="+ New program").click()
    page.get_by_label("Name").fill("Certified Safety Officer")
    page.get_by_label("Code").fill("CSO")
    page.get_by_label("Category").fill("Safety")
    page.get_by_label("Valid for (months)").fill("24")
    page.get_by_label("Require Approval").check()
    page.get_by_label("Safety Basics").select_option("required")
    page.get_by_label("Safety Exam").select_option("required")
    page.get_by_label("Safety Summit").select_option("elective")
    page.get_by_role("button", name="Save program").click()
    page.wait_for_url("**/staff/setup/programs/")
    assert "Program Certified Safety Officer saved." in page.locator(".messages").inner_text()
    program = Program.objects.get(code="CSO")
    assert program.require_approval and program.validity_months == 24
    assert dict(program.links.values_list("component_id", "required")) == {
        course.pk: True,
        exam.pk: True,
        elective.pk: False,
    }


def test_a_form_error_is_shown_next_to_its_field(page, admin_user):
    sign_in(page, admin_user.email)
    page.goto("/staff/setup/programs/new/")
    page.get_by_label("Name").fill("No validity")
    page.get_by_label("Valid for (months)").fill("0")
    page.get_by_role("button", name="Save program").click()
    field = page.locator(".field.has-error")
    assert "Valid for (months)" in field.inner_text()
    assert not Program.objects.exists()


def test_change_the_notice_days_and_see_expiring_rows_change(page, admin_user, enroll):
    soon = enroll("expiring")  # expires in 10 days
    later = enroll("active")  # expires in 265 days
    sign_in(page, admin_user.email)
    page.goto("/staff/tracking/?status=expiring")
    assert rows(page) == {soon.pk}
    page.get_by_role("link", name="General Settings").click()
    page.get_by_label("Send 'Certification Expiring' Emails n Days Before Expiration").fill("300")
    page.get_by_role("button", name="Save settings").click()
    assert "General Settings saved." in page.locator(".messages").inner_text()
    page.goto("/staff/tracking/?status=expiring")
    assert rows(page) == {soon.pk, later.pk}
    quick = page.get_by_role("navigation", name="Quick Filter")
    expect(quick.get_by_role("link", name="Expiring 2")).to_have_count(1)


def test_staff_without_the_administrator_role_cannot_open_settings(page, staff_user):
    sign_in(page, staff_user.email)
    assert page.get_by_role("link", name="General Settings").count() == 0
    response = page.goto("/staff/setup/settings/")
    assert response.status == 403


# --- the Content-Security-Policy blocks nothing the pages need ---------------------------

PAGES = [
    "/staff/tracking/",
    "/staff/tracking/?status=active",
    "/staff/overview/",
    "/staff/contacts/",
    "/staff/setup/programs/",
    "/staff/setup/programs/new/",
    "/staff/setup/components/",
    "/staff/setup/settings/",
    "/staff/setup/emails/",
    "/staff/setup/emails/certification_earned/",
    "/staff/admin/",
    "/staff/admin/notifications/emailtemplate/",
]
PUBLIC = ["/", "/staff/login/", "/portal/sign-in/"]


def _watch(page) -> list[str]:
    """Console errors and CSP violation reports, as the page runs."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_the_main_pages_run_under_the_policy_without_a_violation(page, enroll, admin_user):
    seen = _watch(page)
    enrollment = enroll("in_progress")
    for path in PUBLIC:
        response = page.goto(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
    sign_in(page, admin_user.email)
    pages = [
        *PAGES,
        f"/staff/enrollments/{enrollment.pk}/",
        f"/staff/contacts/{enrollment.contact_id}/",
    ]
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    # htmx at work: the Add dialog loads its form, the type-ahead asks for contacts.
    page.goto("/staff/tracking/")
    page.locator("[data-open-dialog=add-dialog]").click()
    page.locator("#add-dialog input[type=search]").first.fill("Cas")
    page.wait_for_load_state("networkidle")
    assert seen == []
    # The server-computed sizes still apply (set through the CSSOM, not style="").
    page.goto("/staff/tracking/")
    width = page.locator(".progress .bar span").first.evaluate("e => e.style.width")
    assert width.endswith("%")


# --- the worker's health on the overview (PRODUCT.md §10) ----------------------------


def test_the_overview_warns_when_the_last_worker_pass_is_three_hours_old(page, admin_user):
    from datetime import timedelta

    from certtrack.operations import passes

    seen = _watch(page)
    now = clock.now()
    backdated = now - timedelta(hours=3)
    passes.record(backdated, backdated + timedelta(seconds=1), {"deliver_due": 2}, {}, {})
    sign_in(page, admin_user.email)
    page.goto("/staff/overview/")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not finished a pass for more than 2 hours")
    worker = page.locator("#worker")
    expect(worker).to_contain_text("Emails sent")
    expect(worker.locator(".tag-bad")).to_have_text("Needs attention")
    shot(page, "overview-worker-warning")

    passes.record(now, now, {"deliver_due": 0}, {}, {})  # the worker is back
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(worker.locator(".tag-ok")).to_have_text("Running")
    assert seen == []


def test_deactivating_a_staff_user_asks_first(page, admin_user, staff_user):
    """A new user's trial: Deactivate locked a colleague out at one click."""
    sign_in(page, admin_user.email)
    page.goto(f"/staff/setup/users/{staff_user.pk}/")
    page.get_by_role("button", name="Deactivate").click()
    dialog = page.get_by_role("dialog", name="Are you sure?")
    expect(dialog).to_contain_text(f"Deactivate {staff_user.get_full_name()}?")
    expect(dialog).to_contain_text("their API tokens stop working")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    staff_user.refresh_from_db()
    assert staff_user.is_active
    page.get_by_role("button", name="Deactivate").click()
    dialog.get_by_role("button", name="Deactivate").click()
    page.wait_for_load_state()
    expect(page.locator("h1 .tag")).to_have_text("Deactivated")
    staff_user.refresh_from_db()
    assert not staff_user.is_active


def test_a_token_issued_on_the_page_works_once_copied_and_revoke_asks_first(
    page, admin_user, staff_user
):
    sign_in(page, admin_user.email)
    page.goto(f"/staff/setup/users/{staff_user.pk}/")
    page.get_by_role("textbox", name="Name").fill("LMS sync")
    page.get_by_role("button", name="Issue a token").click()
    key = page.get_by_label("The new API token").input_value()
    shot(page, "user-token-issued")
    answer = page.request.get("/api/v1/contacts", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200
    page.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog", name="Are you sure?")
    expect(dialog).to_contain_text("Revoke the token “LMS sync”")
    dialog.get_by_role("button", name="Go back").click()
    assert page.request.get("/api/v1/contacts", headers={"Authorization": f"Bearer {key}"}).ok
    page.get_by_role("button", name="Revoke").click()
    dialog.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").first).to_contain_text("Token revoked")
    refused = page.request.get("/api/v1/contacts", headers={"Authorization": f"Bearer {key}"})
    assert refused.status == 401


def test_a_long_unbroken_note_keeps_its_remove_button_within_reach(page, admin_user, enroll, admin):
    """A staff user's trial at 1366 px: a 600-character note with no space (a URL) ran under
    the side column, and its Remove button sat under another element (not clickable)."""
    from certtrack.certification import services

    enrollment = enroll("in_progress", first_name="Ada", last_name="Long")
    component = enrollment.program.links.first().component
    today = GeneralSettings.get().today(clock.now())
    services.record_completion(
        enrollment.contact_id, component.pk, today, admin, note="https://x.example/" + "x" * 600
    )
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, admin_user.email)
    page.goto(f"/staff/enrollments/{enrollment.pk}/")
    remove = page.get_by_role("button", name=f"Remove this {component.name} completion")
    remove.click(trial=True)  # fails when another element would receive the click
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    note = page.locator(".completion .note").first.bounding_box()
    side = page.get_by_role("region", name="Actions").bounding_box()
    assert note["x"] + note["width"] <= side["x"]
    shot(page, "enrollment-long-note")


def test_at_1366_px_the_customize_filter_sorts_by_activation_and_shows_that_column(
    page, admin_user, enroll
):
    """A staff user's trial: below 1440 px the Activated column, and so its sort link, was
    hidden — no way to sort by activation on a laptop. "Sort by" does, and the column the
    rows are sorted by stays in view."""
    for status in ("active", "expired", "in_progress"):
        enroll(status)
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, admin_user.email)
    page.goto("/staff/tracking/")
    expect(page.get_by_role("columnheader", name="Activated")).to_be_hidden()
    page.locator("details.customize > summary").click()
    page.get_by_label("Sort by").select_option("-activated_on")
    page.get_by_role("button", name="Apply filter").click()
    page.wait_for_url(re.compile(r"ordering=-activated_on"))
    expect(page.get_by_role("columnheader", name="Activated")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "tracking-sorted-by-activation")
    # A staff trial: "As of" sat above its date box, and each row's bar had the length
    # its label left it. Now on one line, and every bar as long as the others.
    label, box = page.locator(".asof-form label"), page.locator("#as-of-day")
    middle = lambda b: b["y"] + b["height"] / 2  # noqa: E731
    assert abs(middle(label.bounding_box()) - middle(box.bounding_box())) < 1
    # One row's label as long as a credits-and-hours one ("2/2 · 28/20 h · 34/40 cr").
    page.locator("td .progress .num").first.evaluate("n => n.textContent = '2/2 · 28/20 h'")
    widths = {round(bar.bounding_box()["width"]) for bar in page.locator("td .bar").all()}
    assert len(widths) == 1, widths
