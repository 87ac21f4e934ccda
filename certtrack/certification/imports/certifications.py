"""Import of certifications held before certtrack — PRODUCT.md §3 "Certification periods"
and §8: one row per period; the rows of one contact and program become that
enrollment's periods in date order, with source `imported`. A certificate number from
the old system is kept (and verifies); without one the enrollment gets a new number.

A re-import finds the enrollment again (the latest certified one of the contact and
program): the same periods are unchanged, periods after the known ones are added, a
period that differs from one already recorded is an error (periods are never edited).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from certtrack.certification import services
from certtrack.certification.dates import expiry_for
from certtrack.certification.models import (
    Enrollment,
    EnrollmentSource,
    History,
    Period,
    PeriodSource,
    Program,
)
from certtrack.certification.progress_store import refresh
from certtrack.certification.statuses import CERTIFIED, OPEN, Status, label

from .base import CREATE, ERROR, UNCHANGED, UPDATE, Context, Outcome, as_named, by_code, chunks
from .cells import Check
from .completions import CONTACT_COLUMNS, CONTACT_EXAMPLE, resolve_contacts

NAME = "certifications"
REQUIRED = [CONTACT_COLUMNS, ("program_code",), ("activated_on",)]
EXAMPLE = {
    **CONTACT_EXAMPLE,
    "program_code": "CPP",
    "activated_on": "2021-03-01",
    "expires_on": "2024-03-01",
    "certificate_number": "OLD-2021-0042",
    "status": "active",
}
COLUMNS = set(EXAMPLE)
# `status` of a row: what the period's enrollment is now (only the latest row may say
# other than active). Inactive is a suspended certification (PRODUCT.md §3).
STATUSES = {"": None, "active": None, "cancelled": Status.CANCELLED, "inactive": Status.INACTIVE}
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


@dataclass
class Row:
    line: int
    activated_on: date
    expires_on: date | None
    number: str
    status: str


@dataclass
class Group:
    contact: object
    program: Program
    rows: list[Row] = field(default_factory=list)
    enrollment: Enrollment | None = None
    known: int = 0  # periods the enrollment has already
    outcome: str = CREATE
    status: str = ""  # the stored status to write
    number: str = ""


class Plan:
    def __init__(self):
        self.groups: list[Group] = []


def check(rows, ctx: Context) -> tuple[Check, list[Outcome], Plan]:
    """Read, group and match every row; nothing is written."""
    check = Check()
    people = resolve_contacts(check, rows)
    programs = by_code(rows, "program_code", Program)
    groups: dict[tuple[int, int], Group] = {}
    line_group = {}
    for done, (line, row) in enumerate(rows, 1):
        ctx.tick(done, len(rows))
        read = _read(check, line, row, programs, ctx.as_of.today)
        contact = people.get(line)
        if contact is None or read is None:
            continue
        program, period = read
        group = groups.setdefault((contact.pk, program.pk), Group(contact, program))
        group.rows.append(period)
        line_group[line] = group
    _check_groups(check, groups.values())
    _match(check, list(groups.values()), ctx)
    outcomes = [_outcome(check, line, row, line_group.get(line)) for line, row in rows]
    plan = Plan()
    plan.groups = [g for g in groups.values() if g.outcome in (CREATE, UPDATE)]
    return check, outcomes, plan


def _read(check: Check, line: int, row: dict, programs: dict, today: date):
    """The row's program and period, or None when it cannot be placed (errors say why)."""
    program = check.known(line, row, "program_code", programs, "program")
    activated = check.day(line, row, "activated_on", required=True)
    expires = check.day(line, row, "expires_on")
    check.past_day(line, "activated_on", activated, today)
    if activated and expires and expires < activated:
        check.error(line, "expires_on", f"{expires} is before activated_on {activated}")
    number = check.text(line, row, "certificate_number")
    if number and not NUMBER.match(number):
        check.error(
            line,
            "certificate_number",
            f"{number} is not a certificate number (letters, digits, . _ -; at most 20)",
        )
    status = check.text(line, row, "status").lower()
    if status not in STATUSES:
        check.error(line, "status", f"{status} is not one of active, cancelled, inactive")
    if program is None or activated is None:
        return None
    expires = expires or expiry_for(activated, program.validity_months)
    return program, Row(line, activated, expires, number, status)


