"""A contact never sees or changes another contact's records: every id of theirs is a 404."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Completion, Enrollment

from .conftest import PDF


@pytest.fixture
def pats_records(pat, program, make_program, course, admin, today):
    """Pat's enrollment with a pending self-report and evidence, and a certified enrollment."""
    enrollment = services.apply(pat.pk, program.pk, Actor.contact(pat))
    completion = services.record_completion(
        pat.pk,
        course.pk,
        date(2026, 5, 20),
        Actor.contact(pat),
        source="self_report",
        evidence=SimpleUploadedFile("pat.pdf", PDF, "application/pdf"),
    )
    certified = services.record_existing(
        pat.pk, make_program(name="First Aid").pk, date(2026, 3, 1), admin
    )
    return {"enrollment": enrollment, "completion": completion, "certified": certified}


def pats_urls(records) -> list[str]:
    enrollment, certified = records["enrollment"].pk, records["certified"].pk
    return [
        f"/portal/enrollments/{enrollment}/",
        f"/portal/enrollments/{enrollment}/report/",
        f"/portal/enrollments/{certified}/",
        f"/portal/enrollments/{certified}/report/",
        f"/portal/enrollments/{certified}/certificate.pdf",
        f"/portal/completions/{records['completion'].pk}/evidence/",
    ]


def test_every_url_with_another_contacts_ids_is_not_found(pats_records, pat_client, sam_client):
    for url in pats_urls(pats_records):
        assert pat_client.get(url).status_code in (200, 302), url  # Pat's own: reachable
        response = sam_client.get(url)
        assert response.status_code == 404, url
        assert b"Pat" not in response.content and b"pat.pdf" not in response.content


def test_another_contacts_records_do_not_leak_into_lists(pats_records, sam_client):
    for url in ("/portal/", "/portal/certificates/", "/portal/programs/"):
        page = sam_client.get(url).content.decode()
        assert pats_records["certified"].certificate_number not in page
        assert "You are enrolled" not in page
        assert f"/portal/enrollments/{pats_records['enrollment'].pk}/" not in page


def test_reporting_work_on_another_contacts_enrollment_is_not_found(
    pats_records, sam_client, course
):
    before = Completion.objects.count()
    response = sam_client.post(
        f"/portal/enrollments/{pats_records['enrollment'].pk}/report/",
        {"component": course.pk, "completed_on": "2026-05-21", "note": "mine now"},
    )
    assert response.status_code == 404
    assert Completion.objects.count() == before


def test_a_component_from_outside_the_program_is_not_a_valid_choice(
    pat, pat_client, pats_records, make_component
):
    elsewhere = make_component("course", name="Elsewhere")
    response = pat_client.post(
        f"/portal/enrollments/{pats_records['enrollment'].pk}/report/",
        {"component": elsewhere.pk, "completed_on": "2026-05-21"},
    )
    assert 'id="id_component_error"' in response.content.decode()
    assert not Completion.objects.filter(component=elsewhere).exists()


def test_applying_always_enrolls_the_signed_in_contact(pat, sam, sam_client, make_program):
    program = make_program(name="Open Scheme")
    # A contact id slipped into the form is ignored: the session decides who applies.
    sam_client.post(f"/portal/programs/{program.pk}/apply/", {"contact": pat.pk})
    assert list(Enrollment.objects.filter(program=program).values_list("contact", flat=True)) == [
        sam.pk
    ]


def test_a_signed_out_visitor_reaches_nothing(pats_records, client):
    for url in pats_urls(pats_records):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith("/portal/sign-in/?next=")


def test_an_archived_contacts_session_ends(pat, pat_client, admin, pats_records):
    services.archive_contact(pat.pk, admin)
    assert pat_client.get("/portal/")["Location"] == "/portal/sign-in/"
    url = f"/portal/completions/{pats_records['completion'].pk}/evidence/"
    assert pat_client.get(url).status_code == 404
