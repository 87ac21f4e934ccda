"""Overview: counts by status, the Action required queue, expirations per month."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certtrack import clock
from certtrack.certification import renewal_progress
from certtrack.certification.dates import AsOf, add_months
from certtrack.certification.models import (
    Completion,
    CompletionState,
    Enrollment,
    GeneralSettings,
    History,
)
from certtrack.certification.statuses import CERTIFIED, Status
from certtrack.operations import health, passes

from ..access import staff_required
from .common import today_as_of


def _expiring_by_month(as_of: AsOf) -> list[dict]:
    """Certifications expiring in each of the next 12 months (current month first)."""
    first = as_of.today.replace(day=1)
    end = add_months(first, 12)
    per_month = dict(
        Enrollment.objects.filter(
            status__in=sorted(CERTIFIED), expires_on__gte=as_of.today, expires_on__lt=end
        )
        .annotate(month=TruncMonth("expires_on"))
        .order_by()
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    per_month = {(m.year, m.month): n for m, n in per_month.items()}
    months = [add_months(first, i) for i in range(12)]
    counts = [per_month.get((m.year, m.month), 0) for m in months]
    top = max(counts) or 1
    return [
        {"month": m, "count": n, "percent": round(100 * n / top)}
        for m, n in zip(months, counts, strict=True)
    ]


def _renewals(as_of: AsOf, base) -> dict:
    """Renewals due in the next 90 days (count, the first few, their Tracking link) and
    the renewal rate of the last 12 months (docs/decisions.md)."""
    due = base.filter(renewal_progress.due_q(as_of.today)).order_by("expires_on", "id")
    days = renewal_progress.DUE_DAYS
    params = [("expires_within_days", days)]
    params += [("program", pk) for pk in renewal_progress.renewing_program_ids()]
    return {
        "renewals_due": list(due[:6]),
        "renewals_due_count": due.count(),
        "renewals_due_days": days,
        "renewals_due_url": "?" + urlencode(params + [("ordering", "expires_on")]),
        "renewal_rate": renewal_progress.renewal_rate(as_of.today),
    }


def _worker_health() -> dict:
    """The last worker pass and what staff must look at (PRODUCT.md §10)."""
    now = clock.now()
    state = health.check(now)
    last = state.last_pass
    return {
        "health": state,
        "health_warnings": state.warnings(),
        "last_pass": last,
        "last_pass_did": passes.what_it_did(last) if last else [],
        "last_pass_failed": passes.failures(last) if last else [],
        # Under a minute: "just now" ("0 minutes ago" read oddly in a staff user's trial).
        "last_pass_recent": last is not None and (now - last.finished_at).total_seconds() < 60,
    }


@staff_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    as_of = today_as_of()
    counts = Enrollment.objects.status_counts(as_of)
    base = Enrollment.objects.select_related("contact", "program")
    applied = base.in_status([Status.APPLIED], as_of).order_by("applied_on", "id")
    reviews = base.in_status([Status.ADMIN_REVIEW], as_of).order_by("completed_on", "id")
    pending = (
        Completion.objects.live()
        .filter(state=CompletionState.PENDING)
        .select_related("contact", "component")
        .order_by("created_at", "id")
    )
    pending_list = list(pending[:8])
    # Link each pending completion to an enrollment it counts for (one query).
    targets = {}
    for e in Enrollment.objects.filter(
        contact_id__in={c.contact_id for c in pending_list},
        program__links__component_id__in={c.component_id for c in pending_list},
    ).values("pk", "contact_id", "program__links__component_id"):
        targets.setdefault((e["contact_id"], e["program__links__component_id"]), e["pk"])
    for c in pending_list:
        c.enrollment_id = targets.get((c.contact_id, c.component_id))
    tiles = [
        {"status": s, "count": counts[s.value], "url": "?" + urlencode({"status": s.value})}
        for s in Status
    ]
    context = {
        "as_of": as_of,
        **_worker_health(),
        "tiles": tiles,
        "total": sum(counts.values()),
        "counts": counts,
        "applied": list(applied[:8]),
        "applied_count": counts[Status.APPLIED.value],
        "reviews": list(reviews[:8]),
        "reviews_count": counts[Status.ADMIN_REVIEW.value],
        "pending": pending_list,
        "pending_count": pending.count(),
        "months": _expiring_by_month(as_of),
        "expiring": list(base.in_status([Status.EXPIRING], as_of).order_by("expires_on", "id")[:6]),
        "expiring_count": counts[Status.EXPIRING.value],
        "recent": History.objects.filter(enrollment__isnull=False)
        .select_related("enrollment__contact", "enrollment__program")
        .order_by("-at", "-id")[:8],
        "tz": ZoneInfo(GeneralSettings.get().time_zone),
        **_renewals(as_of, base),
    }
    return render(request, "backoffice/overview.html", context)
