"""PRODUCT.md §11 "Transcript": completions by program and period, totals against each
period's requirement, the completions no period counted listed apart (domain and API)."""

from datetime import date
from decimal import Decimal

import pytest

from certtrack.certification import services
from certtrack.certification.requirements import evaluate
from certtrack.certification.transcript import transcript_of
from tests.conftest import at


@pytest.fixture
def member(admin, make_contact, make_component, make_program):
    """Period 1 from two courses (5 credits of 4), renewed by one (2 credits of 2); then
    one course after the renewal and one outside every program: counted nowhere."""
    first = make_component(
        name="Ethics", code="ETH", credits_earned=Decimal("2"), hours_earned=Decimal("1.5")
    )
    second = make_component(
        name="Law", code="LAW", credits_earned=Decimal("3"), hours_earned=Decimal("2")
    )
    stray = make_component(name="Hobby", code="HOB", credits_earned=Decimal("1"))
    program = make_program(
        name="Safety",
        code="SAF",
        required=[first, second],
        credits_required=Decimal("4"),
        validity_months=12,
        renewal_requirements="credits",
        renewal_credits_required=Decimal("2"),
    )
    contact = make_contact(first_name="Ada", last_name="Lovelace")
    services.add(contact.pk, program.pk, admin, now=at(date(2025, 1, 5)))
    for component, day in ((first, date(2025, 1, 8)), (second, date(2025, 1, 10))):
        services.record_completion(contact.pk, component.pk, day, admin, now=at(day))
    services.record_completion(
        contact.pk, first.pk, date(2025, 12, 1), admin, now=at(date(2025, 12, 1))
    )
    services.record_completion(
        contact.pk, second.pk, date(2026, 2, 1), admin, now=at(date(2026, 2, 1))
    )
    services.record_completion(
        contact.pk, stray.pk, date(2026, 2, 2), admin, now=at(date(2026, 2, 2))
    )
    return contact


def test_completions_are_grouped_by_program_and_period_with_totals(member):
    transcript = transcript_of(member)
    [block] = transcript.programs
    assert block.program.code == "SAF"
    one, two = block.periods
    assert (one.number, one.activated_on, one.expires_on) == (
        1,
        date(2025, 1, 10),
        date(2026, 1, 10),
    )
    assert [line.code for line in one.completions] == ["ETH", "LAW"]
    assert (one.credits_earned, one.hours_earned) == (Decimal("5"), Decimal("3.5"))
    assert (one.credits_required, one.hours_required) == (Decimal("4"), None)
    assert [line.code for line in two.completions] == ["ETH"]
    assert (two.credits_earned, two.credits_required) == (Decimal("2"), Decimal("2"))
    assert [(line.code, line.completed_on) for line in transcript.unused] == [
        ("LAW", date(2026, 2, 1)),
        ("HOB", date(2026, 2, 2)),
    ]
    assert transcript.credits_total == Decimal("7")


def test_api_transcript_in_the_contract_shape(api, member):
    body = api.get(f"/contacts/{member.pk}/transcript").json()
    assert body["contact"]["id"] == member.pk
    [program] = body["programs"]
    assert program["program"]["code"] == "SAF"
    first = program["periods"][0]
    assert {
        "number",
        "activated_on",
        "expires_on",
        "credits_earned",
        "hours_earned",
    } <= first.keys()
    assert {"credits_required", "hours_required", "completions"} <= first.keys()
    assert (first["number"], first["activated_on"]) == (1, "2025-01-10")
    # Numbers, as the enrollment's progress has them (they were strings: "5.00").
    assert (first["credits_earned"], first["credits_required"]) == (5.0, 4.0)
    assert (first["hours_earned"], first["hours_required"]) == (3.5, None)
    assert first["completions"][0]["credits"] == 2.0
    assert [c["code"] for c in first["completions"]] == ["ETH", "LAW"]
    assert [c["code"] for c in body["unused_completions"]] == ["LAW", "HOB"]


