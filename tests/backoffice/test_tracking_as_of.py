"""The Tracking tab as of a day (PRODUCT.md §11): banner, URL, saved filters, counts, export."""

import csv
import io
from datetime import date

import pytest

from certtrack.backoffice.models import SavedFilter
from certtrack.certification import services
from tests.conftest import at

TODAY = date(2026, 6, 15)


@pytest.fixture
def history(admin, make_contact, make_program):
    """Active since 2023 and cancelled today; applied in 2025; recorded today from 2024."""
    program = make_program(name="Safety", code="SAF", validity_months=36)
    approval = make_program(name="Review", code="REV", require_approval=True)
    a = services.record_existing(
        make_contact(last_name="Able").pk,
        program.pk,
        date(2023, 1, 10),
        admin,
        now=at(date(2023, 1, 10)),
    )
    services.perform(a.pk, "cancel", admin, reason="fraud", now=at(TODAY))
    b = services.apply(
        make_contact(last_name="Baker").pk, approval.pk, admin, now=at(date(2025, 1, 5))
    )
    c = services.record_existing(
        make_contact(last_name="Cole").pk, program.pk, date(2024, 1, 1), admin, now=at(TODAY)
    )
    return a, b, c


def counts(client, **params):
    options = client.get("/staff/tracking/quick/", params).context["quick"]["statuses"]
    return {o.get("value", "all"): o["count"] for o in options}


def test_the_list_shows_the_statuses_of_that_day_under_a_loud_banner(admin_client, history):
    a, b, c = history
    page = admin_client.get("/staff/tracking/", {"as_of": "2024-03-01"})
    html = page.content.decode()
    assert 'data-as-of="2024-03-01"' in html and "As of 1 Mar 2024" in html
    assert [r.pk for r in page.context["page"].object_list] == [a.pk, c.pk]
    assert "Back to today" in html
    # The dates stay today's (API.md: `as_of` changes the status): the banner says so.
    assert "The dates in the table, and “Expires within”, are today's." in html
    shown = str(page.context["rows"])  # row a shows Active (that day's), not Cancelled
    assert "Active" in shown and "Cancelled" not in shown
    today = admin_client.get("/staff/tracking/").content.decode()
    assert "data-as-of" not in today


def test_quick_filter_counts_follow_the_day_and_its_links_keep_it(admin_client, history):
    assert counts(admin_client)["cancelled"] == 1
    then = counts(admin_client, as_of="2024-03-01")
    assert (then["all"], then["active"], then["cancelled"], then["applied"]) == (2, 2, 0, 0)
    options = admin_client.get("/staff/tracking/quick/", {"as_of": "2024-03-01"}).context["quick"]
    assert all("as_of=2024-03-01" in o["url"] for o in options["statuses"])


def test_a_quick_status_as_of_a_day_lists_that_days_rows(admin_client, history):
    a, _, _ = history
    page = admin_client.get("/staff/tracking/", {"as_of": "2025-12-20", "status": "expiring"})
    assert [r.pk for r in page.context["page"].object_list] == [a.pk]


def test_a_saved_filter_keeps_the_day(admin_client, admin_user, history):
    admin_client.post(
        "/staff/tracking/filters/",
        {"name": "Audit 2024", "query": "as_of=2024-03-01&status=active"},
    )
    saved = SavedFilter.objects.get(owner=admin_user, name="Audit 2024")
    assert "as_of=2024-03-01" in saved.query
    page = admin_client.get("/staff/tracking/", {"status": "active", "per_page": "100"})
    assert "as_of" not in page.context["query"]
    page = admin_client.get("/staff/tracking/", {"as_of": "2024-03-01", "status": "active"})
    assert "as_of=2024-03-01" in page.context["query"]


def test_export_says_the_day_in_its_header_and_name(admin_client, history):
    response = admin_client.get("/staff/tracking/export.csv", {"as_of": "2024-03-01"})
    assert "certifications-as-of-2024-03-01.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))
    assert "Status as of 2024-03-01" in lines[0]
    column = lines[0].index("Status as of 2024-03-01")
    assert sorted(line[column] for line in lines[1:]) == ["Active", "Active"]


@pytest.mark.parametrize("bad", ["2024-02-30", "1899-12-31", "9999-12-31"])
def test_an_impossible_or_too_early_day_shows_no_rows_and_says_why(admin_client, history, bad):
    page = admin_client.get("/staff/tracking/", {"as_of": bad})
    html = page.content.decode()
    assert "data-filter-problems" in html and "As of" in html and bad in html
    assert list(page.context["page"].object_list) == []
    assert admin_client.get("/staff/tracking/export.csv", {"as_of": bad}).status_code == 400
    # Said once: the label and the day each appear a single time in the problem.
    [problem] = page.context["problems"]
    assert problem.count("As of") == 1 and problem.count(bad) == 1, problem
