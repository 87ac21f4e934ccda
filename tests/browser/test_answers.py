"""PRODUCT.md §11 in Chromium: staff look at the Tracking tab as of 1 Mar 2024 (counts change,
export, back to today), and preview a validity change, apply it to existing holders and see
the History rows."""

import csv
from datetime import date

import pytest
from playwright.sync_api import expect

from certtrack.certification import services
from certtrack.certification.models import History
from tests.browser.conftest import shot, sign_in
from tests.builders import at


@pytest.fixture
def book(admin, make_contact, make_program):
    """Two certified in 2023 (one cancelled since), one applied in 2025, one added now."""
    program = make_program(name="Certified Safety Officer", code="CSO", validity_months=36)
    other = make_program(name="Site Manager", code="SM", require_approval=True)
    kept = services.record_existing(
        make_contact(first_name="Ada", last_name="Lovelace").pk,
        program.pk,
        date(2023, 6, 1),
        admin,
        now=at(date(2023, 6, 1)),
    )
    gone = services.record_existing(
        make_contact(first_name="Bob", last_name="Baker").pk,
        program.pk,
        date(2023, 9, 1),
        admin,
        now=at(date(2023, 9, 1)),
    )
    services.perform(gone.pk, "cancel", admin, reason="Fraud")
    services.apply(
        make_contact(first_name="Cy", last_name="Cole").pk,
        other.pk,
        admin,
        now=at(date(2025, 2, 1)),
    )
    services.add(make_contact(first_name="Di", last_name="Dane").pk, program.pk, admin)
    return program, kept, gone


def count(page, label: str) -> str:
    quick = page.get_by_role("navigation", name="Quick Filter")
    return quick.locator(f'a[data-quick="{label}"] .count').inner_text()


def test_as_of_1_march_2024_then_back_to_today(page, admin_user, book, tmp_path):
    sign_in(page, admin_user.email)
    expect(
        page.get_by_role("navigation", name="Quick Filter").locator(".count").first
    ).to_be_visible()
    assert (count(page, "all"), count(page, "cancelled")) == ("4", "1")
    page.get_by_label("As of").first.fill("2024-03-01")
    page.get_by_role("button", name="Show").first.click()
    page.wait_for_url("**/staff/tracking/?as_of=2024-03-01")
    banner = page.locator("[data-as-of]")
    expect(banner).to_contain_text("As of 1 Mar 2024")
    expect(
        page.get_by_role("navigation", name="Quick Filter").locator(".count").first
    ).to_be_visible()
    assert (count(page, "all"), count(page, "active"), count(page, "cancelled")) == ("2", "2", "0")
    assert page.locator("tbody tr[data-enrollment]").count() == 2
    shot(page, "tracking-as-of")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "as-of.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename == "certifications-as-of-2024-03-01.csv"
    with open(path, encoding="utf-8-sig") as f:
        exported = list(csv.DictReader(f))
    assert [r["Status as of 2024-03-01"] for r in exported] == ["Active", "Active"]
    banner.get_by_role("link", name="Back to today").click()
    expect(page.locator("[data-as-of]")).to_have_count(0)
    expect(
        page.get_by_role("navigation", name="Quick Filter").locator(".count").first
    ).to_be_visible()
    assert count(page, "cancelled") == "1"


def test_preview_a_validity_change_and_apply_it_to_existing_holders(page, admin_user, book):
    program, kept, gone = book
    sign_in(page, admin_user.email)
    page.goto(f"/staff/setup/programs/{program.pk}/")
    page.locator("#id_validity_months").fill("48")
    page.get_by_role("button", name="Save program").click()
    preview = page.locator("[data-what-if]")
    expect(preview).to_contain_text("1 of 1 holder")
    expect(preview).to_contain_text("Ada Lovelace")
    expect(preview).to_contain_text("1 Jun 2026")  # today's expiry → 1 Jun 2027
    expect(preview).to_contain_text("1 Jun 2027")
    shot(page, "what-if-preview")
    preview.get_by_role("button", name="Save: existing holders too").click()
    page.wait_for_url("**/staff/setup/programs/")
    assert History.objects.filter(action="program_change", enrollment=kept).count() == 1
    page.goto(f"/staff/enrollments/{kept.pk}/")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Program changed (applied to existing holders)")
    expect(history).to_contain_text("validity months 36 → 48")
    shot(page, "what-if-history")
