"""Two processes writing enrollments (and folding the aggregate) at once on PostgreSQL:
the count aggregate is never left wrong (issue 18)."""

from datetime import date

import pytest

from certtrack.certification import counts, services
from certtrack.certification.dates import AsOf
from certtrack.certification.models import Enrollment
from tests.conftest import ON_POSTGRES
from tests.processes import run_together

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
from django.db import transaction
from certtrack.certification import counts, services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Enrollment
wait_for_start()
from django.db import connection
with connection.cursor() as cursor:  # the copy that takes the lock writes the first half
    cursor.execute("SELECT pg_try_advisory_lock(18018)")
    half = 2 if cursor.fetchone()[0] else 3
ids = [int(i) for i in sys.argv[half].split(",")]
today = date(2026, 6, 15)
actor = Actor.system("race")
for step in range(60):
    day = today + timedelta(days=step % 3)  # the same few keys in both processes
    with transaction.atomic():
        Enrollment.objects.filter(pk__in=ids).update(expires_on=day)
        if step % 5 == 0:
            services.set_expires_on(ids[0], day + timedelta(days=1), "race", actor, now=at(today))
    if step % 2 == 0:  # often: the two processes' folds overlap (upserts of one key)
        counts.fold()
print(json.dumps({"ok": True}))
"""


def test_two_writers_and_folds_at_once_leave_the_aggregate_right(make_contact, make_program, admin):
    program = make_program(validity_months=12)
    rows = [
        services.record_existing(make_contact().pk, program.pk, date(2026, 1, 1), admin).pk
        for _ in range(8)
    ]
    first, second = ",".join(map(str, rows[:4])), ",".join(map(str, rows[4:]))

    results = run_together(CHILD, first, second)

    assert [r["ok"] for r in results] == [True, True]
    assert counts.mismatches() == []
    as_of = AsOf(date(2026, 6, 15), 30)
    assert counts.status_counts(as_of) == Enrollment.objects.status_counts(as_of)
    counts.fold()
    assert counts.mismatches() == []
    # One row per key once folded: 8 rows, at most 8 keys at two levels, plus the total.
    assert counts.EnrollmentCount.objects.count() <= 2 * 8 + 1
    assert not counts.EnrollmentCount.objects.filter(folded=False).exists()


def test_the_worker_vacuums_the_aggregate_it_folded(make_contact, make_program, admin, monkeypatch):
    """Outside a transaction (as the worker runs its steps), once the aggregate holds
    VACUUM_AFTER dead rows the fold step vacuums it: autovacuum may be off."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certtrack import clock

    program = make_program(validity_months=12)
    services.record_existing(make_contact().pk, program.pk, date(2026, 1, 1), admin)
    monkeypatch.setattr(counts, "VACUUM_AFTER", 0)
    with CaptureQueriesContext(connection) as queries:
        counts.fold_counts(clock.now())
    assert any(q["sql"].startswith("VACUUM") for q in queries.captured_queries)
    assert counts.mismatches() == []
    monkeypatch.setattr(counts, "VACUUM_AFTER", 10**9)
    with CaptureQueriesContext(connection) as queries:
        counts.fold_counts(clock.now())
    assert not any(q["sql"].startswith("VACUUM") for q in queries.captured_queries)
