"""Helpers every back-office form shares: service errors shown on fields, dates, zones."""

from collections.abc import Callable, Collection
from datetime import date
from zoneinfo import available_timezones

from django import forms

from certtrack.certification.errors import Invalid, NotFound, Refused

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


def optional_date(value: str | None, field: str, label: str):
    """A date typed in a plain form field (YYYY-MM-DD), or None when left empty; `label`
    names the field as the page does (not its parameter name: a staff user's trial)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, f"{label} must be a date (YYYY-MM-DD), not {value!r}.") from None


def time_zone_names() -> list[str]:
    """Real IANA zones a person would pick: "Region/City" names and UTC.

    `available_timezones()` also lists "localtime" and "Factory" (and aliases like "EST"),
    which are not places.
    """
    places = (tz for tz in available_timezones() if "/" in tz and not tz.startswith("Etc/"))
    return sorted(places) + ["UTC"]


class ModelFieldsForm(forms.ModelForm):
    """A ModelForm used only for its fields and validation: services save."""

    def service_fields(self, allowed: Collection[str]) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in allowed}

    def _post_clean(self):
        # Field types are checked here; the service runs the model's own validation.
        pass
