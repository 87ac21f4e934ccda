"""Enrollments: expiry, "+ Add", recording a completion, saved filters (PRODUCT.md §4, §5)."""

from django import forms

from certtrack.certification.models import (
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
