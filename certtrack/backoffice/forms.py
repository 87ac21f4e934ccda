"""The back-office's forms. They validate input and show errors; services do every write."""

from collections.abc import Callable, Collection
from datetime import date
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MinValueValidator
from django.utils.text import slugify

from certtrack.accounts.models import User
from certtrack.certification.errors import Invalid, NotFound, Refused
from certtrack.certification.models import (
    AuditObject,
    CertificateTemplate,
    Component,
    Contact,
    GeneralSettings,
    Program,
    Scoring,
)
from certtrack.certification.services import COMPONENT_FIELDS, CONTACT_FIELDS, PROGRAM_FIELDS
from certtrack.notifications import reminders
from certtrack.notifications.models import EmailTemplate, ReminderTemplate
from certtrack.notifications.rendering import Rendered, TemplateError, preview

# Service argument names that a form shows under another field name.
FIELD_ALIASES = {
    "prerequisite_ids": "prerequisites",
    "default_program_id": "default_program",
    "components": None,
}


def submit(form: forms.Form, call: Callable):
    """Run a service call for `form`; a refusal becomes an error on the named field (or the form).

    Returns the service's result, or None when it refused (nothing was saved: services are atomic).
    """
    try:
        return call()
    except Invalid as error:
        field = FIELD_ALIASES.get(error.field, error.field)
        if field in form.fields:
            # Under its field the message needs no "passing_score: " (the API's prefix).
            form.add_error(field, error.message.removeprefix(f"{error.field}: "))
        else:
            form.add_error(None, error.message)
    except (Refused, NotFound) as error:
        form.add_error(None, error.message)
    return None


