from certtrack.certification.models import Contact

from .conftest import error_detail


def test_creating_a_contact_returns_201_with_its_id(api):
    response = api.post(
        "/contacts",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.org",
            "organization": "Analytical Society",
            "external_id": "CRM-1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get(pk=body["id"])
    assert contact.email == "ada@example.org"
    assert body["organization"] == "Analytical Society"
    assert body["external_id"] == "CRM-1"


def test_an_email_no_mail_server_takes_is_refused_as_for_staff_users(api, unchanged):
    """More than 64 characters before the @ (RFC 5321): refused for a contact as the staff
    invitation refuses it (a new user's trial saved such a contact)."""
    with unchanged():
        response = api.post(
            "/contacts", {"first_name": "A", "last_name": "L", "email": f"{'a' * 65}@example.org"}
        )
        assert "longer than 64 characters" in error_detail(response, 422)
    assert response.json()["field"] == "email"
    ok = api.post("/contacts", {"first_name": "A", "last_name": "L", "email": f"{'a' * 64}@x.org"})
    assert ok.status_code == 201, ok.content


def test_a_duplicate_email_in_any_case_is_a_conflict(api, make_contact, unchanged):
    existing = make_contact(email="ada@example.org")
    with unchanged():
        response = api.post(
            "/contacts", {"first_name": "A", "last_name": "L", "email": "ADA@example.org"}
        )
        detail = error_detail(response, 409)
    assert "ADA@example.org" in detail
    assert response.json()["contact_id"] == existing.pk


def test_an_invalid_email_is_invalid(api, unchanged):
    with unchanged():
        response = api.post("/contacts", {"first_name": "A", "last_name": "L", "email": "ada"})
        detail = error_detail(response, 422)
    assert response.json()["field"] == "email"
    assert "email" in detail


def test_missing_fields_are_named(api, unchanged):
    with unchanged():
        detail = error_detail(api.post("/contacts", {"first_name": "Ada"}), 422)
    assert "last_name" in detail and "email" in detail


def test_a_body_that_is_not_json_is_malformed(api, unchanged):
    with unchanged():
        error_detail(api.post("/contacts", raw="{not json"), 400)
        # No body at all is malformed too (an API trial saw 422 "request body: Field
        # required"); JSON of the wrong shape is an invalid value.
        assert "no body" in error_detail(api.post("/contacts", raw=""), 400)
        error_detail(api.post("/contacts", raw="[]"), 422)


def test_contacts_are_listed_by_name_and_searched(api, make_contact):
    make_contact(first_name="Ada", last_name="Lovelace", organization="Analytical Society")
    make_contact(first_name="Grace", last_name="Hopper", organization="Navy")
    response = api.get("/contacts")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["page"] == 1 and body["page_size"] == 50
    assert [c["last_name"] for c in body["results"]] == ["Hopper", "Lovelace"]
    found = api.get("/contacts", {"q": "analytical"}).json()
    assert [c["first_name"] for c in found["results"]] == ["Ada"]


def test_contacts_are_paginated(api, make_contact):
    for _ in range(3):
        make_contact()
    body = api.get("/contacts", {"page": 2, "page_size": 2}).json()
    assert body["count"] == 3 and body["page"] == 2 and len(body["results"]) == 1


def test_a_page_size_above_500_is_reduced_to_500(api, make_contact):
    make_contact()
    assert api.get("/contacts", {"page_size": 10_000}).json()["page_size"] == 500


def test_a_malformed_page_number_is_a_bad_request(api):
    assert "page" in error_detail(api.get("/contacts", {"page": "first"}), 400)
    error_detail(api.get("/contacts", {"page": 0}), 400)


def test_one_contact_is_read_by_id(api, make_contact):
    contact = make_contact(first_name="Ada")
    response = api.get(f"/contacts/{contact.pk}")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Ada"


def test_an_unknown_contact_is_not_found(api):
    assert "999" in error_detail(api.get("/contacts/999"), 404)
    error_detail(api.get("/contacts/not-a-number"), 404)


def test_patching_a_contact_changes_the_fields_sent(api, make_contact):
    contact = make_contact(first_name="Ada", organization="Old")
    response = api.patch(f"/contacts/{contact.pk}", {"organization": "New"})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.first_name, contact.organization) == ("Ada", "New")


def test_patching_to_another_contacts_email_is_a_conflict(api, make_contact, unchanged):
    make_contact(email="taken@example.org")
    contact = make_contact()
    with unchanged():
        error_detail(api.patch(f"/contacts/{contact.pk}", {"email": "Taken@example.org"}), 409)


def test_patching_with_an_invalid_value_is_invalid(api, make_contact, unchanged):
    contact = make_contact()
    with unchanged():
        error_detail(api.patch(f"/contacts/{contact.pk}", {"email": "nope"}), 422)
        error_detail(api.patch(f"/contacts/{contact.pk}", {"first_name": None}), 422)


def test_patching_an_unknown_contact_is_not_found(api, unchanged):
    with unchanged():
        error_detail(api.patch("/contacts/999", {"first_name": "X"}), 404)
