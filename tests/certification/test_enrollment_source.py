"""An enrollment says how it was created (`source`): the outbox reads it, not History."""

import importlib
from datetime import date

from django.apps import apps

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History
from certtrack.notifications.models import Email, Kind

from .conftest import TODAY, at

migration = importlib.import_module(
    "certtrack.certification.migrations.0012_split_enrollment_source"
)


def test_each_way_of_creating_an_enrollment_is_its_source(make_contact, make_program, admin):
    program = make_program(required=1, validity_months=12)
    applied = services.apply(make_contact().pk, program.pk, admin, now=at(TODAY))
    added = services.add(make_contact().pk, program.pk, admin, now=at(TODAY))
    recorded = services.record_existing(
        make_contact().pk, program.pk, date(2026, 1, 5), admin, now=at(TODAY)
    )

    assert [e.source for e in (applied, added, recorded)] == ["apply", "add", "record_existing"]
    assert Enrollment.objects.get(pk=applied.pk).source == "apply"


def test_only_an_applied_enrollment_is_acknowledged_by_email(make_contact, make_program, admin):
    program = make_program(required=2)
    applied = services.apply(make_contact().pk, program.pk, admin)
    added = services.add(make_contact().pk, program.pk, admin)

    kinds = set(Email.objects.filter(kind=Kind.APPLICATION_RECEIVED).values_list("enrollment_id"))
    assert kinds == {(applied.pk,)}
    assert added.source == "add"


def created(enrollment: Enrollment, action: str) -> None:
    History.objects.create(
        at="2025-03-02T10:00:00Z",
        actor="x",
        actor_kind="staff",
        enrollment=enrollment,
        action=action,
        to_status=enrollment.status,
    )


def test_the_migration_fills_the_source_of_existing_rows_from_history(make_contact, make_program):
    """Rows from before the field: each takes the action that created it; none: ""."""
    program = make_program(required=2)
    applied, added, untold = (
        Enrollment.objects.create(contact=make_contact(), program=program, status="in_progress")
        for _ in range(3)
    )
    created(applied, "apply")
    created(added, "add")
    created(added, "import_certification")  # an import updated it later: still "add"

    migration.fill_from_history(apps, None)

    sources = dict(Enrollment.objects.values_list("pk", "source"))
    assert [sources[applied.pk], sources[added.pk], sources[untold.pk]] == ["apply", "add", ""]
