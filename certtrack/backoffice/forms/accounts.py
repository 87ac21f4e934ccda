"""Staff accounts: sign-in, invitations, password reset, the audit log filter (PRODUCT.md §9)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from certtrack.accounts.models import User
from certtrack.certification.models import (
    AuditObject,
)


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "This email address and password do not match an active staff account.",
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class InviteForm(forms.Form):
    """Setup › Staff users: invite someone to the back-office."""

    email = forms.EmailField(label="Email address")
    first_name = forms.CharField(label="First name", required=False, max_length=150)
    last_name = forms.CharField(label="Last name", required=False, max_length=150)
    role = forms.ChoiceField(
        label="Role",
        choices=[("staff", "Staff"), ("administrator", "Administrator")],
        help_text="Administrators also manage settings, email templates and staff users.",
    )


class TokenForm(forms.Form):
    """Setup › Staff users › one user: issue an API token (its key is shown once)."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, e.g. “LMS sync”: one live token per name.",
    )
    rotate = forms.BooleanField(
        label="Replace the live token of this name (it stops working at once)", required=False
    )


class StaffPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the email queued through the outbox."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from certtrack.accounts.services import send_password_reset

        send_password_reset(context["user"])


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(
        label="Object", required=False, choices=[("", "All"), *AuditObject.choices]
    )
    user = forms.ModelChoiceField(
        label="Changed by",
        required=False,
        queryset=User.objects.order_by("email"),
        empty_label="Anyone",
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data
