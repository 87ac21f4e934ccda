"""An API client with a staff token, and helpers to show a refused request changed nothing."""

import json

import pytest
from django.test import Client

from certtrack.accounts.models import ApiToken

BASE = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON to /api/v1 with a bearer token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(BASE + path, params or {}, **self._headers())

    def _send(self, method: str, path: str, body=None, raw: str | None = None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return getattr(self.client, method)(
            BASE + path, data, content_type="application/json", **self._headers()
        )

    def post(self, path: str, body=None, raw: str | None = None):
        return self._send("post", path, body, raw)

    def patch(self, path: str, body=None, raw: str | None = None):
        return self._send("patch", path, body, raw)

    def delete(self, path: str, params: dict | None = None):
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        return self.client.delete(BASE + path + query, **self._headers())


@pytest.fixture
def api(api_key) -> ApiClient:
    """A client with an administrator's token."""
    return ApiClient(api_key)


@pytest.fixture
def staff_api(staff_user) -> ApiClient:
    """A client with the token of a staff user who is not an administrator."""
    return ApiClient(ApiToken.issue(staff_user, "staff tests")[1])


@pytest.fixture
def anonymous(db) -> ApiClient:
    return ApiClient(None)


def snapshot() -> dict:
    """Every row of the domain's tables: compare before and after a refused request."""
    from certtrack.certification import models

    tables = [
        models.Contact,
        models.Component,
        models.Program,
        models.ProgramComponent,
        models.Completion,
        models.Enrollment,
        models.History,
        models.GeneralSettings,
    ]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}


@pytest.fixture
def unchanged(db):
    """`with unchanged(): ...` fails if the block changed any domain row."""
    from contextlib import contextmanager

    from certtrack.certification.models import GeneralSettings

    GeneralSettings.get()  # the one settings row exists before, so reads do not "change" it

    @contextmanager
    def check():
        before = snapshot()
        yield
        assert snapshot() == before, "a refused request changed the database"

    return check


def error_detail(response, status: int) -> str:
    """Assert the status and the error body `{"detail": "<string>"}`; return the detail."""
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"], body
    return body["detail"]
