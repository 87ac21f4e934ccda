"""Back-office: a program's reminder schedule, reminder templates, the preview, the states."""

import html
from datetime import date

import pytest
from django.urls import reverse

from certtrack.certification import services
from certtrack.certification.models import AuditObject, History, Program, ReminderStep
from certtrack.notifications.models import ReminderTemplate
from certtrack.notifications.rendering import template_for

from .test_setup import PROGRAM

pytestmark = pytest.mark.django_db


def steps(*rows) -> dict:
    data = {}
    for i, (days, when, template, mandatory) in enumerate(rows):
        data |= {
            f"step_{i}_days": str(days),
            f"step_{i}_when": when,
            f"step_{i}_template": template,
        }
        if mandatory:
            data[f"step_{i}_mandatory"] = "on"
    return data


def test_a_schedule_built_in_the_program_form_is_saved_and_read_in_plain_words(
    admin_client, make_component
):
    course = make_component()
    ReminderTemplate.objects.create(
        key="expiring-30",
        name="Certification Expiring — 30 days",
        based_on="certification_expiring",
        subject="s",
        text_body="t",
    )
    response = admin_client.post(
        "/staff/setup/programs/new/",
        PROGRAM
        | {f"component_{course.pk}": "required"}
        | steps(
            (90, "before", "", False),
            (30, "before", "expiring-30", False),
            (7, "before", "", True),
            (1, "after", "", False),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    program = Program.objects.get(code="CSO")
    saved = ReminderStep.objects.filter(program=program)
    assert sorted(saved.values_list("offset_days", "template", "mandatory")) == [
        (-90, "certification_expiring", False),
        (-30, "expiring-30", False),
        (-7, "certification_expiring", True),
        (1, "certification_expired", False),
    ]
    page = admin_client.get(f"/staff/setup/programs/{program.pk}/").content.decode()
    assert "30 days before expiry: Certification Expiring — 30 days" in page
    assert "7 days before expiry: Certification Expiring (mandatory)" in page
    assert "1 day after expiry: Certification expired" in page


@pytest.mark.parametrize(
    "rows, words",
    [
        ([(800, "before", "", False)], "outside -730…+365"),
        ([(30, "before", "", False), (30, "before", "", False)], "same offset_days (-30)"),
    ],
)
def test_a_bad_schedule_is_said_in_the_form_and_nothing_is_saved(
    admin_client, make_component, rows, words
):
    course = make_component()
    response = admin_client.post(
        "/staff/setup/programs/new/",
        PROGRAM | {f"component_{course.pk}": "required"} | steps(*rows),
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not Program.objects.filter(code="CSO").exists()


def test_a_reminder_template_starts_from_the_shipped_one(admin_client):
    page = admin_client.get(
        "/staff/setup/emails/reminders/new/?from=certification_expiring"
    ).content.decode()
    assert template_for("certification_expiring").subject in html.unescape(page)
    response = admin_client.post(
        "/staff/setup/emails/reminders/new/",
        {
            "name": "Certification Expiring — 7 days",
            "key": "",
            "based_on": "certification_expiring",
            "subject": "Only {{ days_left }} days left",
            "text_body": "Hello {{ contact.first_name }}",
            "html_body": "",
        },
    )
    assert response.status_code == 302
    made = ReminderTemplate.objects.get()
    assert made.key == "certification-expiring-7-days"
    listing = admin_client.get("/staff/setup/emails/").content.decode()
    assert "Certification Expiring — 7 days" in listing


def test_a_reminder_template_that_cannot_render_is_refused_on_its_field(admin_client):
    response = admin_client.post(
        "/staff/setup/emails/reminders/new/",
        {
            "name": "Broken",
            "based_on": "certification_expiring",
            "subject": "{% if %}",
            "text_body": "x",
        },
    )
    assert response.status_code == 200
    assert not ReminderTemplate.objects.exists()


# --- the schedule's changes in History (PRODUCT.md §9) -------------------------------------


def program_history(program: Program) -> list[History]:
    return list(History.objects.filter(object_type=AuditObject.PROGRAM, object_id=program.pk))


def save_program(admin_client, course, *rows, pk: int | None = None) -> Program:
    url = f"/staff/setup/programs/{pk}/" if pk else "/staff/setup/programs/new/"
    response = admin_client.post(
        url, PROGRAM | {f"component_{course.pk}": "required"} | steps(*rows)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Program.objects.get(code="CSO")


def test_a_schedule_changed_on_the_program_page_is_in_its_history_and_the_audit(
    admin_client, admin_user, make_component
):
    course = make_component()
    program = save_program(
        admin_client, course, (90, "before", "", False), (30, "before", "", False)
    )
    save_program(
        admin_client,
        course,
        (60, "before", "", True),
        (30, "before", "", False),
        (1, "after", "", False),
        pk=program.pk,
    )
    created, changed = program_history(program)
    assert created.changes["reminders"] == [None, "90, 30 days before"]
    assert changed.action == "update_program" and changed.user_id == admin_user.pk
    assert changed.changes == {
        "reminders": ["90, 30 days before", "60 (mandatory), 30 days before; 1 day after"]
    }
    words = "90, 30 days before → 60 (mandatory), 30 days before; 1 day after"
    page = html.unescape(admin_client.get(f"/staff/setup/programs/{program.pk}/").content.decode())
    assert "Reminders" in page and words in page
    audit = html.unescape(admin_client.get(reverse("backoffice:audit")).content.decode())
    assert words in audit


def test_removing_every_step_on_the_page_is_recorded(admin_client, make_component):
    course = make_component()
    program = save_program(admin_client, course, (30, "before", "", True))
    save_program(admin_client, course, pk=program.pk)
    assert program_history(program)[-1].changes == {
        "reminders": ["30 days before (mandatory)", None]
    }


def test_saving_the_program_page_with_the_same_schedule_records_nothing(
    admin_client, make_component
):
    course = make_component()
    rows = [(90, "before", "", False), (7, "before", "", True), (1, "after", "", False)]
    program = save_program(admin_client, course, *rows)
    save_program(admin_client, course, *reversed(rows), pk=program.pk)  # order is no change
    assert [h.action for h in program_history(program)] == ["create_program"]
    assert ReminderStep.objects.filter(program=program).count() == 3


@pytest.fixture
def scheduled(make_program, make_contact, admin):
    program = make_program(
        name="Crane Operator", reminder_schedule=[{"offset_days": -30}, {"offset_days": -7}]
    )
    ana = make_contact(first_name="Ana", last_name="Lima")
    # TODAY is 2026-06-15: expires 2026-07-20 → -30 on 2026-06-20, -7 on 2026-07-13.
    return services.record_existing(
        ana.pk, program.pk, date(2025, 7, 20), admin, expires_on=date(2026, 7, 20)
    )


def test_the_preview_page_counts_per_day_and_lists_each_reminder(admin_client, scheduled):
    page = admin_client.get("/staff/reminders/preview/", {"days": 60}).content.decode()
    assert "2 reminders in the next 60 days" in page
    assert "Sat 20 Jun 2026" in page and "Mon 13 Jul 2026" in page  # as the per-day table
    assert "2026-06-20" not in page
    assert "Ana Lima" in page
    page = admin_client.get("/staff/reminders/preview/", {"days": 10}).content.decode()
    assert "1 reminder in the next 10 days" in page


def test_the_preview_exports_csv(admin_client, scheduled):
    response = admin_client.get("/staff/reminders/preview/", {"days": 60, "format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0] == "On,Enrollment id,Contact,Program,Template,Offset days"
    assert lines[1:] == [
        f"2026-06-20,{scheduled.pk},Ana Lima,Crane Operator,certification_expiring,-30",
        f"2026-07-13,{scheduled.pk},Ana Lima,Crane Operator,certification_expiring,-7",
    ]


@pytest.mark.parametrize("days", ["0", "1000"])
def test_the_preview_refuses_a_bad_number_of_days_on_its_field(admin_client, days):
    page = admin_client.get("/staff/reminders/preview/", {"days": days}).content.decode()
    assert "has-error" in page
    assert "Ensure this value is" in page


def test_the_enrollment_page_shows_each_steps_state(admin_client, scheduled):
    page = admin_client.get(f"/staff/enrollments/{scheduled.pk}/").content.decode()
    assert "30 days before expiry: Certification Expiring" in page
    assert "scheduled for 2026-06-20" in page
    assert "scheduled for 2026-07-13" in page


def test_the_preview_can_be_narrowed_to_a_program_without_a_schedule(
    admin_client, scheduled, make_program, make_contact, admin
):
    """A program without a schedule of its own still sends its expiring email at the notice
    days, which the preview lists: its filter offers every program (a new user's trial found
    only the scheduled ones, and `?program=` of another refused)."""
    plain = make_program(name="Forklift Driver")
    bo = make_contact(first_name="Bo", last_name="Berg")
    services.record_existing(bo.pk, plain.pk, date(2025, 7, 1), admin, expires_on=date(2026, 7, 1))
    response = admin_client.get("/staff/reminders/preview/", {"days": 60, "program": plain.pk})
    assert not response.context["form"].errors
    page = response.content.decode()
    assert "Bo Berg" in page and "Ana Lima" not in page
    choices = [str(label) for _, label in response.context["form"].fields["program"].choices]
    assert [c.split(" (")[0] for c in choices] == [
        "All programs",
        "Crane Operator",
        "Forklift Driver",
    ]
