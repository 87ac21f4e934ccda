"""Small presentation helpers for the back-office templates."""

from django import template
from django.utils.html import format_html

from certtrack.certification.statuses import MEANING, Status

register = template.Library()


@register.simple_tag
def status_badge(status: str):
    """A status as its seed label, coloured by status, with its meaning as a tooltip."""
    value = Status(status)
    return format_html(
        '<span class="badge badge--{}" title="{}">{}</span>',
        value.value,
        MEANING[value],
        value.label,
    )


@register.filter
def status_label(status: str) -> str:
    return Status(status).label if status else ""


@register.filter
def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def words(name: str) -> str:
    """`set_expires_on` → "Set expires on"."""
    return name.replace("_", " ").capitalize() if name else ""


@register.filter
def change(value) -> dict:
    """A History `changes` entry: `[old, new]`, or a plain value that was recorded."""
    if isinstance(value, list) and len(value) == 2:
        return {"old": value[0], "new": value[1], "pair": True}
    return {"new": value, "pair": False}
