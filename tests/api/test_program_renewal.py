"""Programs' renewal settings and completion_recency_months (API.md Programs)."""

import pytest

from certtrack.certification.models import Program

from .conftest import error_detail


def test_a_new_program_has_the_default_renewal_settings(api):
    body = api.post("/programs", {"name": "Fellow", "credits_required": 10}).json()
    assert {k: body[k] for k in body if k.startswith(("renewal_", "completion_recency"))} == {
        "completion_recency_months": None,
        "renewal_window_days": 90,
        "renewal_grace_days": 0,
        "renewal_base": "previous_expiry",
        "renewal_requirements": "repeat",
        "renewal_credits_required": None,
        "renewal_hours_required": None,
    }


def test_renewal_settings_are_saved_read_and_patched(api, make_component):
    core, other = make_component(), make_component()
    response = api.post(
        "/programs",
        {
            "name": "Inspector",
            "validity_months": 24,
            "completion_recency_months": 36,
            "renewal_window_days": 60,
            "renewal_grace_days": 30,
            "renewal_base": "renewal_date",
            "renewal_requirements": "credits",
            "renewal_credits_required": 20,
            "renewal_hours_required": 12.5,
            "components": [
                {"component_id": core.pk, "required": True, "required_for_renewal": True},
                {"component_id": other.pk, "required": False},
            ],
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    body = api.get(f"/programs/{pk}").json()
    assert (body["renewal_base"], body["renewal_credits_required"]) == ("renewal_date", 20.0)
    assert body["renewal_hours_required"] == 12.5 and body["completion_recency_months"] == 36
    flags = {c["component_id"]: c["required_for_renewal"] for c in body["components"]}
    assert flags == {core.pk: True, other.pk: False}

    patched = api.patch(
        f"/programs/{pk}", {"renewal_grace_days": 0, "completion_recency_months": None}
    )
    assert patched.status_code == 200
    program = Program.objects.get(pk=pk)
    assert (program.renewal_grace_days, program.completion_recency_months) == (0, None)
    assert program.renewal_window_days == 60


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"renewal_window_days": -1}, "renewal_window_days"),
        ({"renewal_grace_days": -5}, "renewal_grace_days"),
        ({"completion_recency_months": 0}, "completion_recency_months"),
        ({"renewal_base": "whenever"}, "renewal_base"),
        ({"renewal_requirements": "some"}, "renewal_requirements"),
        ({"renewal_credits_required": 10}, "renewal_credits_required"),
        ({"renewal_hours_required": 4}, "renewal_hours_required"),
        (
            {"renewal_requirements": "credits", "renewal_credits_required": -1},
            "renewal_credits_required",
        ),
    ],
)
def test_out_of_range_renewal_settings_are_refused_naming_the_field(api, unchanged, body, field):
    with unchanged():
        assert field in error_detail(api.post("/programs", {"name": "X", **body}), 422)


def test_patching_credits_onto_a_repeat_program_is_refused(api, make_program, unchanged):
    program = make_program()
    with unchanged():
        detail = error_detail(
            api.patch(f"/programs/{program.pk}", {"renewal_credits_required": 5}), 422
        )
    assert "renewal_credits_required" in detail and "credits" in detail
    assert Program.objects.get(pk=program.pk).renewal_credits_required is None


def test_required_for_renewal_names_a_component_of_the_program(api, unchanged):
    with unchanged():
        detail = error_detail(
            api.post(
                "/programs",
                {"name": "X", "components": [{"component_id": 999, "required_for_renewal": True}]},
            ),
            422,
        )
    assert "999" in detail


def test_renewing_by_credits_must_ask_for_something(api, make_component):
    """From a new user's trial: "Credits and hours" with nothing to earn was saved."""
    core = make_component()
    body = {
        "name": "Empty renewal",
        "validity_months": 12,
        "renewal_requirements": "credits",
        "components": [{"component_id": core.pk, "required": True}],
    }
    response = api.post("/programs", body)
    assert response.status_code == 422
    assert response.json()["field"] == "renewal_requirements"
    assert not Program.objects.filter(name="Empty renewal").exists()
    # Any one of the three makes it a rule.
    body["components"][0]["required_for_renewal"] = True
    assert api.post("/programs", body).status_code == 201
