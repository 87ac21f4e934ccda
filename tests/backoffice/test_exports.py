"""The Tracking export as staff open it in a spreadsheet: CSV columns, and an XLSX with its
header frozen, an autofilter, sized columns, real dates, credits and hours."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from certtrack.certification import services
from tests.conftest import at

from .conftest import TODAY


@pytest.fixture
def earning(admin, make_contact, make_component, make_program):
    """An In progress enrollment with 7.5 of 20 credits and 3 of 10 hours done."""
    course = make_component(credits_earned=Decimal("7.5"), hours_earned=Decimal("3"))
    program = make_program(
        required=[course],
        electives=1,
        credits_required=Decimal("20"),
        hours_required=Decimal("10"),
        name="Forklift Safety",
    )
    contact = make_contact(first_name="=cmd|' /C calc'!A0", last_name="Diaz")
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 5, 1)))
    services.record_completion(contact.pk, course.pk, date(2026, 5, 2), admin, now=at(TODAY))
    return enrollment


def _xlsx(admin_client, **query):
    response = admin_client.get("/staff/tracking/export.xlsx", query)
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_xlsx_has_a_frozen_header_an_autofilter_and_sized_columns(admin_client, enroll, earning):
    enroll("active")
    sheet = _xlsx(admin_client)
    header = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=len(header)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}3"  # the header and both rows
    widths = {
        name: sheet.column_dimensions[cell.column_letter].width
        for name, cell in zip(header, sheet[1], strict=True)
    }
    assert widths["Email"] == 32
    assert all(width >= 12 for width in widths.values()), widths


def test_xlsx_dates_are_date_cells_and_credits_hours_are_numbers(admin_client, earning):
    sheet = _xlsx(admin_client)
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    started = row["Started"]
    assert started.is_date and started.number_format == "yyyy-mm-dd"
    assert started.value == datetime(2026, 5, 1)
    assert row["Expires"].value is None
    assert (row["Credits earned"].value, row["Credits required"].value) == (7.5, 20)
    assert (row["Hours earned"].value, row["Hours required"].value) == (3, 10)
    assert row["Credits earned"].data_type == "n"
    # Text still goes through the one escaper: a formula is shown, never run.
    assert row["First name"].value == "'=cmd|' /C calc'!A0".replace("|", "\\|")


def test_csv_has_credits_and_hours_columns(admin_client, earning):
    response = admin_client.get("/staff/tracking/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames[-5:] == [
        "Credits earned",
        "Credits required",
        "Hours earned",
        "Hours required",
        "Certificate number",
    ]
    (row,) = list(reader)
    assert (row["Credits earned"], row["Credits required"]) == ("7.5", "20")
    assert (row["Hours earned"], row["Hours required"]) == ("3", "10")
    assert row["Started"] == "2026-05-01"
    assert row["First name"].startswith("'=")


def test_a_program_without_thresholds_leaves_required_credits_and_hours_empty(admin_client, enroll):
    enroll("in_progress")
    sheet = _xlsx(admin_client)
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, (cell.value for cell in sheet[2]), strict=True))
    assert row["Credits required"] is None and row["Hours required"] is None
    assert row["Credits earned"] == 0