def optional_date(value: str | None, field: str):
    """A date typed in a plain form field (YYYY-MM-DD), or None when left empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, f"{field} must be a date (YYYY-MM-DD), not {value!r}.") from None


def time_zone_names() -> list[str]:
    """Real IANA zones a person would pick: "Region/City" names and UTC.

    `available_timezones()` also lists "localtime" and "Factory" (and aliases like "EST"),
    which are not places.
    """
    places = (tz for tz in available_timezones() if "/" in tz and not tz.startswith("Etc/"))
    return sorted(places) + ["UTC"]


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "This email address and password do not match an active staff account.",
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class ModelFieldsForm(forms.ModelForm):
    """A ModelForm used only for its fields and validation: services save."""

    def service_fields(self, allowed: Collection[str]) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in allowed}

    def _post_clean(self):
        # Field types are checked here; the service runs the model's own validation.
        pass


class ContactForm(ModelFieldsForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "organization", "phone", "external_id"]
        labels = {"external_id": "External id (CRM)"}

    def clean_email(self) -> str:
        # Checked here too so the message sits on the field (the service stays the authority).
        email = self.cleaned_data["email"].strip()
        clash = Contact.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(f"A contact with email {email} already exists.")
        return email

    def fields_for_service(self) -> dict:
        data = self.service_fields(CONTACT_FIELDS)
        data["external_id"] = data.get("external_id") or None
        return data


class ComponentForm(ModelFieldsForm):
    prerequisites = forms.ModelMultipleChoiceField(
        queryset=Component.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Components that must be completed before this one counts.",
    )

    class Meta:
        model = Component
        fields = list(COMPONENT_FIELDS)
        labels = {
            "opens_on": "Available from",
            "closes_on": "Available until",
            "is_active": "Active",
            "requires_approval": "Completions require approval",
        }
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = "Leave empty to derive one from the name."
        self.fields["scoring"].help_text = "Exams only (an exam without one is pass / fail)."
        self.fields["scoring"].choices = [("", "None (not an exam)"), *Scoring.choices]
        if self.instance.pk:
            self.fields["prerequisites"].queryset = Component.objects.exclude(pk=self.instance.pk)
            self.initial.setdefault(
                "prerequisites", list(self.instance.prerequisites.values_list("pk", flat=True))
            )

    def fields_for_service(self) -> dict:
        return self.service_fields(COMPONENT_FIELDS)

    def prerequisite_ids(self) -> list[int]:
        return [c.pk for c in self.cleaned_data.get("prerequisites") or []]


EXTRA_STEPS = 4  # empty step rows under a program's schedule (save to get more)
STEP_WHEN = [("before", "before expiry"), ("after", "after expiry")]
DEFAULTED = ("renewal_window_days", "renewal_grace_days", "renewal_base", "renewal_requirements")
ROLE_CHOICES = [("", "Not in this program"), ("required", "Required"), ("elective", "Elective")]


class ProgramForm(ModelFieldsForm):
    """Every field of PRODUCT.md §2's program, and each component's role in it."""

    class Meta:
        model = Program
        fields = [
            "name",
            "code",
            "version",
            "category",
            "description",
            "require_approval",
            "completion_requires_approval",
            "validity_months",
            "credits_required",
            "hours_required",
            "certificate_template",
            "is_active",
            "completion_recency_months",
            "renewal_window_days",
            "renewal_grace_days",
            "renewal_base",
            "renewal_requirements",
            "renewal_credits_required",
            "renewal_hours_required",
        ]
        labels = {
            "completion_recency_months": "Work counts for (months)",
            "renewal_window_days": "Renewal opens (days before expiry)",
            "renewal_grace_days": "Grace after expiry (days)",
            "renewal_base": "A renewed period starts",
            "renewal_requirements": "To renew",
            "renewal_credits_required": "Credits to renew",
            "renewal_hours_required": "Hours to renew",
            "require_approval": "Require Approval (applications wait in Applied)",
            "completion_requires_approval": "Completion requires approval (Admin Review)",
            "validity_months": "Valid for (months)",
            "is_active": "Active (accepts enrollments)",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = "Leave empty to derive one from the name."
        self.fields["certificate_template"].choices = [
            ("", "General Settings' default"),
            *CertificateTemplate.choices,
        ]
        self.fields["validity_months"].min_value = 1
        self.fields["validity_months"].validators.append(MinValueValidator(1))
        self.fields["validity_months"].widget.attrs["min"] = 1
        self.fields["validity_months"].help_text = "Leave empty if the certification never expires."
        # Left empty (or absent from an older form): the program's default.
        for name in DEFAULTED:
            self.fields[name].required = False
        self.fields["completion_recency_months"].min_value = 1
        self.fields["completion_recency_months"].validators.append(MinValueValidator(1))
        roles, renewal = {}, set()
        if self.instance.pk:
            links = list(self.instance.links.all())
            roles = {
                link.component_id: "required" if link.required else "elective" for link in links
            }
            renewal = {link.component_id for link in links if link.required_for_renewal}
        self.component_rows = []
        for component in Component.objects.all():
            name = f"component_{component.pk}"
            self.fields[name] = forms.ChoiceField(
                label=component.name, choices=ROLE_CHOICES, required=False
            )
            self.initial.setdefault(name, roles.get(component.pk, ""))
            self.fields[f"renewal_{component.pk}"] = forms.BooleanField(
                label=f"{component.name}: required for renewal", required=False
            )
            self.initial.setdefault(f"renewal_{component.pk}", component.pk in renewal)
            self.component_rows.append((component, name))
        self._add_step_fields()

    def component_fields(self):
        return [
            (component, self[name], self[f"renewal_{component.pk}"])
            for component, name in self.component_rows
        ]

    def clean(self):
        cleaned = super().clean()
        for name in DEFAULTED:
            if cleaned.get(name) in (None, "") and name not in self.errors:
                cleaned[name] = Program._meta.get_field(name).default
        try:
            reminders.parse_schedule(self.reminder_schedule())
        except Invalid as error:
            self.add_error("reminder_schedule", error.message)
        for component, name in self.component_rows:
            if cleaned.get(f"renewal_{component.pk}") and not cleaned.get(name):
                self.add_error(
                    f"renewal_{component.pk}",
                    f"Required for renewal: {component.name} is not in this program "
                    "(make it required or elective first).",
                )
        return cleaned

    def fields_for_service(self) -> dict:
        return self.service_fields(PROGRAM_FIELDS)

    def _add_step_fields(self) -> None:
        """One row per reminder step, and EXTRA_STEPS empty rows to add more."""
        names = reminders.template_keys()
        saved = reminders.schedule_of(self.instance.pk) if self.instance.pk else []
        self.step_lines = [reminders.describe(step, names) for step in saved]
        self.fields["reminder_schedule"] = forms.CharField(
            required=False, widget=forms.HiddenInput, label="Reminder schedule"
        )
        self.step_count = len(saved) + EXTRA_STEPS
        for i in range(self.step_count):
            step = saved[i] if i < len(saved) else None
            self.fields[f"step_{i}_days"] = forms.IntegerField(
                label=f"Step {i + 1}: days", required=False, min_value=0
            )
            self.fields[f"step_{i}_when"] = forms.ChoiceField(
                label=f"Step {i + 1}: before or after", choices=STEP_WHEN, required=False
            )
            self.fields[f"step_{i}_template"] = forms.ChoiceField(
                label=f"Step {i + 1}: email template",
                choices=[("", "Default (expiring before, expired after)"), *names.items()],
                required=False,
            )
            self.fields[f"step_{i}_mandatory"] = forms.BooleanField(
                label=f"Step {i + 1}: mandatory", required=False
            )
            if step is not None:
                self.initial[f"step_{i}_days"] = abs(step.offset_days)
                self.initial[f"step_{i}_when"] = "after" if step.offset_days > 0 else "before"
                self.initial[f"step_{i}_template"] = step.template
                self.initial[f"step_{i}_mandatory"] = step.mandatory

    def step_rows(self):
        return [
            [self[f"step_{i}_{part}"] for part in ("days", "when", "template", "mandatory")]
            for i in range(self.step_count)
        ]

    def reminder_schedule(self) -> list[dict]:
        """The steps as the service takes them (rows without days are left out)."""
        steps = []
        for i in range(self.step_count):
            days = self.cleaned_data.get(f"step_{i}_days")
            if days is None:
                continue
            sign = 1 if self.cleaned_data.get(f"step_{i}_when") == "after" else -1
            steps.append(
                {
                    "offset_days": sign * days,
                    "template": self.cleaned_data.get(f"step_{i}_template") or None,
                    "mandatory": bool(self.cleaned_data.get(f"step_{i}_mandatory")),
                }
            )
        return steps

    def components(self) -> list[dict]:
        return [
            {
                "component_id": component.pk,
                "required": self.cleaned_data[name] == "required",
                "required_for_renewal": bool(self.cleaned_data.get(f"renewal_{component.pk}")),
            }
            for component, name in self.component_rows
            if self.cleaned_data.get(name)
        ]


class SettingsForm(forms.Form):
    """Setup > Certification > General Settings, in the seed's words."""

    expiring_notice_days = forms.IntegerField(
        label=GeneralSettings._meta.get_field("expiring_notice_days").verbose_name,
        min_value=0,
        max_value=3650,
        help_text="0: no Expiring status and no expiring emails.",
    )
    time_zone = forms.ChoiceField(
        label="Organization time zone",
        help_text="Every date (today, expiry, reminders) is reckoned in this time zone.",
    )
    application_recipients = forms.CharField(
        label="Send 'New Certification Application' emails to",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Email addresses, separated by commas or new lines.",
    )
    admin_review_recipients = forms.CharField(
        label="Send 'Admin Review Required' emails to",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Email addresses, separated by commas or new lines.",
    )
    default_certificate_template = forms.ChoiceField(
        label="Default certificate template", choices=CertificateTemplate.choices
    )
    default_program = forms.ModelChoiceField(
        label="Default program for new components",
        queryset=Program.objects.all(),
        required=False,
        empty_label="None",
    )
    enroll_attendees_to_all_relevant = forms.BooleanField(
        label="Enroll attendees to all relevant certifications",
        required=False,
        help_text=(
            "Recording an event completion enrolls the contact in every active program "
            "that contains the event and does not require approval."
        ),
    )
    organization_name = forms.CharField(
        label="Organization name",
        required=False,
        max_length=200,
        help_text="On certificates, the verification page, emails, the portal and credentials.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or SVG, at most 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.svg"}),
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
    signatory_name = forms.CharField(label="Signatory name", required=False, max_length=200)
    signatory_title = forms.CharField(
        label="Signatory title",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Chair of the Certification Board"}),
    )
    signature = forms.FileField(
        label="Signature image",
        required=False,
        help_text="PNG, JPEG or SVG, at most 2 MB; printed above the signatory's name.",
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.svg"}),
    )
    remove_signature = forms.BooleanField(label="Remove the signature image", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = time_zone_names()
        current = GeneralSettings.get().time_zone
        if current not in names:  # a zone saved before this list narrowed stays selectable
            names = sorted([*names, current])
        self.fields["time_zone"].choices = [(tz, tz) for tz in names]

    @classmethod
    def initial_from(cls, settings: GeneralSettings) -> dict:
        return {
            "expiring_notice_days": settings.expiring_notice_days,
            "time_zone": settings.time_zone,
            "application_recipients": "\n".join(settings.application_recipients),
            "admin_review_recipients": "\n".join(settings.admin_review_recipients),
            "default_certificate_template": settings.default_certificate_template,
            "default_program": settings.default_program_id,
            "enroll_attendees_to_all_relevant": settings.enroll_attendees_to_all_relevant,
            "organization_name": settings.organization_name,
            "signatory_name": settings.signatory_name,
            "signatory_title": settings.signatory_title,
        }

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        program = data.pop("default_program")
        data["default_program_id"] = program.pk if program else None
        for image in ("logo", "signature"):
            upload, remove = data.pop(image), data.pop(f"remove_{image}")
            if upload:
                data[image] = upload
            elif remove:
                data[image] = ""
        return data


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


class ExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label="New expiration date", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="Recorded in the history.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. extension granted by the board"}),
    )


