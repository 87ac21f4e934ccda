"""Reminder schedules in the back-office — PRODUCT.md §4: the templates steps use, and the
preview of who gets which email on which day (page and CSV; the API serves the same)."""

import csv
from collections import Counter
from io import StringIO

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from certtrack import clock
from certtrack.cells import safe_cell
from certtrack.notifications import reminders
from certtrack.notifications.models import REMINDER_BASE_KINDS, Kind, ReminderTemplate
from certtrack.notifications.rendering import PLACEHOLDERS, template_for

from ..access import administrator_required, staff_required
from ..forms import ReminderPreviewForm, ReminderTemplateForm

SHOWN = 500  # rows listed on the page; the CSV has them all


@administrator_required
def reminder_template(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """Make a reminder template from a shipped one (?from=kind), or edit one made before."""
    instance = get_object_or_404(ReminderTemplate, key=key) if key else ReminderTemplate()
    initial = {}
    if key is None:
        base = request.GET.get("from", Kind.CERTIFICATION_EXPIRING)
        if base not in REMINDER_BASE_KINDS:
            base = Kind.CERTIFICATION_EXPIRING
        shipped = template_for(base)
        initial = {
            "based_on": base,
            "name": f"{Kind(base).label} — ",
            "subject": shipped.subject,
            "text_body": shipped.text_body,
            "html_body": shipped.html_body,
        }
    form = ReminderTemplateForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Reminder template “{saved.name}” saved.")
        return redirect("backoffice:reminder_template", key=saved.key)
    return render(
        request,
        "backoffice/reminder_template.html",
        {"form": form, "template": instance, "placeholders": PLACEHOLDERS},
    )


@staff_required
@require_GET
def reminder_preview(request: HttpRequest) -> HttpResponse:
    """Who gets which reminder on which day in the next N days; ?format=csv for all rows."""
    form = ReminderPreviewForm(request.GET or {"days": 30})
    rows: list[dict] = []
    if form.is_valid():
        program = form.cleaned_data["program"]
        template = form.cleaned_data["template"]
        rows = reminders.preview(
            clock.now(),
            form.cleaned_data["days"],
            program_ids=[program.pk] if program else None,
            templates=[template] if template else None,
        )
    if request.GET.get("format") == "csv" and form.is_valid():
        return _csv(rows, form.cleaned_data["days"])
    names = reminders.template_keys()
    for row in rows[:SHOWN]:
        row["template_name"] = names.get(row["template"], row["template"])
    per_day = sorted(Counter(row["on"] for row in rows).items())
    return render(
        request,
        "backoffice/reminder_preview.html",
        {
            "form": form,
            "rows": rows[:SHOWN],
            "total": len(rows),
            "per_day": per_day,
            "most": max((n for _, n in per_day), default=0),
            "query": request.GET.urlencode(),
        },
    )


def _csv(rows: list[dict], days: int) -> HttpResponse:
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(["On", "Enrollment id", "Contact", "Program", "Template", "Offset days"])
    for row in rows:
        writer.writerow(
            [
                row["on"].isoformat(),
                row["enrollment_id"],
                safe_cell(row["contact"]),
                safe_cell(row["program"]),
                safe_cell(row["template"]),
                row["offset_days"],
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reminders-next-{days}-days.csv"'
    return response
