"""Enrollments, contacts and programs loaded without `Model.__init__`
(`models.loading.LoadedFast`) are the objects Django's own `from_db` makes: the same
values, the same deferred fields, saved and refreshed alike."""

from datetime import date

import pytest
from django.db.models import Model

from certtrack.certification import services
from certtrack.certification.models import Contact, Enrollment, Program
from certtrack.certification.tracking import ROW_FIELDS

pytestmark = pytest.mark.django_db


def django_made(queryset) -> list:
    """The same rows made by Django's own `from_db`."""
    models = (Enrollment, Contact, Program)
    try:
        for m in models:
            m.from_db = classmethod(Model.from_db.__func__)
        return list(queryset.all())
    finally:
        for m in models:
            del m.from_db  # back to LoadedFast's


def values(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


@pytest.fixture
def row(make_contact, make_program, admin):
    contact = make_contact(organization="Acme")
    program = make_program(required=1)
    return services.add(contact.pk, program.pk, admin)


def test_loaded_rows_are_the_objects_django_makes(row):
    for queryset in (
        Enrollment.objects.select_related("contact", "program"),
        Enrollment.objects.select_related("contact", "program").only(*ROW_FIELDS),
        Enrollment.objects.defer("expires_on", "contact__email"),
        Contact.objects.all(),
        Program.objects.only("name"),
    ):
        ours, theirs = list(queryset), django_made(queryset)
        assert [values(o) for o in ours] == [values(t) for t in theirs]
        for o, t in zip(ours, theirs, strict=True):
            assert o.get_deferred_fields() == t.get_deferred_fields()
            assert (o._state.adding, o._state.db) == (False, t._state.db)
            assert o == t
    loaded = Enrollment.objects.select_related("contact", "program").get(pk=row.pk)
    assert loaded.contact.organization == "Acme" and loaded.program.pk == row.program_id


def test_a_loaded_row_reads_saves_and_refreshes_as_usual(row):
    partial = Enrollment.objects.only("id", "status").get(pk=row.pk)
    assert partial.get_deferred_fields() >= {"expires_on", "contact_id"}
    assert partial.contact.pk == row.contact_id  # a deferred field is fetched on access
    partial.expires_on = date(2030, 1, 31)
    partial.save(update_fields=["expires_on"])
    assert Enrollment.objects.get(pk=row.pk).expires_on == date(2030, 1, 31)
    partial.refresh_from_db()
    assert partial.expires_on == date(2030, 1, 31)
    program = Program.objects.get(pk=row.program_id)
    program.name = "Renamed"
    program.save()
    assert Program.objects.get(pk=program.pk).name == "Renamed"


def test_a_connected_init_receiver_sees_every_loaded_row(row):
    """With a `post_init` receiver for a model, its rows go through Django's own path."""
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Contact)
    try:
        loaded = Enrollment.objects.select_related("contact", "program").get(pk=row.pk)
    finally:
        post_init.disconnect(receiver, sender=Contact)
    assert seen == [row.contact_id]
    assert loaded.contact.organization == "Acme"
    seen.clear()
    Enrollment.objects.select_related("contact").get(pk=row.pk)
    assert seen == []  # disconnected: the fast path again
