"""Setup: programs, components, contacts and General Settings."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from certtrack.certification import audit, renewal_progress, services, whatif
from certtrack.certification.errors import DomainError
from certtrack.certification.models import (
    AuditObject,
    Component,
    Contact,
    GeneralSettings,
    Program,
)
from certtrack.certification.models.setup import MAX_DAYS, MAX_MONTHS
from certtrack.certification.search import by_name
from certtrack.certification.statuses import OPEN
from certtrack.certification.transcript import transcript_of
from certtrack.credentials.transcript_pdf import transcript_csv_response, transcript_pdf_response

from ..access import administrator_required, staff_required
from ..forms import (
    ComponentForm,
    ContactForm,
    ProgramForm,
    SettingsForm,
    submit,
)
from .common import actor_of, current_zone, today_as_of


@staff_required
@require_GET
def programs(request: HttpRequest) -> HttpResponse:
    items = Program.objects.annotate(
        n_required=Count("links", filter=Q(links__required=True), distinct=True),
        n_elective=Count("links", filter=Q(links__required=False), distinct=True),
        n_enrollments=Count("enrollments", distinct=True),
    )
    return render(request, "backoffice/programs.html", {"programs": items})


APPLY_CHOICES = ("existing", "new")  # "existing holders too" / "new certifications only"


@staff_required
def program_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk) if pk else Program()
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        actor = actor_of(request)
        fields, components = form.fields_for_service(), form.components()
        schedule = form.reminder_schedule()
        choice = request.POST.get("apply", "")
        if pk and choice not in APPLY_CHOICES and whatif.touches_holders(pk, components, **fields):
            # PRODUCT.md §11: show what it would do first, and ask whom it applies to.
            preview = submit(
                form,
                lambda: whatif.preview_change(
                    pk, actor, components=components, reminder_schedule=schedule, **fields
                ),
            )
            context = _program_context(form, program, pk)
            return render(request, "backoffice/program_form.html", {**context, "preview": preview})
        if pk:
            call = lambda: whatif.change_program(  # noqa: E731
                pk,
                actor,
                components=components,
                apply_to_existing=choice == "existing",
                reminder_schedule=schedule,
                **fields,
            )
        else:
            call = lambda: (  # noqa: E731
                services.create_program(
                    actor, components=components, reminder_schedule=schedule, **fields
                ),
                None,
            )
        done = submit(form, call)
        if done is not None:
            saved, effect = done
            messages.success(request, f"Program {saved.name} saved.{_applied(effect)}")
            return redirect("backoffice:programs")
    return render(request, "backoffice/program_form.html", _program_context(form, program, pk))


def _applied(effect: whatif.Effect | None) -> str:
    """What a change applied to existing holders did, for the message (a staff user's
    trial: "saved", not a word on the 69 holders it moved)."""
    if effect is None or not effect.enrollments_changed:
        return ""
    n = effect.enrollments_changed
    return f" Applied to existing holders: {n} enrollment{'s' if n != 1 else ''} changed."


def _program_context(form: ProgramForm, program: Program, pk: int | None) -> dict:
    """The program form's page: the form, its History and the renewal settings' example."""
    source = form.data if form.is_bound else _program_values(program)
    return {
        "form": form,
        "program": program,
        "history": audit.of(AuditObject.PROGRAM, pk) if pk else None,
        "tz": current_zone(),
        **_renewal_example(source),
    }


def _program_values(program: Program) -> dict[str, str]:
    """The program's renewal settings as the form's fields send them."""
    names = [*RENEWAL_FIELDS, "completion_requires_approval"]
    values = {name: getattr(program, name) for name in names}
    return {k: "" if v is None else ("on" if v is True else str(v)) for k, v in values.items()}


# The program form's fields the renewal example reads (PRODUCT.md §3 program settings).
RENEWAL_FIELDS = (
    "validity_months",
    "renewal_window_days",
    "renewal_grace_days",
    "renewal_base",
    "renewal_requirements",
    "renewal_credits_required",
    "renewal_hours_required",
)


def _whole(values, name: str, default: int | None) -> int | None:
    text = (values.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(name)
    return int(text)


def _renewal_example(values) -> dict:
    """The context of the renewal settings' dated example for the values in `values`."""
    try:
        validity = _whole(values, "validity_months", None)
        window_days = _whole(values, "renewal_window_days", 90)
        grace_days = _whole(values, "renewal_grace_days", 0)
    except ValueError:
        return {"problem": "Enter whole numbers of months and days to see the example."}
    if (validity or 0) > MAX_MONTHS or max(window_days, grace_days) > MAX_DAYS:
        return {
            "problem": f"A program is valid for at most {MAX_MONTHS} months, and its renewal "
            f"window and grace days are at most {MAX_DAYS} days each."
        }
    base = values.get("renewal_base") or "previous_expiry"
    return {
        "example": renewal_progress.example(validity or None, window_days, grace_days, base),
        "window_days": window_days,
        "grace_days": grace_days,
        "requirements": values.get("renewal_requirements") or "repeat",
        "credits": (values.get("renewal_credits_required") or "").strip(),
        "hours": (values.get("renewal_hours_required") or "").strip(),
        "needs_approval": bool(values.get("completion_requires_approval")),
    }


