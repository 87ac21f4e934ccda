"""Audit of setup (PRODUCT.md §9): changes to programs, components, contacts, settings, email
templates and staff users are in History (who, when, field: old → new), shown on the
object's page and in the audit view, filterable and exported as CSV."""

import csv
import io
from datetime import date

from django.urls import reverse

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import AuditObject, History
from certtrack.notifications.models import EmailTemplate
from tests.conftest import at


def rows_about(kind: str, object_id: int) -> list[History]:
    return list(History.objects.filter(object_type=kind, object_id=object_id).order_by("id"))


def rope_access(admin, **fields):
    """A 24-month program of one required course ("FA"), created by `admin`."""
    component = services.create_component(admin, kind="course", name="First aid", code="FA")
    return services.create_program(
        admin,
        components=[{"component_id": component.pk, "required": True}],
        name="Rope access",
        code="RA",
        validity_months=24,
        **fields,
    )


def test_creating_and_changing_a_program_records_who_and_each_field(admin_client, admin):
    program = rope_access(admin)
    component = program.components.get()
    other = services.create_component(admin, kind="exam", name="Final exam", code="EX")
    services.update_program(
        program.pk,
        admin,
        components=[
            {"component_id": component.pk, "required": True},
            {"component_id": other.pk, "required": False},
        ],
        validity_months=36,
        name="Rope access",  # unchanged: not recorded
    )
    created, changed = rows_about(AuditObject.PROGRAM, program.pk)
    assert created.action == "create_program" and created.actor == "owner@example.com"
    assert created.changes["validity_months"] == [None, 24]
    assert created.changes["components"] == [None, "FA (required)"]
    assert changed.changes == {
        "validity_months": [24, 36],
        "components": ["FA (required)", "EX (elective), FA (required)"],
    }
    page = admin_client.get(reverse("backoffice:program_edit", args=[program.pk]))
    assert b"Validity months" in page.content and b"24 \xe2\x86\x92 36" in page.content


def test_creating_a_program_records_its_reminder_steps_and_a_change_of_them_only(admin):
    program = rope_access(
        admin, reminder_schedule=[{"offset_days": -30}, {"offset_days": -90, "mandatory": True}]
    )
    services.update_program(
        program.pk,
        admin,
        reminder_schedule=[{"offset_days": -90, "mandatory": True}, {"offset_days": -30}],
    )
    services.update_program(program.pk, admin, reminder_schedule=[{"offset_days": -30}])
    created, changed = rows_about(AuditObject.PROGRAM, program.pk)
    assert created.changes["reminders"] == [None, "90 (mandatory), 30 days before"]
    assert changed.changes == {"reminders": ["90 (mandatory), 30 days before", "30 days before"]}


def test_saving_without_a_change_records_nothing(admin):
    component = services.create_component(admin, kind="course", name="First aid", code="FA")
    services.update_component(component.pk, admin, name="First aid")
    assert [h.action for h in rows_about(AuditObject.COMPONENT, component.pk)] == [
        "create_component"
    ]


def test_component_contact_and_settings_changes_are_recorded(admin_client, admin, make_contact):
    component = services.create_component(admin, kind="course", name="First aid", code="FA")
    services.update_component(component.pk, admin, credits_earned="2.5")
    assert rows_about(AuditObject.COMPONENT, component.pk)[-1].changes == {
        "credits_earned": ["0.00", "2.5"]
    }
    contact = make_contact(first_name="Ada", email="ada@example.org")
    services.update_contact(contact.pk, admin, organization="Analytical Engines Ltd")
    history = rows_about(AuditObject.CONTACT, contact.pk)
    assert [h.action for h in history] == ["create_contact", "update_contact"]
    assert history[1].changes == {"organization": ["", "Analytical Engines Ltd"]}
    page = admin_client.get(reverse("backoffice:contact", args=[contact.pk]))
    assert b"Analytical Engines Ltd" in page.content and b"Update contact" in page.content

    services.update_settings(admin, expiring_notice_days=45, organization_name="Guild")
    (row,) = History.objects.filter(object_type=AuditObject.SETTINGS)
    assert row.changes == {"expiring_notice_days": [30, 45], "organization_name": ["", "Guild"]}
    assert b"Expiring notice days" in admin_client.get(reverse("backoffice:settings")).content


