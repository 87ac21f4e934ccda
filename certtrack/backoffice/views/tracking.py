"""The Tracking tab: Quick Filter, Customize Filter, export, bulk actions, + Add."""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from certtrack.certification import counts as aggregate
from certtrack.certification import services, statuses
from certtrack.certification.dates import AsOf
from certtrack.certification.errors import DomainError, Invalid
from certtrack.certification.keyset import page_after
from certtrack.certification.models import (
    Contact,
    Enrollment,
    Program,
)
from certtrack.certification.statuses import MEANING, Status
from certtrack.certification.tracking import DEFAULT_ORDERING, as_id

from .. import exports
from ..access import staff_required
from ..filters import (
    DEFAULT_PAGE_SIZE,
    TrackingFilter,
    quick_counts,
    rows,
    tab_rows,
    with_progress_of,
)
from ..forms import (
    AddEnrollmentForm,
    SaveFilterForm,
    optional_date,
    submit,
)
from ..models import SavedFilter
from ..rows import tracking_rows
from .common import actor_of, back_to, today_as_of

# The Tracking tab's bulk actions (PRODUCT.md §5), with the past tense its result line uses.
BULK_ACTIONS = {
    "approve": "approved",
    "decline": "declined",
    "set_inactive": "set inactive",
    "mark_not_completed": "marked not completed",
    "cancel": "cancelled",
    "suspend": "suspended",
    "renew": "renewed",
    "set_expiry": "given the new expiration date",
}
# From this many rows, "Next" pages by keyset (`after`=the last row's id), not by number.
KEYSET_FROM = 10_000
# "Set expiry" is not a transition of the table: the expiry service, with its own label.
SET_EXPIRY_LABEL = "Set expiry"
# The batch's reason where the action needs none and staff gave none.
DEFAULT_REASON = "Bulk action from the Tracking tab"


def _quick_filters(form: TrackingFilter, as_of: AsOf, counted: bool = True) -> dict:
    """The Quick Filter's options; with `counted`, each with its live count.

    Counting covers the whole table, so the Tracking page leaves it to a second
    request (htmx, `tracking_quick`) and shows its rows without waiting for it.
    """
    day = form.as_of_day
    if not counted or form.problems():
        # A filter not understood lists nothing: its counts say the same (a staff user's
        # trial saw "All 74" beside the error of a reversed date range and no rows).
        counts, program_counts = {s.value: 0 for s in Status}, {}
    else:  # following the Customize Filter's other criteria (PRODUCT.md §5)
        counts, program_counts = quick_counts(form, as_of)
    selected = form.data.getlist("status") if form.is_bound else []
    programs_selected = form.data.getlist("program") if form.is_bound else []
    only_quick = form.active_criteria() <= 1
    # A quick filter keeps the day and how the list is shown (a trial sorted Z–A, chose
    # "Active" and was back at A–Z); it replaces the criteria.
    keep = {"as_of": day.isoformat()} if day else {}
    if form.sort_key != DEFAULT_ORDERING:
        keep["ordering"] = form.sort_key
    if form.page_size != DEFAULT_PAGE_SIZE:
        keep["per_page"] = str(form.page_size)
    options = [
        {
            "label": "All",
            "count": sum(counts.values()),
            "url": "?" + urlencode(keep),
            "current": form.active_criteria() == 0,
        }
    ]
    for status in Status:
        options.append(
            {
                "label": status.label,
                "value": status.value,
                "count": counts[status.value],
                "url": "?" + urlencode({"status": status.value, **keep}),
                "current": only_quick and selected == [status.value],
            }
        )
    programs = [
        {
            "label": name,
            "value": pk,
            "count": program_counts.get(pk, 0),
            "current": only_quick and programs_selected == [str(pk)],
        }
        for pk, name in Program.objects.values_list("pk", "name")
    ]
    return {
        "statuses": options,
        "programs": programs,
        "counted": counted,
        "url": reverse("backoffice:tracking"),
        "as_of": day,
        "keep": keep,
    }


