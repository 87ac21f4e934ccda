"""Two processes at once against one PostgreSQL: exactly one wins, one History row."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import Enrollment, History
from tests.conftest import ON_POSTGRES, at
from tests.processes import run_together

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.errors import DomainError
from certtrack.certification.worker import record_time_transitions
wait_for_start()
what = sys.argv[2]
try:
    if what == "approve":
        services.perform(int(sys.argv[3]), "approve", Actor.system(f"pid {os.getpid()}"))
        print(json.dumps({"ok": True}))
    else:
        moved = record_time_transitions(at(date.fromisoformat(sys.argv[3])))
        print(json.dumps({"ok": True, "moved": moved}))
except DomainError as error:
    print(json.dumps({"ok": False, "error": error.message}))
"""


def test_two_processes_approving_the_same_application_one_wins(make_contact, make_program, admin):
    enrollment = services.apply(make_contact().pk, make_program(require_approval=True).pk, admin)

    results = run_together(CHILD, "approve", str(enrollment.pk))

    assert sorted(r["ok"] for r in results) == [False, True]
    loser = next(r for r in results if not r["ok"])
    assert "Cannot approve application: the enrollment is In progress" in loser["error"]
    assert Enrollment.objects.get(pk=enrollment.pk).status == "in_progress"
    assert History.objects.filter(enrollment=enrollment, action="approve").count() == 1


def test_two_workers_on_the_same_due_rows_record_each_transition_once(
    make_contact, make_program, admin
):
    program = make_program(validity_months=12)
    rows = [
        services.record_existing(
            make_contact().pk, program.pk, date(2025, 3, 10), admin, now=at(date(2025, 3, 10))
        )
        for _ in range(40)
    ]

    results = run_together(CHILD, "worker", "2026-03-20")

    assert sum(r["moved"] for r in results) == 40
    assert History.objects.filter(action="time", enrollment__in=rows).count() == 40
    assert set(
        Enrollment.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    ) == {"expired"}
