"""The worker grants a batch of renewals in a few statements (`renewal_bulk.grant_many`):
the same periods, completions used, enrollments, History rows and emails as granting
them one at a time (`grant`), on the same data; a concurrent grant still wins."""

from datetime import date

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from certtrack.certification import renewals, services, worker
from certtrack.certification.models import (
    Enrollment,
    History,
    Period,
    PeriodCompletion,
    PeriodSource,
)
from certtrack.notifications.models import Email
from certtrack.operations.management.commands.worker import run_pass
from tests.conftest import at

LAST_PASS = date(2026, 10, 1)
BACK = date(2027, 1, 25)  # the worker was down since LAST_PASS


class Undo(Exception):
    pass


@pytest.fixture
def opened(make_contact, make_program, admin, settings_row):
    """Certified enrollments (24 months, grace 14 days) whose renewal windows open while
    the worker is down, each with its renewal work recorded on LAST_PASS: one expired in
    its grace days by BACK (a reopening grant), one Expiring, three Active; and one whose
    window is not open yet."""
    program = make_program(required=2, validity_months=24, renewal_grace_days=14)
    components = list(program.components.all())
    earned = [
        date(2025, 1, 15),
        date(2025, 2, 10),
        date(2025, 3, 1),
        date(2025, 3, 20),
        date(2025, 4, 20),
        date(2025, 9, 1),
    ]
    for day in earned:
        contact = make_contact()
        services.add(contact.pk, program.pk, admin, now=at(day))
        for component in components:
            services.record_completion(contact.pk, component.pk, day, admin, now=at(day))
        for component in components:
            services.record_completion(
                contact.pk, component.pk, LAST_PASS, admin, now=at(LAST_PASS)
            )
    return program


def snapshot() -> dict[str, list[tuple]]:
    """Every row the pass writes, without the ids a sequence gives (PostgreSQL does not
    roll sequences back); a period by (enrollment, number)."""

    def rows(model, leave=("id",)):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in leave]
        return sorted(
            (tuple(repr(getattr(row, name)) for name in names) for row in model.objects.all()),
        )

    periods = dict(Period.objects.values_list("pk", "enrollment_id"))
    numbers = dict(Period.objects.values_list("pk", "number"))
    return {
        "history": rows(History),
        "email": rows(Email, leave=("id", "claim")),  # claim: a delivery's random token
        "period": rows(Period),
        "enrollment": rows(Enrollment),
        "period_completion": sorted(
            (periods[pc.period_id], numbers[pc.period_id], pc.completion_id, pc.program_id)
            for pc in PeriodCompletion.objects.all()
        ),
        "sent": sorted((m.subject, tuple(m.to), m.body) for m in mail.outbox),
    }


def pass_back(travel, bulk: bool, monkeypatch) -> tuple[dict, dict]:
    monkeypatch.setattr(renewals, "BULK_GRANTS", bulk)
    mail.outbox = []
    travel(BACK)
    result = run_pass()
    return result, snapshot()


def test_bulk_grants_write_what_one_at_a_time_writes(opened, travel, monkeypatch):
    travel(LAST_PASS)
    run_pass()
    try:
        with transaction.atomic():
            one_by_one, rows_one = pass_back(travel, False, monkeypatch)
            raise Undo
    except Undo:
        pass
    assert Period.objects.filter(number=2).count() == 0  # undone
    bulk, rows_bulk = pass_back(travel, True, monkeypatch)

    assert one_by_one["grant_renewals"] == bulk["grant_renewals"] == 5
    assert Period.objects.filter(number=2, source=PeriodSource.RENEWED).count() == 5
    assert History.objects.filter(action="renewal_granted").count() == 5
    assert Email.objects.filter(kind="certification_renewed").count() == 5
    assert PeriodCompletion.objects.filter(period__number=2).count() == 10
    for table in rows_one:
        assert rows_bulk[table] == rows_one[table], table


