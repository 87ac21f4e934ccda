"""`GET /enrollments?updated_since=`: exactly the rows written since, whatever wrote them
(docs/integrations.md "Polling")."""

from datetime import date, datetime, timedelta

import pytest

from certtrack.certification import services, worker
from certtrack.certification.models import Completion

from .conftest import error_detail


def since(api, moment: datetime) -> set[int]:
    response = api.get("/enrollments", {"updated_since": moment.isoformat()})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def rows(admin, make_contact, make_component, make_program, travel):
    """On 1 Jan 2027: three enrollments in progress and one certification expiring 1 Jun."""
    travel(datetime.fromisoformat("2027-01-01T09:00:00+00:00"))
    first, second = make_component(), make_component()
    program = make_program(required=[first, second], validity_months=12)
    working = [services.add(make_contact().pk, program.pk, admin) for _ in range(3)]
    certified = services.record_existing(
        make_contact().pk, program.pk, date(2026, 6, 2), admin, expires_on=date(2027, 6, 1)
    )
    return {"working": working, "certified": certified, "component": first}


def test_each_kind_of_write_shows_in_updated_since_and_nothing_else(api, admin, rows, travel):
    working, certified = rows["working"], rows["certified"]

    t1 = travel(datetime.fromisoformat("2027-01-02T09:00:00+00:00"))
    assert since(api, t1) == set()
    assert since(api, t1 - timedelta(days=2)) == {e.pk for e in working} | {certified.pk}

    # A transition by staff.
    services.perform(working[0].pk, "set_inactive", admin)
    assert since(api, t1) == {working[0].pk}

    # A completion that changes progress but no status (one of two required components).
    t2 = travel(datetime.fromisoformat("2027-01-03T09:00:00+00:00"))
    completion = services.record_completion(
        working[1].contact_id, rows["component"].pk, date(2027, 1, 3), admin
    )
    assert since(api, t2) == {working[1].pk}
    # Removing it changes the progress back.
    t3 = travel(datetime.fromisoformat("2027-01-04T09:00:00+00:00"))
    services.remove_completion(completion.pk, admin, reason="entered twice")
    assert Completion.objects.get(pk=completion.pk).removed_at is not None
    assert since(api, t3) == {working[1].pk}

    # An expiry edit.
    t4 = travel(datetime.fromisoformat("2027-01-05T09:00:00+00:00"))
    services.set_expires_on(certified.pk, date(2027, 7, 1), "extension", admin)
    assert since(api, t4) == {certified.pk}

    # The worker records Active → Expiring when the notice period begins.
    t5 = travel(datetime.fromisoformat("2027-06-20T09:00:00+00:00"))
    assert since(api, t5) == set()
    assert worker.record_time_transitions(t5) == 1
    assert since(api, t5) == {certified.pk}
    assert since(api, t5 + timedelta(seconds=1)) == set()


def test_the_cursor_is_each_row_updated_at(api, admin, rows, travel):
    travel(datetime.fromisoformat("2027-01-02T09:00:00+00:00"))
    services.perform(rows["working"][2].pk, "set_inactive", admin)
    newest = max(row["updated_at"] for row in api.get("/enrollments").json()["results"])
    assert since(api, datetime.fromisoformat(newest)) == {rows["working"][2].pk}


@pytest.mark.parametrize("value", ["yesterday", "2027-01-02T09:00:00", "2027-13-01T00:00:00Z"])
def test_a_bad_time_is_a_400_naming_the_parameter(api, db, value):
    response = api.get("/enrollments", {"updated_since": value})
    assert "updated_since" in error_detail(response, 400)
    assert response.json()["parameter"] == "updated_since"
