"""The PDF certificate: its text, its QR code, its design, and who may download it."""

import io
from datetime import date

import pytest
import zxingcpp
from pypdf import PdfReader

from certtrack.certification import services
from certtrack.certification.models import GeneralSettings
from certtrack.credentials.pdf import certificate_pdf, template_for

from .conftest import BASE_URL


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(pdf).pages)


def qr_codes(pdf: bytes) -> list[str]:
    """Decode every barcode in the page's images (the QR code is drawn as one)."""
    found = []
    for image in read(pdf).pages[0].images:
        found += [code.text for code in zxingcpp.read_barcodes(image.image.convert("L"))]
    return found


@pytest.mark.parametrize("design", ["classic", "modern"])
def test_certificate_names_holder_program_number_dates_and_issuer(certified, admin, design):
    services.update_program(certified.program_id, admin, certificate_template=design)
    text = text_of(certificate_pdf(certified))
    for expected in [
        "Ada Lovelace",
        "Certified Safety Inspector",
        certified.certificate_number,
        "1 March 2026",
        "1 March 2028",
        "Guild of Safety Inspectors",
    ]:
        assert expected in text, expected
    assert "ada@example.org" not in text


@pytest.mark.parametrize("design", ["classic", "modern"])
def test_qr_code_decodes_to_the_verification_url(certified, admin, design):
    services.update_program(certified.program_id, admin, certificate_template=design)
    codes = qr_codes(certificate_pdf(certified))
    assert codes == [f"{BASE_URL}/verify/{certified.certificate_number}"]


def test_certificate_is_landscape(certified):
    page = read(certificate_pdf(certified)).pages[0]
    assert page.mediabox.width > page.mediabox.height


def test_program_without_template_uses_general_settings_default(certified, admin):
    assert certified.program.certificate_template == ""
    assert template_for(certified) == "classic"
    services.update_settings(admin, default_certificate_template="modern")
    certified.program.refresh_from_db()
    assert template_for(certified) == GeneralSettings.get().default_certificate_template == "modern"
    services.update_program(certified.program_id, admin, certificate_template="classic")
    certified.program.refresh_from_db()
    assert template_for(certified) == "classic"


def test_designs_differ(certified, admin):
    classic = certificate_pdf(certified)
    services.update_program(certified.program_id, admin, certificate_template="modern")
    certified.program.refresh_from_db()
    modern = certificate_pdf(certified)
    # The classic design's title; not "Certificate of Certification" (a new user's trial).
    assert "\nCertificate\n" in f"\n{text_of(classic)}\n"
    assert "Certificate of" not in text_of(classic)
    assert "This certifies that" in text_of(classic)
    assert "This certifies that" not in text_of(modern)


def test_accented_names_print_as_written(admin, make_contact, make_program, travel):
    travel(date(2026, 6, 1))
    contact = make_contact(first_name="Zoë", last_name="Łukasiewicz-Müller")
    enrollment = services.record_existing(
        contact.pk, make_program(name="Sécurité incendie").pk, date(2026, 5, 2), admin
    )
    text = text_of(certificate_pdf(enrollment))
    assert "Zoë Łukasiewicz-Müller" in text
    assert "Sécurité incendie" in text


def test_api_serves_the_pdf(certified, api):
    response = api.get(f"/api/v1/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert certified.certificate_number in response["Content-Disposition"]
    assert "Ada Lovelace" in text_of(response.content)


def test_expiring_and_expired_certifications_still_have_their_certificate(certified, api, travel):
    travel(date(2028, 2, 20))  # Expiring (30 days' notice)
    assert api.get(f"/api/v1/enrollments/{certified.pk}/certificate.pdf").status_code == 200
    travel(date(2028, 3, 2))  # Expired, and no worker ran
    response = api.get(f"/api/v1/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 200
    assert "1 March 2028" in text_of(response.content)


def test_pdf_of_enrollment_never_active_is_409(admin, make_contact, make_program, api):
    enrollment = services.add(make_contact().pk, make_program().pk, admin)
    response = api.get(f"/api/v1/enrollments/{enrollment.pk}/certificate.pdf")
    assert response.status_code == 409
    assert "never active" in response.json()["detail"]


def test_pdf_of_cancelled_certification_is_409(certified, admin, api):
    services.perform(certified.pk, "cancel", admin, reason="Revoked by the board")
    response = api.get(f"/api/v1/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 409
    assert "revoked" in response.json()["detail"]


def test_pdf_of_unknown_enrollment_is_404(api, db):
    response = api.get("/api/v1/enrollments/424242/certificate.pdf")
    assert response.status_code == 404
    assert response.json() == {"detail": "No enrollment with id 424242."}


def test_pdf_needs_a_token(certified, client):
    assert client.get(f"/api/v1/enrollments/{certified.pk}/certificate.pdf").status_code == 401


def test_staff_download_needs_a_signed_in_staff_user(certified, client):
    url = f"/staff/enrollments/{certified.pk}/certificate.pdf"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_staff_download_refuses_a_user_who_is_not_staff(certified, client):
    from certtrack.accounts.models import User

    user = User.objects.create_user("visitor@example.com", password="pw-long-enough-1")
    client.force_login(user)
    response = client.get(f"/staff/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 302


def test_staff_download_refuses_an_inactive_staff_user(certified, client, staff_user):
    client.force_login(staff_user)
    staff_user.is_active = False
    staff_user.save()
    response = client.get(f"/staff/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 302


def test_staff_downloads_the_pdf(certified, client, staff_user):
    client.force_login(staff_user)
    response = client.get(f"/staff/enrollments/{certified.pk}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert certified.certificate_number in text_of(response.content)


def test_staff_download_of_enrollment_never_active_is_409(
    admin, make_contact, make_program, client, staff_user
):
    enrollment = services.add(make_contact().pk, make_program().pk, admin)
    client.force_login(staff_user)
    response = client.get(f"/staff/enrollments/{enrollment.pk}/certificate.pdf")
    assert response.status_code == 409


def test_staff_download_of_unknown_enrollment_is_404(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/staff/enrollments/999999/certificate.pdf").status_code == 404
