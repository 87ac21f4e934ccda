"""PRODUCT.md §11 "Transcript": completions by program and period, totals against each
period's requirement, the completions no period counted listed apart (domain and API)."""

from datetime import date
from decimal import Decimal

import pytest

from certtrack.certification import services
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
