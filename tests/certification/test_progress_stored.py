"""The progress stored on each enrollment (`Enrollment.progress_*`, the Tracking filter's
"Progress") equals a fresh evaluation (`requirements.progress_of_many`) after any sequence
of writes: a property over random operations, on SQLite and on PostgreSQL."""

import contextlib
import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from certtrack.certification import progress_store, requirements, services
from certtrack.certification.actors import Actor
from certtrack.certification.errors import DomainError
from certtrack.certification.models import Completion, CompletionState, Enrollment
from certtrack.certification.progress_store import NOT_EVALUATED, percent_of, stored_of
from certtrack.certification.requirements import last_counting_day, progress_of_many
from certtrack.certification.statuses import ACTIONS
from tests.conftest import at

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)
ACTOR = Actor.system("property test")


def fresh(today: date) -> dict[int, progress_store.Stored]:
    rows = list(Enrollment.objects.select_related("program").order_by("pk"))
    return {pk: stored_of(p) for pk, p in progress_of_many(rows, today).items()}


def stored() -> dict[int, progress_store.Stored]:
    rows = Enrollment.objects.order_by("pk").values_list(
        "pk",
        "progress_percent",
        "progress_started",
        "progress_until",
        "progress_credits",
        "progress_hours",
        "progress_required_done",
        "progress_required_total",
    )
    return {pk: progress_store.Stored(*values) for pk, *values in rows}


def truth_of(today: date) -> dict:
    rows = list(Enrollment.objects.select_related("program").order_by("pk"))
    return progress_of_many(rows, today)


def _bar(progress) -> tuple:
    """What a list row's bar and an export read of a progress."""
    p = progress
    return (p.required_done, p.required_total, p.credits_earned, p.hours_earned, p.met)


def shown(today: date) -> dict[int, tuple]:
    rows = list(Enrollment.objects.select_related("program").order_by("pk"))
    return {pk: _bar(p) for pk, p in progress_store.shown(rows, today).items()}


def _world():
    components = [
        services.create_component(
            ACTOR,
            kind="course",
            name=f"C{i}",
            code=f"C{i}",
            credits_earned=Decimal(i % 3 + 1),
            hours_earned=Decimal(i % 2 + 1),
            requires_approval=i == 4,
        )
        for i in range(6)
    ]
    programs = [
        services.create_program(
            ACTOR,
            name=f"P{i}",
            code=f"P{i}",
            validity_months=12,
            credits_required=[None, Decimal(5), None][i],
            hours_required=[None, None, Decimal(3)][i],
            completion_recency_months=[None, 6, 3][i],
            components=[
                {"component_id": components[(i + j) % 6].pk, "required": j < 2} for j in range(4)
            ],
        )
        for i in range(3)
    ]
    contacts = [
        services.create_contact(ACTOR, first_name=f"A{i}", last_name="B", email=f"a{i}@x.org")
        for i in range(4)
    ]
    return components, programs, contacts


def _apply(rng: random.Random, world, today: date) -> date:
    components, programs, contacts = world
    now = at(today)
    rows = list(Enrollment.objects.order_by("pk").values_list("pk", flat=True))
    kind = rng.choice(
        ["add", "add", "complete", "complete", "complete", "decide", "remove", "act"]
        + ["program", "component", "prerequisite", "days", "existing"]
    )
    contact, program = rng.choice(contacts), rng.choice(programs)
    if kind == "add":
        services.add(contact.pk, program.pk, ACTOR, now=now)
    elif kind == "existing":
        day = today - timedelta(days=rng.randint(0, 400))
        services.record_existing(contact.pk, program.pk, day, ACTOR, now=now)
    elif kind == "complete":
        day = today - timedelta(days=rng.randint(0, 300))
        component = rng.choice(components)
        services.record_completion(contact.pk, component.pk, day, ACTOR, now=now)
    elif kind == "decide":
        pending = list(Completion.objects.live().filter(state=CompletionState.PENDING))
        if pending:
            decide = rng.choice([services.approve_completion, services.reject_completion])
            decide(rng.choice(pending).pk, ACTOR, now=now)
    elif kind == "remove":
        live = list(Completion.objects.live().values_list("pk", flat=True))
        if live:
            services.remove_completion(rng.choice(live), ACTOR, "test", now=now)
    elif kind == "act" and rows:
        action = rng.choice(sorted(ACTIONS))
        services.perform(rng.choice(rows), action, ACTOR, reason="test", now=now)
    elif kind == "program":
        picked = rng.sample(components, rng.randint(1, 4))
        services.update_program(
            program.pk,
            ACTOR,
            now=now,
            credits_required=rng.choice([None, Decimal(2), Decimal(6)]),
            hours_required=rng.choice([None, Decimal(2)]),
            completion_recency_months=rng.choice([None, 2, 12]),
            components=[
                {"component_id": c.pk, "required": j == 0 or rng.random() < 0.5}
                for j, c in enumerate(picked)
            ],
        )
    elif kind == "component":
        component = rng.choice(components)
        services.update_component(
            component.pk, ACTOR, now=now, credits_earned=Decimal(rng.randint(0, 4))
        )
    elif kind == "prerequisite":
        first, then = rng.sample(components, 2)
        services.update_component(then.pk, ACTOR, prerequisite_ids=[first.pk], now=now)
    elif kind == "days":
        return today + timedelta(days=rng.randint(1, 120))
    return today


