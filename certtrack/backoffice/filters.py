"""The Tracking tab's filter: a form (the GET parameters) that turns into a queryset.

Quick Filter and Customize Filter are the same parameters: a quick filter is a link
that sets `status` or `program`. Every criterion narrows through the domain's
"true now" reads (`in_status`, `search`), and sorting only by `ORDERINGS` keys.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from certtrack.certification.dates import AsOf
from certtrack.certification.models import (
    ORDERINGS,
    Completion,
    CompletionState,
    Enrollment,
    Program,
    ProgramComponent,
)
from certtrack.certification.statuses import Status

PAGE_SIZES = (25, 50, 100, 200)
DATE_FIELDS = (
    ("applied_on", "Applied"),
    ("started_on", "Started"),
    ("activated_on", "Activated"),
    ("expires_on", "Expires"),
)
PROGRESS_CHOICES = [
    ("", "Any progress"),
    ("none", "Not started (no required component done)"),
    ("partial", "Some required components done"),
    ("complete", "All required components done"),
]
# Parameters that describe *what* is shown (not how it is sorted or paged).
FILTER_PARAMS = ["q", "status", "program", "category", "expires_within", "progress", "pending"] + [
    f"{name}_{end}" for name, _ in DATE_FIELDS for end in ("from", "to")
]


def with_progress(queryset):
    """Annotate `required_done` / `required_total`: required components with a counting completion.

    A display and filter aid for the list (two correlated subqueries, constant per page);
    the enrollment page shows the domain's full evaluation.
    """
    required = ProgramComponent.objects.filter(program_id=OuterRef("program_id"), required=True)
    total = required.order_by().values("program_id").annotate(n=Count("pk")).values("n")
    done = (
        required.filter(
            Exists(
                Completion.objects.counting().filter(
                    contact_id=OuterRef(OuterRef("contact_id")),
                    component_id=OuterRef("component_id"),
                )
            )
        )
        .order_by()
        .values("program_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        required_total=Coalesce(Subquery(total, output_field=IntegerField()), 0),
        required_done=Coalesce(Subquery(done, output_field=IntegerField()), 0),
    )


def pending_completions_exist():
    """Rows whose contact has a completion awaiting approval in one of the program's components."""
    return Exists(
        Completion.objects.live().filter(
            state=CompletionState.PENDING,
            contact_id=OuterRef("contact_id"),
            component__links__program_id=OuterRef("program_id"),
        )
    )


