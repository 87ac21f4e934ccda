"""Bad input: every date the API accepts gives a credential, a PDF and a verification
(issue 13: 9999-12-31 made the VC-JWT's `exp` overflow). The latest expiry it accepts
is 2999-12-31 (`dates.LATEST`): 9999-12-31 also overflowed the renewal window's last day,
and is refused."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.dates import LATEST
from certtrack.certification.models import GeneralSettings

from .test_credential import published_keys, verified

FAR_FUTURE = LATEST
FAR_PAST = date(1, 1, 1)


@pytest.fixture(params=["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def zone(request, db):
    # The organization's time zone shifts validFrom/validUntil past the calendar's ends.
    settings = GeneralSettings.get()
    settings.time_zone = request.param
    settings.save()
    return request.param


@pytest.fixture
def extreme(admin, make_contact, make_program, travel, api):
    """A certification recorded through the API with the given activation and expiry dates."""
    travel(date(2026, 6, 1))
    contact = make_contact(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    program = make_program(name="Certified Safety Inspector", code="CSI", validity_months=24)

    def make(activated_on: date, expires_on: date):
        response = api.post(
            "/api/v1/enrollments",
            {
                "contact_id": contact.pk,
                "program_id": program.pk,
                "status": "active",
                "activated_on": activated_on.isoformat(),
                "expires_on": expires_on.isoformat(),
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.mark.parametrize(
    "activated_on, expires_on",
    [(date(2026, 3, 1), FAR_FUTURE), (FAR_PAST, date(2030, 3, 1)), (FAR_PAST, FAR_FUTURE)],
)
def test_credential_pdf_and_verification_work_for_any_accepted_date(
    zone, extreme, api, client, activated_on, expires_on
):
    body = extreme(activated_on, expires_on)

    response = api.get(f"/api/v1/enrollments/{body['id']}/credential")
    assert response.status_code == 200, response.content
    _, claims = verified(response.content.decode(), published_keys(client))
    assert claims["validFrom"].startswith(f"{activated_on.year:04d}-")
    assert claims["validUntil"].startswith(f"{expires_on.year:04d}-")
    assert claims["nbf"] < claims["exp"]

    pdf = api.get(f"/api/v1/enrollments/{body['id']}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    number = body["certificate_number"]
    verification = client.get(f"/api/v1/verify/{number}")
    assert verification.status_code == 200, verification.content
    assert verification.json()["expires_on"] == expires_on.isoformat()
    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    assert str(expires_on.year) in page.content.decode()


def test_an_expiry_after_2999_is_refused_by_the_api_and_changes_nothing(extreme, api):
    body = extreme(date(2026, 3, 1), date(2028, 3, 1))
    for method, path, payload in [
        ("post", "/api/v1/enrollments", {"status": "active", "activated_on": "2026-03-01"}),
        ("patch", f"/api/v1/enrollments/{body['id']}", {"reason": "Lifetime membership"}),
    ]:
        payload = {**payload, "expires_on": "9999-12-31"}
        if method == "post":
            payload |= {"contact_id": body["contact"]["id"], "program_id": body["program"]["id"]}
        response = getattr(api, method)(path, payload, content_type="application/json")
        assert response.status_code == 422, response.content
        assert response.json()["detail"] == (
            "The expiration date 9999-12-31 is after 2999; certtrack holds no dates that late."
        )
    assert api.get(f"/api/v1/enrollments/{body['id']}").json()["expires_on"] == "2028-03-01"


def test_expiry_set_to_the_last_day_keeps_the_credential(extreme, api, admin):
    body = extreme(date(2026, 3, 1), date(2028, 3, 1))
    services.set_expires_on(body["id"], FAR_FUTURE, "Lifetime membership", admin)
    assert api.get(f"/api/v1/enrollments/{body['id']}/credential").status_code == 200
