"""API.md: `as_of` on GET /enrollments, /enrollments/status-counts and the export."""

import csv
import io
from datetime import date

import pytest

from certtrack.certification import services
from tests.conftest import at

TODAY = date(2026, 6, 15)


@pytest.fixture
def rows(db, admin, make_contact, make_program, travel):
    """Three rows: certified 2023 then cancelled today; applied in 2025; recorded today with
    a period from 1 Jan 2024 (so absent on 1 Mar 2023, present on 1 Mar 2024)."""
    program = make_program(name="Safety", code="SAF", validity_months=36)
    approval = make_program(name="Review", code="REV", require_approval=True)
    a = services.record_existing(
        make_contact().pk, program.pk, date(2023, 1, 10), admin, now=at(date(2023, 1, 10))
    )
    services.perform(a.pk, "cancel", admin, reason="fraud", now=at(TODAY))
    b = services.apply(make_contact().pk, approval.pk, admin, now=at(date(2025, 1, 5)))
    c = services.record_existing(
        make_contact().pk, program.pk, date(2024, 1, 1), admin, now=at(TODAY)
    )
    travel(TODAY)
    return a, b, c


def statuses(api, **params):
    body = api.get("/enrollments", params).json()
    return {r["id"]: r["status"] for r in body["results"]}


def test_list_shows_each_rows_status_at_the_end_of_that_day(api, rows):
    a, b, c = rows
    assert statuses(api) == {a.pk: "cancelled", b.pk: "applied", c.pk: "active"}
    assert statuses(api, as_of="2023-03-01") == {a.pk: "active"}
    assert statuses(api, as_of="2024-03-01") == {a.pk: "active", c.pk: "active"}
    assert statuses(api, as_of="2025-12-20") == {a.pk: "expiring", b.pk: "applied", c.pk: "active"}
    assert statuses(api, as_of="2026-02-01") == {a.pk: "expired", b.pk: "applied", c.pk: "active"}


def test_a_status_filter_reads_that_days_statuses(api, rows):
    a, b, c = rows
    assert statuses(api, as_of="2024-03-01", status="active", program=a.program_id) == {
        a.pk: "active",
        c.pk: "active",
    }
    assert statuses(api, as_of="2026-02-01", status="expired,applied") == {
        a.pk: "expired",
        b.pk: "applied",
    }
    assert statuses(api, as_of="2024-03-01", status="cancelled") == {}


def test_as_of_changes_nothing_else_of_a_row(api, rows):
    a, _, _ = rows
    now = next(r for r in api.get("/enrollments").json()["results"] if r["id"] == a.pk)
    then = api.get("/enrollments", {"as_of": "2024-03-01"}).json()["results"]
    then = next(r for r in then if r["id"] == a.pk)
    assert then.pop("status") == "active" and now.pop("status") == "cancelled"
    assert then.pop("status_label") == "Active"
    now.pop("status_label")
    assert then == now


def test_counts_as_of_a_day(api, rows):
    body = api.get("/enrollments/status-counts", {"as_of": "2024-03-01"}).json()
    assert body["total"] == 2 and body["counts"]["active"] == 2
    assert body["counts"]["cancelled"] == 0
    today = api.get("/enrollments/status-counts").json()
    assert today["total"] == 3 and today["counts"]["cancelled"] == 1


def test_a_future_day_projects_the_dates(api, rows):
    _, b, c = rows
    assert statuses(api, as_of="2026-12-10")[c.pk] == "expiring"
    assert statuses(api, as_of="2030-01-01") == {
        rows[0].pk: "cancelled",
        b.pk: "applied",
        c.pk: "expired",
    }


def test_export_as_of_a_day(api, rows):
    response = api.get("/enrollments/export.csv", {"as_of": "2024-03-01"})
    assert response.status_code == 200
    assert "enrollments-as-of-2024-03-01.csv" in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(line["status"] for line in lines) == ["active", "active"]


@pytest.mark.parametrize(
    "path", ["/enrollments", "/enrollments/status-counts", "/enrollments/export.csv"]
)
@pytest.mark.parametrize(
    "bad", ["2024-02-30", "01/03/2024", "1899-12-31", "2024-3-1", "9999-12-31", "3000-01-01"]
)
def test_an_impossible_or_too_early_as_of_is_a_400_naming_it(api, rows, path, bad):
    response = api.get(path, {"as_of": bad})
    assert response.status_code == 400
    assert "as_of" in response.json()["detail"] and bad in response.json()["detail"]
