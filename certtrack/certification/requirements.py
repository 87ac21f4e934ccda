"""Requirements met — PRODUCT.md §3.

An enrollment's requirements are met when every required component of the program
has an approved completion by the contact, and the approved completions of the
program's components reach `credits_required` and `hours_required` where set.
Completions made before the enrollment count. A completion counts only when its
component's prerequisites were completed on or before its date.

Which completions count (PRODUCT.md §3 "Certification periods"), for an enrollment on
the evaluation day `today`: a counting completion (approved, passed, not removed) of one
of the program's components that
- a period of this enrollment used, or
- no period of the program used (for this contact) and, where the program sets
  `completion_recency_months`, is dated on or after `recency_start(today, months)`.
So a new enrollment after an earlier one lapsed counts only work no period used.

`evaluate` / `progress_of_many` apply every rule, in Python, for the rows shown.
`something_done` / `requirements_met` are the same rules in SQL (which completions
count included), to filter a table of any size; they leave out one: the prerequisite
order (a completion dated before its prerequisite's counts there, not in `evaluate`).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Case, DateField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Round
from django.db.models.lookups import Exact

from .dates import add_months
from .models import (
    Completion,
    CompletionState,
    Component,
    Enrollment,
    PeriodCompletion,
    Program,
    ProgramComponent,
)


def recency_start(today: date, months: int | None) -> date | None:
    """The oldest completion date that still counts on `today`: `months` months back,
    clamped to the month's end (31 Mar − 1 = 28/29 Feb); None when there is no limit."""
    return None if months is None else add_months(today, -months)


def last_counting_day(completed_on: date, months: int) -> date:
    """The last day a completion dated `completed_on` counts under a `months` recency limit:
    the latest day whose `recency_start` is on or before it."""
    day = add_months(completed_on, months)
    while add_months(day + timedelta(days=1), -months) <= completed_on:
        day += timedelta(days=1)
    return day


class _Link(NamedTuple):
    """What progress needs of a program's component (read as plain values, not objects)."""

    component_id: int
    required: bool
    credits_earned: Decimal
    hours_earned: Decimal
    required_for_renewal: bool = False


@dataclass(frozen=True)
class Rule:
    """What must be done: the required components and the credit / hour thresholds."""

    required: frozenset[int]
    credits: Decimal | None
    hours: Decimal | None

    @classmethod
    def first(cls, program: Program, links: list[_Link]) -> "Rule":
        """The program's requirements (the first period, and renewal in `repeat` mode)."""
        required = frozenset(link.component_id for link in links if link.required)
        return cls(required, program.credits_required, program.hours_required)

    @classmethod
    def renewal(cls, program: Program, links: list[_Link]) -> "Rule":
        """What a renewal needs (PRODUCT.md §3 "Certification periods and renewal")."""
        if program.renewal_requirements != "credits":
            return cls.first(program, links)
        required = frozenset(link.component_id for link in links if link.required_for_renewal)
        return cls(required, program.renewal_credits_required, program.renewal_hours_required)


@dataclass
class Progress:
    required_done: int
    required_total: int
    credits_earned: Decimal
    hours_earned: Decimal
    met_on: date | None  # the day the last requirement was met, or None
    done: dict[int, date] = field(default_factory=dict)  # component id -> counting date
    # (completion id, date) of every completion that counts: what a new period uses.
    counted: list[tuple[int, date]] = field(default_factory=list)
    rule: "Rule | None" = None  # what was measured against
    # The last day this evaluation holds as days pass (a counting completion ages out of
    # the program's recency limit the day after); None: no end.
    until: date | None = None

    def used_through(self, day: date) -> list[int]:
        """The counting completions dated on or before `day`: those a period from `day` uses."""
        return sorted(pk for pk, completed_on in self.counted if completed_on <= day)

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


def _gates_of(component_ids: set[int], prerequisites: dict[int, set[int]]) -> set[int]:
    """`component_ids` and every prerequisite reachable from them."""
    reached, frontier = set(component_ids), set(component_ids)
    while frontier:
        frontier = {p for c in frontier for p in prerequisites.get(c, ())} - reached
        reached |= frontier
    return reached


def _wanted(component_ids: set[int], prerequisites: dict[int, set[int]]) -> set[int]:
    wanted = set(component_ids)
    for prereqs in prerequisites.values():
        wanted |= prereqs
    return wanted


def _progress(rule: Rule, links: list[_Link], done: dict[int, date]) -> Progress:
    """Progress toward `rule` from the program's links and the counting date of each
    component done."""
    components = {link.component_id: link for link in links}
    required = set(rule.required)
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
    need_credits = rule.credits
    need_hours = rule.hours
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


