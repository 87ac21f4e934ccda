"""The portal transcript (PRODUCT.md §11): own only, page + PDF + CSV."""

from datetime import date

from certtrack.certification import services
from tests.conftest import at


def test_the_transcript_lists_own_completions_by_period(
    pat_client, pat, program, course, admin, today
):
    exam = program.components.get(code="EXAM")
    services.add(pat.pk, program.pk, admin, now=at(date(2026, 5, 1)))
    services.record_completion(pat.pk, course.pk, date(2026, 5, 2), admin, now=at(date(2026, 5, 2)))
    services.record_completion(pat.pk, exam.pk, date(2026, 5, 3), admin, now=at(date(2026, 5, 3)))
    page = pat_client.get("/portal/transcript/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Transcript" in html and "Period 1" in html and "Site Safety Basics" in html
    assert f"/portal/contacts/{pat.pk}/transcript.pdf" in html
    pdf = pat_client.get(f"/portal/contacts/{pat.pk}/transcript.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = pat_client.get(f"/portal/contacts/{pat.pk}/transcript.csv").content.decode()
    assert "SSB" in csv and "EXAM" in csv


def test_another_contacts_transcript_is_404(pat_client, sam, today):
    for suffix in ("transcript/", "transcript.pdf", "transcript.csv"):
        assert pat_client.get(f"/portal/contacts/{sam.pk}/{suffix}").status_code == 404


def test_signed_out_the_transcript_asks_to_sign_in(client, pat, today):
    response = client.get(f"/portal/contacts/{pat.pk}/transcript/")
    assert response.status_code == 302 and "/portal/sign-in/" in response["Location"]
