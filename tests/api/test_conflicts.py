"""Changes that would give a contact two open enrollments of one program answer 409."""

from datetime import date

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History
from tests.conftest import at


def test_reopening_while_another_enrollment_is_open_is_a_409_naming_it(
    api, make_contact, make_program, admin
):
    contact, program = make_contact(), make_program(required=2)
    first = services.add(contact.pk, program.pk, admin)
    services.perform(first.pk, "mark_not_completed", admin)
    second = services.add(contact.pk, program.pk, admin)
    history = History.objects.count()

    response = api.post(f"/enrollments/{first.pk}/actions/reopen")

    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert f"id {second.pk}" in detail and program.name in detail
    assert Enrollment.objects.get(pk=first.pk).status == "not_completed"
    assert History.objects.count() == history


def test_extending_an_expired_one_while_another_is_open_is_a_409_naming_it(
    api, make_contact, make_program, admin, travel
):
    travel(date(2026, 6, 1))
    contact, program = make_contact(), make_program(required=2, validity_months=12)
    old = services.record_existing(contact.pk, program.pk, date(2024, 1, 10), admin)
    assert old.status == "expired"
    current = services.add(contact.pk, program.pk, admin)

    response = api.patch(
        f"/enrollments/{old.pk}", {"expires_on": "2027-01-10", "reason": "Extension granted"}
    )

    assert response.status_code == 409, response.content
    assert f"id {current.pk}" in response.json()["detail"]
    old.refresh_from_db()
    assert (old.status, old.expires_on) == ("expired", date(2025, 1, 10))


def test_the_unique_constraint_under_a_race_is_also_a_409(
    api, make_contact, make_program, admin, monkeypatch
):
    """The check can pass and the other enrollment commit just after: the constraint answers."""
    contact, program = make_contact(), make_program(required=2)
    first = services.add(contact.pk, program.pk, admin)
    services.perform(first.pk, "mark_not_completed", admin)
    services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 2)))
    monkeypatch.setattr(services.common, "_other_open", lambda enrollment: None)

    response = api.post(f"/enrollments/{first.pk}/actions/reopen")

    assert response.status_code == 409, response.content
    assert "already has an open enrollment" in response.json()["detail"]
    assert Enrollment.objects.get(pk=first.pk).status == "not_completed"


def test_a_contact_email_taken_between_the_check_and_the_save_is_the_same_409(
    api, make_contact, monkeypatch
):
    """Another request commits the same email just after this one checked: 409, not 422."""
    check = services.contacts._check_contact_unique
    rival = {}

    def check_then_lose_the_race(contact):
        check(contact)
        if not rival:
            rival["contact"] = None
            rival["contact"] = make_contact(email="grace@example.org")

    monkeypatch.setattr(services.contacts, "_check_contact_unique", check_then_lose_the_race)

    response = api.post(
        "/contacts", {"first_name": "Grace", "last_name": "Hopper", "email": "GRACE@example.org"}
    )

    assert response.status_code == 409, response.content
    assert response.json()["detail"] == (
        f"A contact with email GRACE@example.org already exists (id {rival['contact'].pk})."
    )
    assert response.json()["contact_id"] == rival["contact"].pk
