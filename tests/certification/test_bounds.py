"""Values that make no sense are refused by one rule in the services, with the field named,
through the back-office forms, the portal and the API alike (issue 13, bad input):
credits and hours ≥ 0, 0 ≤ passing ≤ maximum score, completion dates from 1950-01-01 and
not in the future, a program needs a required component or a credits/hours threshold."""

from datetime import date

import pytest
from django.test import Client

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.errors import Invalid
from certtrack.certification.models import Completion, Component, Program
from tests.portal.conftest import signed_in

TODAY = date(2026, 6, 1)
EARNS = {"credits_earned": "0", "hours_earned": "0", "is_active": "on"}
COMPONENT = {"kind": "course", "name": "Site Safety", "code": "SS1"} | EARNS
EXAM = {"kind": "exam", "name": "Final Exam", "code": "FX1"} | EARNS
PROGRAM = {"name": "Safety Officer", "code": "SO", "is_active": "on"}


@pytest.fixture(autouse=True)
def today(travel):
    travel(TODAY)


@pytest.fixture
def staff(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def api(api_key) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_key}"})


def post_json(api: Client, path: str, body: dict):
    return api.post(f"/api/v1{path}", body, content_type="application/json")


def assert_422(response, field: str) -> str:
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    return response.json()["detail"]


# --- the rule, in the services ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "course", "credits_earned": -5}, "credits_earned"),
        ({"kind": "course", "hours_earned": -1}, "hours_earned"),
        (
            {"kind": "exam", "scoring": "scored", "max_score": -10, "passing_score": -20},
            "max_score",
        ),
        (
            {"kind": "exam", "scoring": "scored", "max_score": 10, "passing_score": -1},
            "passing_score",
        ),
        (
            {"kind": "exam", "scoring": "scored", "max_score": 10, "passing_score": 20},
            "passing_score",
        ),
    ],
)
def test_the_services_refuse_impossible_component_values(db, admin, fields, named):
    with pytest.raises(Invalid) as error:
        services.create_component(admin, name="X", **fields)
    assert error.value.field == named
    assert "onstraint" not in error.value.message
    assert not Component.objects.filter(name="X").exists()


def test_a_program_needs_a_required_component_or_a_threshold(db, admin, make_component):
    elective = make_component()
    with pytest.raises(Invalid) as error:
        services.create_program(admin, name="Empty")
    assert error.value.field == "components"
    with pytest.raises(Invalid):
        services.create_program(
            admin,
            name="Only electives",
            components=[{"component_id": elective.pk, "required": False}],
        )
    assert not Program.objects.exists()
    # Either is enough.
    services.create_program(
        admin,
        name="By credits",
        credits_required=3,
        components=[{"component_id": elective.pk, "required": False}],
    )
    kept = services.create_program(
        admin, name="By a course", components=[{"component_id": elective.pk}]
    )
    with pytest.raises(Invalid) as error:
        services.update_program(kept.pk, admin, components=[])
    assert error.value.field == "components"
    assert kept.links.count() == 1


@pytest.mark.parametrize(
    ("completed_on", "word"),
    [(date(1900, 1, 1), "1950"), (date(1949, 12, 31), "1950"), (date(2026, 6, 2), "future")],
)
def test_completion_dates_before_1950_or_in_the_future_are_refused(
    db, admin, make_contact, make_component, completed_on, word
):
    with pytest.raises(Invalid) as error:
        services.record_completion(make_contact().pk, make_component().pk, completed_on, admin)
    assert error.value.field == "completed_on" and word in error.value.message
    assert not Completion.objects.exists()


# --- back-office forms ------------------------------------------------------------------


def test_back_office_negative_credits_are_an_error_on_the_field(staff):
    response = staff.post("/staff/setup/components/new/", COMPONENT | {"credits_earned": "-5"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "credits_earned" in errors, errors
    assert "onstraint" not in str(errors)
    assert not Component.objects.filter(code="SS1").exists()


def test_back_office_exam_with_negative_scores_is_an_error_on_the_field(staff):
    data = EXAM | {"scoring": "scored", "max_score": "-10", "passing_score": "-20"}
    response = staff.post("/staff/setup/components/new/", data)
    assert response.status_code == 200
    assert "max_score" in response.context["form"].errors
    assert not Component.objects.filter(code="FX1").exists()


def test_back_office_passing_above_maximum_is_said_under_the_field_in_words(staff):
    """From a new user's trial: the message under the field began "passing_score: "."""
    data = EXAM | {"scoring": "scored", "max_score": "50", "passing_score": "60"}
    response = staff.post("/staff/setup/components/new/", data)
    assert response.context["form"].errors["passing_score"] == [
        "The passing score exceeds the maximum score."
    ]


def test_back_office_program_without_components_or_threshold_is_refused(staff, make_component):
    elective = make_component()
    response = staff.post(
        "/staff/setup/programs/new/", PROGRAM | {f"component_{elective.pk}": "elective"}
    )
    assert response.status_code == 200
    errors = str(response.context["form"].errors)
    assert "required component" in errors
    assert not Program.objects.filter(code="SO").exists()


def test_portal_self_report_dated_1900_is_an_error_on_the_date(make_contact, make_program):
    pat = make_contact(first_name="Pat")
    program = make_program()
    course = program.components.get()
    enrollment = services.apply(pat.pk, program.pk, Actor.contact(pat))
    response = signed_in(pat).post(
        f"/portal/enrollments/{enrollment.pk}/report/",
        {"component": course.pk, "completed_on": "1900-01-01", "note": "long ago"},
    )
    assert response.status_code == 200
    assert "completed_on" in response.context["form"].errors
    assert "1950" in str(response.context["form"].errors["completed_on"])
    assert not Completion.objects.exists()


# --- API --------------------------------------------------------------------------------


def test_api_refuses_the_same_values_naming_the_field(api, make_contact, make_component):
    assert_422(
        post_json(api, "/components", {"kind": "course", "name": "X", "credits_earned": -5}),
        "credits_earned",
    )
    exam = {"kind": "exam", "name": "E", "scoring": "scored", "max_score": 10, "passing_score": 20}
    assert_422(post_json(api, "/components", exam), "passing_score")
    assert "required component" in assert_422(
        post_json(api, "/programs", {"name": "Empty"}), "components"
    )
    completion = {
        "contact_id": make_contact().pk,
        "component_id": make_component().pk,
        "completed_on": "1900-01-01",
    }
    assert "1950" in assert_422(post_json(api, "/completions", completion), "completed_on")
    assert not Program.objects.exists() and not Completion.objects.exists()
