"""The credential endpoints are described correctly in the published OpenAPI schema."""


def test_schema_describes_the_credential_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    pdf = paths["/api/v1/enrollments/{id}/certificate.pdf"]["get"]
    assert list(pdf["responses"]["200"]["content"]) == ["application/pdf"]
    assert {"401", "404", "409"} <= pdf["responses"].keys()

    credential = paths["/api/v1/enrollments/{id}/credential"]["get"]
    assert list(credential["responses"]["200"]["content"]) == [
        "application/vc+jwt",
        "application/json",
    ]
    assert {"401", "404", "409"} <= credential["responses"].keys()

    verify = paths["/api/v1/verify/{certificate_number}"]["get"]
    assert "security" not in verify  # public
    assert {"200", "404", "429"} <= verify["responses"].keys()


def test_verification_schema_lists_the_contract_fields(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    fields = schemas["Verification"]["properties"]
    contract = {"valid", "status", "holder", "program", "activated_on", "expires_on"}
    assert contract | {"first_activated_on"} <= fields.keys()
    # API.md's words only: a day before the certification is a 404, not a fifth status
    assert fields["status"]["enum"] == ["valid", "expiring", "expired", "suspended", "revoked"]
    assert "email" not in fields
