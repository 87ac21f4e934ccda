"""Files to import and the table counts that prove what an import wrote."""

import csv
import io
from datetime import date

import openpyxl
import pytest

from certtrack.accounts.models import User
from certtrack.certification.models import (
    Completion,
    Contact,
    Enrollment,
    History,
    Period,
    PeriodCompletion,
)
from certtrack.notifications.models import Email

TODAY = date(2026, 6, 15)


def csv_bytes(rows: list[list], delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (Contact, Completion, Enrollment, Period, PeriodCompletion, History, Email, User)
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def now(travel):
    """The one clock on TODAY: the import's `now` and the outbox's agree."""
    return travel(TODAY)


FILES = {
    "contacts": [
        ["email", "first_name", "last_name", "external_id"],
        ["ada@example.org", "Ada", "Lovelace", "CRM-1"],
    ],
    "completions": [
        ["contact_external_id", "component_code", "completed_on"],
        ["CRM-1", "ETH-101", "2026-05-01"],
    ],
    "certifications": [
        ["contact_email", "program_code", "activated_on", "certificate_number"],
        ["ada@example.org", "CPP", "2025-03-01", "OLD-42"],
    ],
}
WRITES = {"contacts": Contact, "completions": Completion, "certifications": Enrollment}


@pytest.fixture
def ready(db, now, make_component, make_program, make_contact):
    """The setup each kind needs; for contacts, nothing."""

    def build(kind: str) -> None:
        if kind == "contacts":
            return
        course = make_component(code="ETH-101")
        make_program(required=[course], code="CPP", validity_months=24)
        make_contact(email="ada@example.org", external_id="CRM-1")

    return build
