"""Every operation that declares bearer security refuses a request without a valid token."""

import re

import pytest
from django.test import Client

from certtrack.api.api import api as ninja_api

from .conftest import error_detail


def secured_operations() -> list[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if operation.get("security"):
                concrete = re.sub(r"\{action\}", "approve", path)
                operations.append((method, re.sub(r"\{[^}]+\}", "1", concrete)))
    return operations


OPERATIONS = secured_operations()


def test_every_operation_of_the_contract_is_secured():
    paths = {path for _, path in OPERATIONS}
    for expected in [
        "/api/v1/settings",
        "/api/v1/contacts",
        "/api/v1/contacts/1",
        "/api/v1/components",
        "/api/v1/components/1",
        "/api/v1/programs",
        "/api/v1/programs/1",
        "/api/v1/programs/1/apply",
        "/api/v1/enrollments",
        "/api/v1/enrollments/1",
        "/api/v1/enrollments/status-counts",
        "/api/v1/enrollments/export.csv",
        "/api/v1/enrollments/1/actions/approve",
        "/api/v1/completions",
        "/api/v1/completions/1/approve",
        "/api/v1/completions/1/reject",
        "/api/v1/completions/1",
    ]:
        assert expected in paths


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz"])
def test_a_request_without_a_valid_token_is_unauthorized(db, method, path, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = getattr(Client(), method)(path, **headers)
    assert "token" in error_detail(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_of_a_deactivated_user_is_unauthorized(api, admin_user):
    admin_user.is_active = False
    admin_user.save()
    error_detail(api.get("/contacts"), 401)


def test_schema_and_docs_are_served_with_local_assets(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "://" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', docs))
