"""Who may open what: every /staff/ page needs an active user; settings, an administrator."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

LOGIN_URL = "backoffice:login"


def staff_required(view: Callable) -> Callable:
    """A signed-in, active back-office user (either role)."""

    @wraps(view)
    def check(request, *args, **kwargs):
        # Every back-office account is staff; any other kind of user stays out.
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("The back-office is for staff.")
        return view(request, *args, **kwargs)

    return login_required(check, login_url=LOGIN_URL)


def administrator_required(view: Callable) -> Callable:
    """A signed-in user with the administrator role; staff get 403."""

    @wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.is_administrator:
            return render(request, "backoffice/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return staff_required(check)
