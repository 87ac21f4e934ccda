"""Import of completions — PRODUCT.md §8, through the rules of `record_completion`.

Rows are checked as `services.record_completion` checks one (dates, scores, windows,
prerequisites); the write is bulk, then requirements are evaluated once per enrollment
the file touched (not once per row), "Enroll attendees to all relevant certifications"
is respected, and History carries the import as its actor.
"""

import contextlib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Min

from certtrack.certification import renewals, services
from certtrack.certification.models import (
    Completion,
    CompletionSource,
    CompletionState,
    Component,
    ComponentKind,
    Contact,
    Enrollment,
    GeneralSettings,
    History,
    ProgramComponent,
    Scoring,
)
from certtrack.certification.progress_store import refresh
from certtrack.certification.requirements import progress_of_many
from certtrack.certification.statuses import CERTIFIED, OPEN, Status

from . import contacts
from .base import CREATE, ERROR, Context, Outcome, as_named, by_code, chunks, compared
from .cells import Check

NAME = "completions"
# How a row names its contact, here and in certifications (`resolve_contacts`).
CONTACT_COLUMNS = ("contact_email", "contact_external_id")
CONTACT_EXAMPLE = {"contact_email": "ada.lovelace@example.org", "contact_external_id": "CRM-1001"}
REQUIRED = [CONTACT_COLUMNS, ("component_code",), ("completed_on",)]
EXAMPLE = {
    **CONTACT_EXAMPLE,
    "component_code": "ETHICS-101",
    "completed_on": "2023-05-17",
    "score": "",
    "note": "Imported from the old system",
}
COLUMNS = set(EXAMPLE)


class Row(NamedTuple):
    """A completion to write: new (`changes` None) or changed. Plain values, not model
    instances: 100,000 of these fit where 100,000 instances would not (bench/imports.py)."""

    pk: int | None
    contact_id: int
    component: Component
    completed_on: date
    score: Decimal | None
    passed: bool
    note: str
    changes: dict | None = None

    @property
    def component_id(self) -> int:
        return self.component.pk


class Plan:
    def __init__(self):
        self.rows: list[Row] = []


def resolve_contacts(check: Check, rows) -> dict[int, object]:
    """line → the contact each row names (by external id, then email)."""
    emails = {str(r.get("contact_email", "")).strip().lower() for _, r in rows} - {""}
    exts = {str(r.get("contact_external_id", "")).strip() for _, r in rows} - {""}
    found = contacts.existing(emails, exts)
    by_line = {}
    for line, row in rows:
        email = check.text(line, row, "contact_email")
        ext = check.text(line, row, "contact_external_id")
        if not email and not ext:
            column = "contact_email" if "contact_email" in row else "contact_external_id"
            check.error(line, column, "a contact_email or contact_external_id is required")
            continue
        contact = contacts.match(
            check, line, email, ext, found, "contact_email", "contact_external_id"
        )
        if contact is None and check.ok(line):
            if ext:
                check.error(line, "contact_external_id", f"no contact with external id {ext}")
            else:
                check.error(line, "contact_email", f"no contact with email {email}")
        by_line[line] = contact
    return by_line


def check(rows, ctx: Context) -> tuple[Check, list[Outcome], Plan]:
    """Read, match and check every row against `record_completion`'s rules; nothing is written."""
    check = Check()
    people = resolve_contacts(check, rows)
    components = by_code(rows, "component_code", Component)
    values, seen = [], {}
    for line, row in rows:
        component = check.known(line, row, "component_code", components, "component")
        day = check.day(line, row, "completed_on", required=True)
        if check.past_day(line, "completed_on", day, ctx.as_of.today):
            _check_window(check, line, day, component)
        score = check.number(line, row, "score")
        note = check.text(line, row, "note")
        passed = _passed(check, line, component, score)
        contact = people.get(line)
        if contact is not None and component is not None and day is not None:
            _check_repeat(check, line, seen, (contact.pk, component.pk, day), (score, note))
        values.append((line, contact, component, day, score, note, passed))
    _check_prerequisites(check, values)
    named = {line: as_named(row, "component_code", "by") for line, row in rows}
    return (check, *_outcomes(check, values, named, ctx))


def _check_window(check: Check, line: int, day, component) -> None:
    if component is not None and component.opens_on and day < component.opens_on:
        check.error(line, "completed_on", f"{component.name} opens on {component.opens_on}")
    elif component is not None and component.closes_on and day > component.closes_on:
        check.error(line, "completed_on", f"{component.name} closed on {component.closes_on}")


def _passed(check: Check, line: int, component, score) -> bool:
    """Whether the row's score passes a scored exam (a pass/fail component: passed)."""
    if component is None or component.scoring != Scoring.SCORED:
        return True
    if score is None and "score" not in {e.column for e in check.errors if e.line == line}:
        check.error(line, "score", f"{component.name} is a scored exam: a score is required")
    elif score is not None and (score < 0 or score > component.max_score):
        check.error(line, "score", f"{score:g} is outside 0–{component.max_score:g}")
    else:
        return component.passes(score)
    return True


