"""Branding (PRODUCT.md §9): the organization's name, logo, signatory and signature image,
set in General Settings and used on the PDF, the verification page, emails, the portal
and the OB 3.0 issuer profile. Names in any script print on the PDF as text."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from certtrack.certification import services
from certtrack.certification.errors import Invalid
from certtrack.certification.models import AuditObject, GeneralSettings, History
from certtrack.credentials.pdf import certificate_pdf

from .conftest import BASE_URL

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    b'<rect width="120" height="40" fill="#0f4c5c"/><circle cx="20" cy="20" r="12" fill="#fff"/>'
    b"</svg>"
)


def png(width=60, height=30, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        }
    }


def settings_form(client, **changes):
    """Post General Settings as the form shows them, with `changes`."""
    page = client.get(reverse("backoffice:settings"))
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or name in ("logo", "signature") or value is False:
            continue
        data[name] = value
    return client.post(reverse("backoffice:settings"), data | changes)


def test_the_organization_name_field_says_what_shows_when_left_empty(admin_client, settings):
    """A staff user's trial cleared the name and found "Issued by certtrack" afterwards."""
    settings.CERTTRACK_ISSUER_NAME = "Guild of Rope Access"
    page = admin_client.get(reverse("backoffice:settings")).content.decode()
    assert "Left empty, they say “Guild of Rope Access”." in page


def test_branding_is_saved_from_general_settings_and_recorded(admin_client):
    response = settings_form(
        admin_client,
        organization_name="Guild of Rope Access",
        signatory_name="Maria Chen",
        signatory_title="Chair of the Board",
        logo=upload("logo.png", png()),
        signature=upload("signature.svg", SVG),
    )
    assert response.status_code == 302, response.context["form"].errors
    general = GeneralSettings.get()
    assert general.organization_name == "Guild of Rope Access"
    assert general.logo.name.endswith(".png") and general.signature.name.endswith(".svg")
    row = History.objects.get(object_type=AuditObject.SETTINGS)
    assert row.changes["signatory_name"] == ["", "Maria Chen"]
    assert row.changes["logo"] == [None, general.logo.name]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.png", b"this is not an image at all", "Not an image"),
        ("logo.svg", b"<html><script>alert(1)</script></html>", "Not an image"),
        ("logo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "Not an image"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "scripts",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
            "scripts",
        ),
        (
            "logo.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "Not an image",
        ),
        ("logo.png", png(4001, 10), "at most 4000"),
        ("logo.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024), "at most 2 MB"),
    ],
)
def test_a_logo_that_is_not_an_acceptable_image_is_a_form_error(admin_client, name, data, message):
    response = settings_form(admin_client, organization_name="Changed", logo=upload(name, data))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get("logo", [])), errors
    general = GeneralSettings.get()
    assert not general.logo and general.organization_name == ""  # nothing saved
    assert not History.objects.filter(object_type=AuditObject.SETTINGS).exists()


def test_an_image_can_be_removed(admin, tmp_path):
    services.update_settings(admin, logo=upload("logo.png", png()))
    services.update_settings(admin, logo="")
    assert not GeneralSettings.get().logo


def test_the_pdf_prints_names_in_any_script_as_text(certified, admin):
    names = {
        "Latin": ("Zoë", "Ångström-Núñez"),
        "Greek": ("Ελένη", "Παπαδοπούλου"),
        "Cyrillic": ("Иван", "Петров"),
        "Chinese": ("小明", "王"),
        "Japanese": ("さくら", "山田"),
        "Korean": ("지민", "김"),
    }
    for design in ("classic", "modern"):
        services.update_program(certified.program_id, admin, certificate_template=design)
        for first, last in names.values():
            services.update_contact(certified.contact_id, admin, first_name=first, last_name=last)
            pdf = certificate_pdf(certified)
            text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
            assert f"{first} {last}" in text, (design, first, text)


def test_arabic_names_print_as_shaped_text(certified, admin):
    services.update_contact(certified.contact_id, admin, first_name="ليلى", last_name="العربي")
    text = PdfReader(io.BytesIO(certificate_pdf(certified))).pages[0].extract_text()
    # Shaped right to left: a text extractor reads the glyphs in visual order.
    assert "ليلى العربي"[::-1] in text, text


