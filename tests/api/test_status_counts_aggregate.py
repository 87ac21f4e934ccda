"""GET /enrollments/status-counts and the list's `count` from the count aggregate (issue 18)."""

from datetime import date

import pytest

from certtrack.certification import counts, services
from certtrack.certification.statuses import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(admin, make_contact, make_program, settings_row, travel):
    travel(date(2027, 1, 15))
    program = make_program()
    other = make_program()
    made = [services.add(make_contact().pk, program.pk, admin) for _ in range(3)]
    made.append(services.record_existing(make_contact().pk, other.pk, date(2026, 6, 1), admin))
    return program, other, made


def test_counts_keep_their_shape_and_equal_the_rows(api, rows):
    program, other, _ = rows
    body = api.get("/enrollments/status-counts").json()
    assert set(body) == {"counts", "total"}
    assert set(body["counts"]) == set(Status.values)
    assert body["total"] == 4 and body["counts"]["in_progress"] == 3
    body = api.get("/enrollments/status-counts", {"program": str(other.pk)}).json()
    assert body["total"] == 1 and body["counts"]["active"] == 1
    body = api.get(
        "/enrollments/status-counts", {"expires_from": "2027-05-01", "q": "casey"}
    ).json()
    assert body["total"] == 1 and body["counts"]["active"] == 1


def test_program_counts_and_list_count_read_the_aggregate(api, rows):
    program, _, made = rows
    for level in (program.pk, None):  # the program's keys and all programs'
        counts.EnrollmentCount.objects.create(
            program_id=level, status="in_progress", expires_on=None, n=10
        )
    body = api.get("/enrollments/status-counts", {"program": str(program.pk)}).json()
    assert body["counts"]["in_progress"] == 13
    listed = api.get("/enrollments", {"status": "in_progress"}).json()
    assert listed["count"] == 13 and len(listed["results"]) == 3
    # A search is counted over the rows (exact): the skewed aggregate plays no part.
    searched = api.get("/enrollments", {"status": "in_progress", "q": "casey"}).json()
    assert searched["count"] == 3
