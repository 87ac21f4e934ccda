"""Requirements met — PRODUCT.md §3.

An enrollment's requirements are met when every required component of the program
has an approved completion by the contact, and the approved completions of the
program's components reach `credits_required` and `hours_required` where set.
Completions made before the enrollment count. A completion counts only when its
component's prerequisites were completed on or before its date.

`evaluate` / `progress_of_many` apply every rule, in Python, for the rows shown.
`something_done` / `requirements_met` are the same rules in SQL, to filter a table of
any size; they leave out one: the prerequisite order (a completion dated before its
prerequisite's counts there, not in `evaluate`).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Round

from .models import Completion, CompletionState, Component, Program, ProgramComponent


class _Link(NamedTuple):
    """What progress needs of a program's component (read as plain values, not objects)."""

    component_id: int
    required: bool
    credits_earned: Decimal
    hours_earned: Decimal


@dataclass
class Progress:
    required_done: int
    required_total: int
    credits_earned: Decimal
    hours_earned: Decimal
    met_on: date | None  # the day the last requirement was met, or None
    done: dict[int, date] = field(default_factory=dict)  # component id -> counting date

    @property
    def met(self) -> bool:
        return self.met_on is not None

    def as_dict(self) -> dict:
        return {
            "required_done": self.required_done,
            "required_total": self.required_total,
            "credits_earned": float(self.credits_earned),
            "hours_earned": float(self.hours_earned),
        }


def _first_counting(
    dates: dict[int, list[date]], component_ids: set[int], prerequisites: dict[int, set[int]]
) -> dict[int, date]:
    """For each component completed (counting), the earliest date it counts from."""
    first: dict[int, date] = {}

    # A completion counts from its date once all prerequisites counted on or before it.
    def counts_from(component_id: int, seen: frozenset[int]) -> date | None:
        if component_id in first:
            return first[component_id]
        if component_id in seen:
            return None  # a prerequisite cycle never completes
        needs = [counts_from(p, seen | {component_id}) for p in prerequisites.get(component_id, ())]
        if any(n is None for n in needs):
            return None
        ready = max(needs, default=date.min)
        eligible = sorted(d for d in dates.get(component_id, []) if d >= ready)
        if not eligible:
            return None
        first[component_id] = eligible[0]
        return eligible[0]

    for component_id in component_ids:
        if component_id not in prerequisites:  # the common case: its earliest date counts
            if days := dates.get(component_id):
                first[component_id] = min(days)
            continue
        counts_from(component_id, frozenset())
    return {c: d for c, d in first.items() if c in component_ids}


def _prerequisites_of(component_ids: set[int]) -> dict[int, set[int]]:
    """The prerequisite graph reachable from `component_ids` (one query per level)."""
    through = Component.prerequisites.through
    prerequisites: dict[int, set[int]] = {}
    frontier = set(component_ids)
    while frontier:
        pairs = through.objects.filter(from_component_id__in=frontier).values_list(
            "from_component_id", "to_component_id"
        )
        new: set[int] = set()
        for source, target in pairs:
            prerequisites.setdefault(source, set()).add(target)
            if target not in prerequisites and target not in component_ids:
                new.add(target)
        frontier = new - set(prerequisites)
    return prerequisites


def _wanted(component_ids: set[int], prerequisites: dict[int, set[int]]) -> set[int]:
    wanted = set(component_ids)
    for prereqs in prerequisites.values():
        wanted |= prereqs
    return wanted


def _progress(program: Program, links: list[_Link], done: dict[int, date]) -> Progress:
    """Progress from the program's links and the counting date of each component done."""
    components = {link.component_id: link for link in links}
    required = {link.component_id for link in links if link.required}
    credits = sum((components[c].credits_earned for c in done), Decimal("0"))
    hours = sum((components[c].hours_earned for c in done), Decimal("0"))
    progress = Progress(
        required_done=len(required & set(done)),
        required_total=len(required),
        credits_earned=credits,
        hours_earned=hours,
        met_on=None,
        done=done,
    )
    if not links:
        return progress  # a program without components is never met automatically

    # Walk the counting completions in date order: the first day every rule holds.
    need_credits = program.credits_required
    need_hours = program.hours_required
    got_credits, got_hours, got_required = Decimal("0"), Decimal("0"), set()
    for component_id, day in sorted(done.items(), key=lambda item: (item[1], item[0])):
        got_credits += components[component_id].credits_earned
        got_hours += components[component_id].hours_earned
        if component_id in required:
            got_required.add(component_id)
        if (
            got_required == required
            and (need_credits is None or got_credits >= need_credits)
            and (need_hours is None or got_hours >= need_hours)
        ):
            progress.met_on = day
            break
    return progress


def evaluate(program: Program, contact_id: int) -> Progress:
    """The contact's progress in `program`, and the day its requirements were met (if met)."""
    return progress_of_many([(program, contact_id)])[(program.pk, contact_id)]


