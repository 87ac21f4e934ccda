"""The staff back-office. Views translate HTTP to a service call and render; nothing more."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from certtrack import clock
from certtrack.certification import services, statuses
from certtrack.certification.actors import Actor
from certtrack.certification.dates import AsOf, add_months
from certtrack.certification.errors import DomainError
from certtrack.certification.models import (
    Completion,
    CompletionState,
    Component,
    Contact,
    Enrollment,
    GeneralSettings,
    History,
    Program,
)
from certtrack.certification.requirements import evaluate
from certtrack.certification.statuses import CERTIFIED, MEANING, Status

from . import exports
from .access import administrator_required, staff_required
from .filters import TrackingFilter, rows
from .forms import (
    AddEnrollmentForm,
    ComponentForm,
    ContactForm,
    ExpiryForm,
    ProgramForm,
    RecordCompletionForm,
    SaveFilterForm,
    SettingsForm,
    submit,
)
from .models import SavedFilter

# The Tracking tab's bulk actions, with the past tense its result line uses.
BULK_ACTIONS = {
    "approve": "approved",
    "decline": "declined",
    "set_inactive": "set inactive",
    "mark_not_completed": "marked not completed",
    "cancel": "cancelled",
}


def _as_of() -> AsOf:
    return GeneralSettings.get().as_of(clock.now())


def _actor(request) -> Actor:
    return Actor.staff(request.user)


def _back(request, fallback: str) -> str:
    """A same-site `next` target, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/staff/") else fallback


# --- sign-in ----------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("backoffice:tracking")


# --- tracking tab -------------------------------------------------------------------------


def _quick_filters(request, form: TrackingFilter, as_of: AsOf) -> dict:
    counts = Enrollment.objects.status_counts(as_of)  # one query, true today
    selected = form.data.getlist("status") if form.is_bound else []
    programs_selected = form.data.getlist("program") if form.is_bound else []
    only_quick = form.active_criteria() <= 1
    options = [
        {
            "label": "All",
            "count": sum(counts.values()),
            "url": "?",
            "current": form.active_criteria() == 0,
        }
    ]
    for status in Status:
        options.append(
            {
                "label": status.label,
                "value": status.value,
                "count": counts[status.value],
                "url": "?" + urlencode({"status": status.value}),
                "current": only_quick and selected == [status.value],
            }
        )
    program_counts = dict(
        Enrollment.objects.order_by().values_list("program_id").annotate(n=Count("pk"))
    )
    programs = [
        {
            "label": program.name,
            "value": program.pk,
            "count": program_counts.get(program.pk, 0),
            "url": "?" + urlencode({"program": program.pk}),
            "current": only_quick and programs_selected == [str(program.pk)],
        }
        for program in Program.objects.all()
    ]
    return {"statuses": options, "programs": programs}


def _sort_links(form: TrackingFilter) -> dict:
    """For each sortable column: its URL (toggling direction) and the current direction."""
    links = {}
    for key in ("contact", "program", "status", "applied_on", "activated_on", "expires_on"):
        current = form.sort_key.lstrip("-") == key
        descending = form.sort_key.startswith("-")
        target = f"-{key}" if current and not descending else key
        links[key] = {
            "url": "?" + form.query(sort=target, page=None),
            "direction": ("descending" if descending else "ascending") if current else "none",
        }
    return links


@staff_required
@require_GET
def tracking(request):
    as_of = _as_of()
    form = TrackingFilter(request.GET or None)
    if form.is_bound:
        form.is_valid()
    paginator = Paginator(rows(form, as_of), form.page_size)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "as_of": as_of,
        "quick": _quick_filters(request, form, as_of),
        "sort_links": _sort_links(form),
        "query": form.query(),
        "page_query": form.query(page=None),
        "bulk_actions": [(name, statuses.ACTIONS[name].label) for name in BULK_ACTIONS],
        "saved_filters": SavedFilter.objects.filter(owner=request.user),
        "save_form": SaveFilterForm(initial={"query": form.query()}),
        "add_form": AddEnrollmentForm(),
        "meaning": MEANING,
    }
    return render(request, "backoffice/tracking.html", context)


