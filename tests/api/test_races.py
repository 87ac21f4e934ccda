"""Concurrent requests from threads against one PostgreSQL: conflicts are 409s, never 5xx."""

import random
import threading
from collections import Counter
from datetime import date

import pytest
from django.db import connection

from certtrack.certification import services
from certtrack.certification.models import Contact, Enrollment, History
from tests.api.conftest import ApiClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(calls) -> list:
    """Run each call in its own thread (own database connection), all released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_requests_creating_the_same_contact_email_one_201_one_409(api_key):
    for round in range(8):
        email = f"twin{round}@example.org"
        body = {"first_name": "Twin", "last_name": str(round), "email": email}
        clients = [ApiClient(api_key) for _ in range(3)]

        responses = at_once([lambda c=c, body=body: c.post("/contacts", body) for c in clients])

        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409, 409], [r.content for r in responses]
        winner = Contact.objects.get(email=email)
        for response in responses:
            if response.status_code == 409:
                assert response.json()["detail"] == (
                    f"A contact with email {email} already exists (id {winner.pk})."
                )


def chain_breaks(enrollment: Enrollment) -> list[str]:
    """Status changes in History that do not start where the previous one ended."""
    breaks, status = [], ""
    for row in (
        History.objects.filter(enrollment=enrollment).exclude(to_status="").order_by("at", "id")
    ):
        if row.from_status != status:
            breaks.append(
                f"{row.id} {row.action}: {row.from_status}->{row.to_status} after {status}"
            )
        status = row.to_status
    if status != enrollment.status:
        breaks.append(f"ends {status}, stored {enrollment.status}")
    return breaks


def test_concurrent_completions_and_actions_never_answer_5xx(
    api_key, admin, make_contact, make_component, make_program
):
    shared = make_component()
    programs = [make_program(required=[shared, make_component()]) for _ in range(3)]
    contacts = [make_contact() for _ in range(3)]
    enrollments = [services.add(c.pk, p.pk, admin).pk for c in contacts for p in programs]
    day = date(2026, 1, 15).isoformat()

    def client_session(seed: int) -> list[int]:
        rng, client, codes = random.Random(seed), ApiClient(api_key), []
        for _ in range(12):
            if rng.random() < 0.5:
                action = rng.choice(["set_inactive", "reactivate"])
                response = client.post(f"/enrollments/{rng.choice(enrollments)}/actions/{action}")
            else:
                contact = rng.choice(contacts)
                body = {"contact_id": contact.pk, "component_id": shared.pk, "completed_on": day}
                response = client.post("/completions", body)
            codes.append(response.status_code)
        return codes

    results = at_once([lambda seed=seed: client_session(seed) for seed in range(8)])

    codes = Counter(code for session in results for code in session)
    assert sum(codes.values()) == 8 * 12
    assert set(codes) <= {200, 201, 409}, codes
    for enrollment in Enrollment.objects.filter(pk__in=enrollments):
        assert chain_breaks(enrollment) == []
