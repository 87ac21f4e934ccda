"""API.md: actions suspend, renew, approve_renewal, reject_renewal; the `renewal` filter on
the list, the counts and the export; `renewal.state` = review."""

from datetime import date

import pytest

from certtrack.certification import services
from tests.conftest import at


@pytest.fixture
def holders(admin, make_contact, make_program, settings_row, travel):
    """On 1 Dec 2026: `open` (expires 31 Jan 2027), `review` (met, awaiting staff),
    `grace` (expired 20 Nov 2026, 30 grace days), `later` (expires 2028)."""
    plain = make_program(required=1, validity_months=24, renewal_grace_days=30)
    reviewed = make_program(required=1, validity_months=24, completion_requires_approval=True)
    rows = {}
    for name, program, earned in [
        ("open", plain, date(2025, 1, 31)),
        ("grace", plain, date(2024, 11, 20)),
        ("later", plain, date(2026, 6, 1)),
        ("review", reviewed, date(2025, 1, 31)),
    ]:
        contact = make_contact()
        rows[name] = services.record_existing(contact.pk, program.pk, earned, admin, now=at(earned))
    component = reviewed.components.get()
    services.record_completion(
        rows["review"].contact_id,
        component.pk,
        date(2026, 11, 30),
        admin,
        now=at(date(2026, 11, 30)),
    )
    travel(date(2026, 12, 1))
    return rows


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_renewal_filter_on_the_list_counts_and_export(api, holders):
    assert ids(api.get("/enrollments", {"renewal": "open"})) == {holders["open"].pk}
    assert ids(api.get("/enrollments", {"renewal": "review"})) == {holders["review"].pk}
    assert ids(api.get("/enrollments", {"renewal": "grace"})) == {holders["grace"].pk}
    both = api.get("/enrollments", {"renewal": "open,grace"})
    assert ids(both) == {holders["open"].pk, holders["grace"].pk}
    counts = api.get("/enrollments/status-counts", {"renewal": "grace"}).json()
    assert counts["total"] == 1 and counts["counts"]["expired"] == 1
    export = api.get("/enrollments/export.csv", {"renewal": "review"})
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{holders['review'].pk},")


def test_an_unknown_renewal_value_is_400_naming_it(api, holders):
    for path in ("/enrollments", "/enrollments/status-counts", "/enrollments/export.csv"):
        response = api.get(path, {"renewal": "soon"})
        assert response.status_code == 400
        assert "'soon'" in response.json()["detail"]


def test_renewal_state_review_in_the_object(api, holders):
    body = api.get(f"/enrollments/{holders['review'].pk}").json()
    assert body["renewal"]["state"] == "review" and body["status"] == "active"


def test_suspend_without_a_reason_is_422_and_changes_nothing(api, holders, unchanged):
    with unchanged():
        response = api.post(f"/enrollments/{holders['open'].pk}/actions/suspend")
    assert response.status_code == 422
    assert response.json()["field"] == "reason"


def test_suspend_and_reactivate(api, holders):
    pk = holders["open"].pk
    response = api.post(f"/enrollments/{pk}/actions/suspend", {"reason": "Audit"})
    assert response.status_code == 200 and response.json()["status"] == "inactive"
    response = api.post(f"/enrollments/{pk}/actions/reactivate")
    assert response.json()["status"] == "active"


def test_renew_with_an_expiry_date(api, holders):
    pk = holders["open"].pk
    response = api.post(
        f"/enrollments/{pk}/actions/renew", {"reason": "Waiver", "expires_on": "2028-12-31"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["period"], body["expires_on"]) == (2, "2028-12-31")
    assert body["renewal"]["state"] == "not_open"


def test_renew_before_the_window_opens_is_a_waiver_once(api, holders):
    """PRODUCT.md §3's table: renew from Active (an API trial: it was 409 "not open")."""
    path = f"/enrollments/{holders['later'].pk}/actions/renew"
    response = api.post(path, {"reason": "x"})
    assert response.status_code == 200 and response.json()["period"] == 2
    again = api.post(path, {"reason": "x"})
    assert again.status_code == 409 and "renewed already" in again.json()["detail"]


def test_approve_and_reject_renewal(api, holders):
    pk = holders["review"].pk
    assert api.post(f"/enrollments/{pk}/actions/reject_renewal").status_code == 422
    response = api.post(f"/enrollments/{pk}/actions/approve_renewal")
    assert response.status_code == 200 and response.json()["period"] == 2
    response = api.post(f"/enrollments/{pk}/actions/reject_renewal", {"reason": "late"})
    assert response.status_code == 409
    assert "not open" in response.json()["detail"]


def test_applying_in_grace_is_409_naming_the_renewal(api, holders):
    grace = holders["grace"]
    response = api.post(f"/programs/{grace.program_id}/apply", {"contact_id": grace.contact_id})
    assert response.status_code == 409
    assert "renewal is open until 20 Dec 2026" in response.json()["detail"]
