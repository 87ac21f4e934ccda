"""Two staff granting the same renewal at once (two processes, one PostgreSQL): one new
period, one History row; the other is refused naming the renewal's state."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.models import History, Period
from tests.conftest import ON_POSTGRES, at
from tests.processes import run_together

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
import json, os, sys, time
import django
django.setup()
from datetime import date
from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.errors import DomainError
from tests.conftest import at
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
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
    assert "renewal is" in refused["error"]
    assert Period.objects.filter(enrollment=enrollment).count() == 2
    assert History.objects.filter(enrollment=enrollment, action=action).count() == 1
