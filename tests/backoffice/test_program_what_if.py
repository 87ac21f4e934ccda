"""Editing a program's validity shows what it does to existing holders before saving, and
asks whom it applies to (PRODUCT.md §11 "What if")."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History, Program
from tests.conftest import at


def form_data(client, program, **changes) -> dict:
    """The program form as the page fills it, with `changes`."""
    form = client.get(f"/staff/setup/programs/{program.pk}/").context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    return data | {k: str(v) for k, v in changes.items()}


@pytest.fixture
def holder(admin, make_contact, make_program):
    program = make_program(name="Safety", code="SAF", validity_months=24)
    contact = make_contact(first_name="Ada", last_name="Lovelace")
    return services.record_existing(
        contact.pk, program.pk, date(2024, 7, 1), admin, now=at(date(2024, 7, 1))
    )


def test_a_validity_change_is_previewed_then_applied_to_existing_holders(admin_client, holder):
    program = holder.program
    data = form_data(admin_client, program, validity_months=36)
    page = admin_client.post(f"/staff/setup/programs/{program.pk}/", data)
    html = page.content.decode()
    assert page.status_code == 200 and "data-what-if" in html
    assert "<strong>1</strong> of 1 holder" in html and "Expiring → Active: 1" in html
    assert "Ada Lovelace" in html and "1 Jul 2026" in html and "1 Jul 2027" in html
    assert Program.objects.get(pk=program.pk).validity_months == 24  # nothing saved yet
    done = admin_client.post(f"/staff/setup/programs/{program.pk}/", data | {"apply": "existing"})
    assert done.status_code == 302
    assert Enrollment.objects.get(pk=holder.pk).expires_on == date(2027, 7, 1)
    row = History.objects.get(enrollment=holder, action="program_change")
    assert (
        row.reason == "Program SAF changed (validity months 24 → 36), applied to existing holders."
    )
    program_row = History.objects.get(object_type="program", action="update_program")
    assert program_row.reason == "Applied to existing holders too."


def test_new_certifications_only_keeps_holders_dates(admin_client, holder):
    program = holder.program
    data = form_data(admin_client, program, validity_months=36) | {"apply": "new"}
    assert admin_client.post(f"/staff/setup/programs/{program.pk}/", data).status_code == 302
    assert Program.objects.get(pk=program.pk).validity_months == 36
    assert Enrollment.objects.get(pk=holder.pk).expires_on == date(2026, 7, 1)
    # The audit tells the two apart (a staff user's trial could not).
    program_row = History.objects.get(object_type="program", action="update_program")
    assert program_row.reason == "For new certifications only: existing holders keep their dates."
    audit = admin_client.get("/staff/setup/audit/", {"object_type": "program"}).content.decode()
    assert "For new certifications only: existing holders keep their dates." in audit


def test_a_change_that_touches_no_holder_saves_at_once(admin_client, holder):
    data = form_data(admin_client, holder.program, name="Safety II")
    assert admin_client.post(f"/staff/setup/programs/{holder.program_id}/", data).status_code == 302
    assert Program.objects.get(pk=holder.program_id).name == "Safety II"


def test_the_preview_counts_date_only_changes_and_the_message_says_what_applied(
    admin_client, admin, holder, make_contact
):
    """A staff user's trial: "69 of 70 holders" listed only the status moves (13 + 12), not
    the 44 that keep their status with a new date; and applying said only "saved"."""
    program = holder.program
    later = make_contact(first_name="Grace", last_name="Hopper")
    services.record_existing(later.pk, program.pk, date(2025, 7, 1), admin)  # stays Active
    data = form_data(admin_client, program, validity_months=36)
    html = " ".join(
        admin_client.post(f"/staff/setup/programs/{program.pk}/", data).content.decode().split()
    )
    assert "<strong>2</strong> of 2 holders" in html
    assert "<li>Expiring → Active: 1</li><li>Same status, new expiration date: 1</li>" in html
    done = admin_client.post(
        f"/staff/setup/programs/{program.pk}/", data | {"apply": "existing"}, follow=True
    )
    said = [str(m) for m in done.context["messages"]]
    assert said == ["Program Safety saved. Applied to existing holders: 2 enrollments changed."]


def test_a_requirements_change_speaks_of_enrollments_in_progress_not_of_holders(
    admin, admin_client, make_contact, make_component, make_program
):
    """A new user's trial: making a component elective previewed "12 of 12 holders would get
    a new expiration date or status" for rows In progress, each to expire "never". They
    are enrollments in progress that would move on; they have no expiry yet."""
    course, exam, extra = make_component(), make_component(kind="exam"), make_component()
    program = make_program(required=[course, exam], electives=[extra], validity_months=24)
    working = services.add(make_contact(first_name="Bo", last_name="Berg").pk, program.pk, admin)
    services.record_completion(working.contact_id, course.pk, date(2026, 6, 1), admin)
    data = form_data(admin_client, program) | {f"component_{exam.pk}": "elective"}

    html = admin_client.post(f"/staff/setup/programs/{program.pk}/", data).content.decode()

    assert "data-what-if" in html and "of 0 holders" not in html
    assert "<strong>1</strong> enrollment in progress meets the new requirements" in html
    row = html.split("Bo Berg</a>")[1].split("</tr>")[0]
    assert "never" not in row and "—" in row
    assert "those in progress move on when they next record work" in html
    # With new certifications only, the row stays In progress until it records work.
    saved = admin_client.post(f"/staff/setup/programs/{program.pk}/", data | {"apply": "new"})
    assert saved.status_code == 302
    assert Enrollment.objects.get(pk=working.pk).status == "in_progress"
    services.record_completion(working.contact_id, extra.pk, date(2026, 6, 2), admin)
    assert Enrollment.objects.get(pk=working.pk).status != "in_progress"
