"""Two processes allocating status list indexes at once against one PostgreSQL."""

import json
from datetime import date

import pytest

from certtrack.certification.models import Period, PeriodSource
from certtrack.credentials.models import StatusListEntry
from tests.conftest import ON_POSTGRES
from tests.processes import run_together

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
import random
from certtrack.certification.models import Period
from certtrack.credentials import status_lists
# 60 indexes for 40 periods: the two processes draw the same indexes often.
status_lists.secrets.randbelow = lambda n: random.randrange(60)
periods = list(Period.objects.filter(pk__in=json.loads(sys.argv[2])).order_by("pk"))
wait_for_start()
got = {p.pk: [e.list_number, e.index] for p in periods for e in [status_lists.entry_for(p)]}
print(json.dumps(got))
"""


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

    results = run_together(CHILD, json.dumps([p.pk for p in periods]))

    assert results[0] == results[1]  # both processes were told the same entry per period
    entries = StatusListEntry.objects.filter(period__in=periods)
    assert entries.count() == 40
    assert len({(e.list_number, e.index) for e in entries}) == 40