class Counted(Paginator):
    """A paginator told its count (the aggregate's sum, or a capped count)."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


def _total(form: TrackingFilter, queryset, as_of: AsOf, problems) -> tuple[int, bool]:
    """The page's total and whether it is capped ("10,000+").

    Status, program and expiry criteria only: the count aggregate's sum (exact, no row
    read). Any other criterion (search, other dates, progress, pending, renewal,
    category): COUNT(*) read no further than aggregate.CAP + 1 rows.
    """
    if problems:
        return 0, False
    if aggregate.answers(form.data if form.is_bound else {}):
        return aggregate.total(form.shared_params(), as_of), False
    n = aggregate.capped_count(queryset)
    return min(n, aggregate.CAP), n > aggregate.CAP


def _sort_links(form: TrackingFilter) -> dict:
    """For each sortable column: its URL (toggling direction) and the current direction."""
    links = {}
    for key in ("contact", "program", "status", "applied_on", "activated_on", "expires_on"):
        current = form.sort_key.lstrip("-") == key
        descending = form.sort_key.startswith("-")
        target = f"-{key}" if current and not descending else key
        links[key] = {
            "url": "?" + form.query(ordering=target),
            "direction": ("descending" if descending else "ascending") if current else "none",
        }
    return links


@staff_required
@require_GET
def tracking(request: HttpRequest) -> HttpResponse:
    form = TrackingFilter(request.GET or None)
    if any(value == "" for value in request.GET.values()):
        # The Customize Filter form sends every field; the URL keeps only those set.
        return redirect(reverse("backoffice:tracking") + "?" + form.query())
    as_of = today_as_of()
    problems = form.problems()
    # A filter we cannot understand shows nothing rather than pretending it applied.
    day = None if problems else form.as_of_day
    queryset = Enrollment.objects.none() if problems else tab_rows(form, as_of)
    total, capped = _total(form, queryset, as_of, problems)
    # Large results page by keyset ("Next" after the last row shown): an index range read
    # however far in. Page numbers (OFFSET) stay for small results.
    keyset = total + capped > KEYSET_FROM
    after = as_id(request.GET.get("after", "")) if keyset else None
    next_after = None
    if keyset:
        items, after = page_after(queryset, form.shared_params(), as_of, form.page_size + 1, after)
        if len(items) > form.page_size:
            items = items[: form.page_size]
            next_after = items[-1].pk
        paginator = Counted(items, form.page_size, len(items))
    else:
        # Capped: one row more than shown, so the page after the cap's last is still reached.
        paginator = Counted(queryset, form.page_size, total + capped)
    page = paginator.get_page(1 if keyset else request.GET.get("page"))
    page.object_list = with_progress_of(page.object_list, as_of.today)
    context = {
        "form": form,
        "problems": problems,
        "page": page,
        "rows": tracking_rows(page.object_list, as_of),
        "total": total,
        "capped": capped,
        "keyset": keyset,
        "after": after,
        "next_after": next_after,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "as_of": as_of,
        "as_of_day": day,
        # The "As of" picker keeps every other criterion (hidden fields); "Back to today"
        # drops only the day.
        "keep_fields": parse_qsl(form.query(as_of=None, page=None)),
        "today_query": form.query(as_of=None),
        "quick": _quick_filters(form, as_of, counted=False),
        "sort_links": _sort_links(form),
        "query": form.query(),
        "page_query": form.query(page=None),
        "bulk_actions": [
            (name, SET_EXPIRY_LABEL if name == "set_expiry" else statuses.ACTIONS[name].label)
            for name in BULK_ACTIONS
        ],
        "saved_filters": list(SavedFilter.objects.filter(owner=request.user)),
        # The Customize Filter panel and the "+ Add" form are rendered when opened (htmx):
        # most visits only read the rows. Inline when the filter has errors, or without JS.
        "customize_inline": bool(form.errors) or "customize" in request.GET,
        "page_path": request.get_full_path(),
        "meaning": MEANING,
    }
    return render(request, "backoffice/tracking.html", context)


@staff_required
@require_GET
def tracking_filter_form(request: HttpRequest) -> HttpResponse:
    """The Customize Filter panel for the criteria in the URL (loaded when it is opened)."""
    form = TrackingFilter(request.GET or None)
    context = {
        "form": form,
        "query": form.query(),
        "page_path": reverse("backoffice:tracking") + "?" + form.query(),
        "saved_filters": SavedFilter.objects.filter(owner=request.user),
    }
    return render(request, "backoffice/_customize_filter.html", context)


@staff_required
@require_GET
def tracking_quick(request: HttpRequest) -> HttpResponse:
    """The Quick Filter with its live counts (loaded by the Tracking page after its rows)."""
    form = TrackingFilter(request.GET or None)
    context = {"quick": _quick_filters(form, today_as_of()), "query": form.query()}
    return render(request, "backoffice/_quick_filter.html", context)


@staff_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as .csv or .xlsx.")
    as_of = today_as_of()
    form = TrackingFilter(request.GET or None)
    if problems := form.criteria_errors():
        # An export of other rows than asked for would pass for the right one.
        return HttpResponseBadRequest(
            "\n".join(problems) + "\n", content_type="text/plain; charset=utf-8"
        )
    queryset = rows(form, as_of)
    day = form.as_of_day
    filename = f"certifications-as-of-{day}" if day else f"certifications-{as_of.today}"
    if fmt == "xlsx":
        return exports.xlsx_response(queryset, filename, as_of.today, day)
    return exports.csv_response(queryset, filename, as_of.today, day)


def _bulk_call(action: str, reason: str, expires_on):
    """The one service a row of the batch goes through: the single action's own service."""
    if action == "set_expiry":
        if expires_on is None:
            raise Invalid("expires_on", "Give the new expiration date to set it.")
        return lambda pk, actor: services.set_expires_on(pk, expires_on, reason, actor)
    return lambda pk, actor: services.perform(
        pk, action, actor, reason=reason, expires_on=expires_on
    )


