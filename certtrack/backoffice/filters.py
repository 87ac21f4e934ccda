"""The Tracking tab's filter: a form (the GET parameters) that turns into a queryset.

Quick Filter and Customize Filter are the same parameters: a quick filter is a link
that sets `status` or `program`. The form validates and shows errors; the criteria the
API also has (status, program, q, expires_from/to, expires_within_days, ordering) go
through the one shared parser, `certification.tracking.tracking_queryset`, so the same
words mean the same rows in both faces; this tab's extra criteria narrow its result.
"""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Exists, OuterRef

from certtrack.certification import counts as aggregate
from certtrack.certification.asof import EARLIEST
from certtrack.certification.dates import AsOf, too_late
from certtrack.certification.models import (
    ORDERINGS,
    Completion,
    CompletionState,
    Period,
    Program,
)
from certtrack.certification.progress_store import progress_q
from certtrack.certification.progress_store import shown as progress_shown
from certtrack.certification.renewal import RenewalState
from certtrack.certification.renewal_progress import LABELS
from certtrack.certification.statuses import Status
from certtrack.certification.tracking import (
    DEFAULT_ORDERING,
    RENEWAL_FILTERS,
    BadFilter,
    as_id,
    parse_statuses,
    parsed_range_criteria,
    status_counts,
    tracking_queryset,
)

from .rows import SORT_CHOICES, TAB_FIELDS, day

PAGE_SIZES = (25, 50, 100, 200)
# One default everywhere: the page, the "Rows per page" select and the URLs it builds.
DEFAULT_PAGE_SIZE = 50
# Date ranges: parameter prefix (as the API's `expires_from`), model field, label.
DATE_FIELDS = (
    ("applied", "applied_on", "Applied"),
    ("started", "started_on", "Started"),
    ("activated", "activated_on", "Activated"),
    ("expires", "expires_on", "Expires"),
)
# The requirements of the progress bar (certification.requirements): components, credits,
# hours. Three parts of every row: nothing counted yet, something but not met, met.
PROGRESS_CHOICES = [
    ("", "Any progress"),
    ("none", "Not started (nothing done yet)"),
    ("partial", "Under way (requirements not met yet)"),
    ("complete", "Requirements met"),
]
# The criteria of this tab alone (`TrackingFilter.filter`; the shared parser has the rest).
OWN_CRITERIA = (
    *("category", "pending", "progress", "progress_min", "renewed_from", "renewed_to"),
    *(f"{name}_{end}" for name, _, _ in DATE_FIELDS if name != "expires" for end in ("from", "to")),
)
# Parameters that describe *what* is shown (not how it is sorted or paged).
FILTER_PARAMS = [
    "q",
    "status",
    "program",
    "category",
    "expires_within_days",
    "progress",
    "progress_min",
    "pending",
    "renewal",
    "renewed_from",
    "renewed_to",
] + [f"{name}_{end}" for name, _, _ in DATE_FIELDS for end in ("from", "to")]
# The API's `renewal` values (certification.tracking.RENEWAL_FILTERS), in words.
RENEWAL_CHOICES = [(state, LABELS[RenewalState(state)]) for state in RENEWAL_FILTERS]


def pending_completions_exist():
    """Rows whose contact has a completion awaiting approval in one of the program's components."""
    return Exists(
        Completion.objects.live().filter(
            state=CompletionState.PENDING,
            contact_id=OuterRef("contact_id"),
            component__links__program_id=OuterRef("program_id"),
        )
    )


def renewed_between(start: date | None, end: date | None):
    """Rows with a renewal granted between `start` and `end` (inclusive): a period's
    `renewed_on` (PRODUCT.md §5 "renewed within a date range")."""
    periods = Period.objects.filter(enrollment_id=OuterRef("pk"), renewed_on__isnull=False)
    if start:
        periods = periods.filter(renewed_on__gte=start)
    if end:
        periods = periods.filter(renewed_on__lte=end)
    return Exists(periods)


