"""The Tracking tab: Quick Filter, Customize Filter, sorting, paging, export, bulk, + Add."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from certtrack.backoffice.models import SavedFilter
from certtrack.certification import services
from certtrack.certification.models import Enrollment
from certtrack.certification.statuses import Status
from tests.backoffice.conftest import TODAY

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]


def shown(response) -> set[int]:
    """The enrollment ids listed on a Tracking page."""
    return {row.pk for row in response.context["page"].object_list}


def test_quick_filter_lists_every_status_by_its_seed_label_with_live_counts(
    admin_client, one_of_each
):
    page = admin_client.get("/staff/tracking/")
    # The page shows its rows at once; the counts come from a second request (htmx).
    assert page.context["quick"]["counted"] is False
    assert b'hx-get="/staff/tracking/quick/?' in page.content
    response = admin_client.get("/staff/tracking/quick/")
    options = response.context["quick"]["statuses"]
    assert [o["label"] for o in options] == ["All"] + [s.label for s in Status]
    assert options[0]["count"] == 10
    assert all(o["count"] == 1 for o in options[1:])
    assert b"Not Completed" in response.content and b"Admin Review" in response.content
    assert b'<span class="count">10</span>' in response.content
    assert b"hx-get" not in response.content


@pytest.mark.parametrize("status", ALL)
def test_each_quick_filter_shows_exactly_the_rows_in_that_status_today(
    admin_client, one_of_each, status
):
    response = admin_client.get("/staff/tracking/", {"status": status})
    assert shown(response) == {one_of_each[status].pk}


def test_expiring_is_true_today_without_the_worker_having_run(admin_client, enroll):
    row = enroll("expiring")
    # Stored as recorded (the worker may lag); the tab shows the status true today.
    Enrollment.objects.filter(pk=row.pk).update(status=Status.ACTIVE)
    response = admin_client.get("/staff/tracking/", {"status": "expiring"})
    assert shown(response) == {row.pk}
    assert b"badge--expiring" in response.content


def test_quick_filter_by_certification_program(admin_client, one_of_each, programs):
    response = admin_client.get("/staff/tracking/", {"program": programs["approval"].pk})
    assert shown(response) == {one_of_each["applied"].pk, one_of_each["declined"].pk}
    quick = admin_client.get("/staff/tracking/quick/", {"program": programs["approval"].pk})
    counts = {o["label"]: o["count"] for o in quick.context["quick"]["programs"]}
    assert counts == {"Approval Program": 2, "Open Program": 7, "Review Program": 1}
    assert [o["current"] for o in quick.context["quick"]["programs"]] == [True, False, False]


def test_customize_filter_combines_text_status_and_program(admin_client, enroll, programs):
    wanted = enroll("in_progress", organization="Fabrikam Builders")
    enroll("inactive", organization="Fabrikam Builders")
    enroll("in_progress", organization="Contoso")
    response = admin_client.get(
        "/staff/tracking/",
        {"q": "fabrikam", "status": ["in_progress", "applied"], "program": programs["open"].pk},
    )
    assert shown(response) == {wanted.pk}
    assert response.context["form"].active_criteria() == 3


def test_search_matches_name_email_and_organization(admin_client, enroll):
    ada = enroll("in_progress", first_name="Ada", last_name="Lovelace", email="ada@engine.org")
    enroll("in_progress", first_name="Alan", last_name="Turing")
    for text in ("lovelace", "ADA@ENGINE", "Ada Love"):
        assert shown(admin_client.get("/staff/tracking/", {"q": text})) == {ada.pk}


def test_filter_by_category(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/", {"category": "Leadership"})
    assert shown(response) == {one_of_each["applied"].pk, one_of_each["declined"].pk}


def test_filter_by_date_ranges(admin_client, one_of_each):
    activated = one_of_each["expiring"].activated_on
    response = admin_client.get(
        "/staff/tracking/",
        {"activated_from": activated.isoformat(), "activated_to": activated.isoformat()},
    )
    assert shown(response) == {one_of_each["expiring"].pk}
    response = admin_client.get(
        "/staff/tracking/", {"expires_to": (TODAY - timedelta(days=1)).isoformat()}
    )
    assert shown(response) == {one_of_each["expired"].pk}
    response = admin_client.get("/staff/tracking/", {"applied_from": TODAY.isoformat()})
    assert shown(response) == {one_of_each["applied"].pk, one_of_each["declined"].pk}


def test_a_reversed_date_range_is_shown_as_an_error_next_to_the_field(admin_client, one_of_each):
    response = admin_client.get(
        "/staff/tracking/", {"expires_from": "2026-07-01", "expires_to": "2026-06-01"}
    )
    assert "expires_to" in response.context["form"].errors
    assert b"Expires to is before expires from." in response.content
    # The Quick Filter's counts follow the rows listed: none (they said "All 10").
    params = {"expires_from": "2026-07-01", "expires_to": "2026-06-01"}
    quick = admin_client.get("/staff/tracking/quick/", params).context["quick"]
    assert [o["count"] for o in quick["statuses"]] == [0] * (len(quick["statuses"]))


def test_expires_within_days_n_days(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/", {"expires_within_days": 30})
    assert shown(response) == {one_of_each["expiring"].pk}
    response = admin_client.get("/staff/tracking/", {"expires_within_days": 400})
    assert shown(response) == {one_of_each["expiring"].pk, one_of_each["active"].pk}


def test_has_completions_awaiting_approval(
    admin_client, admin, make_contact, make_component, make_program
):
    component = make_component(requires_approval=True)
    program = make_program(required=[component])
    waiting = make_contact()
    row = services.add(waiting.pk, program.pk, admin)
    services.record_completion(waiting.pk, component.pk, TODAY, admin)
    other = services.add(make_contact().pk, program.pk, admin)
    response = admin_client.get("/staff/tracking/", {"pending": "on"})
    assert shown(response) == {row.pk}
    assert other.pk not in shown(response)


def test_progress_shown_is_the_domain_evaluation(admin_client, admin, make_contact, make_program):
    program = make_program(required=2)
    first = program.components.order_by("pk").first()
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    services.record_completion(contact.pk, first.pk, TODAY, admin)
    shown_row = admin_client.get("/staff/tracking/").context["page"].object_list[0]
    assert shown_row.pk == row.pk
    assert (shown_row.progress.required_done, shown_row.progress.required_total) == (1, 2)


def test_filter_by_progress(admin_client, admin, make_contact, make_program):
    program = make_program(required=2)
    first, second = program.components.all()
    none = services.add(make_contact().pk, program.pk, admin)
    halfway_contact = make_contact()
    halfway = services.add(halfway_contact.pk, program.pk, admin)
    services.record_completion(halfway_contact.pk, first.pk, TODAY, admin)
    assert shown(admin_client.get("/staff/tracking/", {"progress": "none"})) == {none.pk}
    assert shown(admin_client.get("/staff/tracking/", {"progress": "partial"})) == {halfway.pk}
    assert shown(admin_client.get("/staff/tracking/", {"progress": "complete"})) == set()


def test_sorting_by_a_whitelisted_column_both_ways(admin_client, enroll):
    enroll("in_progress", last_name="Zeta")
    enroll("in_progress", last_name="Alpha")
    names = lambda r: [row.contact.last_name for row in r.context["page"]]  # noqa: E731
    assert names(admin_client.get("/staff/tracking/", {"ordering": "contact"})) == ["Alpha", "Zeta"]
    assert names(admin_client.get("/staff/tracking/", {"ordering": "-contact"})) == [
        "Zeta",
        "Alpha",
    ]


def test_an_unknown_sort_key_falls_back_to_contact(admin_client, enroll):
    enroll("in_progress")
    response = admin_client.get("/staff/tracking/", {"ordering": "contact__email; DROP"})
    assert response.status_code == 200
    assert response.context["form"].sort_key == "contact"


def test_pagination_keeps_the_filter(admin_client, enroll):
    for _ in range(27):
        enroll("in_progress")
    response = admin_client.get("/staff/tracking/", {"status": "in_progress", "per_page": 25})
    assert len(response.context["page"].object_list) == 25
    assert b"status=in_progress&amp;per_page=25&amp;page=2" in response.content
    second = admin_client.get(
        "/staff/tracking/", {"status": "in_progress", "per_page": 25, "page": 2}
    )
    assert len(second.context["page"].object_list) == 2


def test_the_number_of_queries_does_not_grow_with_the_rows(admin_client, enroll):
    # One of each kind of row from the start: a certified row adds one query for the page
    # (`periods.recorded_elsewhere`), not one per row.
    enroll("in_progress")
    enroll("expiring")
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/staff/tracking/")
    for _ in range(10):
        enroll("expiring")
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/staff/tracking/")
    assert len(many) == len(few)


def test_rows_whose_stored_progress_ran_out_are_evaluated_in_constant_queries(
    admin_client, admin, make_contact
):
    """The tab loads only the columns its table shows (`rows.TAB_FIELDS`): a row evaluated
    again (its stored progress ran out), of a program with credit and hour thresholds and
    a recency limit, reads nothing more per row — no deferred column loaded row by row."""
    from tests.builders import make_program

    program = make_program(
        admin, credits_required=10, hours_required=4, completion_recency_months=24
    )

    def page_with(n: int):
        for _ in range(n):
            services.add(make_contact().pk, program.pk, admin)
        ran_out = Enrollment.objects.filter(program=program)
        assert ran_out.update(progress_until=TODAY - timedelta(days=1)) >= n
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/staff/tracking/", {"program": program.pk})
        assert len(response.context["page"].object_list) == ran_out.count()
        return response, len(queries)

    _, few = page_with(1)
    response, many = page_with(6)
    assert many == few
    # Evaluated, with the program's thresholds: 0 of 10 credits and 0 of 4 hours.
    assert response.content.count(b"0/1 \xc2\xb7 0/10 cr \xc2\xb7 0/4 h") == 7


def test_csv_export_has_exactly_the_filtered_rows(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/export.csv", {"status": ["expiring", "expired"]})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {int(r["Enrollment id"]) for r in rows} == {
        one_of_each["expiring"].pk,
        one_of_each["expired"].pk,
    }
    assert {r["Status"] for r in rows} == {"Expiring", "Expired"}
    # Recorded as existing certifications: the one required component was never completed.
    assert {(r["Required components done"], r["Required components"]) for r in rows} == {("0", "1")}


def test_csv_export_neutralises_formulas(admin_client, enroll):
    enroll("in_progress", first_name="=HYPERLINK(1)")
    text = b"".join(admin_client.get("/staff/tracking/export.csv").streaming_content).decode()
    assert "'=HYPERLINK(1)" in text


def test_xlsx_export_has_exactly_the_filtered_rows(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/export.xlsx", {"status": "applied"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = list(sheet.values)
    assert values[0][0] == "Enrollment id"
    assert [row[0] for row in values[1:]] == [one_of_each["applied"].pk]
    assert values[1][7] == "Applied"


def test_bulk_action_reports_each_row(admin_client, enroll):
    applied = [enroll("applied"), enroll("applied")]
    active = enroll("active")
    response = admin_client.post(
        "/staff/tracking/bulk/",
        {"action": "approve", "ids": [r.pk for r in applied] + [active.pk], "next": "/staff/"},
        follow=True,
    )
    text = [str(m) for m in response.context["messages"]]
    assert text[0] == "2 approved, 1 refused:"
    assert "Cannot approve application: the enrollment is Active" in text[1]
    assert active.contact.full_name in text[1]
    # Two contacts may share a name: the id and email tell the rows apart.
    assert f"#{active.pk}" in text[1] and active.contact.email in text[1]
    for row in applied:
        row.refresh_from_db()
        assert row.status == Status.IN_PROGRESS


def test_bulk_cancel(admin_client, enroll):
    rows = [enroll("in_progress"), enroll("applied")]
    response = admin_client.post(
        "/staff/tracking/bulk/", {"action": "cancel", "ids": [r.pk for r in rows]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["2 cancelled."]
    assert set(Enrollment.objects.values_list("status", flat=True)) == {Status.CANCELLED}


def test_bulk_action_without_rows_or_action_changes_nothing(admin_client, enroll):
    row = enroll("applied")
    response = admin_client.post("/staff/tracking/bulk/", {"action": "approve"}, follow=True)
    assert "Select at least one row first." in [str(m) for m in response.context["messages"]]
    response = admin_client.post("/staff/tracking/bulk/", {"action": "delete", "ids": [row.pk]})
    row.refresh_from_db()
    assert row.status == Status.APPLIED


def test_a_filter_is_saved_under_a_name_and_listed(admin_client, admin_user, one_of_each):
    query = "status=expiring&status=expired"
    response = admin_client.post(
        "/staff/tracking/filters/", {"name": "Renewals", "query": query}, follow=True
    )
    saved = SavedFilter.objects.get(owner=admin_user)
    assert (saved.name, saved.query) == ("Renewals", query)
    assert shown(response) == {one_of_each["expiring"].pk, one_of_each["expired"].pk}
    assert b"Renewals" in admin_client.get("/staff/tracking/").content


def test_add_enrolls_an_existing_contact_found_by_type_ahead(admin_client, make_contact, programs):
    grace = make_contact(first_name="Grace", last_name="Hopper", organization="Navy")
    options = admin_client.get("/staff/contacts/search/", {"contact_q": "hopp"})
    assert list(options.context["contacts"]) == [grace]
    assert f'value="{grace.pk}"'.encode() in options.content
    response = admin_client.post(
        "/staff/enrollments/add/", {"contact": grace.pk, "program": programs["open"].pk}
    )
    enrollment = Enrollment.objects.get(contact=grace)
    assert response["Location"] == f"/staff/enrollments/{enrollment.pk}/"
    assert enrollment.status == Status.IN_PROGRESS


def test_add_refuses_a_second_open_enrollment_and_says_why(admin_client, enroll, programs):
    row = enroll("in_progress")
    response = admin_client.post(
        "/staff/enrollments/add/", {"contact": row.contact_id, "program": programs["open"].pk}
    )
    assert response.status_code == 200
    assert "already has an open enrollment" in str(response.context["form"].non_field_errors())
    assert Enrollment.objects.count() == 1
    # The contact picked stays chosen, by name, so the form can be corrected and resent.
    html = response.content.decode()
    assert f'name="contact" value="{row.contact_id}" checked' in html
    assert row.contact.full_name in html


def test_breadcrumbs_do_not_end_in_an_empty_crumb(admin_client, enroll):
    for path in ("/staff/enrollments/add/", "/staff/setup/components/new/"):
        html = admin_client.get(path).content.decode()
        crumbs = html.split('class="crumbs">')[1].split("</div>")[0]
        assert not crumbs.rstrip().endswith("/"), crumbs


def test_sorting_alone_is_not_a_filter(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/", {"ordering": "-expires_on", "per_page": 100})
    assert response.context["form"].active_criteria() == 0
    assert response.context["quick"]["statuses"][0]["current"] is True
    assert len(shown(response)) == 10


def test_add_records_a_certification_earned_elsewhere(admin_client, make_contact, programs):
    contact = make_contact()
    admin_client.post(
        "/staff/enrollments/add/",
        {"contact": contact.pk, "program": programs["open"].pk, "activated_on": "2026-01-10"},
    )
    enrollment = Enrollment.objects.get(contact=contact)
    assert enrollment.status == Status.ACTIVE
    assert enrollment.activated_on.isoformat() == "2026-01-10"
    assert enrollment.expires_on.isoformat() == "2027-01-10"


def test_a_saved_filter_is_deleted_only_by_its_owner(admin_client, admin_user, staff_user):
    mine = SavedFilter.objects.create(owner=admin_user, name="Mine", query="status=applied")
    theirs = SavedFilter.objects.create(owner=staff_user, name="Theirs", query="status=active")
    assert admin_client.post(f"/staff/tracking/filters/{theirs.pk}/delete/").status_code == 404
    admin_client.post(f"/staff/tracking/filters/{mine.pk}/delete/")
    assert list(SavedFilter.objects.all()) == [theirs]


def test_staff_without_the_administrator_role_work_the_tracking_tab(staff_client, enroll):
    rows = [enroll("applied"), enroll("applied")]
    response = staff_client.post(
        "/staff/tracking/bulk/", {"action": "decline", "ids": [r.pk for r in rows]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["2 declined."]
    assert set(Enrollment.objects.values_list("status", flat=True)) == {Status.DECLINED}


def test_the_type_ahead_leaves_out_archived_contacts(admin_client, admin, make_contact):
    archived = make_contact(first_name="Archie")
    services.archive_contact(archived.pk, admin)
    response = admin_client.get("/staff/contacts/search/", {"contact_q": "archie"})
    assert list(response.context["contacts"]) == []
    assert b"No contact matches" in response.content


def test_sorting_by_status_uses_the_status_true_today(admin_client, enroll):
    expiring = enroll("expiring")
    Enrollment.objects.filter(pk=expiring.pk).update(status=Status.ACTIVE)  # worker lagging
    applied = enroll("applied")
    response = admin_client.get("/staff/tracking/", {"ordering": "status"})
    # "applied" < "expiring" alphabetically; the stored "active" would have come first.
    assert [row.pk for row in response.context["page"]] == [applied.pk, expiring.pk]


def test_the_api_style_parameters_work_too(admin_client, one_of_each):
    response = admin_client.get(
        "/staff/tracking/", {"status": "expiring,expired", "ordering": "-expires_on"}
    )
    assert [row.pk for row in response.context["page"]] == [
        one_of_each["expiring"].pk,
        one_of_each["expired"].pk,
    ]
    response = admin_client.get("/staff/tracking/", {"expires_within_days": 30})
    assert shown(response) == {one_of_each["expiring"].pk}


def test_an_unknown_export_format_is_404(admin_client):
    assert admin_client.get("/staff/tracking/export.pdf").status_code == 404


def test_without_javascript_submitting_the_search_text_lists_matches(
    admin_client, make_contact, programs
):
    grace = make_contact(first_name="Grace", last_name="Hopper")
    response = admin_client.post(
        "/staff/enrollments/add/", {"contact_q": "hopper", "program": programs["open"].pk}
    )
    assert list(response.context["contacts"]) == [grace]
    assert f'name="contact" value="{grace.pk}"'.encode() in response.content
    assert not Enrollment.objects.exists()


def test_rows_per_page_defaults_to_50_on_the_page_and_in_the_select(admin_client, enroll):
    for path, params in (("/staff/tracking/", {}), ("/staff/tracking/", {"q": "x"})):
        response = admin_client.get(path, params)
        form = response.context["form"]
        assert response.context["page"].paginator.per_page == 50
        assert '<option value="50" selected>' in str(form["per_page"])
        assert "per_page" not in response.context["query"]


def test_an_unknown_status_is_said_on_the_page_and_shows_no_rows(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/", {"status": "bogus"})
    assert shown(response) == set()
    assert "Unknown status &#x27;bogus&#x27;" in response.content.decode()
    assert b"could not be applied" in response.content


def test_progress_shows_hours_still_missing_when_every_component_is_done(
    admin_client, admin, make_contact, make_component, make_program
):
    parts = [make_component(hours_earned=4), make_component(hours_earned=4)]
    program = make_program(required=parts, hours_required=20)
    contact = make_contact()
    services.add(contact.pk, program.pk, admin)
    for part in parts:
        services.record_completion(contact.pk, part.pk, TODAY, admin)
    html = admin_client.get("/staff/tracking/").content.decode()
    cell = html.split('class="progress"')[1].split("</td>")[0]
    assert "2/2 · 8/20 h" in cell
    assert 'data-width="70"' in cell  # the filter's percent: (2/2 + 8/20) / 2, not met
    assert "bar full" not in cell


def test_row_values_are_escaped(admin_client, enroll):
    row = enroll("active", first_name='<script>alert("x")</script>', organization="A & B")
    html = admin_client.get("/staff/tracking/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "A &amp; B" in html
    assert f'<tr data-enrollment="{row.pk}">' in html
    assert f'href="/staff/enrollments/{row.pk}/"' in html


def test_each_row_shows_its_status_dates_and_link(admin_client, enroll):
    row = enroll("expiring")
    html = admin_client.get("/staff/tracking/").content.decode()
    cells = html.split(f'<tr data-enrollment="{row.pk}">')[1].split("</tr>")[0]
    assert 'class="badge badge--expiring"' in cells and ">Expiring<" in cells
    expires = row.expires_on
    assert f"{expires.day} {expires:%b %Y}</td>" in cells
    assert 'class="nowrap date--expiring"' in cells


def test_the_customize_filter_panel_loads_when_opened_with_the_criteria_in_the_url(
    admin_client, one_of_each, programs
):
    page = admin_client.get("/staff/tracking/", {"q": "smith", "status": "expiring"})
    html = page.content.decode()
    assert 'id="filter-form"' not in html  # drawn only when opened
    assert 'hx-get="/staff/tracking/filter/?q=smith&amp;status=expiring"' in html
    panel = admin_client.get("/staff/tracking/filter/", {"q": "smith", "status": "expiring"})
    body = panel.content.decode()
    assert 'id="filter-form"' in body and 'value="smith"' in body
    assert 'name="status" value="expiring" id="id_status_8" checked>' in body
    assert 'name="next" value="/staff/tracking/?q=smith&amp;status=expiring"' in body


def test_the_customize_filter_panel_is_inline_with_errors_or_without_javascript(
    admin_client, one_of_each
):
    with_error = admin_client.get(
        "/staff/tracking/", {"expires_from": "2027-01-02", "expires_to": "2027-01-01"}
    )
    assert 'id="filter-form"' in with_error.content.decode()
    asked = admin_client.get("/staff/tracking/", {"customize": "1"}).content.decode()
    assert 'id="filter-form"' in asked and '<details class="card customize" open>' in asked


def test_the_add_dialog_loads_the_form_alone(admin_client):
    fragment = admin_client.get("/staff/enrollments/add/", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith("<form")
    page = admin_client.get("/staff/enrollments/add/")
    assert b"<!doctype html>" in page.content and b'id="contact-search"' in page.content


def test_saved_filters_are_one_click_away_on_the_page(admin_client, admin_user, one_of_each):
    SavedFilter.objects.create(owner=admin_user, name="Renewals", query="status=expiring")
    html = admin_client.get("/staff/tracking/").content.decode()
    assert '<a href="?status=expiring">Renewals</a>' in html


def test_the_progress_chip_says_what_it_filters(admin_client, one_of_each):
    html = admin_client.get("/staff/tracking/", {"progress": "partial"}).content.decode()
    assert 'class="chip">Progress: Under way' in html


def test_the_favicon_is_served_from_the_application(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/backoffice/favicon.svg")


def test_the_filter_form_submission_lands_on_a_url_with_only_the_criteria_set(
    admin_client, one_of_each
):
    sent = {"q": "", "status": "expiring", "category": "", "progress": "", "ordering": ""}
    response = admin_client.get("/staff/tracking/", sent)
    assert (response.status_code, response["Location"]) == (302, "/staff/tracking/?status=expiring")
    followed = admin_client.get(response["Location"])
    assert shown(followed) == {one_of_each["expiring"].pk}


def test_the_saved_filter_in_use_is_marked(admin_client, admin_user, one_of_each):
    SavedFilter.objects.create(owner=admin_user, name="Renewals", query="status=expiring")
    html = admin_client.get("/staff/tracking/", {"status": "expiring"}).content.decode()
    assert '<a href="?status=expiring" aria-current="true">Renewals</a>' in html
    other = admin_client.get("/staff/tracking/", {"status": "expired"}).content.decode()
    assert '<a href="?status=expiring">Renewals</a>' in other


def test_a_date_range_is_one_criterion_in_the_badge_and_its_chip_writes_days_as_the_table(
    admin_client,
):
    """A new user's trial: "2 active" above one chip "Expires: 2026-12-01 – 2027-03-31"."""
    response = admin_client.get(
        "/staff/tracking/",
        {"expires_from": "2026-12-01", "expires_to": "2027-03-31", "applied_from": "2026-01-05"},
    )
    form = response.context["form"]
    chips = [chip["text"] for chip in form.chips()]
    assert form.active_criteria() == len(chips) == 2
    assert "Expires: 1 Dec 2026 – 31 Mar 2027" in chips
    assert "Applied: 5 Jan 2026 – …" in chips


def test_the_customize_filter_has_a_sort_by_and_the_table_keeps_the_sorted_column(
    admin_client, one_of_each
):
    """Narrow screens hide Applied and Activated (and their sort links): "Sort by" sorts by
    them, and the table says which column it is sorted by so that one stays in view."""
    html = admin_client.get(
        "/staff/tracking/filter/", {"ordering": "-activated_on"}
    ).content.decode()
    assert '<select name="ordering"' in html
    assert '<option value="-activated_on" selected>Activated, newest first</option>' in html
    page = admin_client.get("/staff/tracking/", {"ordering": "-activated_on"}).content.decode()
    assert '<table class="sorted-activated_on">' in page
