"""Sign-in by email and password, throttled by django-axes (settings: AXES_*)."""

import math

from axes.helpers import get_cool_off
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from ..forms import SignInForm


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("backoffice:tracking")


def sign_in_name(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in attempt names, as counted: emails sign in whatever their case."""
    name = (credentials or {}).get("username") or request.POST.get("username") or ""
    return name.strip().lower() or None


def locked_out(request: HttpRequest, response: HttpResponse | None, credentials: dict | None):
    """The sign-in page (staff or admin login) saying plainly why and for how long: 429."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    form = SignInForm(request, initial={"username": sign_in_name(request, credentials) or ""})
    context = {"form": form, "next": request.GET.get("next", ""), "locked_minutes": minutes}
    return render(request, "backoffice/login.html", context, status=429)
