"""Setup › Staff users (administrators only) and the staff's own password reset."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from certtrack.accounts import services
from certtrack.accounts.models import User
from certtrack.certification import audit
from certtrack.certification.errors import DomainError
from certtrack.certification.models import AuditObject

from ..access import administrator_required
from ..forms import InviteForm, StaffPasswordResetForm, TokenForm, submit
from .common import actor_of, current_zone


@administrator_required
def users(request: HttpRequest) -> HttpResponse:
    """Every staff user (active first), and the invitation form."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invited = submit(
            form,
            lambda: services.invite(
                data["email"],
                data["role"],
                actor_of(request),
                first_name=data["first_name"],
                last_name=data["last_name"],
            ),
        )
        if invited is not None:
            messages.success(request, f"Invitation sent to {invited.email}.")
            return redirect("backoffice:users")
    rows = User.objects.annotate(
        live_tokens=Count("api_tokens", filter=Q(api_tokens__revoked_at__isnull=True)),
        token_used_at=Max("api_tokens__last_used_at"),
    ).order_by("-is_active", "email")
    return render(request, "backoffice/users.html", {"users": rows, "form": form})


@administrator_required
def user(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_page(request, get_object_or_404(User, pk=pk), TokenForm())


def _user_page(request: HttpRequest, person: User, form: TokenForm, key: str = "") -> HttpResponse:
    tokens = person.api_tokens.order_by("revoked_at", "-created_at")
    return render(
        request,
        "backoffice/user.html",
        {
            "person": person,
            "tokens": tokens,
            "token_form": form,
            "key": key,
            "history": audit.of(AuditObject.USER, person.pk),
            "tz": current_zone(),
        },
    )


@administrator_required
@require_POST
def token_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue an API token for a staff user. The key is in this response only (not stored,
    not put in a message or a redirect's URL; back-office pages are never cached)."""
    person = get_object_or_404(User, pk=pk)
    form = TokenForm(request.POST)
    issued = form.is_valid() and submit(
        form,
        lambda: services.issue_token(
            person,
            form.cleaned_data["name"],
            rotate=form.cleaned_data["rotate"],
            actor=actor_of(request),
        ),
    )
    key = issued[1] if issued else ""
    return _user_page(request, person, TokenForm() if issued else form, key)


def _act(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("backoffice:user", pk=pk)


@administrator_required
@require_POST
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    role = request.POST.get("role", "")
    return _act(
        request,
        pk,
        lambda: services.set_role(pk, role, actor_of(request)),
        f"Role changed to {role}.",
    )


@administrator_required
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _act(
        request,
        pk,
        lambda: services.set_active(pk, active, actor_of(request)),
        "Reactivated." if active else "Deactivated: they can no longer sign in or use the API.",
    )


@administrator_required
@require_POST
def user_resend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda: services.resend_invitation(pk, actor_of(request)),
        "Invitation sent again.",
    )


@administrator_required
@require_POST
def token_revoke(request: HttpRequest, pk: int, token: int) -> HttpResponse:
    if not User.objects.filter(pk=pk, api_tokens__pk=token).exists():
        messages.error(request, "No such token for this user.")
        return redirect("backoffice:user", pk=pk)
    return _act(
        request,
        pk,
        lambda: services.revoke_token(token, actor_of(request)),
        "Token revoked: requests bearing it are refused from now on.",
    )


# --- a forgotten password: Django's views, the email through the outbox -----------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "backoffice/password_reset.html"
    success_url = reverse_lazy("backoffice:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "backoffice/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a password from an emailed link (an invitation or a reset)."""

    template_name = "backoffice/password_reset_confirm.html"
    success_url = reverse_lazy("backoffice:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "backoffice/password_reset_complete.html"