class TrackingFilter(forms.Form):
    """Customize Filter: every criterion of PRODUCT.md §5, combinable."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": "Name, email or organization", "type": "search"}
        ),
    )
    status = forms.MultipleChoiceField(
        label="Statuses",
        required=False,
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    program = forms.ModelMultipleChoiceField(
        label="Programs",
        required=False,
        queryset=Program.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label="Category", required=False, choices=())
    expires_within = forms.IntegerField(
        label="Expires within (days)", required=False, min_value=0, max_value=3650
    )
    progress = forms.ChoiceField(label="Progress", required=False, choices=PROGRESS_CHOICES)
    pending = forms.BooleanField(label="Has completions awaiting approval", required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    per_page = forms.TypedChoiceField(
        label="Rows per page",
        required=False,
        coerce=int,
        empty_value=50,
        choices=[(n, str(n)) for n in PAGE_SIZES],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = (
            Program.objects.exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.fields["category"].choices = [("", "Any category")] + [(c, c) for c in categories]
        for name, label in DATE_FIELDS:
            for end, word in (("from", "from"), ("to", "to")):
                self.fields[f"{name}_{end}"] = forms.DateField(
                    label=f"{label} {word}",
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or ""
        return sort if sort.lstrip("-") in ORDERINGS else ""

    def clean(self):
        data = super().clean()
        for name, label in DATE_FIELDS:
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if start and end and end < start:
                self.add_error(f"{name}_to", f"{label} to is before {label.lower()} from.")
        return data

    # --- turning into a queryset ---------------------------------------------------------

    def filter(self, queryset, as_of: AsOf):
        """The rows this filter shows (an invalid criterion is ignored, and shown as an error)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else self._valid_part()
        if data.get("q"):
            queryset = queryset.search(data["q"])
        if data.get("status"):
            queryset = queryset.in_status(data["status"], as_of)
        if data.get("program"):
            queryset = queryset.filter(program__in=data["program"])
        if data.get("category"):
            queryset = queryset.filter(program__category=data["category"])
        for name, _ in DATE_FIELDS:
            if data.get(f"{name}_from"):
                queryset = queryset.filter(**{f"{name}__gte": data[f"{name}_from"]})
            if data.get(f"{name}_to"):
                queryset = queryset.filter(**{f"{name}__lte": data[f"{name}_to"]})
        if data.get("expires_within") is not None:
            horizon = as_of.today + timedelta(days=data["expires_within"])
            queryset = queryset.filter(expires_on__gte=as_of.today, expires_on__lte=horizon)
        if data.get("pending"):
            queryset = queryset.filter(pending_completions_exist())
        if data.get("progress"):
            queryset = with_progress(queryset)
            queryset = queryset.filter(
                {
                    "none": Q(required_done=0),
                    "partial": Q(required_done__gt=0, required_done__lt=F("required_total")),
                    "complete": Q(required_total__gt=0, required_done__gte=F("required_total")),
                }[data["progress"]]
            )
        return queryset

    def _valid_part(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}

    def ordering(self) -> list[str]:
        data = self._valid_part() if self.is_bound else {}
        sort = data.get("sort") or "contact"
        keys = ORDERINGS[sort.lstrip("-")]
        return [f"-{k}" for k in keys] if sort.startswith("-") else list(keys)

    @property
    def sort_key(self) -> str:
        return (self._valid_part() if self.is_bound else {}).get("sort") or "contact"

    @property
    def page_size(self) -> int:
        return (self._valid_part() if self.is_bound else {}).get("per_page") or 50

    def active_criteria(self) -> int:
        """How many Customize Filter criteria are set and valid (for the panel's badge)."""
        if not self.is_bound:
            return 0
        self.is_valid()
        return sum(
            1
            for name in FILTER_PARAMS
            if name not in self.errors and any(v.strip() for v in self.data.getlist(name))
        )

    def chips(self) -> list[dict]:
        """The active criteria in words, each with the query string that removes it."""
        if not self.active_criteria():
            return []
        data = self.cleaned_data
        chips = []

        def add(names: tuple[str, ...], text: str) -> None:
            chips.append({"text": text, "remove": self.query(**dict.fromkeys(names))})

        if data.get("q"):
            add(("q",), f"Search: {data['q']}")
        if data.get("status"):
            add(("status",), "Status: " + ", ".join(Status(s).label for s in data["status"]))
        if data.get("program"):
            add(("program",), "Program: " + ", ".join(p.code for p in data["program"]))
        if data.get("category"):
            add(("category",), f"Category: {data['category']}")
        if data.get("expires_within") is not None:
            add(("expires_within",), f"Expires within {data['expires_within']} days")
        if data.get("progress"):
            add(("progress",), dict(PROGRESS_CHOICES)[data["progress"]])
        if data.get("pending"):
            add(("pending",), "Completions awaiting approval")
        for name, label in DATE_FIELDS:
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if start or end:
                span = f"{start or '…'} – {end or '…'}"
                add((f"{name}_from", f"{name}_to"), f"{label}: {span}")
        return chips

    def query(self, **override) -> str:
        """These parameters as a query string, with `override` applied (None removes)."""
        params = []
        source = self.data if self.is_bound else {}
        for key in (*FILTER_PARAMS, "sort", "per_page"):
            values = source.getlist(key) if hasattr(source, "getlist") else []
            if key in override:
                value = override[key]
                values = value if isinstance(value, list) else [value]
            params += [(key, v) for v in values if v not in ("", None)]
        return urlencode(params)


def rows(form: TrackingFilter, as_of: AsOf):
    """The Tracking rows for `form`, with their status true today and their progress, ordered."""
    queryset = form.filter(Enrollment.objects.all(), as_of)
    if "required_done" not in queryset.query.annotations:
        queryset = with_progress(queryset)
    return (
        queryset.select_related("contact", "program")
        .with_current_status(as_of)
        .order_by(*form.ordering())
    )
