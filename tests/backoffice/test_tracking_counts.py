"""The Tracking tab's counts at scale (issue 18): from the count aggregate, or capped."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.certification import counts
from certtrack.certification.models import Enrollment
from certtrack.certification.statuses import Status

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]


def _skew(enrollment, n: int) -> None:
    """Aggregate rows that no enrollment backs: visible only to a read of the aggregate
    (at the program's level and at all programs')."""
    for program in (enrollment.program_id, None):
        counts.EnrollmentCount.objects.create(
            program_id=program, status=enrollment.status, expires_on=enrollment.expires_on, n=n
        )


def test_quick_filter_counts_equal_the_rows_and_come_from_the_aggregate(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/quick/")
    options = {o.get("value"): o["count"] for o in response.context["quick"]["statuses"]}
    assert options[None] == len(ALL)  # "All"
    assert all(options[s] == 1 for s in ALL)
    program = one_of_each["active"].program_id
    by_program = {p["value"]: p["count"] for p in response.context["quick"]["programs"]}
    assert sum(by_program.values()) == len(ALL) and by_program[program] >= 1
    _skew(one_of_each["in_progress"], 4)
    response = admin_client.get("/staff/tracking/quick/")
    options = {o.get("value"): o["count"] for o in response.context["quick"]["statuses"]}
    assert options["in_progress"] == 5  # the aggregate's sum, not COUNT(*)


def test_a_status_or_program_page_total_is_the_aggregate_sum(admin_client, one_of_each):
    response = admin_client.get("/staff/tracking/", {"status": "in_progress"})
    assert response.context["total"] == 1 and not response.context["capped"]
    _skew(one_of_each["in_progress"], 2)
    response = admin_client.get("/staff/tracking/", {"status": "in_progress"})
    assert response.context["total"] == 3
    assert "<strong>3</strong> enrollments" in response.content.decode()


def test_a_search_counts_exactly_below_the_cap_and_shows_cap_plus_above(
    admin_client, one_of_each, monkeypatch
):
    response = admin_client.get("/staff/tracking/", {"q": "example"})
    assert response.context["total"] == len(ALL) and not response.context["capped"]
    monkeypatch.setattr(counts, "CAP", 4)
    response = admin_client.get("/staff/tracking/", {"q": "example"})
    assert response.context["total"] == 4 and response.context["capped"]
    assert "<strong>4+</strong> enrollments match this filter" in response.content.decode()
    # The pages reach the rows the capped count read (CAP + 1; a page holds 50 at most).
    assert len(response.context["page"].object_list) == 5


def _quick(admin_client, params: dict) -> tuple[dict, dict]:
    context = admin_client.get("/staff/tracking/quick/", params).context["quick"]
    statuses = {o.get("value"): o["count"] for o in context["statuses"]}
    programs = {p["value"]: p["count"] for p in context["programs"]}
    return statuses, programs


def _truth(admin_client, params: dict) -> tuple[dict, dict]:
    """The counts the Tracking page's rows give: each status with the other criteria, each
    program with the other criteria (PRODUCT.md §5)."""
    statuses, programs = {None: 0}, {}
    listed = admin_client.get("/staff/tracking/", {**params, "per_page": 200}).context["page"]
    for row in listed.object_list:
        statuses[None] += 1
        programs[row.program_id] = programs.get(row.program_id, 0) + 1
    for status in ALL:
        page = admin_client.get("/staff/tracking/", {**params, "status": status, "per_page": 200})
        statuses[status] = len(page.context["page"].object_list)
    return statuses, programs


@pytest.mark.parametrize(
    "params",
    [
        {"q": "searched"},
        {"progress": "none"},
        {"category": "Safety"},
        {"q": "searched", "status": "active"},
        {"program": "PROGRAM"},
        {"expires_within_days": "400"},
        {"activated_from": "2000-01-01"},
    ],
    ids=lambda p: ",".join(p),
)
def test_quick_filter_counts_follow_the_other_criteria(admin_client, enroll, programs, params):
    for status in ALL:
        enroll(status)
        enroll(status, first_name="Searched")
    if params.get("program") == "PROGRAM":
        params = {**params, "program": str(programs["open"].pk)}
    statuses, by_program = _quick(admin_client, params)
    # Each status's count is the rows with that status and every other criterion.
    without_status = {k: v for k, v in params.items() if k != "status"}
    truth_statuses, _ = _truth(admin_client, without_status)
    assert statuses == truth_statuses
    assert 0 < statuses[None] <= 2 * len(ALL)
    without_program = {k: v for k, v in params.items() if k != "program"}
    _, truth_programs = _truth(admin_client, without_program)
    assert {k: v for k, v in by_program.items() if v} == truth_programs


def test_the_capped_count_reads_no_column_of_the_rows(one_of_each):
    """The capped count's subquery selects a constant, not the id (issue 17: SQLite handing
    10,001 ids out of the index made the count 1.6× its hand-written floor at 1 M)."""
    queryset = Enrollment.objects.filter(contact__email__contains="example")
    with CaptureQueriesContext(connection) as queries:
        assert counts.capped_count(queryset) == len(ALL)
        assert counts.capped_count(queryset, cap=3) == 4
        assert counts.capped_count(queryset.none()) == 0
    inner = re.search(r"\(SELECT (.*?) FROM", queries.captured_queries[0]["sql"]).group(1)
    assert inner == '1 AS "one"'
