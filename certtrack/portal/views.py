"""The contact portal: thin views over the certification services.

A contact reaches only their own records: every lookup is filtered by the signed-in
contact, so another contact's id answers 404, exactly like an id that does not exist.
"""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from certtrack import clock
from certtrack.certification import renewals, services
from certtrack.certification.actors import Actor
from certtrack.certification.dates import AsOf, day_text
from certtrack.certification.errors import Invalid, NotFound, Refused
from certtrack.certification.models import (
    Completion,
    CompletionSource,
    Component,
    Enrollment,
    GeneralSettings,
    Program,
)
from certtrack.certification.renewal import RenewalState, rules_in_words
from certtrack.certification.statuses import Status, label
from certtrack.certification.transcript import transcript_of
from certtrack.credentials import pdf
from certtrack.credentials.badges import MEDIA_TYPE, signed_credential
from certtrack.credentials.certificates import Certificate, issued, period_param
from certtrack.credentials.transcript_pdf import transcript_csv_response, transcript_pdf_response
from certtrack.notifications import reminders
from certtrack.notifications.models import ReminderOptOut

from . import signin
from .entry import contact_required, download_asked
from .forms import MAX_EVIDENCE_BYTES, ReportForm, evidence_type
from .progress import NEXT_STEP, REPORTABLE_KINDS, Summary, summaries, summarize
from .work import grouped


def _as_of():
    return GeneralSettings.get().as_of(clock.now())


def _own_enrollment(request: HttpRequest, pk: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("program", "contact"), pk=pk, contact=request.contact
    )


# --- the contact's pages ----------------------------------------------------------------------

# One order for the contact's certifications on every page: the newest enrollment first
# (a member's trial found the Certificates page in another order than My certifications).
NEWEST_FIRST = ("-created_at", "-id")


@require_safe
@contact_required
def home(request: HttpRequest) -> HttpResponse:
    as_of = _as_of()
    enrollments = Enrollment.objects.filter(contact=request.contact).select_related("program")
    rows = summaries(enrollments.order_by(*NEWEST_FIRST), as_of)
    return render(request, "portal/home.html", {"summaries": rows, "today": as_of.today})


@require_safe
@contact_required
def programs(request: HttpRequest) -> HttpResponse:
    as_of = _as_of()
    own = Enrollment.objects.filter(contact=request.contact).select_related("program")
    open_enrollments = {  # open today: an expired certification is not, stored or not
        e.program_id: e
        for e in own.open()
        if as_of.status_of(e.status, e.expires_on) != Status.EXPIRED
    }
    # An expired certification still in its grace days (stored Active until the worker
    # passes, so perhaps among the open ones too): renewed, not applied for again.
    renewable = {
        e.program_id: e for e in own.filter(as_of.status_q(Status.EXPIRED)) if _in_grace(e, as_of)
    }
    rows = []
    for program in Program.objects.filter(is_active=True).prefetch_related("links__component"):
        enrollment = renewable.get(program.pk) or open_enrollments.get(program.pk)
        status = as_of.status_of(enrollment.status, enrollment.expires_on) if enrollment else None
        rows.append(
            {
                "program": program,
                "links": list(program.links.all()),
                "renewal_rules": rules_in_words(program),
                "enrollment": enrollment,
                "renew": program.pk in renewable,
                "status": status,
                "status_label": label(status) if status else "",
            }
        )
    return render(request, "portal/programs.html", {"rows": rows})


def _in_grace(enrollment: Enrollment, as_of: AsOf) -> bool:
    """Expired today (whether or not the worker has recorded it) and still renewable."""
    expired = as_of.status_of(enrollment.status, enrollment.expires_on) == Status.EXPIRED
    return expired and renewals.is_open(renewals.state_of(enrollment, as_of.today))


@require_POST
@contact_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk, is_active=True)
    try:
        enrollment = services.apply(request.contact.pk, program.pk, Actor.contact(request.contact))
    except Refused as error:
        existing = error.extra.get("enrollment_id")
        if existing and _in_grace(_own_enrollment(request, existing), _as_of()):
            # Expired, in its grace days: the portal offers "Renew" (PRODUCT.md §3).
            messages.info(
                request,
                f"Your {program.name} certification can still be renewed: report the work "
                "it needs here instead of applying again.",
            )
            return redirect("portal:renew", pk=existing)
        if existing:
            messages.error(request, f"You are already enrolled in {program.name}.")
            return redirect("portal:enrollment", pk=existing)
        messages.error(request, error.message)
        return redirect("portal:programs")
    except NotFound:
        raise Http404("No such program.") from None
    status = _as_of().status_of(enrollment.status, enrollment.expires_on)
    messages.success(
        request, f"You applied to {program.name}: {label(status)}. {NEXT_STEP[status]}"
    )
    return redirect("portal:enrollment", pk=enrollment.pk)