def _check_repeat(check: Check, line: int, seen: dict, key: tuple, values: tuple) -> None:
    """The same contact, component and date twice in one file: an error on the later line."""
    if key not in seen:
        seen[key] = (line, values)
        return
    first, first_values = seen[key]
    word = "repeats" if first_values == values else "contradicts"
    check.error(line, "completed_on", f"{word} line {first} (same contact, component and date)")


def _check_prerequisites(check: Check, values) -> None:
    """A component's prerequisites must be done by its date: in the database or the file."""
    needs = defaultdict(set)
    for component_id, prerequisite_id in Component.prerequisites.through.objects.values_list(
        "from_component_id", "to_component_id"
    ):
        needs[component_id].add(prerequisite_id)
    if not needs:
        return
    rows = [v for v in values if v[1] and v[2] and v[3] and v[2].pk in needs]
    if not rows:
        return
    earliest = {}
    for _line, contact, component, day, _s, _n, passed in values:
        if contact and component and day and passed:
            key = (contact.pk, component.pk)
            earliest[key] = min(day, earliest.get(key, day))
    wanted = {r[1].pk for r in rows}
    for chunk in chunks(sorted(wanted)):
        done = (
            Completion.objects.live()
            .filter(contact_id__in=chunk, passed=True)
            .exclude(state=CompletionState.REJECTED)
            .values("contact_id", "component_id")
            .annotate(first=Min("completed_on"))
        )
        for d in done:
            key = (d["contact_id"], d["component_id"])
            earliest[key] = min(d["first"], earliest.get(key, d["first"]))
    names = dict(Component.objects.values_list("pk", "name"))
    for line, contact, component, day, *_ in rows:
        missing = [
            names[p]
            for p in sorted(needs[component.pk])
            if earliest.get((contact.pk, p)) is None or earliest[(contact.pk, p)] > day
        ]
        if missing:
            check.error(
                line,
                "component_code",
                f"{component.name} requires first: {', '.join(missing)} (not completed by {day})",
            )


def _outcomes(
    check: Check, values, named: dict[int, str], ctx: Context
) -> tuple[list[Outcome], Plan]:
    existing = {}
    contact_ids = sorted({v[1].pk for v in values if v[1]})
    for chunk in chunks(contact_ids):
        for old in (
            Completion.objects.live()
            .filter(contact_id__in=chunk)
            .order_by("id")
            .values_list(
                "pk", "contact_id", "component_id", "completed_on", "score", "note", "passed"
            )
        ):
            existing.setdefault(old[1:4], old)
    plan, outcomes = Plan(), []
    for done, (line, contact, component, day, score, note, passed) in enumerate(values, 1):
        ctx.tick(done, len(values))
        if not check.ok(line):
            outcomes.append(Outcome(line, ERROR, named[line]))
            continue
        what = f"{component.code} by {contact.email} on {day}"
        old = existing.get((contact.pk, component.pk, day))
        row = Row(None, contact.pk, component, day, score, passed, note)
        if old is None:
            plan.rows.append(row)
            outcomes.append(Outcome(line, CREATE, what))
            continue
        pk, *_key, old_score, old_note, old_passed = old
        changes = {}
        if old_score != score:
            changes["score"] = [_s(old_score), _s(score)]
        if old_note != note:
            changes["note"] = [old_note, note]
        if old_passed != passed:
            changes["passed"] = [old_passed, passed]
        if changes:
            plan.rows.append(row._replace(pk=pk, changes=changes))
        outcomes.append(compared(line, what, changes))
    return outcomes, plan


def _s(value):
    return None if value is None else str(value)


def write(plan: Plan, ctx: Context) -> None:
    """Write the completions, enroll attendees, then evaluate each touched enrollment once."""
    touched = []
    for chunk in chunks(plan.rows, 1000):
        new = [r for r in chunk if r.changes is None]
        objs = [
            Completion(
                contact_id=r.contact_id,
                component=r.component,
                completed_on=r.completed_on,
                score=r.score,
                passed=r.passed,
                note=r.note,
                source=CompletionSource.IMPORT,
                # The old system's record is the approval: staff import what was decided.
                state=CompletionState.APPROVED,
                decided_at=ctx.now,
            )
            for r in new
        ]
        Completion.objects.bulk_create(objs)
        if objs and objs[0].pk is None:
            raise RuntimeError("this database does not return ids from bulk inserts")
        touched += [r._replace(pk=o.pk) for r, o in zip(new, objs, strict=True)]
        changed = [r for r in chunk if r.changes is not None]
        Completion.objects.bulk_update(
            [Completion(pk=r.pk, score=r.score, note=r.note, passed=r.passed) for r in changed],
            ["score", "note", "passed"],
        )
        touched += changed
    if not touched:
        return
    _enroll_attendees(touched, ctx)
    by_pair = _enrollments_by_pair(touched)
    _history(touched, by_pair, ctx)
    _evaluate(touched, by_pair, ctx)


