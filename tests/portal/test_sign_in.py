"""Passwordless sign-in: one-time links by email, single use, 15 minutes, rate-limited."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.portal.models import SignInLink
from certtrack.portal.signin import SESSION_KEY, token_hash

from .conftest import BASE_URL, ask_for_link

pytestmark = pytest.mark.usefixtures("no_requests_yet")


def emailed_path() -> str:
    """The path of the link in the last email (the link itself starts with BASE_URL)."""
    match = re.search(re.escape(BASE_URL) + r"(/portal/sign-in/[^\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def signed_in_contact_id(client: Client):
    return client.session.get(SESSION_KEY)


def test_a_known_address_receives_a_one_time_link(pat):
    response = ask_for_link(Client(), "PAT@example.org")
    assert response.status_code == 200
    assert b"Check your email" in response.content
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.org"]
    assert "15 minutes" in mail.outbox[0].body
    assert emailed_path().startswith("/portal/sign-in/")


def test_an_unknown_address_gets_the_same_answer_and_no_email(pat):
    known = ask_for_link(Client(), "pat@example.org")
    unknown = ask_for_link(Client(), "nobody@example.org")
    assert unknown.status_code == known.status_code == 200
    strip = lambda r: r.content.decode().replace("nobody@example.org", "pat@example.org")  # noqa: E731
    assert _without_csrf(strip(unknown)) == _without_csrf(strip(known))
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_an_archived_contact_receives_no_link(pat, admin):
    services.archive_contact(pat.pk, admin)
    assert ask_for_link(Client(), "pat@example.org").status_code == 200
    assert mail.outbox == []


def test_only_a_hash_of_the_token_is_stored(pat):
    ask_for_link(Client(), "pat@example.org")
    token = emailed_path().rstrip("/").rsplit("/", 1)[1]
    link = SignInLink.objects.get()
    assert link.token_hash == token_hash(token) != token
    assert token not in link.token_hash


def test_opening_the_link_asks_for_confirmation_and_does_not_sign_in(pat):
    ask_for_link(Client(), "pat@example.org")
    scanner = Client()
    for _ in range(3):  # a mail scanner following the link, several times
        page = scanner.get(emailed_path())
        assert page.status_code == 200
        assert b'<form method="post">' in page.content
        assert page["Referrer-Policy"] == "same-origin"
    assert signed_in_contact_id(scanner) is None
    assert SignInLink.objects.get().used_at is None


def test_confirming_signs_the_contact_in(pat):
    ask_for_link(Client(), "pat@example.org")
    browser = Client()
    response = browser.post(emailed_path())
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert signed_in_contact_id(browser) == pat.pk
    home = browser.get("/portal/")
    assert home.status_code == 200 and b"My certifications" in home.content


def test_a_used_link_is_refused_and_gives_no_session(pat):
    ask_for_link(Client(), "pat@example.org")
    path = emailed_path()
    assert Client().post(path).status_code == 302
    second = Client()
    for response in (second.get(path), second.post(path)):
        assert response.status_code == 410
        assert b"already used" in response.content
    assert signed_in_contact_id(second) is None


def test_an_expired_link_is_refused_and_gives_no_session(pat, travel):
    start = travel(clock.now())
    ask_for_link(Client(), "pat@example.org")
    path = emailed_path()
    travel(start + timedelta(minutes=14, seconds=59))
    assert Client().get(path).status_code == 200  # still good, and not used by looking
    travel(start + timedelta(minutes=15))
    browser = Client()
    response = browser.post(path)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert signed_in_contact_id(browser) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:10],
        lambda token: token + "x",
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused_and_gives_no_session(pat, tamper):
    ask_for_link(Client(), "pat@example.org")
    token = emailed_path().rstrip("/").rsplit("/", 1)[1]
    browser = Client()
    for response in (
        browser.get(f"/portal/sign-in/{tamper(token)}/"),
        browser.post(f"/portal/sign-in/{tamper(token)}/"),
    ):
        assert response.status_code == 404
        assert b"not valid" in response.content
    assert signed_in_contact_id(browser) is None
    assert SignInLink.objects.get().used_at is None  # the real link still works
    assert Client().post(f"/portal/sign-in/{token}/").status_code == 302


def test_a_burst_of_requests_for_one_address_is_limited(pat, settings):
    settings.CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS = 3
    client = Client()
    answers = [ask_for_link(client, "pat@example.org", ip=f"198.51.100.{n}") for n in range(5)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert b"Too many sign-in requests" in answers[-1].content
    assert answers[-1]["Retry-After"] == "900"
    assert len(mail.outbox) == 3
    assert signed_in_contact_id(client) is None


def test_the_address_limit_counts_unknown_addresses_the_same_way(pat, settings):
    settings.CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS = 2
    answers = [ask_for_link(Client(), "nobody@example.org").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_a_burst_of_requests_from_one_ip_is_limited(pat, sam, settings):
    settings.CERTTRACK_PORTAL_SIGNIN_PER_IP = 4
    addresses = ["a@example.org", "b@example.org", "c@example.org", "pat@example.org"]
    for email in addresses:
        assert ask_for_link(Client(), email, ip="192.0.2.9").status_code == 200
    assert ask_for_link(Client(), "sam@example.org", ip="192.0.2.9").status_code == 429
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    # Another address from another IP is not affected.
    assert ask_for_link(Client(), "sam@example.org", ip="192.0.2.10").status_code == 200


def test_the_limit_lifts_after_the_window(pat, settings, travel):
    settings.CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS = 1
    start = travel(clock.now())
    assert ask_for_link(Client(), "pat@example.org").status_code == 200
    assert ask_for_link(Client(), "pat@example.org").status_code == 429
    travel(start + timedelta(minutes=16))
    assert ask_for_link(Client(), "pat@example.org").status_code == 200
    assert len(mail.outbox) == 2


def test_a_malformed_address_is_shown_next_to_the_field(db):
    response = Client().post("/portal/sign-in/", {"email": "not an address"})
    assert response.status_code == 200
    assert b'class="error"' in response.content
    assert mail.outbox == []


def test_signing_out_ends_the_contact_session(pat_client):
    assert pat_client.get("/portal/").status_code == 200
    assert pat_client.post("/portal/sign-out/").status_code == 302
    assert pat_client.get("/portal/")["Location"] == "/portal/sign-in/"


def test_portal_pages_need_a_contact_session(db, admin_user):
    staff = Client()
    staff.force_login(admin_user)  # staff auth does not make anyone a contact
    for client in (Client(), staff):
        response = client.get("/portal/")
        assert response.status_code == 302 and response["Location"] == "/portal/sign-in/"


def test_a_contact_session_is_not_a_staff_login(pat):
    ask_for_link(Client(), "pat@example.org")
    browser = Client()
    browser.post(emailed_path())
    assert "_auth_user_id" not in browser.session
    assert browser.get("/staff/admin/").status_code == 302  # to the staff login


def test_after_signing_in_the_contact_lands_on_the_page_they_asked_for(pat, program):
    enrollment = services.apply(pat.pk, program.pk, Actor.contact(pat))
    browser = Client()
    asked = f"/portal/enrollments/{enrollment.pk}/"
    response = browser.get(asked)
    assert (
        response["Location"]
        == f"/portal/sign-in/?next=%2Fportal%2Fenrollments%2F{enrollment.pk}%2F"
    )
    browser.get(response["Location"])
    ask_for_link(browser, "pat@example.org")
    assert browser.post(emailed_path())["Location"] == asked


def test_an_emailed_download_lands_on_its_page_which_starts_the_download(pat, program, admin):
    """A member's trial: the email's "Download your certificate" while signed out gave the
    PDF and left the browser on the used sign-in page. Now the sign-in opens the
    certification's page, which starts the download (once) and offers its link."""
    enrollment = services.record_existing(pat.pk, program.pk, date(2026, 3, 1), admin)
    asked = f"/portal/enrollments/{enrollment.pk}/certificate.pdf"
    browser = Client()
    browser.get(browser.get(asked)["Location"])
    ask_for_link(browser, "pat@example.org")
    landed = browser.post(emailed_path())["Location"]
    assert landed == f"/portal/enrollments/{enrollment.pk}/"
    page = browser.get(landed).content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={asked}">' in page
    assert f'If it does not, <a href="{asked}">download it here</a>' in page
    assert "http-equiv" not in browser.get(landed).content.decode()  # once
    response = browser.get(asked)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/portal/", "//evil.example/", "/staff/"]
)
def test_the_page_after_sign_in_is_always_in_the_portal(pat, elsewhere):
    browser = Client()
    browser.get("/portal/sign-in/", {"next": elsewhere})
    ask_for_link(browser, "pat@example.org")
    assert browser.post(emailed_path())["Location"] == "/portal/"


def test_a_spoofed_forwarded_for_does_not_escape_the_ip_limit(pat, sam, settings):
    settings.CERTTRACK_TRUSTED_PROXIES = 0
    settings.CERTTRACK_PORTAL_SIGNIN_PER_IP = 2
    answers = [
        ask_for_link(
            Client(), f"x{n}@example.org", ip="192.0.2.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
        for n in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 429]


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_limit(pat, sam, settings):
    settings.CERTTRACK_TRUSTED_PROXIES = 1
    settings.CERTTRACK_PORTAL_SIGNIN_PER_IP = 2
    answers = [
        ask_for_link(
            Client(), f"x{n}@example.org", ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
        for n in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 200]