@staff_required
@require_GET
def tracking_export(request, fmt: str):
    as_of = _as_of()
    form = TrackingFilter(request.GET or None)
    queryset = rows(form, as_of)
    filename = f"certifications-{as_of.today.isoformat()}"
    if fmt == "xlsx":
        return exports.xlsx_response(queryset, filename)
    return exports.csv_response(queryset, filename)


@staff_required
@require_POST
def tracking_bulk(request):
    back = _back(request, reverse("backoffice:tracking"))
    action = request.POST.get("action", "")
    ids = request.POST.getlist("ids")
    if action not in BULK_ACTIONS:
        messages.error(request, "Choose an action to apply to the selected rows.")
        return redirect(back)
    if not ids:
        messages.error(request, "Select at least one row first.")
        return redirect(back)
    actor = _actor(request)
    done, refused = 0, []
    for pk in ids:
        try:
            # One service call per row: each succeeds or is refused on its own.
            services.perform(pk, action, actor, reason="Bulk action from the Tracking tab")
            done += 1
        except DomainError as error:
            refused.append((pk, error.message))
    summary = f"{done} {BULK_ACTIONS[action]}"
    if refused:
        summary += f", {len(refused)} refused"
        messages.warning(request, summary + ":")
        enrollments = {
            str(e.pk): e
            for e in Enrollment.objects.filter(
                pk__in=[pk for pk, _ in refused if str(pk).isdigit()]
            ).select_related("contact", "program")
        }
        for pk, message in refused:
            who = enrollments.get(str(pk))
            prefix = f"{who.contact.full_name} ({who.program.code})" if who else f"#{pk}"
            messages.warning(request, f"{prefix}: {message}", extra_tags="detail")
    else:
        messages.success(request, summary + ".")
    return redirect(back)


@staff_required
@require_POST
def save_filter(request):
    form = SaveFilterForm(request.POST)
    if form.is_valid():
        SavedFilter.objects.update_or_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            defaults={"query": form.cleaned_data["query"]},
        )
        messages.success(request, f"Filter “{form.cleaned_data['name']}” saved.")
        return redirect(reverse("backoffice:tracking") + "?" + form.cleaned_data["query"])
    messages.error(request, "Give the filter a name to save it.")
    return redirect(_back(request, reverse("backoffice:tracking")))


@staff_required
@require_POST
def delete_filter(request, pk: int):
    saved = get_object_or_404(SavedFilter, pk=pk, owner=request.user)
    saved.delete()
    messages.success(request, f"Filter “{saved.name}” deleted.")
    return redirect("backoffice:tracking")


@staff_required
def enrollment_add(request):
    form = AddEnrollmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, _actor(request)
        if data.get("activated_on"):
            call = lambda: services.record_existing(  # noqa: E731
                data["contact"].pk,
                data["program"].pk,
                data["activated_on"],
                actor,
                expires_on=data.get("expires_on"),
            )
        else:
            call = lambda: services.add(data["contact"].pk, data["program"].pk, actor)  # noqa: E731
        enrollment = submit(form, call)
        if enrollment is not None:
            messages.success(
                request,
                f"{enrollment.contact.full_name} enrolled in {enrollment.program.name}.",
            )
            return redirect("backoffice:enrollment", pk=enrollment.pk)
    return render(request, "backoffice/enrollment_add.html", {"form": form})


@staff_required
@require_GET
def contact_search(request):
    """Type-ahead: up to 10 contacts matching the text (htmx fragment)."""
    text = (request.GET.get("contact_q") or "").strip()
    contacts = []
    if len(text) >= 2:
        q = Q()
        for word in text.split():
            q &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(organization__icontains=word)
            )
        contacts = list(Contact.objects.filter(q, archived_at__isnull=True)[:10])
    return render(request, "backoffice/_contact_options.html", {"contacts": contacts, "text": text})


# --- enrollment page ------------------------------------------------------------------------


def _emails_for(enrollment_id: int):
    """The emails sent for an enrollment, when the notifications app provides them."""
    try:
        from certtrack.notifications.queries import emails_for
    except ImportError:
        return None
    return emails_for(enrollment_id)


