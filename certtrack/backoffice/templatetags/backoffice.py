"""Small presentation helpers for the back-office templates."""

from datetime import datetime

from django import template
from django.utils.html import format_html

from certtrack.certification import audit
from certtrack.certification.progress_store import percent_shown
from certtrack.certification.renewal import RenewalState
from certtrack.certification.renewal_progress import LABELS as RENEWAL_LABELS
from certtrack.certification.renewal_progress import MEANINGS as RENEWAL_MEANINGS
from certtrack.certification.statuses import ACTIONS, MEANING, Status

register = template.Library()


# A status as its seed label, coloured by status, with its meaning as a tooltip.
BADGE = '<span class="badge badge--{}" title="{}">{}</span>'


@register.simple_tag
def status_badge(status: str):
    """A status as its badge (`BADGE`)."""
    value = Status(status)
    return format_html(BADGE, value.value, MEANING[value], value.label)


@register.filter
def status_label(status: str) -> str:
    return Status(status).label if status else ""


@register.filter
def renewal_state(state: str) -> str:
    """A renewal state in words ("In grace")."""
    return RENEWAL_LABELS[RenewalState(state)] if state else ""


@register.filter
def renewal_meaning(state: str) -> str:
    return RENEWAL_MEANINGS[RenewalState(state)] if state else ""


@register.filter
def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@register.simple_tag
def progress_summary(progress, program) -> dict:
    """Every requirement of `program` in `progress`: required components and, where set,
    the credits and hours thresholds. The bar is the percent the Progress filter compares
    (`progress_store.percent_of`: each part weighs the same; short of 100 until met, so a
    row with all components done but 8 of 20 hours is a 70 % bar, not a full green one)."""
    parts, words = [], []
    if progress.required_total:
        done, total = progress.required_done, progress.required_total
        parts.append(f"{done}/{total}")
        words.append(f"{done} of {total} required components")
    for earned, needed, unit, noun in (
        (progress.credits_earned, program.credits_required, "cr", "credits"),
        (progress.hours_earned, program.hours_required, "h", "hours"),
    ):
        if needed:
            parts.append(f"{_number(earned)}/{_number(needed)} {unit}")
            words.append(f"{_number(earned)} of {_number(needed)} {noun}")
    return {
        "shown": bool(parts),
        "text": " · ".join(parts),
        "title": ", ".join(words),
        "percent": percent_shown(progress),
        "complete": progress.met,
    }


def _number(value) -> str:
    """8, 7.5 — no trailing zeros."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


# Written as such in words (`api_token` → "API token", not "Api token").
ACRONYMS = {"api": "API", "csv": "CSV", "pdf": "PDF", "url": "URL", "id": "ID"}


@register.filter
def words(name: str) -> str:
    """`set_expires_on` → "Set expires on", `api_token` → "API token"."""
    if not name:
        return ""
    text = name.replace("_", " ").capitalize().split(" ")
    return " ".join(ACRONYMS.get(word.lower(), word) for word in text)


@register.filter
def change(value) -> dict:
    """A History `changes` entry: `[old, new]`, or a plain value that was recorded."""
    if isinstance(value, list) and len(value) == 2:
        return {"old": value[0], "new": value[1], "pair": True}
    return {"new": value, "pair": False}


# History action names that are not staff actions of the transition table, in words.
HISTORY_WORDS = {
    "apply": "Applied",
    "add": "Added by staff",
    "record_existing": "Existing certification recorded",
    "time": "Status changed with time",
    "requirements_met": "Requirements met",
    "set_expires_on": "Expiration date changed",
    "record_completion": "Completion recorded",
    "approve_completion_record": "Completion approved",
    "reject_completion": "Completion rejected",
    "remove_completion": "Completion removed",
    "program_change": "Program changed (applied to existing holders)",
    "import_contact": "Contact imported",
    "import_completions": "Completions imported",
    "import_certification": "Certification imported",
}


@register.filter
def history_action(name: str) -> str:
    """A History row's action in words: the transition table's label, or its own."""
    if name in ACTIONS:
        return ACTIONS[name].label
    return HISTORY_WORDS.get(name) or words(name)


@register.filter
def shown_value(value) -> str:
    """A value recorded in History, as a person reads it (`audit.shown`)."""
    return audit.shown(value)


@register.filter
def days_until(day, today) -> int:
    return (day - today).days


def _field(item, *names):
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value not in (None, ""):
            return value
    return None


@register.filter
def email_summary(email) -> dict:
    """One sent email (an object or a dict from the notifications app) for display."""
    return {
        "subject": _field(email, "subject", "kind", "template") or str(email),
        "to": _field(email, "to", "recipient", "recipients"),
        "status": _field(email, "status", "state"),
        "at": _when(_field(email, "sent_at", "queued_at", "created_at")),
    }


def _when(value):
    """A datetime (an ISO string from a dict is parsed) so `date` shows it in the page's zone."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
