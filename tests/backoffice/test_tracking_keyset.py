"""Keyset pagination of large Tracking results (issue 18): "Next" reads after the last row."""

import pytest

from certtrack.backoffice.filters import TrackingFilter
from certtrack.backoffice.views import tracking as view
from certtrack.certification.dates import AsOf
from certtrack.certification.keyset import after_q
from certtrack.certification.models import ORDERINGS
from certtrack.certification.tracking import tracking_queryset
from tests.backoffice.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(enroll):
    # Several of a status (equal sort values: the id breaks ties), dated and undated rows.
    statuses = ["active", "active", "expiring", "expired", "in_progress", "in_progress"]
    statuses += ["applied", "cancelled", "inactive", "admin_review", "declined"]
    return [enroll(status) for status in statuses]


@pytest.mark.parametrize("key", [*ORDERINGS, *(f"-{k}" for k in ORDERINGS)])
def test_walking_by_keyset_gives_the_ordered_rows_once_each(mixed, key):
    as_of = AsOf(TODAY, 30)
    params = {"ordering": key}
    rows = tracking_queryset(params, as_of, current_status=key.lstrip("-") == "status")
    expected = list(rows.values_list("pk", flat=True))
    walked, last = [], None
    while True:
        page = rows.filter(after_q(rows, params, last)) if last else rows
        ids = list(page.values_list("pk", flat=True)[:3])
        if not ids:
            break
        walked += ids
        last = ids[-1]
    assert walked == expected


def test_large_results_page_by_keyset_and_small_ones_by_number(admin_client, mixed, monkeypatch):
    monkeypatch.setattr(TrackingFilter, "page_size", property(lambda self: 4))
    response = admin_client.get("/staff/tracking/", {"ordering": "expires_on"})
    assert not response.context["keyset"]
    assert 'page=2"' in response.content.decode()

    monkeypatch.setattr(view, "KEYSET_FROM", 5)
    response = admin_client.get("/staff/tracking/", {"ordering": "expires_on"})
    assert response.context["keyset"]
    first = [row.pk for row in response.context["page"].object_list]
    assert len(first) == 4
    assert response.context["next_after"] == first[-1]
    html = response.content.decode()
    assert f'after={first[-1]}" rel="next">Next' in html and "page=2" not in html
    response = admin_client.get("/staff/tracking/", {"ordering": "expires_on", "after": first[-1]})
    second = [row.pk for row in response.context["page"].object_list]
    assert len(second) == 4 and not set(first) & set(second)
    assert "‹ First page" in response.content.decode()
    everything = list(
        tracking_queryset({"ordering": "expires_on"}, AsOf(TODAY, 30)).values_list("pk", flat=True)
    )
    assert first + second == everything[:8]
