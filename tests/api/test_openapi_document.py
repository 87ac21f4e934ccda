"""The OpenAPI document as client generators read it (issue 19, docs/integrations.md)."""

import json
import re
from datetime import date

import pytest
from django.test import Client

from certtrack.certification import services
from certtrack.certification.renewal import RenewalState
from certtrack.certification.statuses import ACTIONS, Status

REF = "#/components/schemas/"


@pytest.fixture(scope="module")
def document():
    return Client().get("/api/v1/openapi.json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def properties(document):
    """(schema name, property name, property schema) of every component."""
    for name, schema in document["components"]["schemas"].items():
        for prop, spec in schema.get("properties", {}).items():
            yield name, prop, spec


def test_optional_bodies_are_optional_not_anyof_null(document):
    optional = set()
    for where, operation in operations(document):
        body = operation.get("requestBody")
        if not body or "application/json" not in body["content"]:
            continue  # a file upload (multipart) is required by nature
        schema = body["content"]["application/json"]["schema"]
        assert "anyOf" not in schema, where
        if not body.get("required", False):
            optional.add(operation["operationId"])
    assert {"perform_action", "approve_completion", "reject_completion"} <= optional


def test_each_enum_is_one_named_component_derived_from_the_domain(document):
    schemas = document["components"]["schemas"]
    assert schemas["Status"]["enum"] == Status.values
    assert schemas["Action"]["enum"] == list(ACTIONS)
    assert schemas["RenewalState"]["enum"] == [s.value for s in RenewalState]
    assert schemas["ComponentKind"]["enum"] == ["course", "exam", "task", "event"]
    named = {tuple(s["enum"]) for s in schemas.values() if "enum" in s}
    for schema, prop, spec in properties(document):
        # No model repeats a named enum inline.
        assert tuple(spec.get("enum", ())) not in named, (schema, prop)
    assert schemas["EnrollmentOut"]["properties"]["status"]["$ref"] == REF + "Status"
    assert schemas["Renewal"]["properties"]["state"]["$ref"] == REF + "RenewalState"
    action = document["paths"]["/api/v1/enrollments/{id}/actions/{action}"]["post"]
    (parameter,) = [p for p in action["parameters"] if p["name"] == "action"]
    assert parameter["schema"] == {"$ref": REF + "Action"}


def test_status_counts_are_ten_required_integers_and_a_total(document):
    schemas = document["components"]["schemas"]
    counts_ref = schemas["StatusCounts"]["properties"]["counts"]["$ref"]
    counts = schemas[counts_ref.removeprefix(REF)]
    assert sorted(counts["required"]) == sorted(Status.values) and len(Status.values) == 10
    assert {spec["type"] for spec in counts["properties"].values()} == {"integer"}
    assert "additionalProperties" not in counts
    assert set(schemas["StatusCounts"]["required"]) == {"counts", "total"}


def test_operation_ids_are_short_unique_names(document):
    ids = [operation["operationId"] for _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z][a-z_]{2,29}", operation_id), operation_id
    assert {"list_enrollments", "perform_action", "get_enrollment", "get_credential"} <= set(ids)


def test_the_error_schema_declares_every_field_an_error_body_carries(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    fields = {"detail", "field", "contact_id", "enrollment_id", "status", "parameter", "errors"}
    assert fields <= set(error["properties"])
    # Every operation's error responses use this one schema.
    for where, operation in operations(document):
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": REF + "Error"}, (where, code)


def test_a_code_or_email_already_used_is_a_documented_409(document):
    """An API trial: POST /components and /programs and PATCH /programs answered 409 for a
    code already used, which their operations did not list (a generated client would not
    expect it)."""
    paths = document["paths"]
    for path, method in [
        ("/api/v1/components", "post"),
        ("/api/v1/programs", "post"),
        ("/api/v1/programs/{id}", "patch"),
        ("/api/v1/contacts", "post"),
        ("/api/v1/contacts/{id}", "patch"),
    ]:
        assert "409" in paths[path][method]["responses"], (method, path)


def test_filters_are_typed(document):
    listing = document["paths"]["/api/v1/enrollments"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["status"]["schema"] == {"type": "array", "items": {"$ref": REF + "Status"}}
    assert parameters["status"]["explode"] is False  # comma-separated, as API.md says
    assert parameters["program"]["schema"]["items"]["type"] == "integer"
    assert parameters["expires_from"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["expires_within_days"]["schema"]["type"] == "integer"
    assert parameters["updated_since"]["schema"] == {"type": "string", "format": "date-time"}
    assert parameters["ordering"]["schema"] == {"$ref": REF + "Ordering"}
    assert "-expires_on" in document["components"]["schemas"]["Ordering"]["enum"]


def test_history_changes_and_the_delete_are_typed(document):
    schemas = document["components"]["schemas"]
    changes = schemas["HistoryEntry"]["properties"]["changes"]
    assert changes["type"] == "object" and changes["additionalProperties"] is not True
    delete = document["paths"]["/api/v1/completions/{id}"]["delete"]
    assert "content" not in delete["responses"]["204"]
    assert delete["operationId"] == "delete_completion"


def test_binary_responses_have_their_media_types(document):
    paths = document["paths"]
    pdf = paths["/api/v1/enrollments/{id}/certificate.pdf"]["get"]["responses"]["200"]
    assert pdf["content"]["application/pdf"]["schema"]["format"] == "binary"
    credential = paths["/api/v1/enrollments/{id}/credential"]["get"]["responses"]["200"]
    assert set(credential["content"]) == {"application/vc+jwt", "application/json"}
    assert credential["content"]["application/json"]["schema"] == {"$ref": REF + "CredentialJson"}
    assert document["components"]["schemas"]["CredentialJson"]["required"] == ["jwt"]
    export = paths["/api/v1/enrollments/export.csv"]["get"]["responses"]["200"]
    assert list(export["content"]) == ["text/csv"]


@pytest.fixture
def certified(db, admin, make_contact, make_program):
    contact = make_contact()
    program = make_program(validity_months=24)
    return services.record_existing(contact.pk, program.pk, date(2026, 3, 1), admin)


def test_the_credential_as_json_on_accept_json(api_key, certified):
    client = Client(headers={"Authorization": f"Bearer {api_key}"})
    path = f"/api/v1/enrollments/{certified.pk}/credential"
    token = client.get(path)
    assert token["Content-Type"] == "application/vc+jwt"
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert as_json["Content-Type"] == "application/json"
    assert json.loads(as_json.content) == {"jwt": token.content.decode()}
    assert as_json["Vary"] == "Accept"
    # A client that prefers the token itself gets the token.
    both = client.get(path, headers={"Accept": "application/vc+jwt, application/json;q=0.5"})
    assert both["Content-Type"] == "application/vc+jwt"


def test_an_action_without_a_body_has_no_reason(api, make_contact, make_program):
    program = make_program(require_approval=True)
    contact = make_contact()
    applied = api.post(f"/programs/{program.pk}/apply", {"contact_id": contact.pk}).json()
    # As a generated client sends it: no body, no Content-Type.
    response = api.client.generic(
        "POST",
        f"/api/v1/enrollments/{applied['id']}/actions/approve",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"


def test_a_repeated_list_parameter_means_the_same_as_comma_separated(
    api, make_contact, make_program, admin
):
    program = make_program()
    for _ in range(2):
        services.add(make_contact().pk, program.pk, admin)
    services.record_existing(make_contact().pk, program.pk, date.today(), admin)
    comma = api.get("/enrollments", {"status": "in_progress,active"}).json()
    repeated = api.client.get(
        "/api/v1/enrollments?status=in_progress&status=active",
        headers={"Authorization": f"Bearer {api.token}"},
    ).json()
    assert comma["count"] == repeated["count"] == 3
    only = api.get("/enrollments", {"status": "active"}).json()
    assert only["count"] == 1
