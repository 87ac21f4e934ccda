"""Tracking pages read as index range reads (issue 18): the same rows, in the same order.

`first_rows` reads Active by expiry as its dated then its undated rows, and any status by
program program after program; a one-status page "by status" is ordered by id. Each is held
to the plain query it replaces: Django's `ORDER BY` of the sort key's fields, by the status
true today (undated rows last ascending, first descending: `order_terms`).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certtrack.backoffice.filters import TrackingFilter
from certtrack.backoffice.views import tracking as view
from certtrack.certification.dates import AsOf
from certtrack.certification.keyset import after_q, first_rows, page_after
from certtrack.certification.models import ORDERINGS, Enrollment
from certtrack.certification.statuses import Status
from certtrack.certification.tracking import order_terms, tracking_queryset
from tests.backoffice.conftest import TODAY

pytestmark = pytest.mark.django_db

AS_OF = AsOf(TODAY, 30)
KEYS = [*ORDERINGS, *(f"-{k}" for k in ORDERINGS)]
FILTERS = [None, "active", "expiring", "expired", "in_progress", "active,expiring"]


@pytest.fixture
def mixed(enroll, make_program, programs):
    """Active rows dated (equal dates among them) and undated, the other statuses, and rows
    in four programs (two of one name: their rows interleave by id)."""
    statuses = ["active"] * 9 + ["expiring", "expired", "expired", "in_progress", "in_progress"]
    statuses += ["applied", "cancelled", "inactive", "admin_review", "declined"]
    rows = [enroll(status) for status in statuses]
    extra = [make_program(name="Aardvark Course"), make_program(name="Zebra Course")]
    twin = make_program(name="Aardvark Course")
    active = [row for row in rows if row.status == "active"]
    later = TODAY + timedelta(days=200)
    # Undated Active rows (a program without expiry), spread among the ids.
    for row in active[1::3]:
        Enrollment.objects.filter(pk=row.pk).update(expires_on=None)
    for row in active[2::3]:  # equal expiry dates: the id breaks the tie
        Enrollment.objects.filter(pk=row.pk).update(expires_on=later)
    for index, row in enumerate(rows):
        program = [extra[0], twin, extra[1], None][index % 4]
        if program is not None:
            Enrollment.objects.filter(pk=row.pk).update(program=program)
    return rows


def _plain(params: dict) -> list[int]:
    """The rows' ids as one plain query orders them (what the Tracking tab did before)."""
    key = params["ordering"]
    fields = ["current_status" if f == "status" else f for f in ORDERINGS[key.lstrip("-")]]
    rows = Enrollment.objects.with_current_status(AS_OF)
    if "status" in params:
        rows = rows.in_status([Status(s) for s in params["status"].split(",")], AS_OF)
    order = [f"-{f}" for f in fields] if key.startswith("-") else fields
    return list(rows.order_by(*order_terms(order)).values_list("pk", flat=True))


def _params(key: str, status: str | None) -> dict:
    return {"ordering": key} | ({"status": status} if status else {})


@pytest.mark.parametrize("key", KEYS)
def test_first_rows_are_the_plain_querys_rows_in_its_order(mixed, key):
    for status in FILTERS:
        params = _params(key, status)
        expected = _plain(params)
        rows = tracking_queryset(params, AS_OF, current_status=False)
        assert list(rows.values_list("pk", flat=True)) == expected, params
        for limit in range(1, len(expected) + 2):
            got = [row.pk for row in first_rows(rows, params, AS_OF, limit)]
            assert got == expected[:limit], (params, limit)


@pytest.mark.parametrize("key", ["expires_on", "-expires_on", "program", "-program", "status"])
def test_walking_by_keyset_with_first_rows_gives_every_row_once(mixed, key):
    for status in ["active", None]:
        params = _params(key, status)
        rows = tracking_queryset(params, AS_OF, current_status=False)
        walked, last = [], None
        while page := first_rows(
            rows.filter(after_q(rows, params, last)) if last else rows, params, AS_OF, 2
        ):
            walked += [row.pk for row in page]
            last = walked[-1]
        assert walked == _plain(params), params


