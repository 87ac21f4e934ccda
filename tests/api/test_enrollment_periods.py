"""Enrollment objects' `first_activated_on`, `period`, `periods` and `renewal` (API.md)."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import services
from tests.conftest import at


def test_a_certified_enrollment_shows_its_period(api, admin, make_contact, make_program, travel):
    travel(date(2026, 6, 15))
    program = make_program(required=1, validity_months=12, renewal_window_days=90)
    enrollment = services.record_existing(make_contact().pk, program.pk, date(2025, 8, 31), admin)
    body = api.get(f"/enrollments/{enrollment.pk}").json()
    assert (body["first_activated_on"], body["period"]) == ("2025-08-31", 1)
    assert body["periods"] == [
        {
            "number": 1,
            "activated_on": "2025-08-31",
            "expires_on": "2026-08-31",
            "renewed_on": None,
            "source": "recorded",
            "certificate_url": f"/api/v1/enrollments/{enrollment.pk}/certificate.pdf?period=1",
        }
    ]
    assert body["renewal"] == {
        "state": "open",  # 2026-06-02 .. 2026-08-31
        "opens_on": "2026-06-02",
        "closes_on": "2026-08-31",
        "progress": {
            "required_done": 0,
            "required_total": 1,
            "credits_earned": 0.0,
            "hours_earned": 0.0,
            "credits_required": None,
            "hours_required": None,
        },
    }
    listed = api.get("/enrollments").json()["results"][0]
    assert (listed["first_activated_on"], listed["period"]) == ("2025-08-31", 1)
    assert listed["renewal"]["state"] == "open"


def test_renewal_progress_counts_only_work_since_the_period_began_that_no_period_used(
    api, admin, make_contact, make_component, make_program, travel
):
    travel(date(2026, 6, 15))
    core, extra = make_component(credits_earned=4), make_component(credits_earned=6)
    program = make_program(
        required=[core],
        electives=[extra],
        renewal_requirements="credits",
        renewal_credits_required=8,
    )
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2025, 7, 1)))
    services.record_completion(
        contact.pk, extra.pk, date(2025, 6, 1), admin, now=at(date(2025, 7, 1))
    )
    services.record_completion(
        contact.pk, core.pk, date(2025, 7, 1), admin, now=at(date(2025, 7, 1))
    )
    services.record_completion(contact.pk, extra.pk, date(2026, 5, 1), admin)
    body = api.get(f"/enrollments/{enrollment.pk}").json()
    assert body["status"] == "expiring" and body["period"] == 1
    assert body["renewal"]["progress"] == {
        "required_done": 0,
        "required_total": 0,  # no component is required for renewal
        "credits_earned": 6.0,  # the May 2026 work only
        "hours_earned": 1.0,
        "credits_required": 8.0,
        "hours_required": None,
    }


def test_a_row_never_certified_or_without_renewal_has_none(api, admin, make_contact, make_program):
    no_renewal = make_program(renewal_window_days=0)
    certified = services.record_existing(make_contact().pk, no_renewal.pk, date(2026, 1, 1), admin)
    working = services.add(make_contact().pk, make_program().pk, admin)
    for enrollment in (certified, working):
        body = api.get(f"/enrollments/{enrollment.pk}").json()
        assert body["renewal"] is None
    body = api.get(f"/enrollments/{working.pk}").json()
    assert (body["first_activated_on"], body["period"], body["periods"]) == (None, None, [])


def test_a_suspended_or_cancelled_certification_has_a_closed_renewal(
    api, admin, make_contact, make_program, travel
):
    """An API trial: `renewal` was null for them, where API.md says null only when the
    program has no renewal or the row was never certified."""
    travel(date(2026, 12, 4))
    program = make_program(validity_months=12, renewal_window_days=90)
    suspended, cancelled, active = (
        services.record_existing(make_contact().pk, program.pk, date(2026, 1, 1), admin)
        for _ in range(3)
    )
    services.perform(suspended.pk, "suspend", admin, reason="Complaint under review")
    services.perform(cancelled.pk, "cancel", admin, reason="Revoked")
    window = {"opens_on": "2026-10-03", "closes_on": "2027-01-01"}
    for enrollment, state in ((suspended, "closed"), (cancelled, "closed"), (active, "open")):
        renewal = api.get(f"/enrollments/{enrollment.pk}").json()["renewal"]
        assert {k: renewal[k] for k in ("state", "opens_on", "closes_on")} == (
            {"state": state} | window
        ), enrollment.pk
    listed = {
        row["id"]: row["renewal"]["state"] for row in api.get("/enrollments").json()["results"]
    }
    assert listed == {suspended.pk: "closed", cancelled.pk: "closed", active.pk: "open"}


def test_list_queries_do_not_grow_with_certified_rows(api, admin, make_contact, make_program):
    program = make_program(required=1, validity_months=12)
    for n in range(12):
        services.record_existing(make_contact().pk, program.pk, date(2026, 1, 1 + n), admin)
    api.get("/enrollments")  # the token's last use is written once; not part of the count

    def page_queries(size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/enrollments", {"page_size": size})
        assert all(row["period"] == 1 for row in response.json()["results"])
        return len(queries)

    assert page_queries(2) == page_queries(12)


def test_the_list_page_as_built_is_its_schema_exactly(
    api, admin, make_contact, make_component, make_program, travel
):
    """`GET /enrollments` sends its page as built (no validation per request: a 50-row
    page validated costs ~2 ms, ~3× the JSON encoding): every shape a row can take
    validates against EnrollmentPage, and validating changes nothing (no undeclared key,
    no value the schema would coerce)."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from certtrack.api.enrollment_schemas import EnrollmentPage

    travel(date(2026, 6, 15))
    renews = make_program(required=1, validity_months=12, renewal_window_days=90)
    undated = make_program(required=1, validity_months=None, credits_required=3)
    course = make_component(credits_earned=2)
    partial = make_program(required=[course, make_component()], hours_required=5)
    services.record_existing(make_contact().pk, renews.pk, date(2025, 8, 31), admin)
    services.record_existing(make_contact().pk, renews.pk, date(2024, 1, 10), admin)  # expired
    services.record_existing(make_contact().pk, undated.pk, date(2025, 1, 1), admin)
    contact = make_contact()
    services.add(contact.pk, partial.pk, admin)
    services.record_completion(contact.pk, course.pk, date(2026, 6, 1), admin)
    services.apply(make_contact().pk, undated.pk, admin)
    body = api.get("/enrollments", {"page_size": 100}).json()
    assert len(body["results"]) == 5
    assert {row["status"] for row in body["results"]} >= {"active", "expired", "in_progress"}
    assert any(row["renewal"] for row in body["results"]) and any(
        row["expires_on"] is None for row in body["results"]
    )
    validated = EnrollmentPage.model_validate(body).model_dump(mode="json")
    assert json.loads(json.dumps(validated, cls=NinjaJSONEncoder)) == body