def _progress_tracker(enrollment: Enrollment):
    links = list(enrollment.program.links.select_related("component"))
    completions = {}
    for completion in (
        Completion.objects.live()
        .filter(
            contact_id=enrollment.contact_id,
            component_id__in=[link.component_id for link in links],
        )
        .order_by("-completed_on", "-id")
    ):
        completions.setdefault(completion.component_id, []).append(completion)
    return [(link, completions.get(link.component_id, [])) for link in links]


@staff_required
def enrollment(request, pk: int):
    enrollment = get_object_or_404(Enrollment.objects.select_related("contact", "program"), pk=pk)
    as_of = _as_of()
    current = enrollment.current_status(as_of)
    settings = GeneralSettings.get()
    expiry_form = ExpiryForm(initial={"expires_on": enrollment.expires_on})
    if request.method == "POST" and request.POST.get("form") == "expiry":
        expiry_form = ExpiryForm(request.POST)
        if expiry_form.is_valid():
            done = submit(
                expiry_form,
                lambda: services.set_expires_on(
                    enrollment.pk,
                    expiry_form.cleaned_data["expires_on"],
                    expiry_form.cleaned_data["reason"],
                    _actor(request),
                ),
            )
            if done is not None:
                messages.success(request, f"Expiration date set to {done.expires_on:%d %b %Y}.")
                return redirect("backoffice:enrollment", pk=pk)
    completion_form = RecordCompletionForm(
        program=enrollment.program, initial={"completed_on": as_of.today}
    )
    if request.method == "POST" and request.POST.get("form") == "completion":
        completion_form = RecordCompletionForm(
            request.POST, request.FILES, program=enrollment.program
        )
        if completion_form.is_valid():
            data = completion_form.cleaned_data
            recorded = submit(
                completion_form,
                lambda: services.record_completion(
                    enrollment.contact_id,
                    data["component"].pk,
                    data["completed_on"],
                    _actor(request),
                    score=data["score"],
                    passed=False if data["failed"] else None,
                    note=data["note"],
                    evidence=data["evidence"],
                ),
            )
            if recorded is not None:
                messages.success(request, f"Completion of {recorded.component.name} recorded.")
                return redirect("backoffice:enrollment", pk=pk)
    tracker = _progress_tracker(enrollment)
    pending = sum(1 for _, items in tracker for c in items if c.state == CompletionState.PENDING)
    context = {
        "enrollment": enrollment,
        "contact": enrollment.contact,
        "program": enrollment.program,
        "status": current,
        "meaning": MEANING[current],
        "actions": statuses.actions_from(current),
        "final_statuses": statuses.FINAL,
        "can_set_expiry": current in CERTIFIED,
        "expiry_form": expiry_form,
        "completion_form": completion_form,
        "tracker": tracker,
        "progress": evaluate(enrollment.program, enrollment.contact_id),
        "pending": pending,
        "history": enrollment.history.all(),
        "emails": _emails_for(enrollment.pk),
        "tz": ZoneInfo(settings.time_zone),
        "as_of": as_of,
        "other_enrollments": Enrollment.objects.filter(contact=enrollment.contact)
        .exclude(pk=pk)
        .select_related("program")
        .with_current_status(as_of),
    }
    return render(request, "backoffice/enrollment.html", context)


@staff_required
@require_POST
def enrollment_action(request, pk: int):
    action = request.POST.get("action", "")
    try:
        services.perform(pk, action, _actor(request), reason=request.POST.get("reason", "").strip())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        step = statuses.ACTIONS[action]
        messages.success(request, f"{step.label}: done. The enrollment is now {step.target.label}.")
    return redirect(_back(request, reverse("backoffice:enrollment", args=[pk])))


