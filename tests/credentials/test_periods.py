"""Every period of a certification has its own PDF and credential; the number stays."""

from datetime import date

import pytest
from django.test import Client

from certtrack.certification import services
from certtrack.certification.models import Enrollment, Period, PeriodSource

from .conftest import BASE_URL
from .test_credential import fetch_credential, published_keys, verified
from .test_pdf import text_of


def renew(enrollment: Enrollment, activated_on: date, expires_on: date, today: date) -> Period:
    """A second period as the renewal services will make it (built directly for these tests)."""
    period = Period.objects.create(
        enrollment=enrollment,
        number=enrollment.periods.count() + 1,
        activated_on=activated_on,
        expires_on=expires_on,
        renewed_on=today,
        source=PeriodSource.RENEWED,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(
        activated_on=activated_on, expires_on=expires_on
    )
    enrollment.refresh_from_db()
    return period


@pytest.fixture
def renewed(certified):
    """Certified 1 March 2026 through 1 March 2028, renewed early (on 1 June 2026) through 2030."""
    renew(certified, date(2028, 3, 1), date(2030, 3, 1), date(2026, 6, 1))
    return certified


def pdf_text(api: Client, enrollment, query: str = "") -> str:
    response = api.get(f"/api/v1/enrollments/{enrollment.pk}/certificate.pdf{query}")
    assert response.status_code == 200, response.content
    return text_of(response.content)


def test_the_pdf_shows_the_current_period_and_since_when_certified(renewed, api):
    text = pdf_text(api, renewed)
    assert "1 March 2028" in text and "1 March 2030" in text
    assert "Certified since 1 March 2026 · period 2" in text
    assert renewed.certificate_number in text


def test_an_old_periods_pdf_stays_downloadable_with_its_own_dates(renewed, api):
    text = pdf_text(api, renewed, "?period=1")
    assert "1 March 2026" in text and "1 March 2028" in text
    assert "2030" not in text and "Certified since" not in text
    assert renewed.certificate_number in text


def test_a_single_period_pdf_does_not_say_certified_since(certified, api):
    assert "Certified since" not in pdf_text(api, certified)


def test_each_period_has_its_own_stable_credential(renewed, api, client, travel):
    keyset = published_keys(client)
    _, first = verified(fetch_credential(api, renewed, "?period=1"), keyset)
    travel(date(2028, 6, 1))  # period 2 has begun: before, its credential is not valid (nbf)
    _, current = verified(fetch_credential(api, renewed), keyset)
    _, current_again = verified(fetch_credential(api, renewed, "?period=2"), keyset)

    assert current["id"] != first["id"]
    assert current_again["id"] == current["id"]  # stable per period
    assert current["validFrom"].startswith("2028-03-01T00:00:00")
    assert current["validUntil"].startswith("2030-03-01T23:59:59")
    assert first["validFrom"].startswith("2026-03-01T00:00:00")
    assert first["validUntil"].startswith("2028-03-01T23:59:59")
    # Each period's credential has its own place in the status lists.
    assert (
        current["credentialStatus"][0]["statusListIndex"]
        != first["credentialStatus"][0]["statusListIndex"]
    )
    assert current["evidence"][0]["id"] == f"{BASE_URL}/verify/{renewed.certificate_number}"


@pytest.mark.parametrize("what", ["certificate.pdf", "credential"])
def test_an_unknown_period_is_404_and_never_active_is_409(
    renewed, api, make_contact, make_program, admin, what
):
    response = api.get(f"/api/v1/enrollments/{renewed.pk}/{what}?period=3")
    assert response.status_code == 404
    assert "no period 3" in response.json()["detail"]

    working = services.add(make_contact().pk, make_program().pk, admin)
    response = api.get(f"/api/v1/enrollments/{working.pk}/{what}?period=1")
    assert response.status_code == 409
    assert "never active" in response.json()["detail"]


def test_staff_download_a_periods_pdf(renewed, client, admin_user):
    client.force_login(admin_user)
    staff_client = client
    response = staff_client.get(f"/staff/enrollments/{renewed.pk}/certificate.pdf?period=1")
    assert response.status_code == 200
    assert "1 March 2026" in text_of(response.content)
    assert "2030" not in text_of(response.content)
    bad = staff_client.get(f"/staff/enrollments/{renewed.pk}/certificate.pdf?period=x")
    assert bad.status_code == 404


def test_the_verification_page_names_the_period_in_force_and_the_next(renewed, client):
    """A member's trial: the page said "Current period from 1 March 2028" in 2026 (the
    early renewal's period, not begun)."""
    page = " ".join(client.get(f"/verify/{renewed.certificate_number}").content.decode().split())
    assert "<dt>Certified on</dt><dd>1 March 2026</dd>" in page
    assert "<dt>Renewed: next period from</dt><dd>1 March 2028</dd>" in page
    assert "<dt>Valid through</dt><dd>1 March 2030</dd>" in page
    assert "Current period from" not in page
