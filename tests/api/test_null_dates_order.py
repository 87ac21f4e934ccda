"""Undated rows sort last ascending and first descending, on SQLite as on PostgreSQL: the
Tracking list (both pages), the API list and both exports (docs/decisions.md)."""

import csv
import io
from datetime import date, timedelta

import pytest

from certtrack.backoffice.views.common import today_as_of
from certtrack.certification import services
from certtrack.certification.keyset import after_q
from certtrack.certification.tracking import tracking_queryset

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(admin, make_contact, make_program):
    """Five rows: three dated (activated and expiring on different days), two undated."""
    dated = make_program(validity_months=12)
    undated = make_program()
    today = date.today()
    made = {}
    for n, days in enumerate((300, 100, 200)):
        contact = make_contact(email=f"dated{n}@example.org")
        made[contact.email] = services.record_existing(
            contact.pk, dated.pk, today - timedelta(days=days), admin
        )
    for n in range(2):
        contact = make_contact(email=f"undated{n}@example.org")
        made[contact.email] = services.add(contact.pk, undated.pk, admin)
    return made


def expected(rows, key: str) -> list[int]:
    descending = key.startswith("-")
    field = key.lstrip("-")
    values = {e.pk: getattr(e, field) for e in rows.values()}
    for e in rows.values():
        e.refresh_from_db()
        values[e.pk] = getattr(e, field)
    dated = sorted((v, pk) for pk, v in values.items() if v is not None)
    undated = sorted(pk for pk, v in values.items() if v is None)
    if descending:
        return sorted(undated, reverse=True) + [pk for _, pk in reversed(dated)]
    return [pk for _, pk in dated] + undated


def _csv_ids(content: bytes, rows) -> list[int]:
    by_email = {email: e.pk for email, e in rows.items()}
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return [by_email[cell] for line in reader for cell in line if cell in by_email]


KEYS = ["expires_on", "-expires_on", "activated_on", "-activated_on"]


@pytest.mark.parametrize("key", KEYS)
def test_the_shared_parser_and_the_api_list_put_undated_rows_in_the_one_order(rows, api, key):
    want = expected(rows, key)
    assert None in {getattr(e, key.lstrip("-")) for e in rows.values()}
    got = [e.pk for e in tracking_queryset({"ordering": key}, today_as_of())]
    assert got == want
    listed = api.get("/enrollments", {"ordering": key, "page_size": 100}).json()["results"]
    assert [r["id"] for r in listed] == want


@pytest.mark.parametrize("key", KEYS)
def test_keyset_pages_follow_the_same_order(rows, key):
    params = {"ordering": key}
    queryset = tracking_queryset(params, today_as_of())
    walked, last = [], None
    while True:
        page = queryset.filter(after_q(queryset, params, last)) if last else queryset
        batch = list(page[:2])
        if not batch:
            break
        walked += [e.pk for e in batch]
        last = batch[-1].pk
    assert walked == expected(rows, key)


@pytest.mark.parametrize("key", KEYS)
def test_the_exports_list_undated_rows_in_the_one_order(rows, api, admin_client, key):
    want = expected(rows, key)
    response = api.get("/enrollments/export.csv", {"ordering": key})
    assert _csv_ids(b"".join(response.streaming_content), rows) == want
    response = admin_client.get("/staff/tracking/export.csv", {"ordering": key})
    assert response.status_code == 200
    assert _csv_ids(b"".join(response.streaming_content), rows) == want


@pytest.mark.parametrize("key", KEYS)
def test_the_tracking_page_lists_undated_rows_in_the_one_order(rows, admin_client, key):
    response = admin_client.get("/staff/tracking/", {"ordering": key})
    assert [e.pk for e in response.context["page"].object_list] == expected(rows, key)
