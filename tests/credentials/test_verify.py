"""Public verification: the outcome true at the moment of the request, nothing personal
beyond name, program and dates, 404 for unknown numbers, and a rate limit."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from certtrack.certification.statuses import Status
from certtrack.credentials.certificates import normalize_number
from certtrack.credentials.models import RateCounter

EMAIL = "ada@example.org"


def check(client, number):
    """The API answer and the HTML page for one number."""
    return client.get(f"/api/v1/verify/{number}"), client.get(f"/verify/{number}")


def assert_outcome(client, enrollment, status, valid, enrollment_status, outcome=None):
    api, page = check(client, enrollment.certificate_number)
    assert api.status_code == 200 and page.status_code == 200
    body = api.json()
    assert body["valid"] is valid
    assert body["status"] == status
    assert body["enrollment_status"] == enrollment_status
    assert body["holder"] == "Ada Lovelace"
    assert body["program"] == "Certified Safety Inspector"
    assert body["activated_on"] == "2026-03-01"
    assert body["expires_on"] == "2028-03-01"
    assert body["first_activated_on"] == "2026-03-01"
    html = page.content.decode()
    assert f"outcome-{outcome or status}" in html
    assert "Ada Lovelace" in html and "Certified Safety Inspector" in html
    assert "1 March 2026" in html and "1 March 2028" in html
    # Nothing a stranger should learn: no email, no organization, no phone.
    for text in (api.content.decode(), html):
        assert EMAIL not in text
        assert "Acme Safety Ltd" not in text and "+44 20 7946 0000" not in text
    return body, html


@pytest.fixture
def ada_details(certified, admin):
    services.update_contact(
        certified.contact_id, admin, organization="Acme Safety Ltd", phone="+44 20 7946 0000"
    )
    return certified


def test_active_certification_is_valid(ada_details, client):
    body, html = assert_outcome(client, ada_details, "valid", True, "active")
    assert ">Valid<" in html
    assert body["as_of"] == "2026-06-01"


def test_expiring_certification_is_still_valid(ada_details, client, travel):
    """API.md lists `expiring` among the answer's statuses (an API trial found it never
    answered): valid, and expiring; the page's banner says Valid."""
    travel(date(2028, 2, 15))  # within the 30 days' notice
    body, html = assert_outcome(client, ada_details, "expiring", True, "expiring", "valid")
    assert body["status_label"] == "Valid, expiring soon" and ">Valid<" in html


def test_expired_certification_is_expired_without_any_worker_run(ada_details, client, travel):
    travel(date(2028, 3, 2))
    assert Enrollment.objects.get(pk=ada_details.pk).status == Status.ACTIVE  # nothing recorded
    _, html = assert_outcome(client, ada_details, "expired", False, "expired")
    assert ">Expired<" in html
    # Valid through its expiry day, expired from the next (PRODUCT.md §3): the banner and
    # the "Expired after" field say the same day the same way.
    expires = f"{ada_details.expires_on.day} {ada_details.expires_on:%B %Y}"
    assert f"was valid only through {expires}." in html and "expired on" not in html


def test_inactive_certification_is_suspended(ada_details, client):
    # No staff action leads from Active to Inactive today (PRODUCT.md §3); a certified
    # row can still be Inactive (imported, or set so by a later rule), so set it directly.
    Enrollment.objects.filter(pk=ada_details.pk).update(status=Status.INACTIVE)
    _, html = assert_outcome(client, ada_details, "suspended", False, "inactive")
    assert ">Suspended<" in html


def test_a_renewed_certification_shows_the_current_period_and_since_when(
    ada_details, client, travel
):
    from .test_periods import renew

    renew(ada_details, date(2028, 3, 1), date(2030, 3, 1), date(2028, 1, 10))
    travel(date(2029, 5, 1))  # in period 2: valid, though period 1 ended a year ago
    body = client.get(f"/api/v1/verify/{ada_details.certificate_number}").json()
    assert (body["status"], body["valid"]) == ("valid", True)
    assert (body["activated_on"], body["expires_on"]) == ("2028-03-01", "2030-03-01")
    assert body["first_activated_on"] == "2026-03-01"
    html = client.get(f"/verify/{ada_details.certificate_number}").content.decode()
    assert "Certified since" in html and "1 March 2026" in html
    assert "1 March 2028" in html and "1 March 2030" in html


def test_a_suspended_renewed_certification_is_suspended(ada_details, client):
    from .test_periods import renew

    renew(ada_details, date(2028, 3, 1), date(2030, 3, 1), date(2026, 6, 1))
    Enrollment.objects.filter(pk=ada_details.pk).update(status=Status.INACTIVE)
    body = client.get(f"/api/v1/verify/{ada_details.certificate_number}").json()
    assert (body["status"], body["valid"], body["first_activated_on"]) == (
        "suspended",
        False,
        "2026-03-01",
    )