def _outcome(check: Check, line: int, row: dict, group: Group | None) -> Outcome:
    """A row's outcome: its period is new, changes the latest status, or is known."""
    if group is None:  # its program or contact is not known: as the file names them
        return Outcome(line, ERROR, as_named(row, "program_code", "for"))
    what = f"{group.program.code} for {group.contact.email}"
    if not check.ok(line) or any(not check.ok(r.line) for r in group.rows):
        return Outcome(line, ERROR, what)
    index = next(i for i, r in enumerate(group.rows) if r.line == line)
    what += f", period {index + 1} from {group.rows[index].activated_on}"
    if index >= group.known:
        return Outcome(line, CREATE, what)  # a new period (of a new or a known enrollment)
    if group.outcome == UPDATE and index == len(group.rows) - 1 == group.known - 1:
        return Outcome(line, UPDATE, what)  # the status of the latest period changes
    return Outcome(line, UNCHANGED, what)


def _check_groups(check: Check, groups) -> None:
    """Within one contact and program: periods in date order, one number, status last."""
    numbers = {}
    for group in groups:
        group.rows.sort(key=lambda r: (r.activated_on, r.line))
        previous = None
        for row in group.rows:
            if previous and previous.activated_on == row.activated_on:
                same = (previous.expires_on, previous.number, previous.status) == (
                    row.expires_on,
                    row.number,
                    row.status,
                )
                check.error(
                    row.line,
                    "activated_on",
                    f"{'repeats' if same else 'contradicts'} line {previous.line} "
                    f"(the same contact, program and activation date)",
                )
            previous = row
        for row in group.rows[:-1]:
            if STATUSES.get(row.status):
                check.error(
                    row.line,
                    "status",
                    f"{row.status} applies only to the latest period of {group.program.code} "
                    f"for this contact (line {group.rows[-1].line})",
                )
        given = [r for r in group.rows if r.number]
        for row in given[1:]:
            if row.number != given[0].number:
                check.error(
                    row.line,
                    "certificate_number",
                    f"{row.number} contradicts {given[0].number} on line {given[0].line}: "
                    f"one certification keeps one number across its periods",
                )
        if given:
            group.number = given[0].number
            other = numbers.setdefault(group.number, given[0].line)
            if other != given[0].line:
                check.error(
                    given[0].line,
                    "certificate_number",
                    f"{group.number} is also the number on line {other} (another certification)",
                )


def _match(check: Check, groups: list[Group], ctx: Context) -> None:
    """Find each group's enrollment and decide create / update / unchanged."""
    contact_ids = sorted({g.contact.pk for g in groups})
    existing = defaultdict(list)
    for chunk in chunks(contact_ids):
        for e in Enrollment.objects.filter(contact_id__in=chunk).order_by("id"):
            existing[(e.contact_id, e.program_id)].append(e)
    known_periods = defaultdict(list)
    certified = [e for es in existing.values() for e in es if e.period_number > 0]
    for chunk in chunks([e.pk for e in certified]):
        for p in Period.objects.filter(enrollment_id__in=chunk).order_by("number"):
            known_periods[p.enrollment_id].append(p)
    taken = {}
    numbers = sorted({g.number for g in groups if g.number})
    for chunk in chunks(numbers):
        for pk, number in Enrollment.objects.filter(certificate_number__in=chunk).values_list(
            "pk", "certificate_number"
        ):
            taken[number] = pk
    for group in groups:
        rows = group.rows
        last = rows[-1]
        wanted = STATUSES.get(last.status) or ctx.as_of.status_of(Status.ACTIVE, last.expires_on)
        group.status = wanted
        enrollments = existing[(group.contact.pk, group.program.pk)]
        held = [e for e in enrollments if e.period_number > 0]
        enrollment = held[-1] if held else None
        if enrollment is None:
            busy = [e for e in enrollments if e.status in OPEN]
            if busy:
                check.error(
                    last.line,
                    "program_code",
                    f"{group.contact.full_name} has an open enrollment in {group.program.code} "
                    f"({label(busy[0].status)}, id {busy[0].pk}): finish or cancel it first",
                )
            if group.number and group.number in taken:
                check.error(
                    last.line,
                    "certificate_number",
                    f"{group.number} is the number of another certification (id "
                    f"{taken[group.number]})",
                )
            continue
        group.enrollment = enrollment
        _compare(check, group, known_periods[enrollment.pk], taken)


