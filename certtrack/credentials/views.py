"""Public pages (verification, issuer profile, JWK set) and the staff PDF download."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from certtrack import clock
from certtrack.certification.asof import parse_day
from certtrack.certification.errors import BadFilter, NotFound, Refused
from certtrack.certification.models import GeneralSettings, Program

from . import keys, status_lists
from .badges import achievement_document, issuer_profile
from .certificates import (
    NotYetIssued,
    issued,
    issuer_name,
    normalize_number,
    period_param,
    verify,
)
from .pdf import pdf_response
from .ratelimit import hit
from .vcjwt import MEDIA_TYPE


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """`/verify/`: the form asking for a certificate number (and, optionally, a day); a
    filled one goes on to that number's page, a bad one comes back with what to fix."""
    if "number" not in request.GET and "on" not in request.GET:
        return _lookup_page(request)
    typed, on = request.GET.get("number", "").strip(), request.GET.get("on", "").strip()
    number = normalize_number(typed)
    if not number:
        error = "Type the certificate number printed on the certificate."
        return _lookup_page(request, typed, on, number_error=error)
    try:
        day = parse_day(on, "on", "The day asked for")
    except BadFilter as error:
        return _lookup_page(request, typed, on, on_error=error.message)
    if "/" in number:  # no page's address: what any unknown number gets
        return _unknown(request, number)
    page = reverse("credentials:verify", kwargs={"number": number})
    return redirect(f"{page}?{urlencode({'on': day.isoformat()})}" if day else page)


def _lookup_page(request: HttpRequest, typed: str = "", on: str = "", **errors) -> HttpResponse:
    context = {"issuer": issuer_name(), "typed": typed, "on": on} | errors
    return render(request, "credentials/lookup.html", context, status=400 if errors else 200)


def _unknown(request: HttpRequest, number: str) -> HttpResponse:
    """The verification page of a number no certificate has."""
    context = {"number": number, "issuer": issuer_name(), "problem": "unknown"}
    return render(request, "credentials/verify.html", context, status=404)


@require_safe
@never_cache  # the answer is true at this moment only
def verify_page(request: HttpRequest, number: str) -> HttpResponse:
    verdict = hit(request)
    context = {"number": number, "issuer": issuer_name()}
    if not verdict.allowed:
        response = render(
            request,
            "credentials/verify.html",
            context | {"problem": "rate", "message": verdict.message},
            status=429,
        )
        response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        day = parse_day(request.GET.get("on", ""), "on", "The day asked for")
    except BadFilter as error:
        context |= {"on_error": error.message, "on": request.GET.get("on", "")}
        return render(request, "credentials/verify.html", context | {"problem": "day"}, status=400)
    try:
        certificate = verify(number, day)
    except NotYetIssued as error:
        context |= {"problem": "not_yet", "message": error.message, "on": day.isoformat()}
        return render(request, "credentials/verify.html", context)
    except NotFound:
        return _unknown(request, number)
    context |= {"certificate": certificate, "on": day.isoformat() if day else ""}
    # A day after today is a projection of the dates (PRODUCT.md §11): said as such.
    context["future"] = day is not None and day > GeneralSettings.get().today(clock.now())
    return render(request, "credentials/verify.html", context)


@require_safe
@cache_control(public=True, max_age=300)
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(keys.jwks(), content_type="application/jwk-set+json")


@require_safe
@cache_control(public=True, max_age=300)
def jwk(request: HttpRequest, thumbprint: str) -> JsonResponse:
    """What a credential's `kid` dereferences to: the one public key (OB 3.0 §8.2)."""
    key = keys.public_jwk(thumbprint)
    if key is None:
        raise Http404("No such key.")
    return JsonResponse(key, content_type="application/jwk+json")


@require_safe
@cache_control(public=True, max_age=status_lists.TTL_SECONDS)
def status_list(request: HttpRequest, list_number: int, purpose: str) -> HttpResponse:
    """A signed BitstringStatusListCredential (no token): what a verifier holding a
    credential reads to learn of its revocation or suspension."""
    if purpose not in status_lists.PURPOSES or not status_lists.exists(list_number):
        raise Http404("No such status list.")
    token = status_lists.signed_status_list(list_number, purpose)
    response = HttpResponse(token, content_type=MEDIA_TYPE)
    response["Access-Control-Allow-Origin"] = "*"  # public; wallets fetch it from a page
    return response


@require_safe
@cache_control(public=True, max_age=300)
def issuer(request: HttpRequest) -> JsonResponse:
    return JsonResponse(issuer_profile(), content_type="application/ld+json")


@require_safe
@cache_control(public=True, max_age=300)
def achievement(request: HttpRequest, code: str) -> JsonResponse:
    """A program as the Achievement its credentials name, served at its id."""
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise Http404("No such achievement.")
    return JsonResponse(achievement_document(program), content_type="application/ld+json")


@require_safe
def staff_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_login(request.get_full_path())
    try:
        certificate = issued(pk, period_param(request))
    except NotFound as error:
        raise Http404(error.message) from None
    except Refused as error:
        return HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
    return pdf_response(certificate)