@staff_required
@require_POST
def completion_decide(request, pk: int, decision: str):
    completion = get_object_or_404(Completion, pk=pk)
    call = {
        "approve": services.approve_completion,
        "reject": services.reject_completion,
        "remove": services.remove_completion,
    }
    if decision not in call:
        raise Http404
    try:
        call[decision](completion.pk, _actor(request), reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        word = {"approve": "approved", "reject": "rejected", "remove": "removed"}[decision]
        messages.success(request, f"Completion of {completion.component.name} {word}.")
    return redirect(_back(request, reverse("backoffice:overview")))


@staff_required
@require_POST
def approve_all(request, pk: int):
    try:
        count = services.approve_all_completions(pk, _actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{count} completion(s) approved.")
    return redirect("backoffice:enrollment", pk=pk)


@staff_required
@require_GET
def completion_evidence(request, pk: int):
    completion = get_object_or_404(Completion, pk=pk)
    if not completion.evidence:
        raise Http404
    return FileResponse(
        completion.evidence.open("rb"),
        as_attachment=True,
        filename=completion.evidence_name or completion.evidence.name.rsplit("/", 1)[-1],
    )


# --- overview -------------------------------------------------------------------------------


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


@staff_required
@require_GET
def overview(request):
    as_of = _as_of()
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
    }
    return render(request, "backoffice/overview.html", context)


# --- setup: programs, components, contacts, settings -----------------------------------------


@staff_required
@require_GET
def programs(request):
    items = Program.objects.annotate(
        n_required=Count("links", filter=Q(links__required=True), distinct=True),
        n_elective=Count("links", filter=Q(links__required=False), distinct=True),
        n_enrollments=Count("enrollments", distinct=True),
    )
    return render(request, "backoffice/programs.html", {"programs": items})


@staff_required
def program_edit(request, pk: int | None = None):
    program = get_object_or_404(Program, pk=pk) if pk else Program()
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
        if pk:
            call = lambda: services.update_program(  # noqa: E731
                pk, actor, components=form.components(), **form.fields_for_service()
            )
        else:
            call = lambda: services.create_program(  # noqa: E731
                actor, components=form.components(), **form.fields_for_service()
            )
        saved = submit(form, call)
        if saved is not None:
            messages.success(request, f"Program {saved.name} saved.")
            return redirect("backoffice:programs")
    return render(request, "backoffice/program_form.html", {"form": form, "program": program})


@staff_required
@require_GET
def components(request):
    items = Component.objects.annotate(n_programs=Count("links", distinct=True)).prefetch_related(
        "prerequisites"
    )
    return render(request, "backoffice/components.html", {"components": items})


@staff_required
def component_edit(request, pk: int | None = None):
    component = get_object_or_404(Component, pk=pk) if pk else Component()
    form = ComponentForm(request.POST or None, instance=component)
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
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
        {"form": form, "component": component, "links": programs_of},
    )


@staff_required
@require_GET
def contacts(request):
    text = (request.GET.get("q") or "").strip()
    show = request.GET.get("show", "current")
    items = Contact.objects.annotate(n_enrollments=Count("enrollments"))
    if show == "archived":
        items = items.filter(archived_at__isnull=False)
    elif show != "all":
        items = items.filter(archived_at__isnull=True)
    for word in text.split():
        items = items.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(organization__icontains=word)
            | Q(external_id__iexact=word)
        )
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    query = urlencode({"q": text, "show": show})
    return render(
        request,
        "backoffice/contacts.html",
        {"page": page, "q": text, "show": show, "query": query},
    )


@staff_required
def contact(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk)
    as_of = _as_of()
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
            "programs": Program.objects.filter(is_active=True),
        },
    )


@staff_required
def contact_edit(request, pk: int | None = None):
    contact = get_object_or_404(Contact, pk=pk) if pk else Contact()
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
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
def contact_archive(request, pk: int):
    archived = request.POST.get("archived", "1") == "1"
    try:
        saved = services.archive_contact(pk, _actor(request), archived=archived)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("backoffice:contact", pk=pk)
    messages.success(request, f"{saved.full_name} {'archived' if archived else 'restored'}.")
    return redirect("backoffice:contact", pk=pk)


@administrator_required
def settings_view(request):
    current = GeneralSettings.get()
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form, lambda: services.update_settings(_actor(request), **form.fields_for_service())
        )
        if saved is not None:
            messages.success(request, "General Settings saved.")
            return redirect("backoffice:settings")
    return render(request, "backoffice/settings.html", {"form": form})