def _compare(check: Check, group: Group, periods: list[Period], taken: dict) -> None:
    enrollment = group.enrollment
    group.known = len(periods)
    for period, row in zip(periods, group.rows, strict=False):
        if (period.activated_on, period.expires_on) != (row.activated_on, row.expires_on):
            check.error(
                row.line,
                "activated_on",
                f"the certification (id {enrollment.pk}) has period {period.number} from "
                f"{period.activated_on} to {period.expires_on or 'never'}; this row says "
                f"{row.activated_on} to {row.expires_on or 'never'} (a period is never edited)",
            )
    if len(group.rows) < len(periods):
        check.error(
            group.rows[-1].line,
            "activated_on",
            f"the certification (id {enrollment.pk}) has {len(periods)} periods; the file "
            f"lists {len(group.rows)}: list them all",
        )
    if group.number and group.number != enrollment.certificate_number:
        check.error(
            group.rows[0].line,
            "certificate_number",
            f"the certification (id {enrollment.pk}) has the number "
            f"{enrollment.certificate_number}; a number is never changed",
        )
    was = enrollment.status
    if was == Status.CANCELLED and group.status != Status.CANCELLED:
        check.error(
            group.rows[-1].line,
            "status",
            f"the certification (id {enrollment.pk}) is cancelled, which is final",
        )
    same_status = was == group.status or (was in CERTIFIED and group.status in CERTIFIED)
    if same_status:
        group.status = was  # the worker records time transitions; the import does not
    group.outcome = UNCHANGED if same_status and len(group.rows) == len(periods) else UPDATE


def write(plan: Plan, ctx: Context) -> None:
    """Create the enrollments and their periods; add periods to those known; History.

    In chunks of groups: model instances for 100,000 periods at once would not fit the
    memory budget (bench/imports.py)."""
    for chunk in chunks(plan.groups, 1000):
        _write(chunk, ctx)


def _write(groups: list[Group], ctx: Context) -> None:
    new = [g for g in groups if g.enrollment is None]
    for group in new:
        first, last = group.rows[0], group.rows[-1]
        group.enrollment = Enrollment(
            contact=group.contact,
            program=group.program,
            status=group.status,
            started_on=first.activated_on,
            completed_on=first.activated_on,
            activated_on=last.activated_on,
            expires_on=last.expires_on,
            certificate_number=group.number or services.new_certificate_number(),
            period_number=len(group.rows),
            source=EnrollmentSource.IMPORT,
        )
    Enrollment.objects.bulk_create([g.enrollment for g in new])
    periods, history = [], []
    for group in groups:
        enrollment = group.enrollment
        for number, row in enumerate(group.rows, start=1):
            if number <= group.known:
                continue
            periods.append(
                Period(
                    enrollment=enrollment,
                    number=number,
                    activated_on=row.activated_on,
                    expires_on=row.expires_on,
                    # The old system's renewal day is unknown: the period's start stands for it.
                    renewed_on=row.activated_on if number > 1 else None,
                    source=PeriodSource.IMPORTED,
                )
            )
        if group.known:
            _update(group, ctx, history)
        else:
            history.append(_history(ctx, group, "", _created(enrollment, len(group.rows))))
    Period.objects.bulk_create(periods, batch_size=1000)
    refresh(enrollment_ids=[g.enrollment.pk for g in new], today=ctx.as_of.today)
    History.objects.bulk_create(history, batch_size=1000)
    for group in new:
        group.enrollment = None  # written: the instance can go (nothing reads it again)


def _created(enrollment: Enrollment, periods: int) -> dict:
    return {
        "periods": [None, periods],
        "activated_on": [None, enrollment.activated_on.isoformat()],
        "expires_on": [None, enrollment.expires_on and enrollment.expires_on.isoformat()],
        "certificate_number": [None, enrollment.certificate_number],
    }


def _update(group: Group, ctx: Context, history: list) -> None:
    enrollment, last = group.enrollment, group.rows[-1]
    fields = {
        "status": group.status,
        "activated_on": last.activated_on,
        "expires_on": last.expires_on,
        "period_number": len(group.rows),
    }
    before = {name: getattr(enrollment, name) for name in fields}
    Enrollment.objects.filter(pk=enrollment.pk).update(updated_at=ctx.now, **fields)
    changes = services._changes(before, fields)
    history.append(_history(ctx, group, before["status"], changes))


def _history(ctx: Context, group: Group, from_status: str, changes: dict) -> History:
    return ctx.history(
        enrollment=group.enrollment,
        contact_id=group.contact.pk,
        action="import_certification",
        from_status=from_status,
        to_status=group.status,
        changes={**changes, "source": PeriodSource.IMPORTED.value},
    )
