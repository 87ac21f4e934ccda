"""The contact portal: thin views over the certification services.

A contact reaches only their own records: every lookup is filtered by the signed-in
contact, so another contact's id answers 404, exactly like an id that does not exist.
"""

from functools import partial, wraps

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.errors import Invalid, NotFound, Refused
from certtrack.certification.models import (
    Completion,
    CompletionSource,
    Component,
    Enrollment,
    GeneralSettings,
    Program,
)
from certtrack.certification.statuses import label
from certtrack.certification.transcript import transcript_of
from certtrack.credentials.certificates import period_param
from certtrack.credentials.pdf import certificate_pdf
from certtrack.credentials.transcript_pdf import transcript_csv_response, transcript_pdf_response
from certtrack.logs import security

from . import signin
from .forms import MAX_EVIDENCE_BYTES, ReportForm, SignInForm, evidence_type
from .progress import NEXT_STEP, REPORTABLE_KINDS, summaries, summarize

NEXT_KEY = "portal_next"  # the portal page to open once the emailed link is used


def _as_of():
    return GeneralSettings.get().as_of(clock.now())


def contact_required(view):
    """The view needs a signed-in contact (`request.contact`); else on to the sign-in page."""

    @wraps(view)
    @never_cache  # personal pages: never from a shared cache
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        contact = signin.signed_in_contact(request)
        if contact is None:
            sign_in_url = reverse("portal:sign_in")
            if request.path != reverse("portal:home"):
                sign_in_url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(sign_in_url)
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper


def _own_enrollment(request: HttpRequest, pk: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("program", "contact"), pk=pk, contact=request.contact
    )


# --- sign-in -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("next", "")
    if not (wanted.startswith("/portal/") and url_has_allowed_host_and_scheme(wanted, None)):
        wanted = ""
    if signin.signed_in_contact(request) is not None:
        return redirect(wanted or "portal:home")
    if wanted:
        # Where an email sent them: kept in this browser's session until the link is used.
        request.session[NEXT_KEY] = wanted
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        now = clock.now()
        outcome = signin.request_link(email, signin.client_ip(request), now)
        if outcome.limited:
            response = render(request, "portal/sign_in_limited.html", status=429)
            response["Retry-After"] = str(int(signin.RATE_WINDOW.total_seconds()))
            return response
        # The same page whether or not the address is a contact's: it reveals nothing.
        response = render(request, "portal/sign_in_sent.html", {"email": email})
        # Known or not is found out only once the answer has gone (the server closes the
        # response after sending it), so the time to answer tells nothing.
        response._resource_closers.append(partial(signin.issue_link, email, now))
        return response
    return render(request, "portal/sign_in.html", {"form": form})


