"""The back-office's forms, by subject. They validate input and show errors; services do every
write. Every form is importable from here."""

from .accounts import AuditFilterForm, InviteForm, SignInForm, StaffPasswordResetForm, TokenForm
from .base import FIELD_ALIASES, ModelFieldsForm, optional_date, submit, time_zone_names
from .emails import (
    EMAIL_TEMPLATE_FIELDS,
    EmailTemplateForm,
    ReminderPreviewForm,
    ReminderTemplateForm,
)
from .enrollments import AddEnrollmentForm, ExpiryForm, RecordCompletionForm, SaveFilterForm
from .setup import (
    DEFAULTED,
    EXTRA_STEPS,
    ROLE_CHOICES,
    STEP_WHEN,
    ComponentForm,
    ContactForm,
    ProgramForm,
    SettingsForm,
)

__all__ = [
    "AddEnrollmentForm",
    "AuditFilterForm",
    "ComponentForm",
    "ContactForm",
    "DEFAULTED",
    "EMAIL_TEMPLATE_FIELDS",
    "EXTRA_STEPS",
    "EmailTemplateForm",
    "ExpiryForm",
    "FIELD_ALIASES",
    "InviteForm",
    "ModelFieldsForm",
    "ProgramForm",
    "ROLE_CHOICES",
    "RecordCompletionForm",
    "ReminderPreviewForm",
    "ReminderTemplateForm",
    "STEP_WHEN",
    "SaveFilterForm",
    "SettingsForm",
    "SignInForm",
    "StaffPasswordResetForm",
    "TokenForm",
    "optional_date",
    "submit",
    "time_zone_names",
]