class AddEnrollmentForm(forms.Form):
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.filter(archived_at__isnull=True),
        widget=forms.HiddenInput,
        error_messages={"required": "Choose a contact from the search results."},
    )
    program = forms.ModelChoiceField(
        label="Certification program",
        queryset=Program.objects.filter(is_active=True),
        empty_label="Choose a program…",
    )
    activated_on = forms.DateField(
        label="Already certified on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only to record a certification earned before certtrack (it starts Active).",
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: from the program's validity.",
    )

    def clean(self):
        data = super().clean()
        if data.get("expires_on") and not data.get("activated_on"):
            self.add_error("activated_on", "Give the date the certification was earned.")
        return data


class RecordCompletionForm(forms.Form):
    """Staff record that the contact completed one of the program's components."""

    component = forms.ModelChoiceField(label="Component", queryset=Component.objects.none())
    completed_on = forms.DateField(
        label="Completed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    score = forms.DecimalField(
        label="Score", required=False, max_digits=7, decimal_places=2, help_text="Scored exams."
    )
    failed = forms.BooleanField(label="Failed attempt (exams)", required=False)
    note = forms.CharField(label="Note", required=False, max_length=2000)
    evidence = forms.FileField(label="Evidence file", required=False)

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = program.components.order_by("name")


class SaveFilterForm(forms.Form):
    name = forms.CharField(label="Name this filter", max_length=100)
    query = forms.CharField(required=False, widget=forms.HiddenInput)