def writes_granting(bulk: bool, monkeypatch) -> int:
    monkeypatch.setattr(renewals, "BULK_GRANTS", bulk)
    with CaptureQueriesContext(connection) as queries:
        granted = renewals.grant_opened(at(BACK), services.Actor.system("worker"), LAST_PASS)
    assert granted == 5
    return sum(1 for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE")))


def test_a_batch_is_written_in_a_few_statements(opened, travel, monkeypatch):
    travel(LAST_PASS)
    run_pass()
    travel(BACK)
    worker.record_time_transitions(at(BACK))  # settled: only the grants write below
    try:
        with transaction.atomic():
            one_by_one = writes_granting(False, monkeypatch)
            raise Undo
    except Undo:
        pass
    bulk = writes_granting(True, monkeypatch)
    # one at a time: period, completions, enrollment, History, email voiding, email,
    # the savepoints; in bulk the same for the batch of 4 (the fifth reopens an Expired
    # row: `grant` alone, which checks for another open enrollment)
    assert one_by_one >= 5 * 6
    assert bulk <= 6 + one_by_one // 5 + 1


def test_a_period_taken_by_a_concurrent_grant_skips_that_renewal_only(opened, travel, monkeypatch):
    travel(LAST_PASS)
    run_pass()
    taken = Enrollment.objects.filter(expires_on=date(2027, 3, 20)).get()
    # Another grant's period, written while this batch waited (its enrollment not yet moved)
    Period.objects.create(
        enrollment=taken,
        number=2,
        activated_on=taken.expires_on,
        expires_on=date(2029, 3, 20),
        renewed_on=BACK,
        source=PeriodSource.RENEWED,
    )
    monkeypatch.setattr(renewals, "BULK_GRANTS", True)
    travel(BACK)
    assert run_pass()["grant_renewals"] == 4
    taken.refresh_from_db()
    assert taken.period_number == 1
    assert History.objects.filter(action="renewal_granted", enrollment=taken).count() == 0
    assert Period.objects.filter(number=2).count() == 5  # the 4 granted and the one taken


def test_a_bulk_grant_keeps_the_stored_progress_of_every_row_true(
    opened, make_program, make_contact, admin, travel, monkeypatch
):
    """The batch re-stores the progress of the rows a use can change — the contacts' rows
    of the renewing program, a closed one included — and no other row needs it: after
    the pass every row's stored progress is a fresh evaluation's."""
    from certtrack.certification import progress_store
    from certtrack.certification.progress_store import _stored_now, stored_of
    from certtrack.certification.requirements import progress_of_many

    components = list(opened.components.all())
    other = make_program(required=components[:1], electives=components[1:])
    rows_of = Enrollment.objects.filter(program=opened).order_by("pk")
    contacts = list(rows_of.values_list("contact_id", flat=True))
    for contact_id in contacts:
        services.add(contact_id, other.pk, admin, now=at(LAST_PASS))
    # A closed row of the renewing program, for a contact whose renewal is granted in the
    # batch (contacts[2], Active; contacts[0]'s reopens: granted alone, by `grant`).
    closed = make_contact()
    row = services.add(closed.pk, opened.pk, admin, now=at(date(2025, 1, 2)))
    services.perform(row.pk, "mark_not_completed", admin, reason="t", now=at(date(2025, 1, 3)))
    Enrollment.objects.filter(pk=row.pk).update(contact_id=contacts[2])
    progress_store.refresh(enrollment_ids=[row.pk], today=LAST_PASS)  # counts the work
    assert Enrollment.objects.get(pk=row.pk).progress_percent == 100
    travel(LAST_PASS)
    run_pass()
    monkeypatch.setattr(renewals, "BULK_GRANTS", True)
    travel(BACK)
    assert run_pass()["grant_renewals"] == 5

    rows = list(Enrollment.objects.select_related("program").order_by("pk"))
    fresh = {pk: stored_of(p) for pk, p in progress_of_many(rows, BACK).items()}
    kept = {e.pk: _stored_now(e) for e in rows}
    assert kept == fresh
    assert Enrollment.objects.filter(contact_id=contacts[2], program=opened).count() == 2
    assert (kept[row.pk].percent, kept[row.pk].required_done) == (0, 0)  # its work now used


def test_a_batch_reads_the_completions_and_their_uses_once(opened, travel, monkeypatch):
    """The renewal progress and, granted, the rows' own progress after are evaluated from
    one read of the contacts' completions and of the periods' uses (`requirements.Facts`)."""
    travel(LAST_PASS)
    run_pass()
    travel(BACK)
    worker.record_time_transitions(at(BACK))
    monkeypatch.setattr(renewals, "BULK_GRANTS", True)
    with CaptureQueriesContext(connection) as queries:
        granted = renewals.grant_opened(at(BACK), services.Actor.system("worker"), LAST_PASS)
    assert granted == 5
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    completions = [sql for sql in reads if "FROM certification_completion WHERE" in sql]
    uses = [sql for sql in reads if "FROM certification_periodcompletion u" in sql]
    # One read for the batch (four granted in bulk, the reopening fifth too), one more by
    # `grant` alone for the fifth (`periods.use` refreshes). Read twice a batch, it was 3.
    assert Period.objects.filter(number=2).count() == 5
    assert len(completions) == len(uses) == 2
