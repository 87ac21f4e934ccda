"""Every error under /api/v1 is JSON `{"detail": ...}` (issue 13, bad input): too large a
body (413), an unknown path (404), a wrong method (405), a crash (500), and gunicorn's own
answers to too long a URI (414) or too large headers (431) from a real `certtrack serve`."""

import http.client
import json

import pytest
from django.test import Client

from certtrack.certification.models import GeneralSettings
from tests.processes import start_server

from .conftest import BASE


def assert_json_error(response, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


def test_body_over_the_size_limit_is_413_json_and_changes_nothing(api, settings, unchanged):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with unchanged():
        response = api.post("/contacts", {"email": "a@example.org", "first_name": "x" * 2000})
    assert "too large" in assert_json_error(response, 413)


def test_unknown_path_under_the_api_is_json_404(api):
    assert_json_error(api.get("/no-such-thing"), 404)
    assert_json_error(Client().get(f"{BASE}/../api/v1/nothing/here/"), 404)


def test_wrong_method_is_json_405(api):
    assert_json_error(api.delete("/settings"), 405)


def test_crash_under_the_api_is_json_500(api, monkeypatch):
    def crash():
        raise RuntimeError("boom")

    monkeypatch.setattr(GeneralSettings, "get", crash)
    api.client.raise_request_exception = False
    detail = assert_json_error(api.get("/settings"), 500)
    assert "boom" not in detail  # the traceback stays in the log


def test_pages_outside_the_api_keep_html_errors(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- a real `certtrack serve` ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`certtrack serve` on SQLite in a fresh data dir (the answers tested come before any
    database work), on a free port; stopped at the end."""
    proc, port = start_server(tmp_path_factory.mktemp("serve"))
    yield port
    proc.terminate()
    proc.wait(timeout=10)


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status_code = response.status
        self.headers = dict(response.getheaders())
        self.content = response.read()

    def __getitem__(self, name: str) -> str:
        return self.headers[name]


def request(port: int, path: str, headers: dict | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        return Answer(connection.getresponse())
    finally:
        connection.close()


def test_served_uri_too_long_is_json_414(server):
    detail = assert_json_error(request(server, f"{BASE}/contacts?search={'x' * 10_000}"), 414)
    assert "URI" in detail or "line" in detail.lower()


def test_served_headers_too_large_are_json_431(server):
    assert_json_error(request(server, f"{BASE}/ping", {"X-Big": "x" * 10_000}), 431)
    many = {f"X-H{i}": "1" for i in range(200)}
    assert_json_error(request(server, f"{BASE}/ping", many), 431)


def test_served_unknown_api_path_is_json_404(server):
    assert_json_error(request(server, f"{BASE}/no-such-thing"), 404)