def evaluate(enrollment: Enrollment, today: date) -> Progress:
    """The enrollment's progress on `today`, and the day its requirements were met (if met)."""
    return progress_of_many([enrollment], today)[enrollment.pk]


@dataclass
class Facts:
    """What `progress_of_many` reads for some enrollments: their programs' components
    (`links_of`), the prerequisite graph, each contact's counting completions (`rows_of`:
    (id, component id, date)) and the completions periods used (`used`: {(program id,
    completion id): enrollment id}). Read once (`read_facts`), they evaluate any enrollment
    of those contacts and programs again (`covers`) — after `use`, with new uses."""

    links_of: dict[int, list[_Link]]
    prerequisites: dict[int, set[int]]
    rows_of: dict[int, list[tuple[int, int, date]]]
    used: dict[tuple[int, int], int]

    def covers(self, enrollments: Iterable[Enrollment]) -> bool:
        return all(
            e.contact_id in self.rows_of and e.program_id in self.links_of for e in enrollments
        )

    def use(self, uses: Iterable[tuple[int, int, int]]) -> None:
        """Periods of these enrollments used these completions: (program, completion,
        enrollment) each, as `periods.insert_uses` just wrote them."""
        for program_id, completion_id, enrollment_id in uses:
            self.used[(program_id, completion_id)] = enrollment_id


def read_facts(enrollments: Iterable[Enrollment]) -> Facts:
    """The facts `progress_of_many` needs for `enrollments`, in a constant number of queries."""
    enrollments = list(enrollments)
    programs = {e.program_id for e in enrollments}
    links_of, gated = _links_of(programs)
    all_components = {link.component_id for links in links_of.values() for link in links}
    prerequisites = _prerequisites_of(all_components) if gated else {}
    wanted = _wanted(all_components, prerequisites)
    contact_ids = {e.contact_id for e in enrollments}
    rows_of: dict[int, list[tuple[int, int, date]]] = {c: [] for c in contact_ids}
    for pk, contact_id, component_id, completed_on in _counting_dates(contact_ids, wanted):
        rows_of[contact_id].append((pk, component_id, completed_on))
    # No completion, no use to look up: but `use` may add some later (an empty dict).
    used = _used_by(contact_ids, programs) if any(rows_of.values()) else {}
    return Facts(links_of, prerequisites, rows_of, used)


def progress_of_many(
    enrollments: Iterable[Enrollment],
    today: date,
    renewal_since: dict[int, date] | None = None,
    facts: Facts | None = None,
) -> dict[int, Progress]:
    """Progress of many enrollments (by id) in a constant number of queries.

    For a page of enrollments: the cost does not grow with the number of rows. With
    `renewal_since` ({enrollment id: the latest period's start}): renewal progress
    instead, from completions dated on or after that day that no period used yet.
    `facts`: read already (`read_facts`) for these rows' contacts and programs; read
    again where they do not cover every row.
    """
    enrollments = list(enrollments)
    programs = {e.program_id: e.program for e in enrollments}
    if facts is None or not facts.covers(enrollments):
        facts = read_facts(enrollments)
    links_of, prerequisites, rows_of, used = (
        facts.links_of,
        facts.prerequisites,
        facts.rows_of,
        facts.used,
    )
    result = {}
    for enrollment in enrollments:
        program = programs[enrollment.program_id]
        start = recency_start(today, program.completion_recency_months)
        own = enrollment.pk
        if renewal_since is not None:
            since = renewal_since[enrollment.pk]
            start = since if start is None else max(start, since)
            own = None  # a renewal counts only work no period used, its own included
        counted, dates, until = [], {}, None
        components = {link.component_id for link in links_of[program.pk]}
        # The components whose completions decide this row (its own, and their gates).
        relevant = _gates_of(components, prerequisites)
        for pk, component_id, completed_on in rows_of[enrollment.contact_id]:
            user = used.get((program.pk, pk))
            if (user is not None and user == own) or (
                user is None and (start is None or completed_on >= start)
            ):
                # The work a period uses: the program's own components' (a gate outside
                # it, or another program's work read with it, is no part of its record).
                if component_id in components:
                    counted.append((pk, completed_on))
                dates.setdefault(component_id, []).append(completed_on)
                if (
                    user is None
                    and start is not None
                    and renewal_since is None
                    and component_id in relevant
                ):
                    last = last_counting_day(completed_on, program.completion_recency_months)
                    until = last if until is None else min(until, last)
        links = links_of[program.pk]
        done = _first_counting(dates, {link.component_id for link in links}, prerequisites)
        rule = (Rule.first if renewal_since is None else Rule.renewal)(program, links)
        progress = _progress(rule, links, done)
        progress.rule = rule
        progress.counted = counted
        progress.until = until
        result[enrollment.pk] = progress
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
        f" co.hours_earned, pc.required_for_renewal, EXISTS (SELECT 1 FROM {gates} g"
        " WHERE g.from_component_id = pc.component_id)"
        f" FROM {links} pc JOIN {components} co ON co.id = pc.component_id WHERE {programs}"
    )
    gated = False
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for program_id, component_id, required, credits, hours, renew, gates in cursor.fetchall():
            links_of[program_id].append(
                _Link(component_id, bool(required), _decimal(credits), _decimal(hours), bool(renew))
            )
            gated = gated or bool(gates)
    return links_of, gated


