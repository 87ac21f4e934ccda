from certtrack.certification.models import Component

from .conftest import error_detail


def test_creating_a_component_returns_201_with_its_id(api, make_component):
    course = make_component()
    response = api.post(
        "/components",
        {
            "name": "Final exam",
            "code": "EXAM-1",
            "kind": "exam",
            "credits_earned": 2.5,
            "hours_earned": 3,
            "requires_approval": True,
            "scoring": "scored",
            "max_score": 100,
            "passing_score": 70,
            "prerequisite_ids": [course.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    exam = Component.objects.get(pk=body["id"])
    assert exam.kind == "exam" and exam.requires_approval
    assert body["passing_score"] == 70 and body["credits_earned"] == 2.5
    assert body["prerequisite_ids"] == [course.pk]


def test_a_code_is_made_from_the_name_when_none_is_given(api):
    response = api.post("/components", {"name": "Ethics Webinar", "kind": "event"})
    assert response.status_code == 201
    assert response.json()["code"]


def test_an_unknown_prerequisite_is_invalid(api, unchanged):
    with unchanged():
        response = api.post(
            "/components", {"name": "X", "kind": "course", "prerequisite_ids": [999]}
        )
        assert "999" in error_detail(response, 422)


def test_an_unknown_kind_is_invalid(api, unchanged):
    with unchanged():
        assert "kind" in error_detail(api.post("/components", {"name": "X", "kind": "poem"}), 422)


def test_a_scored_exam_passing_above_its_maximum_is_invalid(api, unchanged):
    with unchanged():
        response = api.post(
            "/components",
            {
                "name": "X",
                "kind": "exam",
                "scoring": "scored",
                "max_score": 10,
                "passing_score": 20,
            },
        )
        assert "passing" in error_detail(response, 422)


def test_components_are_listed(api, make_component):
    make_component(name="Beta")
    make_component(name="Alpha")
    body = api.get("/components").json()
    assert body["count"] == 2
    assert [c["name"] for c in body["results"]] == ["Alpha", "Beta"]


def test_one_component_is_read_by_id(api, make_component):
    component = make_component(name="Alpha")
    assert api.get(f"/components/{component.pk}").json()["name"] == "Alpha"


def test_an_unknown_component_is_not_found(api):
    error_detail(api.get("/components/999"), 404)


def test_a_duplicate_code_is_a_conflict(api, make_component, unchanged):
    make_component(code="WLD-101")
    with unchanged():
        response = api.post("/components", {"name": "Welding", "code": "WLD-101", "kind": "course"})
        error_detail(response, 409)
    assert response.json()["field"] == "code"
