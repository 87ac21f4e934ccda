"""The portal's forms: the sign-in address and the work report (with its evidence file)."""

from django import forms
from django.utils.text import get_valid_filename

from certtrack.certification.models import Component

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# Allowed evidence, recognised by the file's first bytes (never by its name or the
# browser's content type, which the sender chooses): type -> (magic, extension).
EVIDENCE_TYPES = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
}


def evidence_type(upload) -> str | None:
    """The content type an uploaded file really has, if it is one we accept."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, (magic, _) in EVIDENCE_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ReportForm(forms.Form):
    component = forms.ModelChoiceField(
        queryset=Component.objects.none(),
        label="What did you complete?",
        empty_label="Choose a course or task",
    )
    completed_on = forms.DateField(
        label="Completion date", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where, with whom, anything staff should know.",
    )
    evidence = forms.FileField(
        label="Evidence file",
        required=False,
        help_text="A certificate of attendance, a transcript… PDF, PNG or JPEG, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args, components, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        # On the Renew page: work dated before the current period began cannot renew it.
        self.earliest = earliest
        if earliest is not None:
            self.fields["completed_on"].widget.attrs["min"] = earliest.isoformat()
            self.fields[
                "completed_on"
            ].help_text = (
                f"On or after {earliest.day} {earliest:%B %Y}, when your current period began."
            )
        # Only the program's courses and tasks: an id from elsewhere is "not a valid choice".
        self.fields["component"].queryset = components
        self.fields["component"].label_from_instance = lambda c: (
            f"{c.name} ({c.get_kind_display().lower()})"
        )

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if self.earliest is not None and day < self.earliest:
            raise forms.ValidationError(
                f"Work for this renewal must be dated on or after "
                f"{self.earliest.day} {self.earliest:%B %Y}: earlier work belongs to your "
                "current period."
            )
        return day

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        if upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        content_type = evidence_type(upload)
        if content_type is None:
            raise forms.ValidationError("Only PDF, PNG or JPEG files are accepted.")
        stem = get_valid_filename(upload.name.rsplit(".", 1)[0])[:80] or "evidence"
        # The stored name's extension always matches what the content is.
        upload.name = f"{stem}.{EVIDENCE_TYPES[content_type][1]}"
        return upload