@pytest.mark.parametrize("key", KEYS)
def test_every_page_after_a_row_is_the_plain_querys_next_rows(mixed, key):
    """Keyset pages read part by part from just after the last row: for every sort key
    and status filter, walked with every page size, the rows of the plain order once."""
    for status in FILTERS:
        params = _params(key, status)
        expected = _plain(params)
        rows = tracking_queryset(params, AS_OF, current_status=False)
        for size in (1, 2, 5):
            walked, last = [], None
            while True:
                page, honoured = page_after(rows, params, AS_OF, size, last)
                assert honoured == last
                if not page:
                    break
                walked += [row.pk for row in page]
                last = walked[-1]
            assert walked == expected, (params, size)


def test_a_page_after_a_row_not_in_the_result_starts_from_the_first(mixed):
    params = {"ordering": "expires_on", "status": "active"}
    rows = tracking_queryset(params, AS_OF, current_status=False)
    outside = Enrollment.objects.exclude(pk__in=rows.values("pk")).first()
    page, honoured = page_after(rows, params, AS_OF, 3, outside.pk)
    assert honoured is None
    assert [row.pk for row in page] == _plain(params)[:3]


def test_the_page_after_a_dated_row_reads_a_row_comparison(mixed):
    """Not `key > v OR (key = v AND id > pk) OR key IS NULL` (no index range): the
    dated part from `(expires_on, id) > (v, pk)`, a range of enrollment_expiry_idx."""
    params = {"ordering": "expires_on", "status": "active"}
    rows = tracking_queryset(params, AS_OF, current_status=False)
    first = _plain(params)[0]
    with CaptureQueriesContext(connection) as queries:
        page_after(rows, params, AS_OF, 2, first)
    page = queries.captured_queries[-1]["sql"]  # the last row's values, then the page
    assert page.endswith("LIMIT 2")
    if connection.vendor == "postgresql":
        row = '("certification_enrollment"."expires_on", "certification_enrollment"."id") >'
        assert row in page
    else:  # Django writes SQLite's row comparison as ORs: the leading bound is the range
        assert '"certification_enrollment"."expires_on" >= ' in page


def test_active_by_expiry_reads_dated_and_undated_rows_apart(mixed, django_assert_num_queries):
    params = {"ordering": "expires_on", "status": "active"}
    rows = tracking_queryset(params, AS_OF, current_status=False)
    with django_assert_num_queries(2):  # neither query has `IS NULL OR >`: each an index range
        assert len(first_rows(rows, params, AS_OF, 100)) == 9


@pytest.mark.parametrize("key", ["expires_on", "-program", "status"])
def test_the_tracking_tab_pages_by_keyset_in_the_plain_order(admin_client, mixed, monkeypatch, key):
    monkeypatch.setattr(TrackingFilter, "page_size", property(lambda self: 2))
    monkeypatch.setattr(view, "KEYSET_FROM", 1)
    params, shown = {"ordering": key, "status": "active"}, []
    while True:
        response = admin_client.get("/staff/tracking/", params)
        assert response.context["keyset"]
        shown += [row.pk for row in response.context["page"].object_list]
        if response.context["next_after"] is None:
            break
        params["after"] = response.context["next_after"]
    assert shown == _plain({"ordering": key, "status": "active"})


@pytest.mark.parametrize("key", ["contact", "-contact"])
def test_pages_by_contact_walk_people_of_one_name_in_order(enroll, key):
    """Contacts sharing a last name, and a first name too: the row comparison over
    (last name, first name, id) and its bound on the contact's name index keep every row
    once, in order."""
    names = [("Smith", "Ann"), ("Jones", "Ann"), ("Smith", "Bob"), ("Smith", "Ann")]
    names += [("Smith", "Ann"), ("Adams", "Zed"), ("Smith", "Bob")]
    for index, (last, first) in enumerate(names):
        enroll(["active", "in_progress"][index % 2], last_name=last, first_name=first)
    for status in (None, "active"):
        params = _params(key, status)
        expected = _plain(params)
        rows = tracking_queryset(params, AS_OF, current_status=False)
        for size in (1, 2, 3):
            walked, last = [], None
            while page := page_after(rows, params, AS_OF, size, last)[0]:
                walked += [row.pk for row in page]
                last = walked[-1]
            assert walked == expected, (params, size)
