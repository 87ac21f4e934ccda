"""Email and reminder templates and their preview (PRODUCT.md §10)."""

from django import forms
from django.utils.text import slugify

from certtrack.certification.models import (
    Program,
)
from certtrack.notifications import reminders
from certtrack.notifications.models import EmailTemplate, ReminderTemplate
from certtrack.notifications.rendering import Rendered, TemplateError, preview

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
    # Every program: one without a schedule of its own still sends its expiring email
    # (`reminders.owed_single`), which the preview lists too.
    program = forms.ModelChoiceField(
        queryset=Program.objects.order_by("name"),
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