def _counting_dates(contact_ids: Collection[int], component_ids: Collection[int]) -> list:
    """(id, contact id, component id, date) of the counting completions (`Completion.counting`)."""
    if not contact_ids or not component_ids:
        return []
    contacts, contact_params = _in("contact_id", contact_ids)
    components, component_params = _in("component_id", component_ids)
    sql = (
        f"SELECT id, contact_id, component_id, completed_on FROM {Completion._meta.db_table}"
        f" WHERE removed_at IS NULL AND state = %s AND passed AND {contacts} AND {components}"
    )
    params = [CompletionState.APPROVED.value, *contact_params, *component_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows and not isinstance(rows[0][3], date):
        rows = [(pk, contact, component, _date(day)) for pk, contact, component, day in rows]
    return rows


def _used_by(contact_ids: Collection[int], program_ids: Collection[int]) -> dict:
    """{(program id, completion id): enrollment id} of the completions periods used."""
    uses = PeriodCompletion._meta.db_table
    periods = PeriodCompletion._meta.get_field("period").related_model._meta.db_table
    contacts, contact_params = _in("u.contact_id", contact_ids)
    programs, program_params = _in("u.program_id", program_ids)
    sql = (
        f"SELECT u.program_id, u.completion_id, p.enrollment_id FROM {uses} u"
        f" JOIN {periods} p ON p.id = u.period_id WHERE {contacts} AND {programs}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*contact_params, *program_params])
        return {(program, completion): enrollment for program, completion, enrollment in cursor}


def _decimal(value) -> Decimal:
    # PostgreSQL returns Decimal; SQLite an int or a float.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value) -> date:
    # PostgreSQL returns a date; SQLite the ISO text.
    return value if isinstance(value, date) else date.fromisoformat(value)


# The rules in SQL, for querysets whose rows have `contact_id` and `program_id` (enrollments).


def _links_and_counted(today: date):
    """The row's program's links, and the row's contact's completions of a link that count
    for the row (the rule of `progress_of_many`; rows are enrollments)."""
    links = ProgramComponent.objects.filter(program_id=OuterRef("program_id"))
    row = OuterRef(OuterRef(OuterRef("pk")))
    # Used by a period of this program, but not of this row: gone for this row.
    used_elsewhere = PeriodCompletion.objects.filter(
        completion_id=OuterRef("pk"), program_id=OuterRef("_program")
    ).exclude(period__enrollment_id=row)
    own = PeriodCompletion.objects.filter(completion_id=OuterRef("pk"), period__enrollment_id=row)
    counted = (
        Completion.objects.counting()
        .annotate(_program=OuterRef("program_id"))
        .filter(contact_id=OuterRef(OuterRef("contact_id")), component_id=OuterRef("component_id"))
        .filter(~Exists(used_elsewhere))
    )
    limits = Program.objects.filter(completion_recency_months__isnull=False).values_list(
        "pk", "completion_recency_months"
    )
    if limits := list(limits):
        # The oldest date that counts, per program (the limits are few: one WHEN each).
        start = Case(
            *(
                When(Exact(OuterRef("program_id"), pk), then=Value(recency_start(today, m)))
                for pk, m in limits
            ),
            default=Value(date.min),
            output_field=DateField(),
        )
        counted = counted.filter(Q(completed_on__gte=start) | Q(Exists(own)))
    return links, counted


def something_done(today: date) -> Exists:
    """SQL: the contact has a counting completion of one of the program's components."""
    links, counted = _links_and_counted(today)
    return Exists(links.filter(Exists(counted)))


def _reaches(earned: str, required: str) -> Q:
    """The sum `earned` reaches the program's `required` threshold, if it sets one."""
    return Q(**{f"program__{required}__isnull": True}) | Q(
        **{f"{earned}__gte": F(f"program__{required}")}
    )


def requirements_met(today: date) -> Q:
    """SQL: requirements met, as `evaluate` says, but for the prerequisite order (see above).

    No required component missing, and the components done (at least one: a program
    without components is never met) reach the credits and hours thresholds where set.
    """
    links, counted = _links_and_counted(today)
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