@pytest.mark.parametrize("seed", range(8))
def test_stored_progress_equals_a_fresh_evaluation_after_every_step(seed):
    rng = random.Random(seed)
    today = START
    with time_machine.travel(at(today), tick=False) as traveller:
        world = _world()
        for _ in range(30):
            with contextlib.suppress(DomainError):
                today = _apply(rng, world, today)
            traveller.move_to(at(today))
            truth, kept = fresh(today), stored()
            # Days passing: the rows whose values ran out are evaluated again by the worker.
            ran_out = {pk for pk, s in kept.items() if s.until is not None and s.until < today}
            for pk in truth:
                if pk not in ran_out:
                    assert kept[pk] == truth[pk], (seed, pk)
            # What lists show: the stored values, and an evaluation of the rows that ran out.
            assert shown(today) == {pk: _bar(p) for pk, p in truth_of(today).items()}, seed
            progress_store.refresh_due_progress(at(today))
            assert stored() == truth, seed
        assert Enrollment.objects.exists()


def test_the_credit_threshold_counts_in_the_percent(make_contact, make_component, admin):
    course = make_component(credits_earned=Decimal(2))
    exam = make_component(kind="exam", credits_earned=Decimal(1))
    elective = make_component(credits_earned=Decimal(3))
    program = services.create_program(
        admin,
        name="Credits",
        code="CR",
        validity_months=12,
        credits_required=Decimal(6),
        components=[
            {"component_id": course.pk, "required": True},
            {"component_id": exam.pk, "required": True},
            {"component_id": elective.pk, "required": False},
        ],
    )
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    today = date.today()
    services.record_completion(contact.pk, course.pk, today, admin)
    services.record_completion(contact.pk, exam.pk, today, admin)
    row.refresh_from_db()
    # Both required components (1) and 3 of 6 credits (0.5): (1 + 0.5) / 2.
    assert (row.progress_percent, row.progress_started) == (75, True)
    services.record_completion(contact.pk, elective.pk, today, admin)
    row.refresh_from_db()
    assert row.progress_percent == 100
    assert row.status != "in_progress"  # met: certified (or awaiting review)


def test_percent_is_100_exactly_when_met():
    rule = requirements.Rule(frozenset({1, 2}), Decimal(4), None)
    progress = requirements.Progress(2, 2, Decimal(4), Decimal(0), None, rule=rule)
    assert percent_of(progress) == 99  # every part full but not met (prerequisite order)
    progress.met_on = START
    assert percent_of(progress) == 100
    none = requirements.Rule(frozenset(), None, None)
    nothing = requirements.Progress(0, 0, Decimal(0), Decimal(0), None, rule=none)
    assert percent_of(nothing) == 0


