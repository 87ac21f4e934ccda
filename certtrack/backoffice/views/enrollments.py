"""The enrollment page: status, progress tracker, actions, expiry, history."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from certtrack.certification import renewal_progress, renewals, services, statuses
from certtrack.certification.dates import day_text
from certtrack.certification.errors import DomainError
from certtrack.certification.models import (
    Completion,
    CompletionState,
    Enrollment,
    GeneralSettings,
    PeriodCompletion,
)
from certtrack.certification.periods import ELSEWHERE, in_force
from certtrack.certification.requirements import evaluate
from certtrack.certification.statuses import CERTIFIED, MEANING, Status
from certtrack.credentials import certificates
from certtrack.notifications import reminders
from certtrack.notifications.queries import emails_for

from ..access import staff_required
from ..forms import (
    ExpiryForm,
    RecordCompletionForm,
    optional_date,
    submit,
)
from ..rows import day
from .common import actor_of, back_to, today_as_of


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


def _periods(enrollment: Enrollment) -> list:
    """The enrollment's periods, each with the completions it used: four queries, however
    many periods (the test holds 10 periods to the query count of 1)."""
    uses = PeriodCompletion.objects.select_related("completion__component").order_by(
        "completion__completed_on", "completion_id"
    )
    return list(
        enrollment.periods.order_by("number").prefetch_related(
            Prefetch("uses", queryset=uses, to_attr="used")
        )
    )


@staff_required
def enrollment(request: HttpRequest, pk: int) -> HttpResponse:
    """The enrollment page; its two forms (set expiry, record a completion) post here."""
    enrollment = get_object_or_404(Enrollment.objects.select_related("contact", "program"), pk=pk)
    as_of = today_as_of()
    form = request.POST.get("form") if request.method == "POST" else None
    expiry_form, done = _set_expiry(request, enrollment, form == "expiry")
    if done is None:
        completion_form, done = _record_completion(request, enrollment, as_of, form == "completion")
    if done is not None:
        return redirect("backoffice:enrollment", pk=pk)
    context = _page(enrollment, as_of) | {
        "expiry_form": expiry_form,
        "completion_form": completion_form,
    }
    return render(request, "backoffice/enrollment.html", context)


def _set_expiry(request: HttpRequest, enrollment: Enrollment, posted: bool):
    """The "Set expiry" form, and the enrollment once its date was set (None: not done)."""
    if not posted:
        return ExpiryForm(initial={"expires_on": enrollment.expires_on}), None
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        return form, None
    done = submit(
        form,
        lambda: services.set_expires_on(
            enrollment.pk,
            form.cleaned_data["expires_on"],
            form.cleaned_data["reason"],
            actor_of(request),
        ),
    )
    if done is not None:
        messages.success(request, f"Expiration date set to {day_text(done.expires_on)}.")
    return form, done


def _record_completion(request: HttpRequest, enrollment: Enrollment, as_of, posted: bool):
    """The "Record completion" form, and the completion once recorded (None: not done)."""
    if not posted:
        initial = {"completed_on": as_of.today}
        return RecordCompletionForm(program=enrollment.program, initial=initial), None
    form = RecordCompletionForm(
        request.POST, request.FILES, program=enrollment.program, contact_id=enrollment.contact_id
    )
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    recorded = submit(
        form,
        lambda: services.record_completion(
            enrollment.contact_id,
            data["component"].pk,
            data["completed_on"],
            actor_of(request),
            score=data["score"],
            passed=False if data["failed"] else None,
            note=data["note"],
            evidence=data["evidence"],
        ),
    )
    if recorded is not None:
        messages.success(request, f"Completion of {recorded.component.name} recorded.")
    return form, recorded


# A certification whose current period was recorded from another system (by hand or by an
# import): its work was done there, so "every requirement is met" would contradict the
# requirements shown below it, which hold none of that work.
_ELSEWHERE_MEANING = {
    Status.ACTIVE: "Certified in another system and recorded here; the certification is current.",
    Status.EXPIRING: "Certified in another system and recorded here; within the notice period "
    "before the expiration date.",
    Status.EXPIRED: "Certified in another system and recorded here; the expiration date has "
    "passed.",
}
_ELSEWHERE_WORK = "Its work was done there: the requirements below show none of it."


def _meaning(enrollment: Enrollment, current: Status, latest) -> str:
    if statuses.standing(current, enrollment.period_number > 0) == statuses.SUSPENDED:
        return _suspended(enrollment)
    if latest is not None and latest.source in ELSEWHERE and current in _ELSEWHERE_MEANING:
        return f"{_ELSEWHERE_MEANING[current]} {_ELSEWHERE_WORK}"
    return MEANING[current]


def _suspended(enrollment: Enrollment) -> str:
    """A suspended certification in words (PRODUCT.md §3): a staff user's trial read "Set
    inactive by staff (for example, not working towards completion)" for it."""
    suspension = enrollment.history.filter(action="suspend").order_by("-at", "-id").first()
    why = f" (reason: {suspension.reason})" if suspension and suspension.reason else ""
    runs = f"; its period runs on to {day(enrollment.expires_on)}" if enrollment.expires_on else ""
    return (
        f"Suspended{why}: the certification is not valid while suspended and verification "
        f"answers “suspended”{runs}. No renewal is granted meanwhile; Reactivate "
        "lifts the suspension."
    )


