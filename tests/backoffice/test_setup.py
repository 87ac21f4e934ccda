"""Setup: programs, components, contacts and General Settings, written through the services."""

import pytest

from certtrack.certification.models import (
    Component,
    Contact,
    GeneralSettings,
    History,
    Program,
    ProgramComponent,
)
from certtrack.certification.statuses import Status

pytestmark = pytest.mark.django_db

PROGRAM = {
    "name": "Certified Safety Officer",
    "code": "CSO",
    "version": "2027",
    "category": "Safety",
    "description": "For site safety officers.",
    "require_approval": "on",
    "validity_months": "24",
    "credits_required": "10",
    "hours_required": "",
    "certificate_template": "modern",
    "is_active": "on",
}


def test_creating_a_program_with_required_and_elective_components(admin_client, make_component):
    course, exam, event = make_component(), make_component("exam"), make_component("event")
    response = admin_client.post(
        "/staff/setup/programs/new/",
        PROGRAM
        | {
            f"component_{course.pk}": "required",
            f"component_{exam.pk}": "required",
            f"component_{event.pk}": "elective",
        },
    )
    assert response.status_code == 302
    program = Program.objects.get(code="CSO")
    assert (program.version, program.category, program.validity_months) == ("2027", "Safety", 24)
    assert program.require_approval and not program.completion_requires_approval
    assert program.certificate_template == "modern"
    links = dict(
        ProgramComponent.objects.filter(program=program).values_list("component_id", "required")
    )
    assert links == {course.pk: True, exam.pk: True, event.pk: False}


def test_a_duplicate_program_code_is_shown_next_to_the_field_and_nothing_is_saved(
    admin_client, make_program
):
    make_program(code="CSO")
    for code in ("CSO", "cso"):  # the same code whatever the letter case
        response = admin_client.post("/staff/setup/programs/new/", PROGRAM | {"code": code})
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
    assert Program.objects.filter(code__iexact="CSO").count() == 1


def test_a_zero_validity_is_refused_on_its_field(admin_client):
    response = admin_client.post("/staff/setup/programs/new/", PROGRAM | {"validity_months": "0"})
    assert "validity_months" in response.context["form"].errors
    assert not Program.objects.filter(code="CSO").exists()


def test_editing_a_program_changes_its_components(admin_client, make_program, make_component):
    program = make_program(required=2)
    first, second = program.components.order_by("pk")
    extra = make_component()
    form = admin_client.get(f"/staff/setup/programs/{program.pk}/").context["form"]
    assert form.initial[f"component_{first.pk}"] == "required"
    data = {k: v for k, v in PROGRAM.items()} | {"name": "Renamed", "code": program.code}
    data |= {f"component_{first.pk}": "elective", f"component_{extra.pk}": "required"}
    assert admin_client.post(f"/staff/setup/programs/{program.pk}/", data).status_code == 302
    program.refresh_from_db()
    assert program.name == "Renamed"
    links = dict(program.links.values_list("component_id", "required"))
    assert links == {first.pk: False, extra.pk: True}


COMPONENT = {
    "kind": "exam",
    "name": "Safety Exam",
    "code": "SAFE-EX",
    "description": "",
    "credits_earned": "2",
    "hours_earned": "1.5",
    "requires_approval": "on",
    "opens_on": "2026-01-01",
    "closes_on": "2026-12-31",
    "is_active": "on",
    "scoring": "scored",
    "max_score": "100",
    "passing_score": "70",
}


def test_creating_a_component_with_prerequisites(admin_client, make_component):
    course = make_component(name="Safety Basics")
    response = admin_client.post(
        "/staff/setup/components/new/", COMPONENT | {"prerequisites": [course.pk]}
    )
    assert response.status_code == 302
    exam = Component.objects.get(code="SAFE-EX")
    assert list(exam.prerequisites.all()) == [course]
    assert exam.passing_score == 70 and exam.requires_approval