def test_a_completion_counts_until_the_last_day_of_the_recency_limit():
    assert last_counting_day(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert last_counting_day(date(2026, 1, 15), 6) == date(2026, 7, 15)
    assert requirements.recency_start(date(2026, 7, 15), 6) <= date(2026, 1, 15)
    assert requirements.recency_start(date(2026, 7, 16), 6) > date(2026, 1, 15)


def test_rebuild_progress_evaluates_rows_written_in_bulk(make_contact, make_program, admin):
    program = make_program(required=1)
    contact = make_contact()
    row = services.add(contact.pk, program.pk, admin)
    component = program.components.get()
    services.record_completion(contact.pk, component.pk, date.today(), admin)
    Enrollment.objects.filter(pk=row.pk).update(
        progress_percent=0, progress_started=False, progress_until=NOT_EVALUATED
    )
    call_command("rebuild-progress".replace("-", "_"), due=True)
    row.refresh_from_db()
    assert (row.progress_percent, row.progress_started, row.progress_until) == (100, True, None)


def test_rebuild_progress_stores_every_row_whatever_order_the_table_is_in(
    make_contact, make_program, admin, monkeypatch
):
    """`rebuild-progress` reads the rows a batch of ids at a time, each batch after the last
    id of the one before: in id order. Unordered, PostgreSQL hands rows in the table's
    physical order — rows updated since sit at its end — and the batches after a high id
    skipped the lower ones (225 rows of a 1 M bench load never stored, read live by every
    Progress filter: 380 ms instead of 2)."""
    program = make_program(required=1)
    rows = [services.add(make_contact().pk, program.pk, admin) for _ in range(9)]
    ids = [row.pk for row in rows]
    # The first five rows updated: on PostgreSQL their new versions come last in a scan.
    Enrollment.objects.filter(pk__in=ids[:5]).update(progress_percent=1)
    Enrollment.objects.filter(pk__in=ids).update(progress_until=NOT_EVALUATED)
    monkeypatch.setattr(progress_store, "STORE_BATCH", 3)
    call_command("rebuild_progress")
    unstored = Enrollment.objects.filter(pk__in=ids, progress_until=NOT_EVALUATED)
    assert list(unstored.values_list("pk", flat=True)) == []


def test_a_completion_writes_each_enrollment_it_moves_once_and_no_other(admin):
    """One UPDATE per enrollment the completion concerns (progress and `updated_at`
    together), none of the contact's enrollment whose progress it leaves as it was."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.builders import make_component, make_contact, make_program

    day = date(2026, 3, 2)
    with time_machine.travel(at(day), tick=False):
        course, other = make_component(admin), make_component(admin)
        concerned = make_program(admin, required=[course, make_component(admin)])
        elsewhere = make_program(admin, required=[other])
        contact = make_contact(admin)
        moved = services.add(contact.pk, concerned.pk, admin, now=at(day))
        kept = services.add(contact.pk, elsewhere.pk, admin, now=at(day - timedelta(days=1)))
        before = Enrollment.objects.get(pk=kept.pk).updated_at
        with CaptureQueriesContext(connection) as queries:
            services.record_completion(contact.pk, course.pk, day, admin, now=at(day))
    assert _enrollment_updates(queries) == 1
    row = Enrollment.objects.get(pk=moved.pk)
    assert row.progress_percent == 50 and row.updated_at == at(day)
    assert Enrollment.objects.get(pk=kept.pk).updated_at == before
    assert stored() == fresh(day)


def _enrollment_updates(queries) -> int:
    """UPDATE statements on the enrollments (an executemany of N counted N times)."""
    n = 0
    for query in queries.captured_queries:
        many, _, sql = query["sql"].rpartition(" times: ")
        if re.match(r'UPDATE "?certification_enrollment"? ', sql):
            n += int(many) if many.isdigit() else 1
    return n


def test_lists_show_the_stored_progress_and_evaluate_only_rows_that_ran_out(admin):
    """A row whose stored values hold is shown from them, with no query; one whose counting
    completion aged out (or never stored) is evaluated."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.builders import make_component, make_contact, make_program

    day = date(2026, 3, 2)
    with time_machine.travel(at(day), tick=False):
        course, exam = make_component(admin), make_component(admin)
        program = make_program(admin, required=[course, exam])
        held, ran_out = make_contact(admin), make_contact(admin)
        rows = [services.add(c.pk, program.pk, admin, now=at(day)) for c in (held, ran_out)]
        services.record_completion(held.pk, course.pk, day, admin, now=at(day))
    # Stored values a fresh evaluation would not give: shown as they are, so not evaluated.
    Enrollment.objects.filter(pk=rows[0].pk).update(
        progress_required_done=2, progress_required_total=5, progress_percent=40
    )
    Enrollment.objects.filter(pk=rows[1].pk).update(
        progress_required_done=2, progress_required_total=5, progress_until=day
    )
    loaded = list(Enrollment.objects.select_related("program").order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        by_id = progress_store.shown(loaded[:1], day)
    assert len(queries) == 0
    assert _bar(by_id[rows[0].pk]) == (2, 5, Decimal(1), Decimal(1), False)
    # The day after progress_until: evaluated (nothing done: 0 of 2).
    after = progress_store.shown(loaded, day + timedelta(days=1))
    assert _bar(after[rows[1].pk]) == (0, 2, Decimal(0), Decimal(0), False)
    assert _bar(after[rows[0].pk]) == (2, 5, Decimal(1), Decimal(1), False)
    # Rows loaded without the stored columns are evaluated.
    bare = list(Enrollment.objects.select_related("program").only("contact", "program"))
    assert {_bar(p) for p in progress_store.shown(bare, day).values()} == {
        (1, 2, Decimal(1), Decimal(1), False),
        (0, 2, Decimal(0), Decimal(0), False),
    }


@pytest.mark.parametrize(
    ("progress", "at_least"), [("partial", None), ("complete", None), ("", 50)]
)
def test_each_started_progress_choice_is_a_range_of_the_progress_index(progress, at_least):
    """The index leads with `progress_started`: the started choices compare it with
    equality, so the database narrows the index by it (SQLite reads a bare boolean column
    as no equality and scanned every not-started row for "partial")."""
    from django.db import connection

    queryset = Enrollment.objects.filter(
        progress_store.progress_q(progress, date.today(), at_least)
    )
    sql, params = queryset.values("pk").query.sql_with_params()
    assert re.search(r'"progress_started" = (1|true)\b', sql), sql
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "enrollment_progress_idx (progress_started=?" in plan, plan


@pytest.mark.parametrize(
    ("progress", "index"),
    [("none", "enrollment_unstarted_exp_idx"), ("partial", "enrollment_underway_exp_idx")],
)
def test_unstarted_and_under_way_by_expiry_read_their_partial_index(progress, index):
    """ "Not started" and "Under way" sorted by expiry: the dated part is read from a
    partial index whose condition is the filter's own terms (a walk of the expiry index
    through every dated row took 1.2 s and 0.5–1.3 s at 1 M on SQLite, where none was).
    SQLite matches only literal terms: "Under way"'s constants are written into the SQL.
    On PostgreSQL, told not to scan, the planner proves the index usable."""
    from django.db import connection

    from certtrack.certification.keyset import order_terms

    rows = Enrollment.objects.filter(
        progress_store.progress_q(progress, date.today()), expires_on__isnull=False
    ).order_by(*order_terms(["expires_on", "id"]))[:51]
    sql, params = rows.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # An empty table has no statistics to choose by: `INDEXED BY` fails to prepare
            # ("no query solution") unless the index is usable for these terms.
            table = f'FROM "{Enrollment._meta.db_table}"'
            cursor.execute(
                f"EXPLAIN QUERY PLAN {sql.replace(table, f'{table} INDEXED BY {index}')}", params
            )
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert index in plan, plan


def test_any_due_says_whether_some_row_ran_out_on_the_day(make_contact, make_program, admin):
    """The Progress filter's probe (`any_due`) answers as `due_q` reads: a row whose values
    held until yesterday, or were never evaluated, is due; one holding until today is not."""
    program = make_program(required=1)
    row = services.add(make_contact().pk, program.pk, admin)
    today = date(2026, 3, 1)
    for until, due in (
        (None, False),
        (today, False),
        (today + timedelta(days=400), False),
        (today - timedelta(days=1), True),
        (NOT_EVALUATED, True),
    ):
        Enrollment.objects.filter(pk=row.pk).update(progress_until=until)
        assert progress_store.any_due(today) is due, until
        assert Enrollment.objects.filter(progress_store.due_q(today)).exists() is due
