"""Two worker processes on one PostgreSQL, the same day: each reminder step once."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.notifications import reminders
from certtrack.notifications.models import Email
from tests.conftest import ON_POSTGRES
from tests.processes import run_together

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

PASS = """
import time_machine
from certtrack.operations.management.commands.worker import run_pass
wait_for_start()
with time_machine.travel(at(date.fromisoformat(sys.argv[2])), tick=False):
    results = run_pass()
print(json.dumps(results))
"""

DAY = date(2026, 3, 1)


def test_two_workers_on_the_same_days_queue_and_send_each_step_once(
    make_contact, make_program, admin, travel
):
    travel(DAY - timedelta(days=2))
    program = make_program(
        reminder_schedule=[{"offset_days": -30}, {"offset_days": -7}, {"offset_days": 1}]
    )
    for n in range(240):
        expires_on = DAY + timedelta(days=n % 40 - 5)
        services.record_existing(
            make_contact(email=f"w{n}@example.org").pk,
            program.pk,
            expires_on - timedelta(days=365),
            admin,
            expires_on=expires_on,
        )
    travel(DAY)
    expected = {(o.enrollment_id, o.step.offset_days) for o in reminders.owed(DAY, 3)}
    assert len(expected) > 100
    queued = 0
    for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)):
        results = run_together(PASS, day.isoformat())
        assert all(r["queue_reminders"] >= 0 for r in results), results
        queued += sum(r["queue_reminders"] for r in results)
    rows = Email.objects.filter(kind="reminder")
    assert sorted(rows.values_list("enrollment_id", "step")) == sorted(expected)
    assert queued == len(expected)  # each queued by exactly one of the two
    assert set(rows.values_list("status", flat=True)) == {"sent"}