def progress_of_many(pairs: Iterable[tuple[Program, int]]) -> dict[tuple[int, int], Progress]:
    """Progress of many (program, contact id) pairs in a constant number of queries.

    For a page of enrollments: the cost does not grow with the number of rows.
    """
    pairs = list(pairs)
    programs = {program.pk: program for program, _ in pairs}
    links_of, gated = _links_of(programs)
    all_components = {link.component_id for links in links_of.values() for link in links}
    prerequisites = _prerequisites_of(all_components) if gated else {}
    wanted = _wanted(all_components, prerequisites)
    contact_ids = {contact_id for _, contact_id in pairs}
    dates: dict[int, dict[int, list[date]]] = {c: {} for c in contact_ids}
    for contact_id, component_id, completed_on in _counting_dates(contact_ids, wanted):
        dates[contact_id].setdefault(component_id, []).append(completed_on)
    result = {}
    for program, contact_id in pairs:
        links = links_of[program.pk]
        done = _first_counting(
            dates[contact_id], {link.component_id for link in links}, prerequisites
        )
        result[(program.pk, contact_id)] = _progress(program, links, done)
    return result


# The two reads below run for every page of every list (API, Tracking tab, portal), so
# they are written as plain SQL: building them through the ORM cost twice their
# execution (docs/performance.md). They read only; the tests of this module cover them.


def _in(column: str, values: Collection) -> tuple[str, list]:
    """`column` among `values`: on PostgreSQL one array parameter, so the text of the query
    is the same whatever the number of values (psycopg parses it once)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _links_of(program_ids: Collection[int]) -> tuple[dict[int, list[_Link]], bool]:
    """Each program's components as plain values, and whether any has prerequisites."""
    links_of: dict[int, list[_Link]] = {pk: [] for pk in program_ids}
    if not program_ids:
        return links_of, False
    gates = Component.prerequisites.through._meta.db_table
    links, components = ProgramComponent._meta.db_table, Component._meta.db_table
    programs, params = _in("pc.program_id", program_ids)
    sql = (
        "SELECT pc.program_id, pc.component_id, pc.required, co.credits_earned,"
        f" co.hours_earned, EXISTS (SELECT 1 FROM {gates} g"
        " WHERE g.from_component_id = pc.component_id)"
        f" FROM {links} pc JOIN {components} co ON co.id = pc.component_id WHERE {programs}"
    )
    gated = False
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for program_id, component_id, required, credits, hours, gates in cursor.fetchall():
            links_of[program_id].append(
                _Link(component_id, bool(required), _decimal(credits), _decimal(hours))
            )
            gated = gated or bool(gates)
    return links_of, gated


def _counting_dates(contact_ids: Collection[int], component_ids: Collection[int]) -> list:
    """(contact id, component id, date) of the counting completions (`Completion.counting`)."""
    if not contact_ids or not component_ids:
        return []
    contacts, contact_params = _in("contact_id", contact_ids)
    components, component_params = _in("component_id", component_ids)
    sql = (
        f"SELECT contact_id, component_id, completed_on FROM {Completion._meta.db_table}"
        f" WHERE removed_at IS NULL AND state = %s AND passed AND {contacts} AND {components}"
    )
    params = [CompletionState.APPROVED.value, *contact_params, *component_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows and not isinstance(rows[0][2], date):
        rows = [(contact, component, _date(day)) for contact, component, day in rows]
    return rows


def _decimal(value) -> Decimal:
    # PostgreSQL returns Decimal; SQLite an int or a float.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value) -> date:
    # PostgreSQL returns a date; SQLite the ISO text.
    return value if isinstance(value, date) else date.fromisoformat(value)


# The rules in SQL, for querysets whose rows have `contact_id` and `program_id` (enrollments).


def _links_and_counted():
    """The row's program's links, and the row's contact's counting completions of a link."""
    links = ProgramComponent.objects.filter(program_id=OuterRef("program_id"))
    counted = Completion.objects.counting().filter(
        contact_id=OuterRef(OuterRef("contact_id")), component_id=OuterRef("component_id")
    )
    return links, counted


def something_done() -> Exists:
    """SQL: the contact has a counting completion of one of the program's components."""
    links, counted = _links_and_counted()
    return Exists(links.filter(Exists(counted)))


def _reaches(earned: str, required: str) -> Q:
    """The sum `earned` reaches the program's `required` threshold, if it sets one."""
    return Q(**{f"program__{required}__isnull": True}) | Q(
        **{f"{earned}__gte": F(f"program__{required}")}
    )


def requirements_met() -> Q:
    """SQL: requirements met, as `evaluate` says, but for the prerequisite order (see above).

    No required component missing, and the components done (at least one: a program
    without components is never met) reach the credits and hours thresholds where set.
    """
    links, counted = _links_and_counted()
    missing = links.filter(required=True).filter(~Exists(counted))
    # One row (a group) only if something is done; its sums checked in HAVING. Rounded to
    # the stored precision: SQLite sums decimals as floats (there 0.3 + 0.6 < 0.9).
    reached = (
        links.filter(Exists(counted))
        .order_by()
        .values("program_id", "program__credits_required", "program__hours_required")
        .annotate(
            credits=Round(Sum("component__credits_earned"), 2),
            hours=Round(Sum("component__hours_earned"), 2),
        )
        .filter(_reaches("credits", "credits_required"), _reaches("hours", "hours_required"))
    )
    return ~Q(Exists(missing)) & Q(Exists(reached))
