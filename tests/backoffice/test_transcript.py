"""The back-office transcript (PRODUCT.md §11): linked from the contact and the enrollment."""

from datetime import date

from certtrack.certification import services
from tests.conftest import at


def test_contact_and_enrollment_link_to_the_transcript(
    admin_client, admin, make_contact, make_program
):
    program = make_program(name="Safety", code="SAF")
    contact = make_contact(first_name="Ada", last_name="Lovelace")
    e = services.add(contact.pk, program.pk, admin, now=at(date(2026, 6, 1)))
    course = program.components.get()
    services.record_completion(
        contact.pk, course.pk, date(2026, 6, 2), admin, now=at(date(2026, 6, 2))
    )
    url = f"/staff/contacts/{contact.pk}/transcript/"
    assert url in admin_client.get(f"/staff/contacts/{contact.pk}/").content.decode()
    assert url in admin_client.get(f"/staff/enrollments/{e.pk}/").content.decode()
    html = admin_client.get(url).content.decode()
    assert "Transcript: Ada Lovelace" in html and "Period 1" in html and course.code in html
    pdf = admin_client.get(f"/staff/contacts/{contact.pk}/transcript.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert (
        course.code
        in admin_client.get(f"/staff/contacts/{contact.pk}/transcript.csv").content.decode()
    )
    assert admin_client.get(f"/staff/contacts/{contact.pk}/transcript.xml").status_code == 404


def test_the_transcript_needs_staff(client, make_contact):
    contact = make_contact()
    response = client.get(f"/staff/contacts/{contact.pk}/transcript/")
    assert response.status_code == 302
