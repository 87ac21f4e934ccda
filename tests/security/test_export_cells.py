"""Every export (back-office CSV and XLSX, API export.csv) neutralises formula cells one way."""

import csv
import io

import pytest
from openpyxl import load_workbook

from certtrack.certification import services

# A spreadsheet runs these as formulas, also when the formula follows a separator or blanks.
DANGEROUS = [
    "=HYPERLINK(1)",
    "+1 Inc",
    "-minus",
    "@SUM(A1)",
    "%0A=1",
    "|calc",
    ";=cmd",
    ",=cmd",
    "\t=cmd",
    "\r=cmd",
    "\n=cmd",
    "  =cmd",
    " ;\t+cmd",
    "\tplain",
]
HARMLESS = ["Plain", "a=b", "O'Brien", "-12", "3.5", "Acme; Inc"]


@pytest.fixture
def contacts(admin, make_contact, make_program):
    program = make_program()
    for n, org in enumerate(DANGEROUS + HARMLESS):
        services.add(make_contact(first_name=f"P{n}", organization=org).pk, program.pk, admin)
    return dict(enumerate(DANGEROUS + HARMLESS))


def _check(organizations: dict[str, str], contacts: dict[int, str]) -> None:
    for n, original in contacts.items():
        cell = organizations[f"P{n}"]
        if original in HARMLESS:
            assert cell == original
        else:
            assert cell.startswith("'"), repr(cell)


def _csv(content: bytes, key: str, value: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    return {row[key]: row[value] for row in rows}


def test_back_office_csv_neutralises_formulas_after_separators(client, admin_user, contacts):
    client.force_login(admin_user)
    content = b"".join(client.get("/staff/tracking/export.csv").streaming_content)
    _check(_csv(content, "First name", "Organization"), contacts)


def test_back_office_xlsx_neutralises_formulas_after_separators(client, admin_user, contacts):
    client.force_login(admin_user)
    content = b"".join(client.get("/staff/tracking/export.xlsx").streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.values)[1:]
    _check({row[1]: row[4] or "" for row in rows}, contacts)


def test_api_csv_neutralises_formulas_after_separators(client, api_key, contacts):
    response = client.get("/api/v1/enrollments/export.csv", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    content = b"".join(response.streaming_content)
    _check(_csv(content, "first_name", "organization"), contacts)