@staff_required
@require_GET
def renewal_example(request: HttpRequest) -> HttpResponse:
    """The renewal settings' dated example, redrawn as the program form's fields change."""
    return render(request, "backoffice/_renewal_example.html", _renewal_example(request.GET))


@staff_required
@require_GET
def components(request: HttpRequest) -> HttpResponse:
    items = Component.objects.annotate(n_programs=Count("links", distinct=True)).prefetch_related(
        "prerequisites"
    )
    return render(request, "backoffice/components.html", {"components": items})


@staff_required
def component_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    component = get_object_or_404(Component, pk=pk) if pk else Component()
    form = ComponentForm(request.POST or None, instance=component)
    if request.method == "POST" and form.is_valid():
        actor = actor_of(request)
        if pk:
            call = lambda: services.update_component(  # noqa: E731
                pk, actor, prerequisite_ids=form.prerequisite_ids(), **form.fields_for_service()
            )
        else:
            call = lambda: services.create_component(  # noqa: E731
                actor, prerequisite_ids=form.prerequisite_ids(), **form.fields_for_service()
            )
        saved = submit(form, call)
        if saved is not None:
            messages.success(request, f"Component {saved.name} saved.")
            return redirect("backoffice:components")
    programs_of = component.links.select_related("program") if pk else []
    return render(
        request,
        "backoffice/component_form.html",
        {
            "form": form,
            "component": component,
            "links": programs_of,
            "history": audit.of(AuditObject.COMPONENT, pk) if pk else None,
            "tz": current_zone(),
        },
    )


@staff_required
@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("q") or "").strip()
    show = request.GET.get("show", "current")
    items = Contact.objects.annotate(n_enrollments=Count("enrollments")).order_by(*by_name(), "id")
    if show == "archived":
        items = items.filter(archived_at__isnull=False)
    elif show != "all":
        items = items.filter(archived_at__isnull=True)
    items = items.search(text)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    query = urlencode({"q": text, "show": show})
    return render(
        request,
        "backoffice/contacts.html",
        {"page": page, "q": text, "show": show, "query": query},
    )


@staff_required
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    as_of = today_as_of()
    enrollments = (
        contact.enrollments.select_related("program")
        .with_current_status(as_of)
        .order_by("-created_at")
    )
    completions = contact.completions.select_related("component").order_by("-completed_on", "-id")
    return render(
        request,
        "backoffice/contact.html",
        {
            "contact": contact,
            "enrollments": enrollments,
            "completions": completions,
            # Not those the contact has an open enrollment in (adding one is refused).
            "programs": Program.objects.filter(is_active=True).exclude(
                pk__in=[e.program_id for e in enrollments if e.current_status in OPEN]
            ),
            "history": audit.of(AuditObject.CONTACT, contact.pk),
            "tz": current_zone(),
        },
    )


@staff_required
@require_GET
def contact_transcript(request: HttpRequest, pk: int) -> HttpResponse:
    """PRODUCT.md §11: the contact's transcript, as on the portal."""
    contact = get_object_or_404(Contact, pk=pk)
    context = {"contact": contact, "transcript": transcript_of(contact)}
    return render(request, "backoffice/transcript.html", context)


@staff_required
@require_GET
def contact_transcript_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    if fmt == "pdf":
        return transcript_pdf_response(transcript_of(contact), today_as_of().today)
    if fmt == "csv":
        return transcript_csv_response(transcript_of(contact))
    raise Http404("A transcript is a .pdf or a .csv.")


@staff_required
def contact_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk) if pk else Contact()
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        actor = actor_of(request)
        if pk:
            call = lambda: services.update_contact(pk, actor, **form.fields_for_service())  # noqa: E731
        else:
            call = lambda: services.create_contact(actor, **form.fields_for_service())  # noqa: E731
        saved = submit(form, call)
        if saved is not None:
            messages.success(request, f"Contact {saved.full_name} saved.")
            return redirect("backoffice:contact", pk=saved.pk)
    return render(request, "backoffice/contact_form.html", {"form": form, "contact": contact})


@staff_required
@require_POST
def contact_archive(request: HttpRequest, pk: int) -> HttpResponse:
    archived = request.POST.get("archived", "1") == "1"
    try:
        saved = services.archive_contact(pk, actor_of(request), archived=archived)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("backoffice:contact", pk=pk)
    messages.success(request, f"{saved.full_name} {'archived' if archived else 'restored'}.")
    return redirect("backoffice:contact", pk=pk)


@administrator_required
def settings_view(request: HttpRequest) -> HttpResponse:
    current = GeneralSettings.get()
    form = SettingsForm(
        request.POST or None, request.FILES or None, initial=SettingsForm.initial_from(current)
    )
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form, lambda: services.update_settings(actor_of(request), **form.fields_for_service())
        )
        if saved is not None:
            messages.success(request, "General Settings saved.")
            return redirect("backoffice:settings")
    history = audit.of(AuditObject.SETTINGS, current.pk)
    return render(
        request,
        "backoffice/settings.html",
        {"form": form, "current": current, "history": history, "tz": current.time_zone},
    )
