"""`reminder_schedule` on programs and GET /reminders/preview (API.md)."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import AuditObject, History, ReminderStep


def test_a_program_is_created_and_read_with_its_reminder_schedule(api, make_component):
    response = api.post(
        "/programs",
        {
            "name": "Crane Operator",
            "validity_months": 12,
            "components": [{"component_id": make_component().pk}],
            "reminder_schedule": [
                {"offset_days": 1, "template": "certification_expired"},
                {"offset_days": -30},
                {"offset_days": -7, "mandatory": True},
            ],
        },
    )
    assert response.status_code == 201, response.content
    schedule = api.get(f"/programs/{response.json()['id']}").json()["reminder_schedule"]
    assert [(s["offset_days"], s["template"], s["mandatory"]) for s in schedule] == [
        (-30, "certification_expiring", False),
        (-7, "certification_expiring", True),
        (1, "certification_expired", False),
    ]
    assert schedule[0]["description"] == "30 days before expiry: Certification Expiring"


def test_patching_the_schedule_replaces_it_and_an_empty_one_removes_it(api, make_program):
    program = make_program(reminder_schedule=[{"offset_days": -30}])
    body = api.patch(f"/programs/{program.pk}", {"reminder_schedule": [{"offset_days": -9}]})
    assert [s["offset_days"] for s in body.json()["reminder_schedule"]] == [-9]
    body = api.patch(f"/programs/{program.pk}", {"name": "Renamed"})
    assert [s["offset_days"] for s in body.json()["reminder_schedule"]] == [-9]
    body = api.patch(f"/programs/{program.pk}", {"reminder_schedule": []})
    assert body.json()["reminder_schedule"] == []


def test_a_schedule_created_or_patched_through_the_api_is_in_the_programs_history(
    api, make_component, admin_user
):
    created = api.post(
        "/programs",
        {
            "name": "Crane Operator",
            "validity_months": 12,
            "components": [{"component_id": make_component().pk}],
            "reminder_schedule": [{"offset_days": -90}, {"offset_days": -30}],
        },
    )
    program_id = created.json()["id"]
    schedule = [{"offset_days": -60, "mandatory": True}, {"offset_days": -30}]
    assert api.patch(f"/programs/{program_id}", {"reminder_schedule": schedule}).status_code == 200
    api.patch(f"/programs/{program_id}", {"reminder_schedule": schedule})  # the same: no row
    rows = History.objects.filter(object_type=AuditObject.PROGRAM, object_id=program_id)
    first, second = rows.order_by("id")
    assert first.changes["reminders"] == [None, "90, 30 days before"]
    assert second.action == "update_program" and second.user_id == admin_user.pk
    assert second.changes == {"reminders": ["90, 30 days before", "60 (mandatory), 30 days before"]}


@pytest.mark.parametrize(
    "schedule, words",
    [
        ([{"offset_days": -800}], "offset_days -800 is outside"),
        ([{"offset_days": 400}], "offset_days 400 is outside"),
        ([{"offset_days": -7}, {"offset_days": -7}], "same offset_days (-7)"),
        ([{"offset_days": -7, "template": "gone"}], "no template 'gone'"),
    ],
)
def test_a_bad_schedule_is_422_naming_the_field_and_changes_nothing(
    api, make_program, schedule, words
):
    program = make_program(reminder_schedule=[{"offset_days": -30}])
    response = api.patch(f"/programs/{program.pk}", {"name": "X", "reminder_schedule": schedule})
    assert response.status_code == 422
    assert response.json()["field"] == "reminder_schedule"
    assert words in response.json()["detail"]
    assert list(ReminderStep.objects.filter(program=program).values_list("offset_days")) == [(-30,)]


@pytest.mark.parametrize("days", ["0", "1000", "x"])
def test_a_preview_of_a_bad_number_of_days_is_refused_naming_days(api, days):
    response = api.get("/reminders/preview", {"days": days})
    assert response.status_code == 400
    assert "days" in response.json()["detail"]


def test_the_preview_lists_who_gets_which_reminder_on_which_day(
    api, make_program, make_contact, admin, travel
):
    travel(date(2026, 1, 1))
    program = make_program(
        name="Crane Operator", reminder_schedule=[{"offset_days": -30}, {"offset_days": -7}]
    )
    ana = make_contact(first_name="Ana", last_name="Lima")
    enrollment = services.record_existing(ana.pk, program.pk, date(2025, 2, 20), admin)
    response = api.get("/reminders/preview", {"days": 60})
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "on": "2026-01-21",
            "enrollment_id": enrollment.pk,
            "contact": "Ana Lima",
            "program": "Crane Operator",
            "template": "certification_expiring",
            "offset_days": -30,
        },
        {
            "on": "2026-02-13",
            "enrollment_id": enrollment.pk,
            "contact": "Ana Lima",
            "program": "Crane Operator",
            "template": "certification_expiring",
            "offset_days": -7,
        },
    ]
    assert api.get("/reminders/preview", {"days": 20}).json()["results"] == []