def _page(enrollment: Enrollment, as_of) -> dict:
    """Everything the page shows besides its forms."""
    current = enrollment.current_status(as_of)
    tracker = _progress_tracker(enrollment)
    periods = _periods(enrollment)
    latest = periods[-1] if periods else None
    now = in_force(periods, as_of.today)
    return {
        "enrollment": enrollment,
        "contact": enrollment.contact,
        "program": enrollment.program,
        "status": current,
        "meaning": _meaning(enrollment, current, latest),
        "actions": _actions(enrollment, current, as_of),
        "final_statuses": statuses.FINAL,
        # Highlighted: the actions that move a contact toward (or back to) certification.
        "forward_actions": {"approve", "approve_completion", "reactivate", "reopen"},
        "can_set_expiry": current in CERTIFIED,
        "has_certificate": certificates.has_certificate(enrollment, as_of),
        # What the verification page answers for a number not offered now (revoked, …).
        "certificate_outcome": certificates.OUTCOME_LABELS[certificates.outcome_of(current)],
        "verification_url": certificates.verification_url(enrollment.certificate_number)
        if enrollment.certificate_number
        else "",
        "tracker": tracker,
        "progress": evaluate(enrollment, as_of.today),
        "pending": sum(
            1 for _, items in tracker for c in items if c.state == CompletionState.PENDING
        ),
        "history": enrollment.history.order_by("at", "id"),  # id: same-moment events in order
        "periods": periods,
        # After an early renewal the latest period begins later: the certificate of the one
        # in force first (a staff user's trial got one "Valid from" three years ahead).
        "in_force": now,
        "next_period": latest if now and latest.number > now.number else None,
        # Renewal progress counts work from the latest period's start (PRODUCT.md §3).
        "renewal_since": latest and (latest.renewed_on or latest.activated_on),
        "renewal": renewal_progress.of(enrollment, as_of.today),
        "emails": emails_for(enrollment.pk),
        "reminder_steps": reminders.step_states(enrollment, as_of.today),
        "tz": ZoneInfo(GeneralSettings.get().time_zone),
        "as_of": as_of,
        "other_enrollments": Enrollment.objects.filter(contact=enrollment.contact)
        .exclude(pk=enrollment.pk)
        .select_related("program")
        .with_current_status(as_of),
    }


def _actions(enrollment: Enrollment, current: str, as_of) -> list:
    """The staff actions the table allows from here (a renewal's only while it allows)."""
    where = statuses.standing(current, enrollment.period_number > 0)
    return [
        a
        for a in statuses.actions_from(where)
        if not a.renewal or renewals.allows(a, enrollment, as_of.today)
    ]


@staff_required
@require_POST
def perform_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        expires_on = optional_date(request.POST.get("expires_on"), "expires_on", "The new expiry")
        done = services.perform(
            pk,
            action,
            actor_of(request),
            reason=request.POST.get("reason", "").strip(),
            expires_on=expires_on,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        step = statuses.ACTIONS[action]
        now = statuses.label(done.status)
        messages.success(request, f"{step.label}: done. The enrollment is now {now}.")
    return redirect(back_to(request, reverse("backoffice:enrollment", args=[pk])))


@staff_required
@require_POST
def completion_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    completion = get_object_or_404(Completion, pk=pk)
    call = {
        "approve": services.approve_completion,
        "reject": services.reject_completion,
        "remove": services.remove_completion,
    }
    if decision not in call:
        raise Http404
    before = _statuses_touched(completion)
    try:
        call[decision](completion.pk, actor_of(request), reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        word = {"approve": "approved", "reject": "rejected", "remove": "removed"}[decision]
        moved = "".join(
            f" {program}: {statuses.label(before[row][1])} → {statuses.label(status)}."
            for row, (program, status) in _statuses_touched(completion).items()
            if row in before and before[row][1] != status
        )
        messages.success(request, f"Completion of {completion.component.name} {word}.{moved}")
    return redirect(back_to(request, reverse("backoffice:overview")))


def _statuses_touched(completion: Completion) -> dict[int, tuple[str, str]]:
    """{enrollment id: (program name, stored status)} of the contact's enrollments in the
    completion's programs: a decision's message says which moved (a staff user's trial:
    approving the last pending completion did not say it went to Admin Review)."""
    rows = Enrollment.objects.filter(
        contact_id=completion.contact_id, program__links__component_id=completion.component_id
    ).values_list("pk", "program__name", "status")
    return {pk: (program, status) for pk, program, status in rows}


@staff_required
@require_POST
def approve_all(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        count = services.approve_all_completions(pk, actor_of(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{count} completion(s) approved.")
    return redirect("backoffice:enrollment", pk=pk)


@staff_required
@require_GET
def completion_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    completion = get_object_or_404(Completion, pk=pk)
    if not completion.evidence:
        raise Http404
    return FileResponse(
        completion.evidence.open("rb"),
        as_attachment=True,
        filename=completion.evidence_name or completion.evidence.name.rsplit("/", 1)[-1],
    )