def test_cancelled_certification_is_revoked(ada_details, client, admin):
    services.perform(ada_details.pk, "cancel", admin, reason="Licence withdrawn")
    _, html = assert_outcome(client, ada_details, "revoked", False, "cancelled")
    assert ">Revoked<" in html
    assert "Licence withdrawn" not in html  # staff's reasons stay internal


def test_outcome_changes_the_moment_it_is_true(ada_details, client, travel):
    travel(datetime.fromisoformat("2028-03-01T23:59:00+00:00"))  # its last day: expiring
    assert check(client, ada_details.certificate_number)[0].json()["status"] == "expiring"
    travel(datetime.fromisoformat("2028-03-02T00:00:01+00:00"))
    assert check(client, ada_details.certificate_number)[0].json()["status"] == "expired"


def test_unknown_number_is_404(client, db):
    api, page = check(client, "CT-0000-0000-0000")
    assert api.status_code == 404
    assert api.json() == {"detail": "No certificate with this number."}
    assert page.status_code == 404
    assert "Certificate not found" in page.content.decode()


def test_enrollment_without_certificate_cannot_be_found(admin, make_contact, make_program, client):
    enrollment = services.add(make_contact().pk, make_program().pk, admin)
    assert enrollment.certificate_number is None
    assert client.get("/api/v1/verify/None").status_code == 404


def test_number_is_found_as_people_type_it(ada_details, client):
    number = ada_details.certificate_number
    typed = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalize_number(typed) == number
    assert client.get(f"/api/v1/verify/{typed}").json()["holder"] == "Ada Lovelace"


def test_lookup_form_goes_to_the_number_page(ada_details, client):
    number = ada_details.certificate_number
    response = client.get("/verify/", {"number": number.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{number}"


def test_verification_needs_no_token(ada_details):
    assert Client().get(f"/api/v1/verify/{ada_details.certificate_number}").status_code == 200


def test_verification_page_is_never_cached(ada_details, client):
    page = client.get(f"/verify/{ada_details.certificate_number}")
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]


# --- rate limit ----------------------------------------------------------------------


@pytest.fixture
def tight_limit(settings):
    settings.CERTTRACK_VERIFY_RATE_LIMIT = 3
    settings.CERTTRACK_VERIFY_RATE_WINDOW = 60


def test_too_many_requests_from_one_address_get_429(ada_details, tight_limit, travel):
    travel(datetime.fromisoformat("2026-06-01T12:00:05+00:00"))
    client = Client(REMOTE_ADDR="203.0.113.7")
    number = ada_details.certificate_number
    assert [client.get(f"/api/v1/verify/{number}").status_code for _ in range(3)] == [200] * 3
    refused = client.get(f"/api/v1/verify/{number}")
    assert refused.status_code == 429
    assert "Too many verification requests" in refused.json()["detail"]
    assert list(refused.json()) == ["detail"]  # no keys padded with nulls (an API trial)
    assert refused["Retry-After"] == "55"
    page = client.get(f"/verify/{number}")  # the page and the API share one budget
    assert page.status_code == 429
    assert "Too many verification requests" in page.content.decode()
    assert "Ada Lovelace" not in page.content.decode()


def test_limit_is_per_address(ada_details, tight_limit):
    number = ada_details.certificate_number
    busy = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        busy.get(f"/api/v1/verify/{number}")
    assert busy.get(f"/api/v1/verify/{number}").status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.get(f"/api/v1/verify/{number}").status_code == 200


def test_limit_resets_in_the_next_window(ada_details, tight_limit, travel):
    moment = travel(datetime.fromisoformat("2026-06-01T12:00:00+00:00"))
    client = Client(REMOTE_ADDR="203.0.113.7")
    number = ada_details.certificate_number
    for _ in range(4):
        client.get(f"/api/v1/verify/{number}")
    assert client.get(f"/api/v1/verify/{number}").status_code == 429
    travel(moment + timedelta(seconds=61))
    assert client.get(f"/api/v1/verify/{number}").status_code == 200
    # Ended windows are cleared as new ones begin.
    assert RateCounter.objects.filter(window_start__lt=moment).count() == 0


def test_unknown_numbers_count_too(db, tight_limit):
    # Guessing numbers is what the limit is for.
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get(f"/api/v1/verify/CT-0000-0000-000{i}").status_code for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_counts_are_kept_in_the_database(ada_details, tight_limit):
    # Shared by every server process, unlike a per-process memory cache.
    Client(REMOTE_ADDR="203.0.113.7").get(f"/api/v1/verify/{ada_details.certificate_number}")
    counter = RateCounter.objects.get()
    assert counter.key == "verify:203.0.113.7" and counter.count == 1


def test_outcome_uses_the_organization_today(ada_details, client, admin, travel):
    services.update_settings(admin, time_zone="Pacific/Kiritimati")  # UTC+14
    travel(datetime.fromisoformat("2028-03-01T12:00:00+00:00"))  # already 2 March there
    body = check(client, ada_details.certificate_number)[0].json()
    assert body["status"] == "expired" and body["as_of"] == "2028-03-02"