def test_a_passing_score_above_the_maximum_is_shown_on_the_field(admin_client):
    response = admin_client.post(
        "/staff/setup/components/new/", COMPONENT | {"passing_score": "120"}
    )
    assert "passing_score" in response.context["form"].errors
    assert not Component.objects.filter(code="SAFE-EX").exists()


def test_a_prerequisite_cycle_is_refused(admin_client, make_component):
    first = make_component()
    second = make_component(prerequisite_ids=[first.pk])
    data = {
        "kind": first.kind,
        "name": first.name,
        "code": first.code,
        "credits_earned": "1",
        "hours_earned": "1",
        "is_active": "on",
        "prerequisites": [second.pk],
    }
    response = admin_client.post(f"/staff/setup/components/{first.pk}/", data)
    assert "cycle" in str(response.context["form"].errors["prerequisites"])
    assert not first.prerequisites.exists()


def test_contacts_list_searches(admin_client, make_contact):
    ada = make_contact(first_name="Ada", organization="Analytical Engines")
    make_contact(first_name="Alan")
    response = admin_client.get("/staff/contacts/", {"q": "analytical"})
    assert list(response.context["page"].object_list) == [ada]


def test_a_contact_email_no_mail_server_takes_is_refused_on_its_field(admin_client):
    data = {"first_name": "Grace", "last_name": "Hopper", "email": f"{'g' * 70}@navy.mil"}
    response = admin_client.post("/staff/contacts/new/", data)
    assert response.status_code == 200
    assert "longer than 64 characters" in str(response.context["form"].errors["email"])
    assert not Contact.objects.exists()


def test_creating_a_contact_and_refusing_a_duplicate_email(admin_client, make_contact):
    data = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.mil"}
    response = admin_client.post("/staff/contacts/new/", data)
    grace = Contact.objects.get(email="grace@navy.mil")
    assert response["Location"] == f"/staff/contacts/{grace.pk}/"
    response = admin_client.post("/staff/contacts/new/", data | {"email": "GRACE@navy.mil"})
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors)
    assert Contact.objects.count() == 1


def test_contact_detail_lists_enrollments_and_completions(admin_client, enroll):
    row = enroll("active", first_name="Linus")
    response = admin_client.get(f"/staff/contacts/{row.contact_id}/")
    assert [e.pk for e in response.context["enrollments"]] == [row.pk]
    assert response.context["enrollments"][0].current_status == Status.ACTIVE
    assert b"Open Program" in response.content


def test_a_contact_s_enroll_form_asks_for_a_program_not_yet_open(admin_client, enroll, programs):
    """A staff trial: the select started on the first program, and offered those the
    contact was already in (the service refuses a second open enrollment)."""
    row = enroll("active", first_name="Linus")
    response = admin_client.get(f"/staff/contacts/{row.contact_id}/")
    offered = {p.pk for p in response.context["programs"]}
    assert row.program_id not in offered
    assert {programs["approval"].pk, programs["review"].pk} <= offered
    html = response.content.decode()
    assert 'required><option value="">Choose a program…</option>' in html


def test_editing_and_archiving_a_contact(admin_client, make_contact):
    contact = make_contact()
    data = {"first_name": "New", "last_name": "Name", "email": contact.email, "phone": "555"}
    admin_client.post(f"/staff/contacts/{contact.pk}/edit/", data)
    contact.refresh_from_db()
    assert (contact.first_name, contact.phone) == ("New", "555")
    admin_client.post(f"/staff/contacts/{contact.pk}/archive/", {"archived": "1"})
    contact.refresh_from_db()
    assert contact.archived_at is not None
    assert list(admin_client.get("/staff/contacts/").context["page"].object_list) == []
    admin_client.post(f"/staff/contacts/{contact.pk}/archive/", {"archived": "0"})
    contact.refresh_from_db()
    assert contact.archived_at is None


SETTINGS = {
    "expiring_notice_days": "60",
    "time_zone": "Europe/Paris",
    "application_recipients": "a@example.com\nb@example.com",
    "admin_review_recipients": "",
    "default_certificate_template": "classic",
    "default_program": "",
}


