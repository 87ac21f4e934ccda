"""Two processes allocating status list indexes at once against one PostgreSQL."""

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from certtrack.certification.models import Period, PeriodSource
from certtrack.credentials.models import StatusListEntry
from tests.conftest import ON_POSTGRES

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
import json, random, sys, time
import django
django.setup()
from certtrack.certification.models import Period
from certtrack.credentials import status_lists
start = float(sys.argv[1])
# 60 indexes for 40 periods: the two processes draw the same indexes often.
status_lists.secrets.randbelow = lambda n: random.randrange(60)
periods = list(Period.objects.filter(pk__in=json.loads(sys.argv[2])).order_by("pk"))
while time.time() < start:
    time.sleep(0.001)
got = {p.pk: [e.list_number, e.index] for p in periods for e in [status_lists.entry_for(p)]}
print(json.dumps(got))
"""


def run_child_twice(child: str, *args: str) -> list:
    """Run `child` in two processes that start together on the test database; their output."""
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
            [sys.executable, "-c", child, start, *args],
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


def test_two_processes_never_share_an_index_and_give_a_period_one_entry(certified):
    periods = [
        Period.objects.create(
            enrollment=certified,
            number=n,
            activated_on=date(2026, 3, 1),
            source=PeriodSource.RENEWED,
        )
        for n in range(2, 42)
    ]

    results = run_child_twice(CHILD, json.dumps([p.pk for p in periods]))

    assert results[0] == results[1]  # both processes were told the same entry per period
    entries = StatusListEntry.objects.filter(period__in=periods)
    assert entries.count() == 40
    assert len({(e.list_number, e.index) for e in entries}) == 40
