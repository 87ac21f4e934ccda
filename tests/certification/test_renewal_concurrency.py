"""Two staff granting the same renewal at once (two processes, one PostgreSQL): one new
period, one History row; the other is refused naming the renewal's state."""

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from certtrack.certification import services
from certtrack.certification.models import History, Period
from tests.conftest import ON_POSTGRES, at

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
start = float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
try:
    services.perform(
        int(sys.argv[2]), sys.argv[1], Actor.system(f"pid {os.getpid()}"),
        reason="Board decision", now=at(date(2026, 12, 1)),
    )
    print(json.dumps({"ok": True}))
except DomainError as error:
    print(json.dumps({"ok": False, "error": error.message}))
"""


def run_twice(action: str, enrollment_id: int) -> list[dict]:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgresql://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"
    env = os.environ | {
        "CERTTRACK_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "certtrack.settings",
    }
    start = str(time.time() + 2.0)
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, action, str(enrollment_id), start],
            env=env,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


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

    results = run_twice(action, enrollment.pk)

    assert sorted(r["ok"] for r in results) == [False, True]
    refused = next(r for r in results if not r["ok"])
    assert "renewal is" in refused["error"]
    assert Period.objects.filter(enrollment=enrollment).count() == 2
    assert History.objects.filter(enrollment=enrollment, action=action).count() == 1