def _enroll_attendees(touched: list[Row], ctx: Context) -> None:
    """ "Enroll attendees to all relevant certifications", as `record_completion` does."""
    if not GeneralSettings.get().enroll_attendees_to_all_relevant:
        return
    seen = set()
    contacts_by_id = {}
    for completion in touched:
        component = completion.component
        key = (completion.contact_id, component.pk)
        if component.kind != ComponentKind.EVENT or not completion.passed or key in seen:
            continue
        seen.add(key)
        # a certification in its renewal grace: renewing it is the way, not a new one
        with contextlib.suppress(services.Refused):
            contact = contacts_by_id.get(completion.contact_id) or Contact.objects.get(
                pk=completion.contact_id
            )
            contacts_by_id[contact.pk] = contact
            services._enroll_attendee(contact, component, ctx.actor, ctx.now, ctx.as_of)


def _enrollments_by_pair(touched: list[Row]) -> dict[tuple[int, int], list[Enrollment]]:
    """(contact, component) → the contact's enrollments in programs holding the component."""
    programs_of = defaultdict(set)
    component_ids = {c.component_id for c in touched}
    for program_id, component_id in ProgramComponent.objects.filter(
        component_id__in=sorted(component_ids)
    ).values_list("program_id", "component_id"):
        programs_of[component_id].add(program_id)
    enrollments = defaultdict(list)
    contact_ids = sorted({c.contact_id for c in touched})
    program_ids = sorted(set().union(*programs_of.values())) if programs_of else []
    for chunk in chunks(contact_ids):
        for e in (
            Enrollment.objects.select_related("program", "contact")
            .filter(contact_id__in=chunk, program_id__in=program_ids)
            .order_by("id")
        ):
            enrollments[e.contact_id].append(e)
    by_pair = {}
    for c in touched:
        key = (c.contact_id, c.component_id)
        if key not in by_pair:
            by_pair[key] = [
                e for e in enrollments[c.contact_id] if e.program_id in programs_of[c.component_id]
            ]
    return by_pair


def _history(touched: list[Row], by_pair, ctx: Context) -> None:
    """History: one row per contact (and per open enrollment the completions count for)
    naming every completion the file imported or changed for them: "ETH-101 2023-05-17"
    → imported, or its old → new values. A row per completion cost as much as writing
    the completions again (bench/imports.py)."""
    by_place = defaultdict(dict)
    for r in touched:
        key = f"{r.component.code} {r.completed_on.isoformat()}"
        if r.changes is None:
            value = [None, f"imported (score {r.score})" if r.score is not None else "imported"]
        else:
            value = [
                "; ".join(f"{n} {old}" for n, (old, _new) in sorted(r.changes.items())),
                "; ".join(f"{n} {new}" for n, (_old, new) in sorted(r.changes.items())),
            ]
        open_ones = [e.pk for e in by_pair[(r.contact_id, r.component_id)] if e.status in OPEN]
        for enrollment_id in open_ones or [None]:
            place = by_place[(r.contact_id, enrollment_id)]
            place[key] = value
            place.setdefault("completion_ids", []).append(r.pk)
    rows = [
        ctx.history(
            contact_id=contact_id,
            enrollment_id=enrollment_id,
            action="import_completions",
            changes={"source": CompletionSource.IMPORT.value, **changes},
        )
        for (contact_id, enrollment_id), changes in by_place.items()
    ]
    History.objects.bulk_create(rows, batch_size=1000)


def _evaluate(touched, by_pair, ctx: Context) -> None:
    """One evaluation per touched enrollment (in id order, as every writer locks them)."""
    ids = sorted({e.pk for pair in by_pair.values() for e in pair})
    counting = {(c.contact_id, c.component_id) for c in touched if c.passed}
    renewing = {e.pk for key, pair in by_pair.items() if key in counting for e in pair}
    for chunk in chunks(ids, 500):
        Enrollment.objects.filter(pk__in=chunk).update(updated_at=ctx.now)
        enrollments = list(
            Enrollment.objects.select_related("program", "contact")
            .select_for_update(of=("self",), no_key=True)
            .filter(pk__in=chunk)
            .order_by("id")
        )
        # The chunk's progress in a constant number of queries; the service moves the met.
        progress = progress_of_many(
            [e for e in enrollments if e.status == Status.IN_PROGRESS], ctx.as_of.today
        )
        for enrollment in enrollments:
            if enrollment.pk in progress:
                if progress[enrollment.pk].met:
                    services._evaluate(
                        enrollment, ctx.actor, ctx.now, ctx.as_of, progress[enrollment.pk]
                    )
            elif enrollment.status in CERTIFIED and enrollment.pk in renewing:
                renewals.consider(enrollment, ctx.actor, ctx.now, ctx.as_of)
    refresh(contact_ids={c.contact_id for c in touched}, today=ctx.as_of.today)
