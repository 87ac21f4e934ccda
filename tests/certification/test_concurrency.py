"""Two processes at once against one PostgreSQL: exactly one wins, one History row."""

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
from certtrack.certification.models import Enrollment, History
from tests.conftest import ON_POSTGRES, at

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
import json, os, sys, time
import django
django.setup()
from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.errors import DomainError
from certtrack.certification.worker import record_time_transitions
from tests.conftest import at
from datetime import date
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
what = sys.argv[1]
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


def run_twice(*args) -> list[dict]:
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
            [sys.executable, "-c", CHILD, args[0], start, *args[1:]],
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


def test_two_processes_approving_the_same_application_one_wins(make_contact, make_program, admin):
    enrollment = services.apply(make_contact().pk, make_program(require_approval=True).pk, admin)

    results = run_twice("approve", str(enrollment.pk))

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

    results = run_twice("worker", "2026-03-20")

    assert sum(r["moved"] for r in results) == 40
    assert History.objects.filter(action="time", enrollment__in=rows).count() == 40
    assert set(
        Enrollment.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    ) == {"expired"}