def _category_choices() -> list[tuple[str, str]]:
    categories = (
        Program.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
    return [("", "Any category")] + [(c, c) for c in categories]


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Programs by id; a value that can name no row is an unknown choice, not a query."""

    def _check_values(self, value):
        for pk in value:
            if as_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)

    def clean(self, value):
        # None chosen: an empty list. Django's `queryset.none()` is compiled each time a
        # page tests it (`if data.get("program")`), a millisecond of every Tracking page.
        if not value and not self.required:
            return []
        return super().clean(value)


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
    program = IdsChoiceField(
        label="Programs",
        required=False,
        queryset=Program.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label="Category", required=False, choices=())
    expires_within_days = forms.IntegerField(
        label="Expires within (days)", required=False, min_value=0, max_value=3650
    )
    progress = forms.ChoiceField(label="Progress", required=False, choices=PROGRESS_CHOICES)
    progress_min = forms.IntegerField(
        label="Progress at least (%)", required=False, min_value=1, max_value=100
    )
    pending = forms.BooleanField(label="Has completions awaiting approval", required=False)
    renewal = forms.MultipleChoiceField(
        label="Renewal",
        required=False,
        choices=RENEWAL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    renewed_from = forms.DateField(
        label="Renewed from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    renewed_to = forms.DateField(
        label="Renewed to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # PRODUCT.md §11: every list, count and export as of a day (not a criterion: it changes
    # which status each row shows, so the page says it loudly instead of as a chip).
    as_of = forms.DateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01"}),
        help_text="Statuses at the end of that day (a future day projects the dates).",
    )
    # Also the column headers' links; a select too, since narrow screens hide the Applied
    # and Activated columns (a staff user's trial could not sort by activation at 1366 px).
    ordering = forms.CharField(
        label="Sort by", required=False, widget=forms.Select(choices=SORT_CHOICES)
    )
    per_page = forms.TypedChoiceField(
        label="Rows per page",
        required=False,
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        initial=DEFAULT_PAGE_SIZE,
        choices=[(n, str(n)) for n in PAGE_SIZES],
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            # Also the API's form: `status=expiring,expired` means both, as repeated params do.
            data = data.copy()
            for name in ("status", "program", "renewal"):
                values = [v.strip() for item in data.getlist(name) for v in item.split(",")]
                data.setlist(name, [v for v in values if v])
            if not data.get("per_page"):
                # Else the bound select shows its first option (25) and the next Apply sends it.
                data["per_page"] = str(DEFAULT_PAGE_SIZE)
        super().__init__(data, *args, **kwargs)
        # A callable: read only when the panel is drawn or a category is asked for.
        self.fields["category"].choices = _category_choices

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day is not None and day < EARLIEST:
            raise forms.ValidationError(f"{day} is before 1900; certtrack holds no records then.")
        if day is not None and (refused := too_late(day, "As of")):
            raise forms.ValidationError(refused)
        return day

    @property
    def as_of_day(self) -> date | None:
        """The `as_of` day asked for (None: today)."""
        return self._valid_part().get("as_of")

    def clean_ordering(self) -> str:
        key = self.cleaned_data.get("ordering") or ""
        return key if key.lstrip("-") in ORDERINGS else ""

    def clean(self):
        data = super().clean()
        for name, _, label in DATE_FIELDS:
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if start and end and end < start:
                self.add_error(f"{name}_to", f"{label} to is before {label.lower()} from.")
        start, end = data.get("renewed_from"), data.get("renewed_to")
        if start and end and end < start:
            self.add_error("renewed_to", "Renewed to is before renewed from.")
        return data

    # --- turning into a queryset ---------------------------------------------------------

    def shared_params(self) -> dict[str, str]:
        """The valid criteria the shared Tracking parser understands, in its (the API's) words."""
        data = self._valid_part()
        params = {"ordering": data.get("ordering") or DEFAULT_ORDERING}
        if data.get("q"):
            params["q"] = data["q"]
        if data.get("status"):
            params["status"] = ",".join(data["status"])
        if data.get("program"):
            params["program"] = ",".join(str(program.pk) for program in data["program"])
        for end in ("from", "to"):
            if data.get(f"expires_{end}"):
                params[f"expires_{end}"] = data[f"expires_{end}"].isoformat()
        if data.get("expires_within_days") is not None:
            params["expires_within_days"] = str(data["expires_within_days"])
        if data.get("renewal"):
            params["renewal"] = ",".join(data["renewal"])
        if data.get("as_of"):
            params["as_of"] = data["as_of"].isoformat()
        return params

    def filter(self, queryset, as_of: AsOf):
        """Narrow `queryset` by this tab's own criteria (those the shared parser does not know)."""
        data = self._valid_part()
        if data.get("category"):
            queryset = queryset.filter(program__category=data["category"])
        for name, field, _ in DATE_FIELDS:
            if name == "expires":
                continue  # the shared parser's expires_from / expires_to
            if data.get(f"{name}_from"):
                queryset = queryset.filter(**{f"{field}__gte": data[f"{name}_from"]})
            if data.get(f"{name}_to"):
                queryset = queryset.filter(**{f"{field}__lte": data[f"{name}_to"]})
        if data.get("pending"):
            queryset = queryset.filter(pending_completions_exist())
        if data.get("progress") or data.get("progress_min"):
            at_least = data.get("progress_min")
            queryset = queryset.filter(progress_q(data.get("progress"), as_of.today, at_least))
        if data.get("renewed_from") or data.get("renewed_to"):
            queryset = queryset.filter(
                renewed_between(data.get("renewed_from"), data.get("renewed_to"))
            )
        return queryset

    def criteria_errors(self) -> list[str]:
        """The errors of the criteria that choose rows ("Programs: … is not one of …"); the
        display options (ordering, rows per page) have sensible fallbacks instead."""
        if not self.is_bound or self.is_valid():
            return []
        return [
            _criterion_error(
                self.fields.get(name),
                " ".join(errors),
                self.data.get(name) if name == "as_of" else None,
            )
            for name, errors in self.errors.items()
            if name not in ("ordering", "per_page")
        ]

    def _valid_part(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}

    @property
    def sort_key(self) -> str:
        return (self._valid_part() if self.is_bound else {}).get("ordering") or DEFAULT_ORDERING

    @property
    def page_size(self) -> int:
        return (self._valid_part() if self.is_bound else {}).get("per_page") or DEFAULT_PAGE_SIZE

    def date_ranges(self) -> list[tuple]:
        """(label, from field, to field) of each date criterion, for the panel."""
        return [(label, self[f"{name}_from"], self[f"{name}_to"]) for name, _, label in DATE_FIELDS]

    def problems(self) -> list[str]:
        """The criteria that cannot be understood, in words (the API answers 400 for these)."""
        if not self.is_bound or self.is_valid():
            return []
        problems = []
        for name, errors in self.errors.items():
            if name == "status":
                try:  # the shared parser's words: "Unknown status 'bogus'; one of: …"
                    parse_statuses({"status": ",".join(self.data.getlist("status"))})
                except BadFilter as error:
                    problems.append(error.message)
                    continue
            day = self.data.get(name) if name == "as_of" else None  # the day typed
            problems += [_criterion_error(self.fields.get(name), m, day) for m in errors]
        return problems

    def active_criteria(self) -> int:
        """How many Customize Filter criteria are set and valid (for the panel's badge)."""
        if not self.is_bound:
            return 0
        self.is_valid()
        # A date range is one criterion (one chip), whether one end is set or both.
        return len(
            {
                name.removesuffix("_from").removesuffix("_to")
                for name in FILTER_PARAMS
                if name not in self.errors and any(v.strip() for v in self.data.getlist(name))
            }
        )

    def chips(self) -> list[dict]:
        """The active criteria in words, each with the query string that removes it."""
        if not self.active_criteria():
            return []
        data = self.cleaned_data
        return [
            {"text": text, "remove": self.query(**dict.fromkeys(names))}
            for names, text in (*_value_chips(data), *_range_chips(data))
        ]

    def query(self, **override) -> str:
        """These parameters as a query string, with `override` applied (None removes)."""
        params = []
        source = self.data if self.is_bound else {}
        for key in (*FILTER_PARAMS, "as_of", "ordering", "per_page"):
            values = source.getlist(key) if hasattr(source, "getlist") else []
            if key in override:
                value = override[key]
                values = value if isinstance(value, list) else [value]
            # The default is implied: keep it out of the URLs.
            if key == "per_page" and key not in override:
                values = [v for v in values if v != str(DEFAULT_PAGE_SIZE)]
            params += [(key, v) for v in values if v not in ("", None)]
        return urlencode(params)


# The date ranges' fields, declared once (after the others, as the panel lists them);
# each form copies them as it does its other fields.
TrackingFilter.base_fields.update(
    {
        f"{name}_{end}": forms.DateField(
            label=f"{label} {end}",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
        for name, _, label in DATE_FIELDS
        for end in ("from", "to")
    }
)


def _criterion_error(field: forms.Field | None, message: str, value) -> str:
    """ "Label: message", and `value` (the day typed) where the message does not name it (a
    staff user's trial read "As of: As of 9999-12-31 is after 2999… ('9999-12-31')")."""
    if field is None:
        return message
    if not message.startswith(str(field.label)):
        message = f"{field.label}: {message}"
    if value and isinstance(value, str) and value not in message:
        message = f"{message} ({value!r})"
    return message


def _value_chips(data: dict) -> list[tuple[tuple[str, ...], str]]:
    """(parameters, words) of the criteria that hold values."""
    chips = []
    if data.get("q"):
        chips.append((("q",), f"Search: {data['q']}"))
    if data.get("status"):
        chips.append((("status",), "Status: " + ", ".join(Status(s).label for s in data["status"])))
    if data.get("program"):
        chips.append((("program",), "Program: " + ", ".join(p.code for p in data["program"])))
    if data.get("category"):
        chips.append((("category",), f"Category: {data['category']}"))
    if data.get("expires_within_days") is not None:
        days = data["expires_within_days"]
        chips.append((("expires_within_days",), f"Expires within {days} days"))
    if data.get("progress"):
        chips.append((("progress",), "Progress: " + dict(PROGRESS_CHOICES)[data["progress"]]))
    if data.get("progress_min"):
        chips.append((("progress_min",), f"Progress: at least {data['progress_min']} %"))
    if data.get("pending"):
        chips.append((("pending",), "Completions awaiting approval"))
    if data.get("renewal"):
        choices = dict(RENEWAL_CHOICES)
        chips.append((("renewal",), "Renewal: " + ", ".join(choices[s] for s in data["renewal"])))
    return chips


def _range_chips(data: dict) -> list[tuple[tuple[str, ...], str]]:
    """(parameters, words) of the date ranges set (either end)."""
    ranges = [("renewed_from", "renewed_to", "Renewed")] + [
        (f"{name}_from", f"{name}_to", label) for name, _, label in DATE_FIELDS
    ]
    return [
        ((start, end), f"{label}: {_day(data.get(start))} – {_day(data.get(end))}")
        for start, end, label in ranges
        if data.get(start) or data.get(end)
    ]


def _day(value: date | None) -> str:
    """A chip's date as the table writes it (7 Mar 2027); … for an open end."""
    return day(value) if value else "…"


def quick_counts(form: TrackingFilter, as_of: AsOf) -> tuple[dict[str, int], dict[int, int]]:
    """The Quick Filter's counts (PRODUCT.md §5): each status's under the Customize
    Filter's other criteria (all but `status`), each program's under all but `program`.

    Status, program and expiry criteria only (or none): sums of the count aggregate, no
    row scanned. Any other criterion, or a day (`as_of`): one grouped count of the rows.
    """
    params = form.shared_params()
    data = form._valid_part()
    chosen = {name for name in params if name != "ordering"}
    own = any(data.get(name) not in (None, "", [], False) for name in OWN_CRITERIA)
    if not own and chosen <= aggregate.ANSWERED:
        statuses, programs, expiry = parsed_range_criteria(params, as_of)
        return (
            aggregate.status_counts(as_of, programs or None, expiry),
            aggregate.program_counts(as_of, statuses, expiry),
        )
    but_status = {k: v for k, v in params.items() if k != "status"}
    by_status = tracking_queryset(but_status, as_of, by_status=False, ordered=False)
    counts = status_counts(form.filter(by_status, as_of), as_of)
    but_program = {k: v for k, v in params.items() if k != "program"}
    by_program = form.filter(
        tracking_queryset(but_program, as_of, ordered=False, current_status=False), as_of
    )
    grouped = by_program.order_by().values_list("program_id").annotate(n=Count("pk"))
    return counts, dict(grouped)


def rows(form: TrackingFilter, as_of: AsOf, current_status: bool = True):
    """The Tracking rows for `form`: the shared parser's rows (status true today, ordered),
    narrowed by this tab's own criteria (`tracking_queryset` says what `current_status` is)."""
    shared = tracking_queryset(form.shared_params(), as_of, current_status=current_status)
    return form.filter(shared, as_of)


def tab_rows(form: TrackingFilter, as_of: AsOf):
    """The Tracking tab's rows for `form`, with the columns its table shows: the status of
    the `as_of` day asked for annotated, today's computed per row of the page instead."""
    return rows(form, as_of, current_status=form.as_of_day is not None).only(*TAB_FIELDS)


def with_progress_of(rows, today: date) -> list:
    """`rows` as a list, each with `.progress` as lists show it: the stored values, or the
    domain's evaluation where they do not hold (`progress_store.shown`), in constant queries."""
    rows = list(rows)
    progress = progress_shown(rows, today)
    for row in rows:
        row.progress = progress[row.pk]
    return rows