@require_safe
@contact_required
def enrollment(request: HttpRequest, pk: int) -> HttpResponse:
    summary = summarize(_own_enrollment(request, pk), _as_of(), steps=True)
    upcoming = reminders.upcoming(summary.enrollment, _as_of().today)
    return render(
        request,
        "portal/enrollment.html",
        {
            "s": summary,
            "download": download_asked(request),
            "groups": grouped(summary),
            "reminders": [
                {"on": on, "mandatory": step.mandatory, "before": step.offset_days <= 0}
                for on, step in upcoming
            ],
            "reminders_off": ReminderOptOut.objects.filter(enrollment=summary.enrollment).exists(),
            "has_optional": any(not step.mandatory for _, step in upcoming),
        },
    )


@require_POST
@contact_required
def reminder_choice(request: HttpRequest, pk: int) -> HttpResponse:
    """The member turns optional reminders off or on; mandatory ones are always sent."""
    enrollment = _own_enrollment(request, pk)
    off = request.POST.get("optional") == "off"
    reminders.set_optional_off(enrollment, off, clock.now())
    messages.success(
        request,
        "Optional reminders are off; required notices are still sent."
        if off
        else "Optional reminders are on.",
    )
    return redirect("portal:enrollment", pk=pk)


def _oversized(request: HttpRequest) -> bool:
    """A request body far above the evidence limit (the form's fields add a little)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return request.method == "POST" and length > MAX_EVIDENCE_BYTES + 1024 * 1024


def _report_page(
    request: HttpRequest, enrollment: Enrollment, template: str, context: dict, *, earliest=None
) -> HttpResponse | None:
    """The report form of `template`: a completed course or task, with a note and an
    evidence file, recorded by the completion service (pending approval). None once sent:
    the caller redirects."""
    components = Component.objects.filter(
        links__program=enrollment.program, kind__in=REPORTABLE_KINDS, is_active=True
    ).order_by("name", "id")
    context = {"enrollment": enrollment, "has_components": components.exists(), **context}
    if _oversized(request):
        # Refused before Django reads the body: no huge upload lands on our disk.
        form = ReportForm(components=components, earliest=earliest)
        context |= {"form": form, "has_components": True, "too_large": True}
        return render(request, template, context, status=413)
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        components=components,
        earliest=earliest,
        initial={"component": request.GET.get("component")},
    )
    if request.method == "POST" and form.is_valid():
        completion = _record_report(request, form)
        if completion is not None:
            messages.success(
                request,
                f"Thank you. {completion.component.name} ({day_text(completion.completed_on)}) "
                f"is {completion.get_state_display().lower()} by our staff.",
            )
            return None
    return render(request, template, context | {"form": form})


def _record_report(request: HttpRequest, form: ReportForm) -> Completion | None:
    """The form's report through the completion service; None (the reason on the form) if
    the service refuses it."""
    data = form.cleaned_data
    try:
        return services.record_completion(
            request.contact.pk,
            data["component"].pk,
            data["completed_on"],
            Actor.contact(request.contact),
            note=data["note"],
            source=CompletionSource.SELF_REPORT,
            evidence=data["evidence"],
        )
    except Invalid as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    except Refused as error:
        form.add_error(None, error.message)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@contact_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a completed course or task, with a note and an evidence file: pending approval."""
    enrollment = _own_enrollment(request, pk)
    if not enrollment.is_open:
        messages.error(request, "This enrollment is closed: there is no work to report.")
        return redirect("portal:enrollment", pk=enrollment.pk)
    page = _report_page(request, enrollment, "portal/report.html", {})
    return page or redirect("portal:enrollment", pk=enrollment.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@contact_required
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    """The Renew page, while the renewal is open: its progress, what is still needed, and
    the report form (the same completion service as above). The domain grants the renewal
    once the work it needs is approved."""
    enrollment = _own_enrollment(request, pk)
    summary = summarize(enrollment, _as_of())
    renewal = summary.renewal if summary.has_certificate else None
    if renewal is None or not renewal.is_open:
        messages.info(request, _no_renewal_now(summary))
        return redirect("portal:enrollment", pk=enrollment.pk)
    context = {"s": summary, "renewal": renewal}
    if not renewal.takes_work:  # in review: the work is in, staff decide
        if request.method == "POST":
            messages.error(request, "Your renewal is already with our staff for approval.")
            return redirect("portal:renew", pk=enrollment.pk)
        return render(request, "portal/renew.html", context | {"enrollment": enrollment})
    page = _report_page(request, enrollment, "portal/renew.html", context, earliest=renewal.since)
    return page or redirect("portal:renew", pk=enrollment.pk)


def _no_renewal_now(summary: Summary) -> str:
    """Why the Renew page is not offered, in the contact's words."""
    program = summary.program.name
    renewal = summary.renewal if summary.has_certificate else None
    if not summary.has_certificate:
        return (
            f"There is no renewal to work on: your {program} enrollment is {summary.status_label}."
        )
    if renewal is None:
        if summary.enrollment.expires_on is None:
            return f"Your {program} certification does not expire: there is nothing to renew."
        return f"{program} is not renewed: once it expires, apply again to recertify."
    window = renewal.window
    if renewal.state == RenewalState.CLOSED:
        closed = day_text(window.closes_on)
        then = "You have enrolled again." if summary.again else "Apply again to recertify."
        return f"The renewal of {program} closed on {closed}. {then}"
    renewed = summary.next_period or summary.current_period
    if renewed is not None and renewed.number > 1:
        runs = "will run" if renewed is summary.next_period else "runs"
        return (
            f"Your {program} certification is renewed: period {renewed.number} {runs} from "
            f"{day_text(renewed.activated_on)} to {day_text(renewed.expires_on)}. Its next renewal "
            f"opens on {day_text(window.opens_on)}."
        )
    return f"The renewal of {program} opens on {day_text(window.opens_on)}."


@require_safe
@never_cache
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file, to the contact who sent it and to staff only (else 404)."""
    completion = get_object_or_404(Completion.objects.live(), pk=pk)
    user = request.user
    is_staff = user.is_authenticated and user.is_active and user.is_staff
    contact = signin.signed_in_contact(request)
    owner = contact is not None and contact.pk == completion.contact_id
    if not (is_staff or owner) or not completion.evidence:
        raise Http404("No such file.")
    handle = completion.evidence.open("rb")
    # Served as a download with the type its content has: never rendered as our page.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=completion.evidence_name or "evidence",
        content_type=evidence_type(handle) or "application/octet-stream",
    )


@require_safe
@contact_required
def certificates(request: HttpRequest) -> HttpResponse:
    as_of = _as_of()
    enrollments = Enrollment.objects.filter(
        contact=request.contact, certificate_number__isnull=False
    ).select_related("program")
    rows = summaries(enrollments.order_by(*NEWEST_FIRST), as_of)
    held = [s for s in rows if s.has_certificate]
    return render(request, "portal/certificates.html", {"summaries": held})


def _own_certificate(request: HttpRequest, pk: int) -> Certificate:
    """The signed-in contact's certificate of enrollment `pk` (`?period=N`: that period's);
    404 for anything they hold no certificate of."""
    enrollment = _own_enrollment(request, pk)
    try:
        return issued(enrollment.pk, period_param(request))
    except (Refused, NotFound):
        raise Http404("This enrollment has no certificate.") from None


def _download(content, content_type: str, certificate: Certificate, kind: str, ext: str):
    """A file to save (never shown in the browser), named so that a member with several
    certificates tells them apart: program, kind, number and (after the first) period."""
    program = slugify(certificate.enrollment.program.name) or "certification"
    period = f"-period-{certificate.period_number}" if certificate.renewed else ""
    name = f"{program}-{kind}-{certificate.number}{period}.{ext}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_safe
@contact_required
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _own_certificate(request, pk)
    return _download(pdf.render(certificate), "application/pdf", certificate, "certificate", "pdf")


# --- transcript (PRODUCT.md §11) -------------------------------------------------------------


def _own_transcript(request: HttpRequest, pk: int):
    """The signed-in contact's transcript; another contact's id is a 404, as an unknown one."""
    if pk != request.contact.pk:
        raise Http404("No such transcript.")
    return transcript_of(request.contact)


@require_safe
@contact_required
def credential_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The Open Badges 3.0 credential (the signed VC-JWT) of the current period."""
    certificate = _own_certificate(request, pk)
    token = signed_credential(certificate)
    return _download(token, MEDIA_TYPE, certificate, "credential", "jwt")


@require_safe
@contact_required
def my_transcript(request: HttpRequest) -> HttpResponse:
    return redirect("portal:transcript", pk=request.contact.pk)


@require_safe
@contact_required
def transcript(request: HttpRequest, pk: int) -> HttpResponse:
    context = {
        "transcript": _own_transcript(request, pk),
        "contact": request.contact,
        "download": download_asked(request),
    }
    return render(request, "portal/transcript.html", context)


@require_safe
@contact_required
def transcript_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return transcript_pdf_response(_own_transcript(request, pk), _as_of().today)


@require_safe
@contact_required
def transcript_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return transcript_csv_response(_own_transcript(request, pk))
