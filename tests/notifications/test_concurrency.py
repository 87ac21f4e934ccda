"""Two worker processes on one PostgreSQL deliver at the same moment: each email once."""

from collections import Counter
from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.worker import record_time_transitions
from certtrack.notifications.models import Email
from tests.conftest import ON_POSTGRES, at
from tests.processes import run_together

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

CHILD = """
from certtrack.notifications.delivery import deliver_due
wait_for_start()
print(json.dumps({"sent": deliver_due(at(date.fromisoformat(sys.argv[2])))}))
"""

# A whole `certtrack worker --once` pass (time transitions, then delivery) on that day.
FULL_PASS = CHILD.replace(
    "print(json.dumps({",
    "import time_machine\n"
    "from certtrack.operations.management.commands.worker import run_pass\n"
    "with time_machine.travel(at(date.fromisoformat(sys.argv[2])), tick=False):\n"
    "    run_pass()\n"
    "print(json.dumps({",
)

# What a sign-in request does after its commit, for every queued sign-in link in turn.
EACH_AT_ONCE = CHILD.replace(
    'print(json.dumps({"sent": deliver_due(at(date.fromisoformat(sys.argv[2])))}))',
    "from certtrack.notifications.delivery import deliver_now\n"
    "from certtrack.notifications.models import Email\n"
    "pks = Email.objects.filter(kind='sign_in_link').order_by('pk').values_list('pk', flat=True)\n"
    "now = at(date.fromisoformat(sys.argv[2]))\n"
    'print(json.dumps({"sent": sum(deliver_now(pk, now) for pk in pks)}))',
)

# A worker pass that claims one message at a time, so that it interleaves with the above.
ONE_BY_ONE = CHILD.replace(
    "from certtrack.notifications.delivery import deliver_due\n",
    "from certtrack.notifications import delivery\n"
    "from certtrack.notifications.delivery import deliver_due\n"
    "delivery.BATCH = 1\n",
)


def deliver_in_two_processes(
    day: date, smtp_port: int, script: str = CHILD, other: str | None = None
) -> list[int]:
    """How many emails each of two processes (running `script` and `other`) sent."""
    smtp = {"CERTTRACK_EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
    results = run_together(script, day.isoformat(), other=other, env=smtp, timeout=120)
    return [result["sent"] for result in results]


def test_two_workers_in_parallel_send_each_expiring_email_once(
    smtp, make_contact, make_program, admin, travel
):
    travel(date(2025, 4, 10))
    program = make_program(name="Safety Officer", validity_months=12)
    contacts = [make_contact() for _ in range(40)]
    for contact in contacts:
        services.record_existing(contact.pk, program.pk, date(2025, 4, 10), admin)
    assert record_time_transitions(at(date(2026, 3, 11))) == 40  # 40 reminders queued
    sent = deliver_in_two_processes(date(2026, 3, 11), smtp.port)
    assert sum(sent) == 40
    assert len(smtp.inbox.received) == 40
    per_address = Counter(r for m in smtp.inbox.received for r in m.recipients)
    assert per_address == Counter({c.email: 1 for c in contacts})
    assert set(Email.objects.values_list("status", flat=True)) == {"sent"}
    # and later passes of both find nothing more to send
    assert deliver_in_two_processes(date(2026, 3, 12), smtp.port) == [0, 0]
    assert len(smtp.inbox.received) == 40


def test_two_workers_in_parallel_record_and_send_one_reminder(
    smtp, make_contact, make_program, admin, travel
):
    travel(date(2025, 4, 10))
    program = make_program(validity_months=12)
    ana = make_contact(email="ana@example.org")
    services.record_existing(ana.pk, program.pk, date(2025, 4, 10), admin)
    deliver_in_two_processes(date(2026, 3, 11), smtp.port, FULL_PASS)
    assert [m.recipients for m in smtp.inbox.received] == [["ana@example.org"]]
    assert Email.objects.get().status == "sent"


def test_sign_in_links_sent_at_once_while_a_worker_runs_go_out_once_each(
    smtp, make_contact, travel
):
    from certtrack.notifications.models import Kind
    from certtrack.notifications.outbox import queue_fixed_text

    day = date(2026, 3, 11)
    travel(day)
    contacts = [make_contact() for _ in range(30)]
    for contact in contacts:
        queue_fixed_text(
            Kind.SIGN_IN_LINK, contact.pk, "Your sign-in link", "a link", at(day), at(day, 13)
        )
    # One process is the requests' own attempts, the other a worker pass, at the same moment.
    sent = deliver_in_two_processes(day, smtp.port, ONE_BY_ONE, EACH_AT_ONCE)
    assert sum(sent) == 30
    per_address = Counter(r for m in smtp.inbox.received for r in m.recipients)
    assert per_address == Counter({c.email: 1 for c in contacts})
    assert set(Email.objects.values_list("status", flat=True)) == {"sent"}
