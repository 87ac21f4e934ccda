"""Setup › Audit: every recorded change to programs, components, contacts, settings, email
templates and staff users — filtered by object type, user and dates; exported as CSV."""

import csv
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certtrack.cells import safe_cell
from certtrack.certification import audit
from certtrack.certification.models import AuditObject, GeneralSettings

from ..access import administrator_required
from ..forms import AuditFilterForm

HEADER = [
    *("When", "Who", "Object type", "Object id", "Object", "Action", "Field", "Old", "New"),
    "Reason",
]


def _chosen(request: HttpRequest) -> tuple[AuditFilterForm, audit.AuditFilter | None]:
    form = AuditFilterForm(request.GET or None)
    if not form.is_bound:
        return form, audit.AuditFilter()
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    user = data.get("user")
    return form, audit.AuditFilter(
        object_type=data.get("object_type") or "",
        user_id=user.pk if user else None,
        since=data.get("since"),
        until=data.get("until"),
    )


def _zone() -> ZoneInfo:
    return ZoneInfo(GeneralSettings.get().time_zone)


@administrator_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form, chosen = _chosen(request)
    zone = _zone()
    rows = audit.matching(chosen or audit.AuditFilter(), zone)
    if chosen is None:  # a bad filter shows its errors and no rows
        rows = rows.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/audit.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "types": dict(AuditObject.choices),
            "tz": zone.key,
        },
    )


def _lines(rows, zone: ZoneInfo) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(HEADER)  # BOM: Excel opens UTF-8 correctly
    labels = dict(AuditObject.choices)
    for row in rows.iterator(chunk_size=2000):
        head = [
            row.at.astimezone(zone).isoformat(timespec="seconds"),
            row.actor,
            labels.get(row.object_type, row.object_type),
            row.object_id,
            row.object_label,
            row.action,
        ]
        changes = audit.describe(row.changes) or [("", "", "")]
        for field, old, new in changes:
            yield writer.writerow([safe_cell(v) for v in [*head, field, old, new, row.reason]])


@administrator_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The rows the filter shows, one line per changed field, as CSV."""
    form, chosen = _chosen(request)
    if chosen is None:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    zone = _zone()
    response = StreamingHttpResponse(
        _lines(audit.matching(chosen, zone), zone), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
