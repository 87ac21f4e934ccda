"""Bad input: numbers too large for any id (issue 13) name nothing — a filter answers its
"unknown value" error, a path answers 404 — never a 500 (integer overflow on PostgreSQL,
OverflowError on SQLite)."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from certtrack.accounts.models import ApiToken

HUGE = "99999999999999999999"  # beyond 64 bits
BIG = str(2**63)  # one past the largest bigint


def _routes(resolver=None, prefix=""):
    """Every URL pattern of the project as (route text, pattern)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _paths_with_ids(number: str) -> list[str]:
    """Each route with an `<int:…>` part (Django) or `<id>` part (ninja), filled with `number`."""
    paths = []
    for route, _ in _routes():
        if "<int:" in route or re.search(r"<(int:)?\w*id>", route):
            path = re.sub(r"<int:\w+>|<(int:)?\w*id>", number, route).lstrip("^").rstrip("$")
            path = re.sub(r"<\w+:\w+>|<\w+>", "x", path)  # other converters: any value
            paths.append("/" + path)
    return sorted(set(paths))


@pytest.fixture
def everyone(admin_client, admin_user):
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(admin_user, 't')[1]}"})
    api.raise_request_exception = admin_client.raise_request_exception = False
    return admin_client, api


@pytest.mark.parametrize("number", [HUGE, BIG])
def test_a_huge_id_in_any_path_is_404(everyone, number):
    staff, api = everyone
    paths = _paths_with_ids(number)
    assert len(paths) > 15  # the walk found the routes
    for path in paths:
        client = api if path.startswith("/api/") else staff
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code in {302, 400, 404, 405}, (method, path, response)


@pytest.mark.parametrize("number", [HUGE, BIG])
def test_tracking_page_with_a_huge_program_says_the_value_is_unknown(admin_client, number):
    response = admin_client.get("/staff/tracking/", {"program": number})
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()


@pytest.mark.parametrize("number", [HUGE, BIG])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_back_office_exports_with_a_huge_program_answer_400(admin_client, number, fmt):
    response = admin_client.get(f"/staff/tracking/export.{fmt}", {"program": number})
    assert response.status_code == 400
    assert "Programs: Select a valid choice. " + number in response.content.decode()


@pytest.mark.parametrize("number", [HUGE, BIG])
@pytest.mark.parametrize(
    "path", ["/enrollments", "/enrollments/status-counts", "/enrollments/export.csv"]
)
def test_api_lists_and_exports_with_a_huge_program_answer_400(everyone, number, path):
    _, api = everyone
    response = api.get(f"/api/v1{path}", {"program": number})
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "program"
