from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import Completion, Enrollment, History

from .conftest import error_detail


def test_recording_a_completion_is_approved_and_can_certify(api, admin, make_contact, make_program):
    program = make_program()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin)
    component = program.links.get().component
    response = api.post(
        "/completions",
        {
            "contact_id": contact.pk,
            "component_id": component.pk,
            "completed_on": date.today().isoformat(),
            "note": "from the LMS",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "approved" and body["passed"] is True and body["source"] == "api"
    assert Completion.objects.get(pk=body["id"]).note == "from the LMS"
    enrollment.refresh_from_db()
    assert enrollment.status == "active"


def test_a_completion_of_a_component_requiring_approval_is_pending(
    api, make_contact, make_component
):
    component = make_component(requires_approval=True)
    body = api.post(
        "/completions",
        {
            "contact_id": make_contact().pk,
            "component_id": component.pk,
            "completed_on": date.today().isoformat(),
        },
    ).json()
    assert body["state"] == "pending"


def test_a_failed_exam_is_recorded_as_not_passed(api, make_contact, make_component):
    exam = make_component(kind="exam", scoring="scored", max_score=100, passing_score=70)
    response = api.post(
        "/completions",
        {
            "contact_id": make_contact().pk,
            "component_id": exam.pk,
            "completed_on": date.today().isoformat(),
            "score": 55,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["passed"] is False and response.json()["score"] == 55


def test_a_completion_in_the_future_is_invalid(api, make_contact, make_component, unchanged):
    body = {
        "contact_id": make_contact().pk,
        "component_id": make_component().pk,
        "completed_on": "2999-01-01",
    }
    with unchanged():
        response = api.post("/completions", body)
        assert "future" in error_detail(response, 422)
    assert response.json()["field"] == "completed_on"


@pytest.mark.parametrize(
    "day", ["yesterday", "20261120", "2026-11-20T00:00:00", "2026-02-30", 1763596800]
)
def test_a_malformed_date_is_invalid(api, make_contact, make_component, unchanged, day):
    """API.md: dates are YYYY-MM-DD (an API trial: a time was taken as a date, and
    "20261120" got "Datetimes provided to dates should have zero time")."""
    body = {
        "contact_id": make_contact().pk,
        "component_id": make_component().pk,
        "completed_on": day,
    }
    with unchanged():
        detail = error_detail(api.post("/completions", body), 422)
    assert "completed_on" in detail and "YYYY-MM-DD" in detail and "Datetimes" not in detail


def test_a_completion_for_an_unknown_contact_is_not_found(api, make_component, unchanged):
    body = {"contact_id": 999, "component_id": make_component().pk, "completed_on": "2026-01-01"}
    with unchanged():
        error_detail(api.post("/completions", body), 404)


def test_a_completion_before_its_prerequisite_is_a_conflict(
    api, make_contact, make_component, unchanged
):
    basics = make_component()
    advanced = make_component(prerequisite_ids=[basics.pk])
    body = {
        "contact_id": make_contact().pk,
        "component_id": advanced.pk,
        "completed_on": date.today().isoformat(),
    }
    with unchanged():
        assert basics.name in error_detail(api.post("/completions", body), 409)


def pending(services_admin, contact, component) -> Completion:
    return services.record_completion(contact.pk, component.pk, date.today(), services_admin)


def test_approving_a_pending_completion(api, admin, make_contact, make_component):
    completion = pending(admin, make_contact(), make_component(requires_approval=True))
    response = api.post(f"/completions/{completion.pk}/approve", {"reason": "checked"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"


def test_approving_twice_is_a_conflict(api, admin, make_contact, make_component, unchanged):
    completion = pending(admin, make_contact(), make_component(requires_approval=True))
    api.post(f"/completions/{completion.pk}/approve")
    with unchanged():
        error_detail(api.post(f"/completions/{completion.pk}/approve"), 409)
        error_detail(api.post(f"/completions/{completion.pk}/reject"), 409)


def test_rejecting_a_pending_completion(api, admin, make_contact, make_component):
    completion = pending(admin, make_contact(), make_component(requires_approval=True))
    response = api.post(f"/completions/{completion.pk}/reject")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "rejected"


def test_deciding_an_unknown_completion_is_not_found(api, unchanged):
    with unchanged():
        error_detail(api.post("/completions/999/approve"), 404)
        error_detail(api.post("/completions/999/reject"), 404)


def test_deleting_a_completion_is_recorded_in_the_history(api, admin, make_contact, make_program):
    program = make_program()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin)
    component = program.links.get().component
    completion = services.record_completion(contact.pk, component.pk, date.today(), admin)
    response = api.delete(f"/completions/{completion.pk}", {"reason": "recorded in error"})
    assert response.status_code == 204
    completion.refresh_from_db()
    assert completion.removed_at is not None
    entry = History.objects.filter(enrollment=enrollment, action="remove_completion").get()
    assert entry.reason == "recorded in error"
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"  # a certification stays


def test_deleting_an_unknown_or_removed_completion_is_not_found(
    api, admin, make_contact, make_component, unchanged
):
    completion = services.record_completion(
        make_contact().pk, make_component().pk, date.today(), admin
    )
    api.delete(f"/completions/{completion.pk}")
    with unchanged():
        error_detail(api.delete(f"/completions/{completion.pk}"), 404)
        error_detail(api.delete("/completions/999"), 404)


def test_a_date_given_as_a_number_is_invalid(api, make_contact, make_component, unchanged):
    body = {"contact_id": make_contact().pk, "component_id": make_component().pk, "completed_on": 0}
    with unchanged():
        assert "completed_on" in error_detail(api.post("/completions", body), 422)
