"""Enrollments: expiry, "+ Add", recording a completion, saved filters (PRODUCT.md §4, §5)."""

from django import forms

from certtrack.certification.dates import day_text
from certtrack.certification.models import (
    Completion,
    Component,
    Contact,
    Program,
)


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
        label="Score", required=False, decimal_places=2, help_text="Scored exams."
    )
    failed = forms.BooleanField(label="Failed attempt (exams)", required=False)
    note = forms.CharField(label="Note", required=False, max_length=2000)
    evidence = forms.FileField(label="Evidence file", required=False)
    again = forms.BooleanField(
        label="Record it again (a second completion that day)", required=False
    )

    def __init__(self, *args, program: Program, contact_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = program.components.order_by("name")
        self.contact_id = contact_id

    @property
    def asks_again(self) -> bool:
        """The "Record it again" box is shown: the completion was recorded already."""
        return "again" in self.errors or bool(self.data.get("again"))

    def clean(self):
        """The same completion twice is a double click or a slip, not news (a staff user's
        trial recorded three and saw "6 completions used"): asked before it is recorded."""
        data = super().clean()
        component, day = data.get("component"), data.get("completed_on")
        if component is None or day is None or data.get("again") or self.contact_id is None:
            return data
        same = Completion.objects.live().filter(
            contact_id=self.contact_id, component=component, completed_on=day
        )
        if same.exists():
            self.add_error(
                "again",
                f"{component.name} on {day_text(day)} is recorded already. Tick the box "
                "to record a second completion that day (another attempt, say).",
            )
        return data


class SaveFilterForm(forms.Form):
    name = forms.CharField(label="Name this filter", max_length=100)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