def test_saving_an_email_template_records_old_and_new_text(admin_client):
    url = reverse("backoffice:email_template", args=["certification_earned"])
    page = admin_client.get(url)
    form = page.context["form"]
    data = {name: form[name].value() for name in ("subject", "text_body", "html_body")}
    old_subject = data["subject"]
    admin_client.post(url, data | {"subject": "Well done, {{ contact.first_name }}"})
    template = EmailTemplate.objects.get(kind="certification_earned")
    (row,) = History.objects.filter(object_type=AuditObject.EMAIL_TEMPLATE)
    assert row.object_id == template.pk and row.actor == "owner@example.com"
    assert row.changes == {"subject": [old_subject, "Well done, {{ contact.first_name }}"]}
    assert b"Well done" in admin_client.get(url).content


def test_the_audit_view_filters_by_type_user_and_dates(
    admin_client, admin, staff_user, travel, make_contact
):
    travel(date(2026, 6, 1))
    services.create_component(admin, kind="course", name="First aid", code="FA")
    travel(date(2026, 6, 10))
    make_contact(first_name="Ada")  # by the administrator (the fixture's actor)
    services.update_settings(Actor.staff(staff_user), expiring_notice_days=10)
    travel(date(2026, 6, 15))

    def shown(**query) -> set[str]:
        response = admin_client.get(reverse("backoffice:audit"), query)
        assert response.status_code == 200
        return {h.action for h in response.context["page"]}

    assert shown() == {"create_component", "create_contact", "update_settings"}
    assert shown(object_type="contact") == {"create_contact"}
    assert shown(user=staff_user.pk) == {"update_settings"}
    assert shown(since="2026-06-05") == {"create_contact", "update_settings"}
    assert shown(until="2026-06-05") == {"create_component"}
    bad = admin_client.get(
        reverse("backoffice:audit"), {"since": "2026-06-10", "until": "2026-06-01"}
    )
    assert b"The end date is before the start date." in bad.content
    assert not list(bad.context["page"])


def test_the_audit_csv_has_one_line_per_field_and_defuses_formulas(admin_client, admin, travel):
    travel(date(2026, 6, 10))
    component = services.create_component(
        admin, kind="course", name='=HYPERLINK("http://evil")', code="EVIL"
    )
    services.update_component(component.pk, admin, description="-2+3")
    response = admin_client.get(reverse("backoffice:audit_export"), {"object_type": "component"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "When",
        "Who",
        "Object type",
        "Object id",
        "Object",
        "Action",
        "Field",
        "Old",
        "New",
        "Reason",
    ]
    update = [r for r in rows if r[5] == "update_component"]
    assert update == [
        [
            "2026-06-10T12:00:00+00:00",
            "owner@example.com",
            "Component",
            str(component.pk),
            '\'=HYPERLINK("http://evil")',
            "update_component",
            "description",
            "—",
            "'-2+3",
            "",
        ]
    ]
    created = [r for r in rows if r[5] == "create_component"]
    assert {r[6] for r in created} >= {"kind", "name", "code"}
    assert all(r[4].startswith("'=") for r in rows[1:])


def test_staff_cannot_open_the_audit_view(staff_client):
    refused = staff_client.get(reverse("backoffice:audit"))
    assert refused.status_code == 403
    # The page refused is named by its role, not as General Settings (a new user's trial).
    assert b"administrator" in refused.content and b"General Settings" not in refused.content
    assert staff_client.get(reverse("backoffice:audit_export")).status_code == 403


def test_history_rows_name_their_moment(admin, travel):
    travel(date(2026, 6, 3))
    component = services.create_component(admin, kind="course", name="First aid", code="FA")
    assert rows_about(AuditObject.COMPONENT, component.pk)[0].at == at(date(2026, 6, 3))
