"""Signing in and out of the portal: the sign-in form, the emailed one-time link, sign-out,
and `contact_required`, which sends a signed-out visitor to sign in and back.
"""

from functools import partial, wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from certtrack import clock
from certtrack.logs import security

from . import signin
from .forms import SignInForm

NEXT_KEY = "portal_next"  # the portal page to open once the emailed link is used
DOWNLOAD_KEY = "portal_download"  # a download that page starts (`_landing`)
# Downloads a sign-in may lead to (an email's "Download your certificate"), by the page
# they belong to: the browser stays on the page that asked for a download.
DOWNLOAD_PAGES = {
    "certificate_pdf": "portal:enrollment",
    "credential": "portal:enrollment",
    "transcript_pdf": "portal:transcript",
    "transcript_csv": "portal:transcript",
}


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


def _landing(request: HttpRequest, wanted: str | None) -> str:
    """Where the sign-in goes for `wanted`, the page an email's link asked for. A download
    (a member's trial: the PDF came, and the browser stayed on the used sign-in page)
    opens its own page instead, which starts the download (`download_asked`)."""
    if not wanted:
        return reverse("portal:home")
    try:
        match = resolve(urlsplit(wanted).path)
    except Resolver404:
        return wanted
    if page := DOWNLOAD_PAGES.get(match.url_name):
        request.session[DOWNLOAD_KEY] = wanted
        return reverse(page, kwargs={"pk": match.kwargs["pk"]})
    return wanted


def download_asked(request: HttpRequest) -> str | None:
    """The download the sign-in left for this page to start, once."""
    return request.session.pop(DOWNLOAD_KEY, None)


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
            return redirect(_landing(request, request.session.pop(NEXT_KEY, None)))
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