_PROBLEM_STATUS = {"invalid": 404, "used": 410, "expired": 410}


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: GET shows a button (a link scanner stops here); POST signs in."""
    try:
        if request.method == "POST":
            contact = signin.use_link(token)
            signin.sign_in(request, contact)
            messages.success(request, f"Welcome, {contact.first_name}. You are signed in.")
            return redirect(request.session.pop(NEXT_KEY, None) or "portal:home")
        signin.check_link(token)
        response = render(request, "portal/confirm.html")
    except signin.LinkProblem as problem:
        security.warning(
            "portal sign-in failed: %s link, from %s", problem.kind, signin.client_ip(request)
        )
        response = render(
            request,
            "portal/link_problem.html",
            {"problem": problem.kind},
            status=_PROBLEM_STATUS[problem.kind],
        )
    # The token never leaves for another site in a Referer ("no-referrer" would also make
    # the browser send "Origin: null" with the button's POST, which CSRF rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    signin.sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:sign_in")


# --- the contact's pages ----------------------------------------------------------------------


@require_safe
@contact_required
def home(request: HttpRequest) -> HttpResponse:
    as_of = _as_of()
    enrollments = Enrollment.objects.filter(contact=request.contact).select_related("program")
    rows = summaries(enrollments.order_by("-created_at", "-id"), as_of)
    return render(request, "portal/home.html", {"summaries": rows, "today": as_of.today})


@require_safe
@contact_required
def programs(request: HttpRequest) -> HttpResponse:
    as_of = _as_of()
    open_enrollments = {
        e.program_id: e for e in Enrollment.objects.filter(contact=request.contact).open()
    }
    rows = []
    for program in Program.objects.filter(is_active=True).prefetch_related("links__component"):
        enrollment = open_enrollments.get(program.pk)
        status = as_of.status_of(enrollment.status, enrollment.expires_on) if enrollment else None
        rows.append(
            {
                "program": program,
                "links": list(program.links.all()),
                "enrollment": enrollment,
                "status": status,
                "status_label": label(status) if status else "",
            }
        )
    return render(request, "portal/programs.html", {"rows": rows})


@require_POST
@contact_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk, is_active=True)
    try:
        enrollment = services.apply(request.contact.pk, program.pk, Actor.contact(request.contact))
    except Refused as error:
        existing = error.extra.get("enrollment_id")
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
    completions = (
        Completion.objects.live()
        .filter(contact=request.contact, component__links__program=summary.program)
        .select_related("component")
        .distinct()
    )
    return render(request, "portal/enrollment.html", {"s": summary, "completions": completions})


def _oversized(request: HttpRequest) -> bool:
    """A request body far above the evidence limit (the form's fields add a little)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return request.method == "POST" and length > MAX_EVIDENCE_BYTES + 1024 * 1024


@require_http_methods(["GET", "HEAD", "POST"])
@contact_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a completed course or task, with a note and an evidence file: pending approval."""
    enrollment = _own_enrollment(request, pk)
    if not enrollment.is_open:
        messages.error(request, "This enrollment is closed: there is no work to report.")
        return redirect("portal:enrollment", pk=enrollment.pk)
    components = Component.objects.filter(
        links__program=enrollment.program, kind__in=REPORTABLE_KINDS, is_active=True
    ).order_by("name", "id")
    if _oversized(request):
        # Refused before Django reads the body: no huge upload lands on our disk.
        form = ReportForm(components=components)
        context = {"enrollment": enrollment, "form": form, "has_components": True}
        context["too_large"] = True
        return render(request, "portal/report.html", context, status=413)
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        components=components,
        initial={"component": request.GET.get("component")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            completion = services.record_completion(
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
        else:
            messages.success(
                request,
                f"Thank you. {completion.component.name} ({completion.completed_on:%d %b %Y}) "
                f"is {completion.get_state_display().lower()} by our staff.",
            )
            return redirect("portal:enrollment", pk=enrollment.pk)
    return render(
        request,
        "portal/report.html",
        {"enrollment": enrollment, "form": form, "has_components": components.exists()},
    )


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
    enrollments = (
        Enrollment.objects.filter(contact=request.contact, certificate_number__isnull=False)
        .select_related("program")
        .prefetch_related("periods")
    )
    rows = summaries(enrollments.order_by("-activated_on", "-id"), as_of)
    held = [s for s in rows if s.has_certificate]
    return render(request, "portal/certificates.html", {"summaries": held})


@require_safe
@contact_required
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _own_enrollment(request, pk)
    try:
        content = certificate_pdf(enrollment, period=period_param(request))
    except (Refused, NotFound):
        raise Http404("This enrollment has no certificate.") from None
    response = HttpResponse(content, content_type="application/pdf")
    number = enrollment.certificate_number
    response["Content-Disposition"] = f'inline; filename="certificate-{number}.pdf"'
    return response


# --- transcript (PRODUCT.md §11) -------------------------------------------------------------


def _own_transcript(request: HttpRequest, pk: int):
    """The signed-in contact's transcript; another contact's id is a 404, as an unknown one."""
    if pk != request.contact.pk:
        raise Http404("No such transcript.")
    return transcript_of(request.contact)


@require_safe
@contact_required
def my_transcript(request: HttpRequest) -> HttpResponse:
    return redirect("portal:transcript", pk=request.contact.pk)


@require_safe
@contact_required
def transcript(request: HttpRequest, pk: int) -> HttpResponse:
    context = {"transcript": _own_transcript(request, pk), "contact": request.contact}
    return render(request, "portal/transcript.html", context)


@require_safe
@contact_required
def transcript_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return transcript_pdf_response(_own_transcript(request, pk), _as_of().today)


@require_safe
@contact_required
def transcript_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return transcript_csv_response(_own_transcript(request, pk))