def _needs_reason(action: str) -> bool:
    return action == "set_expiry" or statuses.ACTIONS[action].reason_required


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on the selected rows with one reason for the batch; a per-row result."""
    back = back_to(request, reverse("backoffice:tracking"))
    action = request.POST.get("action", "")
    ids = request.POST.getlist("ids")
    reason = request.POST.get("reason", "").strip()
    if action not in BULK_ACTIONS:
        messages.error(request, "Choose an action to apply to the selected rows.")
        return redirect(back)
    if not ids:
        messages.error(request, "Select at least one row first.")
        return redirect(back)
    if _needs_reason(action) and not reason:
        # Checked once for the batch: a missing reason would refuse every row alike.
        messages.error(request, "Give a reason: it is recorded in each row's history.")
        return redirect(back)
    try:
        expires_on = optional_date(request.POST.get("expires_on"), "expires_on", "The new expiry")
        if expires_on is not None and action not in ("renew", "set_expiry"):
            raise Invalid("expires_on", "A new expiration date is only for renew or set expiry.")
        call = _bulk_call(action, reason or DEFAULT_REASON, expires_on)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    actor = actor_of(request)
    done, refused = 0, []
    for pk in ids:
        try:
            # One service call per row: each succeeds or is refused on its own.
            call(pk, actor)
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
            # The id and email tell apart two rows of one name (duplicate contacts).
            prefix = (
                f"#{pk} {who.contact.full_name} <{who.contact.email}> ({who.program.code})"
                if who
                else f"#{pk}"
            )
            messages.warning(request, f"{prefix}: {message}", extra_tags="detail")
    else:
        messages.success(request, summary + ".")
    return redirect(back)


@staff_required
@require_POST
def save_filter(request: HttpRequest) -> HttpResponse:
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
    return redirect(back_to(request, reverse("backoffice:tracking")))


@staff_required
@require_POST
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, owner=request.user)
    saved.delete()
    messages.success(request, f"Filter “{saved.name}” deleted.")
    return redirect("backoffice:tracking")


@staff_required
def enrollment_add(request: HttpRequest) -> HttpResponse:
    form = AddEnrollmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, actor_of(request)
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
    # Without JavaScript the type-ahead cannot run: submitting the search text lists matches.
    text = (request.POST.get("contact_q") or "").strip()
    contacts = _matching_contacts(text) if text and "contact" in form.errors else []
    chosen = form.cleaned_data.get("contact") if form.is_bound else None
    if chosen is not None and "contact" not in form.errors:
        # Refused (e.g. already enrolled): keep the contact picked, shown and still chosen.
        contacts, text = [chosen], text or chosen.full_name
    # Opened in the Tracking tab's dialog (htmx): the form alone.
    page = "backoffice/_add_form.html" if request.htmx else "backoffice/enrollment_add.html"
    return render(request, page, {"form": form, "contacts": contacts, "text": text})


def _matching_contacts(text: str) -> list:
    """Up to 10 current contacts matching `text` (at least two characters)."""
    if len(text) < 2:
        return []
    return list(Contact.objects.search(text).filter(archived_at__isnull=True)[:10])


@staff_required
@require_GET
def contact_search(request: HttpRequest) -> HttpResponse:
    """Type-ahead: up to 10 contacts matching the text (htmx fragment)."""
    text = (request.GET.get("contact_q") or "").strip()
    contacts = _matching_contacts(text)
    return render(request, "backoffice/_contact_options.html", {"contacts": contacts, "text": text})
