"""Setup: contacts, components, programs and General Settings (PRODUCT.md §2, §9)."""

from django import forms
from django.conf import settings as django_settings
from django.core.validators import MinValueValidator

from certtrack.certification.errors import Invalid
from certtrack.certification.models import (
    CertificateTemplate,
    Component,
    Contact,
    GeneralSettings,
    Program,
    Scoring,
)
from certtrack.certification.services import COMPONENT_FIELDS, CONTACT_FIELDS, PROGRAM_FIELDS
from certtrack.notifications import reminders

from .base import ModelFieldsForm, time_zone_names


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


def at_least_one(field: forms.IntegerField) -> None:
    """A number of months of 1 or more: the model's positive field says "≥ 0" too, and a
    staff user's trial got both errors for −5."""
    field.min_value = 1
    field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)] + [
        MinValueValidator(1)
    ]
    field.widget.attrs["min"] = 1


class ProgramForm(ModelFieldsForm):
    """Every field of PRODUCT.md §2's program, and each component's role in it."""

    class Meta:
        model = Program
        fields = list(PROGRAM_FIELDS)
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
        at_least_one(self.fields["validity_months"])
        self.fields["validity_months"].help_text = "Leave empty if the certification never expires."
        # Left empty (or absent from an older form): the program's default.
        for name in DEFAULTED:
            self.fields[name].required = False
        at_least_one(self.fields["completion_recency_months"])
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
        # Empty is allowed (the name set before branding existed): say what shows then.
        fallback = getattr(django_settings, "CERTTRACK_ISSUER_NAME", "") or "certtrack"
        self.fields["organization_name"].help_text += f" Left empty, they say “{fallback}”."

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
