"""Setup › Import (PRODUCT.md §8): upload → dry run (every row's outcome) → confirm.

The web process only stores the file and answers; the worker runs the import service
(`certtrack.imports.jobs`) while the page polls its progress; the result page stays.
"""

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certtrack import clock
from certtrack.certification import imports
from certtrack.imports import jobs
from certtrack.imports.models import ImportJob, ImportSource, ImportState

from ..access import staff_required

KIND_CHOICES = [
    ("contacts", "Contacts"),
    ("completions", "Completions"),
    ("certifications", "Certifications (history and current)"),
]
OUTCOMES_PER_PAGE = 500


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="What the file holds")
    file = forms.FileField(
        label="File",
        help_text="CSV (UTF-8, comma or semicolon) or XLSX (the first sheet), with a header row.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            imports.files.check_size(upload.size)
        except imports.FileRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload


@staff_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = jobs.submit(
            form.cleaned_data["kind"],
            upload.name,
            upload.read(),
            request.user,
            dry_run=True,
            now=clock.now(),
        )
        return redirect("backoffice:import_job", job.pk)
    recent = ImportJob.objects.defer("data").select_related("created_by")[:20]
    return render(
        request,
        "backoffice/imports.html",
        {"form": form, "recent": recent, "kinds": KIND_CHOICES, "columns": _columns()},
        status=422 if form.errors else 200,
    )


def _columns() -> list[dict]:
    rows = []
    for kind, label in KIND_CHOICES:
        module = imports.KINDS[kind]
        required = {c for group in module.REQUIRED for c in group}
        rows.append(
            {
                "kind": kind,
                "label": label,
                "columns": [(name, name in required) for name in module.EXAMPLE],
            }
        )
    return rows


@staff_required
@require_GET
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in imports.KINDS or fmt not in ("csv", "xlsx"):
        raise Http404("No such template.")
    content, content_type = imports.template(kind, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="certtrack-{kind}.{fmt}"'
    return response


def _job(pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.defer("data").select_related("created_by"), pk=pk)


@staff_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    context = {"job": job}
    if job.state == ImportState.DONE:
        context |= _result_context(request, job)
    return render(request, "backoffice/import_job.html", context)


@staff_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled part: the bar while the worker runs; when done, the page reloads itself."""
    job = _job(pk)
    response = render(request, "backoffice/_import_progress.html", {"job": job})
    if job.finished:
        response["HX-Refresh"] = "true"
    return response


def _result_context(request: HttpRequest, job: ImportJob) -> dict:
    result = job.result or {}
    show = request.GET.get("show", "")
    outcomes = [
        {"line": line, "outcome": outcome, "what": what}
        for line, outcome, what in result.get("outcomes", [])
        if not show or outcome == show
    ]
    page = Paginator(outcomes, OUTCOMES_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "result": result,
        "page": page,
        "show": show,
        "confirmed": job.confirmed.order_by("-id").first() if job.dry_run else None,
        # An upload's dry run keeps its file; one from the command line or the API does not.
        "can_confirm": job.dry_run
        and job.source == ImportSource.UPLOAD
        and not result.get("errors")
        and (result.get("created") or result.get("updated")),
    }


@staff_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Import for real the file a clean dry run checked (once: a second click shows it)."""
    dry = get_object_or_404(ImportJob, pk=pk, dry_run=True, state=ImportState.DONE)
    if (dry.result or {}).get("errors") or not dry.data:
        raise Http404("This dry run cannot be confirmed.")
    already = dry.confirmed.first()
    if already is not None:
        return redirect("backoffice:import_job", already.pk)
    job = jobs.submit(
        dry.kind,
        dry.filename,
        bytes(dry.data),
        request.user,
        dry_run=False,
        now=clock.now(),
        checked=dry,
    )
    return redirect("backoffice:import_job", job.pk)