EMAIL_TEMPLATE_FIELDS = ("subject", "text_body", "html_body")


class EmailTemplateForm(forms.ModelForm):
    """Subject and bodies; a template syntax error is an error on its field."""

    class Meta:
        model = EmailTemplate
        fields = list(EMAIL_TEMPLATE_FIELDS)
        widgets = {
            "subject": forms.TextInput(attrs={"autocomplete": "off"}),
            "text_body": forms.Textarea(attrs={"rows": 12, "class": "mono"}),
            "html_body": forms.Textarea(attrs={"rows": 12, "class": "mono", "spellcheck": "false"}),
        }
        help_texts = {
            "html_body": "Optional. Without it the email is sent as plain text only.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rendered: Rendered | None = None
        for name in EMAIL_TEMPLATE_FIELDS:
            # The error list next to each field is replaced by the live preview (htmx).
            self.fields[name].widget.attrs["aria-describedby"] = f"{name}-errors"

    def _post_clean(self) -> None:
        # Copies the values onto the (unsaved) instance; the model's clean() runs
        # rendering.check(), so a syntax error lands on its field.
        super()._post_clean()
        if self.errors:
            return
        # Render with the sample facts: what fails only when rendered ({% url %} of a page
        # that does not exist, say) is refused here rather than at send time.
        try:
            self.rendered = preview(self.instance)
        except TemplateError as error:
            self.add_error(error.field, str(error))
        except Exception as error:  # noqa: BLE001 - any failure of an editor's template
            self.add_error(None, f"The template cannot be rendered: {error}")


class ReminderTemplateForm(forms.ModelForm):
    """A reminder step's email, made from a shipped template (Setup › Email templates)."""

    class Meta:
        model = ReminderTemplate
        fields = ["name", "key", "based_on", *EMAIL_TEMPLATE_FIELDS]
        labels = {"key": "Key (used by the API)", "based_on": "Started from"}
        widgets = {
            "subject": forms.TextInput(attrs={"autocomplete": "off"}),
            "text_body": forms.Textarea(attrs={"rows": 12, "class": "mono"}),
            "html_body": forms.Textarea(attrs={"rows": 12, "class": "mono", "spellcheck": "false"}),
        }
        help_texts = {
            "key": "Letters, digits and hyphens; leave empty to derive one from the name.",
            "html_body": "Optional. Without it the email is sent as plain text only.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        if self.instance.pk:
            self.fields["key"].disabled = True  # schedules name it

    def clean_key(self):
        key = self.cleaned_data.get("key") or slugify(self.cleaned_data.get("name") or "")[:60]
        if not key:
            raise forms.ValidationError("A key is needed (or a name to derive one from).")
        if key in reminders.template_keys() and key != self.instance.key:
            raise forms.ValidationError(f"The key {key!r} is taken.")
        return key


class ReminderPreviewForm(forms.Form):
    """The preview's filter: how many days ahead, which program, which template."""

    days = forms.IntegerField(
        label="Next days", initial=30, min_value=reminders.MIN_DAYS, max_value=reminders.MAX_DAYS
    )
    program = forms.ModelChoiceField(
        queryset=Program.objects.filter(reminder_steps__isnull=False).distinct(),
        required=False,
        empty_label="All programs",
    )
    template = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [
            ("", "All templates"),
            *reminders.template_keys().items(),
        ]
