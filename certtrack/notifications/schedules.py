"""A program's reminder schedule — PRODUCT.md §4 "Reminder schedule": its steps checked,
stored, read back, and said in words for a person (the step lines of the program page;
the program's History, §9: "Changes to programs … are recorded in history too (who,
when, old → new)").

The steps' rules are in steps.py; reminders.py applies them to the enrollments.
"""

from collections.abc import Iterable, Sequence

from django.dispatch import receiver

from certtrack.certification import events
from certtrack.certification.errors import Invalid
from certtrack.certification.models import Program, ReminderStep

from .models import REMINDER_BASE_KINDS, Kind, ReminderTemplate
from .steps import Step

MIN_OFFSET, MAX_OFFSET = -730, 365


def template_keys() -> dict[str, str]:
    """Every template a step may use: key → name."""
    keys = {kind.value: kind.label for kind in REMINDER_BASE_KINDS}
    keys |= dict(ReminderTemplate.objects.values_list("key", "name"))
    return keys


def default_template(offset_days: int) -> str:
    return (Kind.CERTIFICATION_EXPIRING if offset_days <= 0 else Kind.CERTIFICATION_EXPIRED).value


def describe(step: Step, names: dict[str, str] | None = None) -> str:
    """A step in plain words: "30 days before expiry: Certification Expiring — 30 days"."""
    names = names if names is not None else template_keys()
    n = abs(step.offset_days)
    unit = "day" if n == 1 else "days"
    if step.offset_days < 0:
        when = f"{n} {unit} before expiry"
    elif step.offset_days > 0:
        when = f"{n} {unit} after expiry"
    else:
        when = "On the day of expiry"
    when = when[0].upper() + when[1:]
    name = names.get(step.template, f"missing template {step.template!r}")
    return f"{when}: {name}" + (" (mandatory)" if step.mandatory else "")


def parse_schedule(items: Iterable) -> list[Step]:
    """Steps from the API's / form's items, checked: offset in range, no two on one day,
    every template known. Raises Invalid naming `reminder_schedule`."""
    field = "reminder_schedule"
    steps = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            item = {
                name: getattr(item, name, None) for name in ("offset_days", "template", "mandatory")
            }
        offset = item.get("offset_days")
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise Invalid(field, f"Step {i}: offset_days must be a whole number of days.")
        if not MIN_OFFSET <= offset <= MAX_OFFSET:
            raise Invalid(
                field,
                f"Step {i}: offset_days {offset} is outside {MIN_OFFSET}…+{MAX_OFFSET} days.",
            )
        template = item.get("template") or default_template(offset)
        steps.append(Step(offset, str(template), bool(item.get("mandatory") or False)))
    offsets = [s.offset_days for s in steps]
    if dupes := sorted({o for o in offsets if offsets.count(o) > 1}):
        raise Invalid(field, f"Two steps have the same offset_days ({dupes[0]}).")
    known = template_keys()
    for step in steps:
        if step.template not in known:
            raise Invalid(field, f"Step at {step.offset_days} days: no template {step.template!r}.")
    return sorted(steps, key=lambda s: s.offset_days)


def set_schedule(program: Program, steps: Sequence[Step]) -> list[Step] | None:
    """Replace the program's steps; return the steps it had, or None when they are the same.

    Steps not yet sent are re-armed by this (they are computed from the schedule); the
    outbox keeps every step already sent in this period, so none is sent twice.
    """
    before = schedule_of(program.pk)
    if before == list(steps):
        return None
    ReminderStep.objects.filter(program=program).delete()
    ReminderStep.objects.bulk_create(
        ReminderStep(
            program=program, offset_days=s.offset_days, template=s.template, mandatory=s.mandatory
        )
        for s in steps
    )
    return before


@receiver(events.reminder_schedule_given, dispatch_uid="notifications.reminder_schedule")
def store_schedule(
    sender, program: Program, schedule: Iterable, **kwargs
) -> list[str | None] | None:
    """A program saved with a reminder schedule (create_program / update_program, inside
    their transaction): check it (Invalid naming `reminder_schedule` undoes the save) and
    store it. Answers the change for the program's History, [old, new] `in_words`, or None
    when the schedule is the same."""
    steps = parse_schedule(schedule)
    before = set_schedule(program, steps)
    if before is None:
        return None
    names = template_keys()
    return [in_words(before, names), in_words(steps, names)]


def in_words(steps: Sequence[Step], names: dict[str, str] | None = None) -> str | None:
    """A schedule as a manager reads it in History: "90 (mandatory), 30 days before; 1 day
    after" — each step's days, whether it is mandatory, and its email when not the usual
    one (expiring before expiry, expired after). None: no schedule."""
    if not steps:
        return None
    names = names if names is not None else template_keys()
    ordered = sorted(steps, key=lambda s: s.offset_days)
    before = [s for s in ordered if s.offset_days < 0]
    on_the_day = [s for s in ordered if s.offset_days == 0]
    after = [s for s in ordered if s.offset_days > 0]
    parts = [_days(before, "before", names)] if before else []
    parts += [f"on the day of expiry{_notes(s, names)}" for s in on_the_day]
    parts += [_days(after, "after", names)] if after else []
    return "; ".join(parts)


def _days(steps: Sequence[Step], side: str, names: dict[str, str]) -> str:
    """Steps on one side of expiry: "60 (mandatory), 30 days before"; "1 day after"."""
    if len(steps) == 1:
        n = abs(steps[0].offset_days)
        return f"{n} {'day' if n == 1 else 'days'} {side}{_notes(steps[0], names)}"
    numbers = ", ".join(f"{abs(s.offset_days)}{_notes(s, names)}" for s in steps)
    return f"{numbers} days {side}"


def _notes(step: Step, names: dict[str, str]) -> str:
    notes = ["mandatory"] if step.mandatory else []
    if step.template != default_template(step.offset_days):
        notes.append(f"email “{names.get(step.template, step.template)}”")
    return f" ({', '.join(notes)})" if notes else ""


def schedule_of(program_id: int) -> list[Step]:
    rows = ReminderStep.objects.filter(program_id=program_id).order_by("offset_days")
    return [Step(r.offset_days, r.template, r.mandatory) for r in rows]


def schedules(program_ids: Iterable[int] | None = None) -> dict[int, list[Step]]:
    """program id → its steps, for every program that has a schedule."""
    rows = ReminderStep.objects.order_by("program_id", "offset_days")
    if program_ids is not None:
        rows = rows.filter(program_id__in=list(program_ids))
    out: dict[int, list[Step]] = {}
    for r in rows:
        out.setdefault(r.program_id, []).append(Step(r.offset_days, r.template, r.mandatory))
    return out


def scheduled_programs(program_ids: Iterable[int]) -> set[int]:
    """The programs among these that replace the single expiring / expired email."""
    ids = sorted(set(program_ids))
    if not ids:
        return set()
    return set(ReminderStep.objects.filter(program_id__in=ids).values_list("program_id", flat=True))