def test_general_settings_are_saved_and_recorded(admin_client):
    response = admin_client.post("/staff/setup/settings/", SETTINGS)
    assert response.status_code == 302
    settings = GeneralSettings.get()
    assert settings.expiring_notice_days == 60
    assert settings.time_zone == "Europe/Paris"
    assert settings.application_recipients == ["a@example.com", "b@example.com"]
    assert History.objects.filter(action="update_settings").exists()
    # An email list reads as its addresses, not as Python's "['a@example.com', …]".
    page = admin_client.get("/staff/setup/settings/").content.decode()
    assert "— → a@example.com, b@example.com" in page and "[&#x27;" not in page


def test_a_bad_recipient_is_shown_next_to_its_field(admin_client):
    response = admin_client.post(
        "/staff/setup/settings/", SETTINGS | {"admin_review_recipients": "not-an-email"}
    )
    assert "admin_review_recipients" in response.context["form"].errors
    assert GeneralSettings.get().expiring_notice_days == 30


def test_changing_the_notice_days_changes_which_rows_are_expiring(admin_client, enroll):
    soon = enroll("expiring")  # expires in 10 days
    active = enroll("active")  # expires in 265 days
    expiring = lambda: {  # noqa: E731
        r.pk for r in admin_client.get("/staff/tracking/", {"status": "expiring"}).context["page"]
    }
    assert expiring() == {soon.pk}
    admin_client.post("/staff/setup/settings/", SETTINGS | {"expiring_notice_days": "300"})
    assert expiring() == {soon.pk, active.pk}
    admin_client.post("/staff/setup/settings/", SETTINGS | {"expiring_notice_days": "0"})
    assert expiring() == set()


def test_time_zone_choices_are_real_places_and_utc(admin_client):
    from certtrack.backoffice.forms import SettingsForm

    names = [value for value, _ in SettingsForm().fields["time_zone"].choices]
    assert "America/New_York" in names and "UTC" in names
    assert "localtime" not in names and "Factory" not in names


def test_a_program_keeps_renewal_defaults_and_saves_renewal_settings(admin_client, make_component):
    core = make_component()
    data = PROGRAM | {
        f"component_{core.pk}": "required",
        f"renewal_{core.pk}": "on",
        "completion_recency_months": "36",
        "renewal_window_days": "60",
        "renewal_base": "renewal_date",
        "renewal_requirements": "credits",
        "renewal_credits_required": "20",
    }
    assert admin_client.post("/staff/setup/programs/new/", data).status_code == 302
    program = Program.objects.get(code="CSO")
    assert (program.renewal_window_days, program.renewal_grace_days) == (60, 0)
    assert (program.renewal_base, program.renewal_credits_required) == ("renewal_date", 20)
    assert program.completion_recency_months == 36
    assert program.links.get().required_for_renewal is True
    page = admin_client.get(f"/staff/setup/programs/{program.pk}/")
    assert page.context["form"].initial[f"renewal_{core.pk}"] is True


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"renewal_window_days": "-1"}, "renewal_window_days"),
        ({"renewal_grace_days": "-3"}, "renewal_grace_days"),
        ({"completion_recency_months": "0"}, "completion_recency_months"),
        ({"renewal_credits_required": "5"}, "renewal_credits_required"),
    ],
)
def test_renewal_settings_out_of_range_are_refused_on_their_field(admin_client, extra, field):
    response = admin_client.post("/staff/setup/programs/new/", PROGRAM | extra)
    assert field in response.context["form"].errors
    assert not Program.objects.filter(code="CSO").exists()


def test_required_for_renewal_on_a_component_not_in_the_program_is_refused(
    admin_client, make_component
):
    outside = make_component()
    response = admin_client.post(
        "/staff/setup/programs/new/", PROGRAM | {f"renewal_{outside.pk}": "on"}
    )
    errors = response.context["form"].errors[f"renewal_{outside.pk}"]
    assert "not in this program" in errors[0]
    assert not Program.objects.filter(code="CSO").exists()
