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


def test_the_pdf_keeps_a_long_date_apart_from_the_component(
    admin_client, admin, make_contact, make_component, travel
):
    """A member's trial: "22 September 2024Ethics Webinar" — the date ran into the name."""
    import io
    import re

    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from certtrack.credentials.pdf import _font

    travel(date(2026, 6, 1))
    contact = make_contact(first_name="Ada", last_name="Lovelace")
    webinar = make_component("event", name="Ethics Webinar", code="WEB-ETH")
    services.record_completion(contact.pk, webinar.pk, date(2025, 9, 22), admin)
    pdf = admin_client.get(f"/staff/contacts/{contact.pk}/transcript.pdf").content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    words = []  # (x, y, text) of each piece of text drawn
    page.extract_text(
        visitor_text=lambda t, cm, tm, *_: words.append(
            (tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5], t)
        )
    )
    date_x = next(x for x, _, t in words if "22 September" in t)
    name_x = next(x for x, _, t in words if t.startswith("Ethics Webinar"))
    first_line = next(t for _, _, t in words if "22 September" in t).strip()
    width = stringWidth(first_line, _font("Serif"), 8.5)  # as drawn
    assert date_x + width < name_x, (date_x, width, name_x)
    assert not re.search(r"\d{4}Ethics", page.extract_text())
