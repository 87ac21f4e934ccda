"""Two staff granting the same renewal at once (two processes, one PostgreSQL): one new
period, one History row; the other is refused naming the renewal's state."""

from datetime import date, timedelta

import pytest

from certtrack.certification import services
from certtrack.certification.models import History, Period
from certtrack.notifications.models import Email
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
wait_for_start()
try:
    services.perform(
        int(sys.argv[3]), sys.argv[2], Actor.system(f"pid {os.getpid()}"),
        reason="Board decision", now=at(date(2026, 12, 1)),
    )
    print(json.dumps({"ok": True}))
except DomainError as error:
    print(json.dumps({"ok": False, "error": error.message}))
"""


@pytest.mark.postgres
@pytest.mark.parametrize("action", ["renew", "approve_renewal"])
def test_two_staff_granting_the_same_renewal_make_one_new_period(
    make_contact, make_program, admin, action
):
    program = make_program(
        required=1, validity_months=12, completion_requires_approval=action == "approve_renewal"
    )
    component = program.components.get()
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin, now=at(date(2026, 1, 10)))
    services.record_completion(
        contact.pk, component.pk, date(2026, 1, 10), admin, now=at(date(2026, 1, 10))
    )
    if action == "approve_renewal":
        services.perform(enrollment.pk, "approve_completion", admin, now=at(date(2026, 1, 10)))
        services.record_completion(
            contact.pk, component.pk, date(2026, 11, 20), admin, now=at(date(2026, 11, 20))
        )

    results = run_together(CHILD, action, str(enrollment.pk))

    assert sorted(r["ok"] for r in results) == [False, True]
    refused = next(r for r in results if not r["ok"])
    # The second finds it renewed already (a waiver) or no longer in review.
    assert ("renewed already" if action == "renew" else "renewal is") in refused["error"]
    assert Period.objects.filter(enrollment=enrollment).count() == 2
    assert History.objects.filter(enrollment=enrollment, action=action).count() == 1


WORKER = """
import time_machine
from certtrack.certification import renewals
from certtrack.certification.actors import Actor
start = float(sys.argv[1])
with time_machine.travel(at(date(2027, 1, 25)), tick=False):
    while time.time() < start:
        pass
    granted = renewals.grant_opened(
        at(date(2027, 1, 25)), Actor.system(f"pid {os.getpid()}"), date(2026, 10, 1)
    )
print(json.dumps({"granted": granted}))
"""


@pytest.mark.postgres
def test_two_workers_granting_the_same_batch_make_one_new_period_each(
    make_contact, make_program, admin
):
    """Two worker passes granting the same renewals at once (bulk, 200 rows a batch):
    each renewal granted once — one new period, one History row, one email."""
    program = make_program(required=1, validity_months=24, renewal_grace_days=14)
    component = program.components.get()
    enrollments = []
    for n in range(30):
        day = date(2025, 2, 1) + timedelta(days=2 * n)
        contact = make_contact()
        enrollments.append(services.add(contact.pk, program.pk, admin, now=at(day)))
        services.record_completion(contact.pk, component.pk, day, admin, now=at(day))
        done = date(2026, 10, 1)
        services.record_completion(contact.pk, component.pk, done, admin, now=at(done))

    results = run_together(WORKER)

    assert sorted(r["granted"] for r in results) == [0, 30]
    assert Period.objects.filter(enrollment__in=enrollments, number=2).count() == 30
    assert History.objects.filter(action="renewal_granted").count() == 30
    assert Email.objects.filter(kind="certification_renewed").count() == 30
