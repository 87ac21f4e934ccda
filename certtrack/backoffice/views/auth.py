"""Sign-in by email and password."""

from django.contrib.auth import views as auth_views
from django.urls import reverse

from ..forms import SignInForm


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("backoffice:tracking")
