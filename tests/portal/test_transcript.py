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


def test_the_page_counts_a_repeated_course_once_and_marks_the_repeats(
    pat_client, pat, program, course, admin, today
):
    exam = program.components.get(code="EXAM")
    services.add(pat.pk, program.pk, admin, now=at(date(2026, 5, 1)))
    for component, day in ((course, 2), (course, 3), (course, 4), (exam, 5)):
        when = date(2026, 5, day)
        services.record_completion(pat.pk, component.pk, when, admin, now=at(when))
    html = pat_client.get(f"/portal/contacts/{pat.pk}/transcript/").content.decode()
    # One credit and one hour each for the course and the exam: 2, not 4.
    assert "<strong>2</strong> credits · <strong>2</strong> hours" in " ".join(html.split())
    assert "2 credits and 2 hours counted toward certification periods" in html
    assert html.count("(repeat, counted once)") == 2
    assert html.count("Site Safety Basics") == 3
