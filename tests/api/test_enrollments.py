from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import services
from certtrack.certification.actors import SYSTEM
from certtrack.certification.models import Enrollment, History

from .conftest import error_detail


@pytest.fixture
def today(travel):
    travel(date(2027, 1, 15))
    return date(2027, 1, 15)


# --- apply, staff add, record existing -------------------------------------------------------


def test_applying_to_a_program_that_requires_approval_is_applied(api, make_contact, make_program):
    contact, program = make_contact(), make_program(require_approval=True)
    response = api.post(f"/programs/{program.pk}/apply", {"contact_id": contact.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied" and body["status_label"] == "Applied"
    assert body["contact"]["id"] == contact.pk and body["program"]["code"] == program.code
    assert Enrollment.objects.get(pk=body["id"]).status == "applied"


def test_applying_to_an_open_program_is_in_progress(api, make_contact, make_program):
    contact, program = make_contact(), make_program()
    response = api.post(f"/programs/{program.pk}/apply", {"contact_id": contact.pk})
    assert response.status_code == 201
    assert response.json()["status"] == "in_progress"
    assert response.json()["progress"] == {
        "required_done": 0,
        "required_total": 1,
        "credits_earned": 0.0,
        "hours_earned": 0.0,
    }


def test_applying_with_an_open_enrollment_is_a_conflict(api, make_contact, make_program, unchanged):
    contact, program = make_contact(), make_program()
    api.post(f"/programs/{program.pk}/apply", {"contact_id": contact.pk})
    with unchanged():
        response = api.post(f"/programs/{program.pk}/apply", {"contact_id": contact.pk})
        assert "open enrollment" in error_detail(response, 409)


def test_applying_for_an_unknown_contact_or_program_is_not_found(
    api, make_contact, make_program, unchanged
):
    contact, program = make_contact(), make_program()
    with unchanged():
        error_detail(api.post(f"/programs/{program.pk}/apply", {"contact_id": 999}), 404)
        error_detail(api.post("/programs/999/apply", {"contact_id": contact.pk}), 404)


def test_applying_without_a_contact_is_invalid(api, make_program, unchanged):
    program = make_program()
    with unchanged():
        assert "contact_id" in error_detail(api.post(f"/programs/{program.pk}/apply", {}), 422)


def test_staff_add_is_in_progress(api, make_contact, make_program):
    contact, program = make_contact(), make_program(require_approval=True)
    response = api.post("/enrollments", {"contact_id": contact.pk, "program_id": program.pk})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "in_progress"
    assert response.json()["started_on"] is not None


def test_recording_an_existing_certification_is_active(api, make_contact, make_program, today):
    contact, program = make_contact(), make_program(validity_months=24)
    response = api.post(
        "/enrollments",
        {
            "contact_id": contact.pk,
            "program_id": program.pk,
            "status": "active",
            "activated_on": "2026-06-30",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["activated_on"] == "2026-06-30" and body["expires_on"] == "2028-06-30"
    assert body["certificate_number"].startswith("CT-")


def test_recording_an_existing_certification_with_its_expiry(
    api, make_contact, make_program, today
):
    contact, program = make_contact(), make_program()
    body = api.post(
        "/enrollments",
        {
            "contact_id": contact.pk,
            "program_id": program.pk,
            "status": "active",
            "activated_on": "2026-01-01",
            "expires_on": "2030-01-01",
        },
    ).json()
    assert body["expires_on"] == "2030-01-01"


def test_recording_an_activation_in_the_future_is_invalid(
    api, make_contact, make_program, today, unchanged
):
    contact, program = make_contact(), make_program()
    body = {
        "contact_id": contact.pk,
        "program_id": program.pk,
        "status": "active",
        "activated_on": "2027-02-01",
    }
    with unchanged():
        assert "future" in error_detail(api.post("/enrollments", body), 422)
        del body["activated_on"]
        assert "activated_on" in error_detail(api.post("/enrollments", body), 422)


def test_an_activation_date_without_status_active_is_invalid(
    api, make_contact, make_program, unchanged
):
    contact, program = make_contact(), make_program()
    body = {"contact_id": contact.pk, "program_id": program.pk, "activated_on": "2026-01-01"}
    with unchanged():
        response = api.post("/enrollments", body)
        assert "activated_on" in error_detail(response, 422)
    # Only the keys that apply, as every other error body (an API trial saw five nulls).
    assert set(response.json()) == {"detail", "field"}


def test_staff_add_with_an_open_enrollment_is_a_conflict(
    api, make_contact, make_program, unchanged
):
    contact, program = make_contact(), make_program()
    body = {"contact_id": contact.pk, "program_id": program.pk}
    api.post("/enrollments", body)
    with unchanged():
        error_detail(api.post("/enrollments", body), 409)


def test_staff_add_of_an_unknown_program_is_not_found(api, make_contact, unchanged):
    contact = make_contact()
    with unchanged():
        error_detail(api.post("/enrollments", {"contact_id": contact.pk, "program_id": 999}), 404)


# --- the list: filters and ordering by the status true now ---------------------------------


@pytest.fixture
def tracking(admin, make_contact, make_program, travel):
    """Enrollments in several statuses; the worker never runs."""
    travel(date(2026, 3, 1))
    safety = make_program(name="Safety", code="SAFE", validity_months=12)
    first_aid = make_program(name="First Aid", code="AID", require_approval=True)
    ada = make_contact(first_name="Ada", last_name="Lovelace", organization="Analytical")
    grace = make_contact(first_name="Grace", last_name="Hopper", organization="Navy")
    alan = make_contact(first_name="Alan", last_name="Turing", organization="Bletchley")
    rows = {
        # expires 2027-02-01: Expiring on 2027-01-15 (30 notice days), stored Active
        "expiring": services.record_existing(ada.pk, safety.pk, date(2026, 2, 1), admin),
        # expires 2026-12-01: Expired on 2027-01-15, stored Active
        "expired": services.record_existing(grace.pk, safety.pk, date(2025, 12, 1), admin),
        # expires 2027-06-01: Active
        "active": services.record_existing(alan.pk, safety.pk, date(2026, 2, 28), admin),
        "applied": services.apply(ada.pk, first_aid.pk, admin),
        "in_progress": services.add(grace.pk, first_aid.pk, admin),
    }
    travel(date(2027, 1, 15))
    return {"safety": safety, "first_aid": first_aid, **rows}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_status_filter_uses_the_status_true_today_without_the_worker(api, tracking):
    assert Enrollment.objects.get(pk=tracking["expiring"].pk).status == "active"  # stored
    assert ids(api.get("/enrollments", {"status": "expiring"})) == [tracking["expiring"].pk]
    assert ids(api.get("/enrollments", {"status": "expired"})) == [tracking["expired"].pk]
    assert ids(api.get("/enrollments", {"status": "active"})) == [tracking["active"].pk]
    row = api.get("/enrollments", {"status": "expiring"}).json()["results"][0]
    assert row["status"] == "expiring" and row["status_label"] == "Expiring"


def test_several_statuses_are_comma_separated(api, tracking):
    found = ids(api.get("/enrollments", {"status": "expiring,expired", "ordering": "expires_on"}))
    assert found == [tracking["expired"].pk, tracking["expiring"].pk]


def test_program_filter_takes_one_id_or_several(api, tracking):
    assert len(ids(api.get("/enrollments", {"program": tracking["safety"].pk}))) == 3
    both = f"{tracking['safety'].pk},{tracking['first_aid'].pk}"
    assert len(ids(api.get("/enrollments", {"program": both}))) == 5


def test_q_searches_name_email_and_organization(api, tracking):
    found = ids(api.get("/enrollments", {"q": "analytical", "ordering": "program"}))
    assert found == [tracking["applied"].pk, tracking["expiring"].pk]
    assert len(ids(api.get("/enrollments", {"q": "grace hopper"}))) == 2


def test_expiry_date_range_is_inclusive(api, tracking):
    found = ids(api.get("/enrollments", {"expires_from": "2026-12-01", "expires_to": "2027-02-01"}))
    assert sorted(found) == sorted([tracking["expired"].pk, tracking["expiring"].pk])


def test_expires_within_days_lists_certifications_expiring_soon(api, tracking):
    assert ids(api.get("/enrollments", {"expires_within_days": 17})) == [tracking["expiring"].pk]
    assert ids(api.get("/enrollments", {"expires_within_days": 16})) == []
    found = ids(api.get("/enrollments", {"expires_within_days": 365, "ordering": "-expires_on"}))
    assert found == [tracking["active"].pk, tracking["expiring"].pk]


def test_ordering_by_contact_and_descending(api, tracking):
    names = [
        r["contact"]["last_name"]
        for r in api.get("/enrollments", {"ordering": "-contact"}).json()["results"]
    ]
    assert names == sorted(names, reverse=True)
    assert names[0] == "Turing"


def test_ordering_by_status_uses_the_status_true_today(api, tracking):
    statuses = [
        r["status"] for r in api.get("/enrollments", {"ordering": "status"}).json()["results"]
    ]
    assert statuses == ["active", "applied", "expired", "expiring", "in_progress"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "certified"},
        {"status": "active,nope"},
        {"ordering": "email"},
        {"ordering": "--contact"},
        {"program": "safety"},
        {"expires_from": "2027-13-01"},
        {"expires_to": "tomorrow"},
        {"expires_from": "20270101"},  # ISO 8601's basic and week forms are not YYYY-MM-DD
        {"expires_to": "2027-W05-1"},
        {"expires_from": "2027-02-29"},
        {"expires_from": "2027-02-01", "expires_to": "2027-01-01"},
        {"expires_within_days": "-3"},
        {"page_size": "many"},
    ],
)
def test_an_unknown_or_malformed_filter_is_a_bad_request(api, tracking, params):
    detail = error_detail(api.get("/enrollments", params), 400)
    assert any(name in detail for name in params)


def test_list_needs_a_token(anonymous):
    error_detail(anonymous.get("/enrollments"), 401)


def test_a_revoked_token_is_refused(api, tracking):
    from certtrack.accounts.models import ApiToken

    ApiToken.objects.update(revoked_at=tracking["safety"].created_at)
    error_detail(api.get("/enrollments"), 401)


def test_list_queries_do_not_grow_with_the_page_size(api, admin, make_contact, make_program):
    programs = [make_program(required=2, electives=1) for _ in range(3)]

    def page_queries(size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/enrollments", {"page_size": size})
        assert len(response.json()["results"]) == size
        return len(queries)

    for program in programs:
        for _ in range(4):
            contact = make_contact()
            services.add(contact.pk, program.pk, admin)
            component = program.links.first().component
            services.record_completion(contact.pk, component.pk, date.today(), admin)
    api.get("/enrollments")  # the token's last use is written once; not part of the count
    assert page_queries(2) == page_queries(12)


def test_progress_counts_required_components_credits_and_hours(
    api, admin, make_contact, make_program, make_component
):
    required = [make_component(credits_earned=2, hours_earned=3) for _ in range(2)]
    program = make_program(required=required, electives=1)
    contact = make_contact()
    services.add(contact.pk, program.pk, admin)
    services.record_completion(contact.pk, required[0].pk, date.today(), admin)
    row = api.get("/enrollments").json()["results"][0]
    assert row["progress"] == {
        "required_done": 1,
        "required_total": 2,
        "credits_earned": 2.0,
        "hours_earned": 3.0,
    }


# --- status counts ------------------------------------------------------------------------


def test_status_counts_give_all_ten_statuses_true_today(api, tracking):
    response = api.get("/enrollments/status-counts")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["counts"]) == 10
    assert body["counts"]["expiring"] == 1 and body["counts"]["expired"] == 1
    assert body["counts"]["active"] == 1 and body["counts"]["applied"] == 1
    assert body["counts"]["cancelled"] == 0
    assert body["total"] == 5


def test_status_counts_take_the_same_filters_but_status(api, tracking):
    body = api.get(
        "/enrollments/status-counts", {"program": tracking["first_aid"].pk, "status": "active"}
    ).json()
    assert body["total"] == 2 and body["counts"]["in_progress"] == 1


def test_status_counts_with_a_bad_filter_is_a_bad_request(api, tracking):
    error_detail(api.get("/enrollments/status-counts", {"expires_from": "soon"}), 400)


# --- detail ---------------------------------------------------------------------------------


def test_detail_has_components_with_their_state_and_the_history(
    api, admin, make_contact, make_program, make_component
):
    done, pending = make_component(), make_component(requires_approval=True)
    program = make_program(required=[done, pending], electives=1)
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin)
    services.record_completion(contact.pk, done.pk, date.today(), admin)
    services.record_completion(contact.pk, pending.pk, date.today(), admin)
    response = api.get(f"/enrollments/{enrollment.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    states = {c["component_id"]: c["state"] for c in body["components"]}
    assert states[done.pk] == "completed" and states[pending.pk] == "pending"
    assert "not_started" in states.values()
    assert body["history"][0]["to_status"] == "in_progress"
    assert body["history"][0]["actor"] == "owner@example.com"
    assert {"at", "actor", "from_status", "to_status", "reason"} <= set(body["history"][0])
    assert [h["action"] for h in body["history"]] == [
        "add",
        "record_completion",
        "record_completion",
    ]


def test_an_unknown_enrollment_is_not_found(api):
    error_detail(api.get("/enrollments/999"), 404)


# --- actions ------------------------------------------------------------------------------


def test_approving_an_application_moves_it_to_in_progress(api, make_contact, make_program):
    contact, program = make_contact(), make_program(require_approval=True)
    enrollment = services.apply(contact.pk, program.pk, SYSTEM)
    response = api.post(
        f"/enrollments/{enrollment.pk}/actions/approve", {"reason": "Eligible member"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    entry = History.objects.filter(enrollment=enrollment, action="approve").get()
    assert (entry.from_status, entry.to_status, entry.reason) == (
        "applied",
        "in_progress",
        "Eligible member",
    )
    assert entry.actor_kind == "api"


def test_an_action_without_a_body_is_accepted(api, make_contact, make_program):
    enrollment = services.add(make_contact().pk, make_program().pk, SYSTEM)
    response = api.post(f"/enrollments/{enrollment.pk}/actions/set_inactive")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "inactive"


def test_an_action_not_allowed_now_is_a_conflict(api, make_contact, make_program, unchanged):
    enrollment = services.add(make_contact().pk, make_program().pk, SYSTEM)
    with unchanged():
        detail = error_detail(api.post(f"/enrollments/{enrollment.pk}/actions/reopen"), 409)
    assert "Not Completed" in detail


def test_an_unknown_action_or_enrollment_is_not_found(api, make_contact, make_program, unchanged):
    enrollment = services.add(make_contact().pk, make_program().pk, SYSTEM)
    with unchanged():
        error_detail(api.post(f"/enrollments/{enrollment.pk}/actions/promote"), 404)
        error_detail(api.post("/enrollments/999/actions/cancel"), 404)


def test_a_reason_that_is_not_text_is_invalid(api, make_contact, make_program, unchanged):
    enrollment = services.add(make_contact().pk, make_program().pk, SYSTEM)
    with unchanged():
        error_detail(api.post(f"/enrollments/{enrollment.pk}/actions/cancel", {"reason": 1}), 422)


# --- expiry changes -------------------------------------------------------------------------


def test_changing_the_expiry_with_a_reason(api, tracking):
    enrollment = tracking["expiring"]
    response = api.patch(
        f"/enrollments/{enrollment.pk}", {"expires_on": "2028-02-01", "reason": "Extension"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["expires_on"] == "2028-02-01"
    assert response.json()["status"] == "active"
    entry = History.objects.filter(enrollment=enrollment, action="set_expires_on").get()
    assert entry.reason == "Extension"


def test_changing_the_expiry_without_a_reason_is_invalid(api, tracking, unchanged):
    with unchanged():
        response = api.patch(f"/enrollments/{tracking['active'].pk}", {"expires_on": "2028-01-01"})
        assert "reason" in error_detail(response, 422)


def test_changing_the_expiry_of_an_uncertified_enrollment_is_a_conflict(api, tracking, unchanged):
    with unchanged():
        response = api.patch(
            f"/enrollments/{tracking['applied'].pk}", {"expires_on": "2028-01-01", "reason": "x"}
        )
        error_detail(response, 409)


def test_changing_the_expiry_of_an_unknown_enrollment_is_not_found(api, unchanged):
    with unchanged():
        error_detail(
            api.patch("/enrollments/999", {"expires_on": "2028-01-01", "reason": "x"}), 404
        )
