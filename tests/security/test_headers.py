"""Security headers: CSP, nosniff, no-store on private pages, HTTPS when the base URL is."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest

import certtrack.settings as certtrack_settings


def test_every_page_has_a_strict_content_security_policy_and_nosniff(client):
    response = client.get("/staff/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert "style-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["/staff/tracking/", "/staff/tracking/export.csv", "/staff/tracking/export.xlsx", "/staff/"],
)
def test_staff_pages_and_exports_are_never_stored(client, admin_user, path):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


def test_the_api_is_never_stored(client, api_key):
    for path in ("/api/v1/ping", "/api/v1/enrollments/export.csv"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {api_key}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_the_public_landing_page_may_be_cached(client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


def test_a_staff_session_ends_after_8_idle_hours_and_use_extends_it(client, admin_user, travel):
    start = travel(datetime(2026, 6, 1, 9, tzinfo=UTC))
    client.force_login(admin_user)
    assert client.get("/staff/tracking/").status_code == 200
    assert client.session.get_expiry_age() == 8 * 3600
    travel(start + timedelta(hours=7))
    assert client.get("/staff/tracking/").status_code == 200  # in use: 8 more hours
    travel(start + timedelta(hours=14))
    assert client.get("/staff/tracking/").status_code == 200
    travel(start + timedelta(hours=22, minutes=1))  # 8 idle hours and a minute
    assert client.get("/staff/tracking/")["Location"].startswith("/staff/login/")


def test_an_unknown_host_is_refused(client):
    assert client.get("/", HTTP_HOST="evil.example.com").status_code == 400
    assert client.get("/", HTTP_HOST="127.0.0.1").status_code == 200


@pytest.fixture
def settings_from(monkeypatch):
    """The settings module as read with these environment variables (restored after)."""

    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(certtrack_settings)

    yield load
    monkeypatch.undo()
    importlib.reload(certtrack_settings)


def test_an_https_base_url_turns_on_hsts_the_redirect_and_its_host(settings_from):
    loaded = settings_from(
        CERTTRACK_BASE_URL="https://certs.example.org", CERTTRACK_SESSION_IDLE_HOURS="2"
    )
    assert loaded.SECURE_SSL_REDIRECT and loaded.SECURE_HSTS_SECONDS >= 180 * 24 * 3600
    assert loaded.SESSION_COOKIE_SECURE and loaded.CSRF_COOKIE_SECURE
    assert "certs.example.org" in loaded.ALLOWED_HOSTS and "*" not in loaded.ALLOWED_HOSTS
    assert loaded.SESSION_COOKIE_AGE == 2 * 3600


def test_an_http_base_url_neither_redirects_nor_sends_hsts(settings_from):
    loaded = settings_from(CERTTRACK_BASE_URL="http://127.0.0.1:8000")
    assert not getattr(loaded, "SECURE_SSL_REDIRECT", False)
    assert not getattr(loaded, "SECURE_HSTS_SECONDS", 0)


def test_with_https_on_plain_http_redirects_and_over_https_sends_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/staff/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/staff/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
