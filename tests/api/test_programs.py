from certtrack.certification.models import Program

from .conftest import error_detail


def test_creating_a_program_with_components_returns_201(api, make_component):
    required, elective = make_component(), make_component()
    response = api.post(
        "/programs",
        {
            "name": "Certified Widget Inspector",
            "code": "CWI",
            "category": "Safety",
            "require_approval": True,
            "validity_months": 24,
            "credits_required": 3,
            "components": [
                {"component_id": required.pk, "required": True},
                {"component_id": elective.pk, "required": False},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    program = Program.objects.get(pk=body["id"])
    assert program.require_approval and program.validity_months == 24
    assert not program.completion_requires_approval
    links = {c["component_id"]: c["required"] for c in body["components"]}
    assert links == {required.pk: True, elective.pk: False}


def test_a_program_without_validity_never_expires(api):
    response = api.post("/programs", {"name": "Fellow", "credits_required": 10})
    assert response.status_code == 201
    assert response.json()["validity_months"] is None


def test_an_unknown_component_is_invalid(api, unchanged):
    with unchanged():
        response = api.post("/programs", {"name": "X", "components": [{"component_id": 999}]})
        assert "999" in error_detail(response, 422)


def test_a_zero_validity_is_invalid(api, unchanged):
    with unchanged():
        error_detail(api.post("/programs", {"name": "X", "validity_months": 0}), 422)


def test_a_duplicate_code_is_a_conflict(api, make_program, unchanged):
    make_program(code="CWI")
    with unchanged():
        response = api.post("/programs", {"name": "X", "code": "CWI"})
        error_detail(response, 409)
    assert response.json()["field"] == "code"
    other = make_program(code="OTHER")
    with unchanged():
        error_detail(api.patch(f"/programs/{other.pk}", {"code": "CWI"}), 409)


def test_a_code_differing_only_by_letter_case_is_a_conflict(
    api, make_program, make_component, unchanged
):
    """Codes are one whatever the case ("cwi" is CWI), for programs and components alike,
    created or changed (a new user's trial saved "cae" beside CAE); the program's own
    code in another case is its own."""
    cwi = make_program(code="CWI", name="Certified Widget Inspector")
    make_component(code="FORK-1")
    with unchanged():
        response = api.post("/programs", {"name": "X", "code": "cwi"})
        detail = error_detail(response, 409)
    assert response.json()["field"] == "code"
    assert "Certified Widget Inspector has the code CWI already" in detail
    other = make_program(code="OTHER")
    with unchanged():
        error_detail(api.patch(f"/programs/{other.pk}", {"code": "Cwi"}), 409)
        fork = {"name": "Fork", "kind": "course", "code": "fork-1"}
        error_detail(api.post("/components", fork), 409)
    assert api.patch(f"/programs/{cwi.pk}", {"code": "cwi"}).status_code == 200


def test_programs_are_listed_and_read(api, make_program):
    program = make_program(name="Alpha")
    body = api.get("/programs").json()
    assert body["count"] == 1 and body["results"][0]["name"] == "Alpha"
    assert len(body["results"][0]["components"]) == 1
    assert api.get(f"/programs/{program.pk}").json()["code"] == program.code


def test_an_unknown_program_is_not_found(api):
    error_detail(api.get("/programs/999"), 404)


def test_patching_a_program_changes_fields_and_replaces_components(
    api, make_program, make_component
):
    program = make_program(required=2)
    replacement = make_component()
    response = api.patch(
        f"/programs/{program.pk}",
        {"validity_months": None, "components": [{"component_id": replacement.pk}]},
    )
    assert response.status_code == 200, response.content
    program.refresh_from_db()
    assert program.validity_months is None
    assert [c["component_id"] for c in response.json()["components"]] == [replacement.pk]


def test_patching_without_components_keeps_them(api, make_program):
    program = make_program(required=2)
    response = api.patch(f"/programs/{program.pk}", {"name": "Renamed"})
    assert response.json()["name"] == "Renamed"
    assert len(response.json()["components"]) == 2


def test_patching_with_an_invalid_value_is_invalid(api, make_program, unchanged):
    program = make_program()
    with unchanged():
        error_detail(api.patch(f"/programs/{program.pk}", {"name": None}), 422)
        error_detail(
            api.patch(f"/programs/{program.pk}", {"components": [{"component_id": 999}]}), 422
        )


def test_patching_an_unknown_program_is_not_found(api, unchanged):
    with unchanged():
        error_detail(api.patch("/programs/999", {"name": "X"}), 404)
