"""PRODUCT.md §11 "What if": POST /programs/{id}/preview-change and PATCH apply_to_existing."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History, Period, Program
from tests.conftest import at

TODAY = date(2026, 6, 15)


@pytest.fixture
def holders(db, admin, make_contact, make_program, travel):
    program = make_program(name="Safety", code="SAF", validity_months=24, required=2)
    made = {}
    for name, day in (
        ("Expiring", date(2024, 7, 1)),
        ("Expired", date(2024, 3, 1)),
        ("Recent", date(2026, 1, 1)),
        ("Suspended", date(2025, 1, 1)),
    ):
        made[name] = services.record_existing(
            make_contact(last_name=name).pk, program.pk, day, admin, now=at(day)
        )
    services.perform(made["Suspended"].pk, "suspend", admin, reason="audit", now=at(TODAY))
    made["Working"] = services.add(
        make_contact(last_name="Working").pk, program.pk, admin, now=at(TODAY)
    )
    travel(TODAY)
    return program, made


def snapshot():
    return (
        list(Enrollment.objects.order_by("pk").values_list("pk", "status", "expires_on", "cycle")),
        list(Period.objects.order_by("pk").values_list("pk", "expires_on")),
        History.objects.count(),
        list(Program.objects.values_list("validity_months", flat=True)),
    )


def test_preview_counts_and_examples_and_saves_nothing(api, holders):
    program, made = holders
    before = snapshot()
    response = api.post(f"/programs/{program.pk}/preview-change", {"validity_months": 36})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enrollments_changed"] == 4
    assert body["status_changes"] == {"expiring→active": 1, "expired→active": 1}
    examples = {e["name"].split()[-1]: e for e in body["examples"]}
    assert examples["Expiring"]["expires_on"] == "2026-07-01"
    assert examples["Expiring"]["new_expires_on"] == "2027-07-01"
    assert examples["Suspended"]["new_status"] == "inactive"
    assert "Working" not in examples
    assert snapshot() == before


def test_applying_to_existing_holders_writes_one_history_row_each(api, holders):
    program, made = holders
    response = api.patch(
        f"/programs/{program.pk}", {"validity_months": 36, "apply_to_existing": True}
    )
    assert response.status_code == 200, response.content
    rows = History.objects.filter(action="program_change")
    assert rows.count() == 4
    assert all(
        h.reason == "Program SAF changed (validity months 24 → 36), applied to existing holders."
        for h in rows
    )
    expiring = Enrollment.objects.get(pk=made["Expiring"].pk)
    assert expiring.expires_on == date(2027, 7, 1) and expiring.cycle == made["Expiring"].cycle + 1
    assert Period.objects.get(enrollment=expiring).expires_on == date(2027, 7, 1)
    expired = rows.get(enrollment_id=made["Expired"].pk)
    assert (expired.from_status, expired.to_status) == ("expired", "active")
    assert api.get(f"/enrollments/{made['Expired'].pk}").json()["status"] == "active"


def test_new_certifications_only_leaves_holders_as_they_are(api, holders):
    program, made = holders
    response = api.patch(f"/programs/{program.pk}", {"validity_months": 36})
    assert response.status_code == 200
    assert Enrollment.objects.get(pk=made["Expiring"].pk).expires_on == date(2026, 7, 1)
    assert not History.objects.filter(action="program_change").exists()


def test_a_requirement_change_moves_in_progress_rows_it_now_satisfies(api, holders, admin):
    program, made = holders
    first, second = program.links.order_by("id").values_list("component_id", flat=True)
    worker = made["Working"]
    services.record_completion(worker.contact_id, first, TODAY, admin, now=at(TODAY))
    body = api.post(
        f"/programs/{program.pk}/preview-change",
        {"components": [{"component_id": first, "required": True}]},
    ).json()
    assert body["status_changes"] == {"in_progress→active": 1}
    assert Enrollment.objects.get(pk=worker.pk).status == "in_progress"


def test_renewal_settings_move_no_expiry_and_no_status(api, holders):
    program, _ = holders
    body = api.post(f"/programs/{program.pk}/preview-change", {"renewal_window_days": 30}).json()
    assert (body["enrollments_changed"], body["status_changes"], body["holders"]) == (0, {}, 4)


@pytest.mark.parametrize("body", [{"validity_months": 0}, {"credits_required": "-1"}])
def test_invalid_values_are_422_like_the_patch_and_save_nothing(api, holders, body):
    program, _ = holders
    before = snapshot()
    preview = api.post(f"/programs/{program.pk}/preview-change", body)
    patch = api.patch(f"/programs/{program.pk}", {**body, "apply_to_existing": True})
    assert preview.status_code == 422 == patch.status_code
    assert snapshot() == before


def test_an_archived_program_is_422_and_nothing_saved(api, holders, admin):
    program, _ = holders
    services.update_program(program.pk, admin, is_active=False)
    before = snapshot()
    response = api.post(f"/programs/{program.pk}/preview-change", {"validity_months": 36})
    assert response.status_code == 422 and "archived" in response.json()["detail"]
    assert snapshot() == before


def test_preview_of_an_unknown_program_is_404(api, db):
    assert api.post("/programs/999999/preview-change", {"validity_months": 36}).status_code == 404
