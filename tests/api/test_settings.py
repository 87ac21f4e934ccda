import pytest

from certtrack.certification.models import GeneralSettings, History

from .conftest import error_detail


def test_settings_are_read_by_any_staff_token(staff_api):
    response = staff_api.get("/settings")
    assert response.status_code == 200
    body = response.json()
    assert body["expiring_notice_days"] == 30
    assert body["time_zone"] == "UTC"
    assert body["application_recipients"] == []
    assert body["enroll_attendees_to_all_relevant"] is False


def test_administrator_changes_settings_and_the_history_records_it(api):
    response = api.patch(
        "/settings",
        {
            "expiring_notice_days": 45,
            "time_zone": "Europe/Paris",
            "application_recipients": ["a@example.com", "b@example.com"],
            "enroll_attendees_to_all_relevant": True,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["expiring_notice_days"] == 45
    settings = GeneralSettings.get()
    assert settings.time_zone == "Europe/Paris"
    assert settings.application_recipients == ["a@example.com", "b@example.com"]
    assert settings.enroll_attendees_to_all_relevant is True
    assert History.objects.filter(action="update_settings").count() == 1


def test_patch_changes_only_the_fields_sent(api):
    api.patch("/settings", {"time_zone": "America/Chicago"})
    response = api.patch("/settings", {"expiring_notice_days": 7})
    assert response.json()["time_zone"] == "America/Chicago"


def test_staff_who_is_not_administrator_cannot_change_settings(staff_api, unchanged):
    with unchanged():
        detail = error_detail(staff_api.patch("/settings", {"expiring_notice_days": 1}), 403)
    assert "administrator" in detail


def test_unknown_time_zone_is_invalid(api, unchanged):
    with unchanged():
        detail = error_detail(api.patch("/settings", {"time_zone": "Mars/Olympus"}), 422)
    assert "Mars/Olympus" in detail


def test_negative_notice_days_are_invalid(api, unchanged):
    with unchanged():
        detail = error_detail(api.patch("/settings", {"expiring_notice_days": -1}), 422)
    assert "expiring_notice_days" in detail


def test_a_recipient_that_is_not_an_email_is_invalid(api, unchanged):
    with unchanged():
        detail = error_detail(api.patch("/settings", {"admin_review_recipients": ["nope"]}), 422)
    assert "nope" in detail


def test_unknown_default_program_is_not_found(api, unchanged):
    with unchanged():
        error_detail(api.patch("/settings", {"default_program_id": 999}), 404)


def test_settings_need_a_token(anonymous):
    assert "token" in error_detail(anonymous.get("/settings"), 401)


def test_a_null_setting_is_invalid(api, unchanged):
    with unchanged():
        for name in ("expiring_notice_days", "time_zone", "application_recipients"):
            response = api.patch("/settings", {name: None})
            error_detail(response, 422)
            assert response.json()["field"] == name


def test_branding_text_is_read_and_changed_through_the_api(api):
    response = api.patch(
        "/settings",
        {
            "organization_name": "Guild of Rope Access",
            "signatory_name": "Maria Chen",
            "signatory_title": "Chair of the Board",
        },
    )
    assert response.status_code == 200, response.content
    body = api.get("/settings").json()
    assert body["organization_name"] == "Guild of Rope Access"
    assert body["signatory_name"] == "Maria Chen"
    assert body["signatory_title"] == "Chair of the Board"
    assert body["logo_url"] is None  # images are set in the back-office
    row = History.objects.get(action="update_settings")
    assert row.object_type == "settings" and row.actor.startswith("API: ")
    assert row.changes["signatory_title"] == ["", "Chair of the Board"]


def test_a_null_organization_name_is_invalid(api, unchanged):
    with unchanged():
        detail = error_detail(api.patch("/settings", {"organization_name": None}), 422)
    assert "organization_name" in detail


@pytest.mark.parametrize(
    "body",
    [
        {"expiring_notice_days": True},
        {"expiring_notice_days": "30"},
        {"enroll_attendees_to_all_relevant": "yes"},
        {"enroll_attendees_to_all_relevant": 1},
    ],
)
def test_numbers_and_yes_no_are_json_s_own(api, unchanged, body):
    """An API trial: `true` was stored as 1 notice day and "yes" as true."""
    with unchanged():
        detail = error_detail(api.patch("/settings", body), 422)
    assert next(iter(body)) in detail