def test_api_transcript_as_pdf_and_csv(api, member):
    pdf = api.get(f"/contacts/{member.pk}/transcript", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    csv = api.get(f"/contacts/{member.pk}/transcript", {"format": "csv"})
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("program_code,program,period,completed_on")
    assert lines[1].startswith("SAF,Safety,1,2025-01-08,ETH")
    assert any("(counted toward no period)" in line and "HOB" in line for line in lines)
    assert api.get(f"/contacts/{member.pk}/transcript", {"format": "xml"}).status_code == 400


def test_api_transcript_of_an_unknown_contact_is_404(api, db):
    assert api.get("/contacts/999999/transcript").status_code == 404


@pytest.fixture
def repeater(admin, make_contact, make_component, make_program):
    """A member's trial: Ethics completed three times before Law, all in period 1."""
    ethics = make_component(
        name="Ethics", code="ETH", credits_earned=Decimal("2"), hours_earned=Decimal("1.5")
    )
    law = make_component(
        name="Law", code="LAW", credits_earned=Decimal("3"), hours_earned=Decimal("2")
    )
    program = make_program(
        name="Safety", code="SAF", required=[ethics, law], credits_required=Decimal("4")
    )
    contact = make_contact(first_name="Ada", last_name="Lovelace")
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2025, 1, 1)))
    for component, day in (
        (ethics, date(2025, 1, 2)),
        (ethics, date(2025, 1, 5)),
        (ethics, date(2025, 1, 8)),
        (law, date(2025, 1, 10)),
    ):
        services.record_completion(contact.pk, component.pk, day, admin, now=at(day))
    return contact, enrollment


def test_a_component_completed_three_times_in_a_period_counts_once(repeater):
    contact, enrollment = repeater
    [period] = transcript_of(contact).programs[0].periods
    # Every completion stays listed; the first of each component counts, as requirements do.
    assert [(line.code, line.counted, line.note) for line in period.completions] == [
        ("ETH", True, ""),
        ("ETH", False, "repeat, counted once"),
        ("ETH", False, "repeat, counted once"),
        ("LAW", True, ""),
    ]
    assert (period.credits_earned, period.hours_earned) == (Decimal("5"), Decimal("3.5"))
    enrollment.refresh_from_db()
    progress = evaluate(enrollment, date(2025, 6, 1))
    assert (period.credits_earned, period.hours_earned) == (
        progress.credits_earned,
        progress.hours_earned,
    )
    assert transcript_of(contact).credits_total == Decimal("5")


def test_api_and_pdf_transcripts_count_a_repeated_component_once(api, repeater):
    import csv
    import io

    from pypdf import PdfReader

    contact, _ = repeater
    [period] = api.get(f"/contacts/{contact.pk}/transcript").json()["programs"][0]["periods"]
    assert (period["credits_earned"], period["hours_earned"]) == (5.0, 3.5)
    assert len(period["completions"]) == 4
    pdf = api.get(f"/contacts/{contact.pk}/transcript", {"format": "pdf"}).content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "5 credits of 4 required · 3.5 hours" in text
    assert "5 credits and 3.5 hours counted" in text
    assert text.count("repeat, counted once") == 2
    # The CSV and the API's completions say which count: their sum is the period's total.
    rows = list(
        csv.DictReader(
            io.StringIO(
                api.get(f"/contacts/{contact.pk}/transcript", {"format": "csv"}).content.decode()
            )
        )
    )
    counted = [row for row in rows if row["counted"] == "yes"]
    assert sum(Decimal(row["credits"]) for row in counted) == Decimal("5")
    assert [row["note"] for row in rows].count("repeat, counted once") == 2
    assert [c["counted"] for c in period["completions"]] == [True, False, False, True]


@pytest.mark.parametrize("required", [1, 3, 5, 7])
def test_no_page_of_the_pdf_ends_on_a_programs_heading(admin, make_contact, make_program, required):
    """A staff user's trial: a program's heading alone at the foot of page 1, its table on
    page 2. Programs of several sizes, so that some heading falls near a page's foot."""
    import io

    from pypdf import PdfReader

    from certtrack.credentials.transcript_pdf import transcript_pdf_response
    from tests.builders import certify

    contact = make_contact(first_name="Ada", last_name="Lovelace")
    headings = []
    for n in range(9):
        program = make_program(
            name=f"Program {n}", code=f"P{n}", required=required + n % 3, validity_months=12
        )
        certify(admin, contact, program, date(2025, 1, 10 + n))
        headings.append(f"Program {n} (P{n})")
    pdf = transcript_pdf_response(transcript_of(contact), date(2026, 1, 1)).content
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 1
    for page in pages[:-1]:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        assert lines[-1] not in headings, lines[-3:]