def test_the_pdf_carries_the_organization_logo_signatory_and_signature(certified, admin):
    services.update_settings(
        admin,
        organization_name="Guild of Rope Access",
        signatory_name="Maria Chen",
        signatory_title="Chair of the Board",
        logo=upload("logo.png", png(color=(1, 2, 3))),
        signature=upload("signature.svg", SVG),
    )
    for design in ("classic", "modern"):
        services.update_program(certified.program_id, admin, certificate_template=design)
        page = PdfReader(io.BytesIO(certificate_pdf(certified))).pages[0]
        text = page.extract_text()
        assert "GUILD OF ROPE ACCESS" in text.upper() and "Maria Chen" in text
        assert "Chair of the Board" in text
        # The logo is an image next to the QR code; the SVG signature is drawn as vectors.
        sizes = {(image.image.width, image.image.height) for image in page.images}
        assert (60, 30) in sizes, (design, sizes)


def test_the_verification_page_and_portal_show_the_name_and_logo(certified, admin, client):
    services.update_settings(
        admin, organization_name="Guild of Rope Access", logo=upload("l.svg", SVG)
    )
    page = client.get(f"/verify/{certified.certificate_number}")
    assert b"Guild of Rope Access" in page.content
    assert b'src="/branding/logo?v=' in page.content
    logo = client.get("/branding/logo")
    assert logo["Content-Type"] == "image/svg+xml" and logo.content == SVG
    assert "sandbox" in logo["Content-Security-Policy"]
    portal = client.get("/portal/sign-in/")
    assert b"Guild of Rope Access" in portal.content and b"/branding/logo" in portal.content


def test_the_signature_image_is_not_handed_out(admin, client, admin_user):
    services.update_settings(admin, signature=upload("s.png", png()))
    assert client.get("/branding/signature").status_code == 404
    client.force_login(admin_user)
    assert client.get("/branding/signature").status_code == 200


def test_the_issuer_profile_names_the_organization_and_its_logo(admin, client):
    services.update_settings(
        admin, organization_name="Guild of Rope Access", logo=upload("l.png", png())
    )
    profile = client.get("/issuer").json()
    assert profile["name"] == "Guild of Rope Access"
    assert profile["image"]["type"] == "Image"
    assert profile["image"]["id"].startswith(f"{BASE_URL}/branding/logo")


def test_emails_carry_the_organization_as_sender_name_and_footer(
    admin, settings, django_capture_on_commit_callbacks
):
    from certtrack.accounts.services import invite

    settings.DEFAULT_FROM_EMAIL = "certs@example.org"
    services.update_settings(admin, organization_name="Guild of Rope Access")
    with django_capture_on_commit_callbacks(execute=True):
        invite("new@example.org", "staff", admin)
    (message,) = mail.outbox
    assert message.from_email == "Guild of Rope Access <certs@example.org>"
    assert message.body.rstrip().endswith("-- \nGuild of Rope Access")
    assert "Guild of Rope Access" in message.subject


def test_a_bad_image_through_the_service_names_the_field(admin):
    with pytest.raises(Invalid, match="signature: Not an image"):
        services.update_settings(admin, signature=upload("s.png", b"nope"))


def test_a_shipped_template_s_sign_off_and_the_organization_make_one_signature(admin):
    """A member's trial: "-- The certification team" then "-- Association of …": two."""
    from certtrack.certification.models import GeneralSettings
    from certtrack.notifications.branding import email_footer

    services.update_settings(admin, organization_name="Guild of Rope Access")
    general = GeneralSettings.get()
    text, _ = email_footer("Hello,\n\nSee you.\n\n-- \nThe certification team\n", "", general)
    assert text == "Hello,\n\nSee you.\n\n-- \nThe certification team\nGuild of Rope Access\n"
    assert text.count("-- \n") == 1
    own, _ = email_footer("Hello from a template of our own.", "", general)
    assert own == "Hello from a template of our own.\n\n-- \nGuild of Rope Access\n"
