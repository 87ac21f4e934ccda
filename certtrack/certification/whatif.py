"""What if — PRODUCT.md §11: a program change's effect on existing holders, before saving.

`change_program` saves a program change and, with `apply_to_existing`, recomputes the
holders in the same transaction: a new `validity_months` moves each holder's current
period to `activated_on + validity_months` (their status follows the dates), and new
requirements move the In progress rows they now satisfy on. One History row per changed
enrollment, the program change as its reason; reminders re-armed for the new dates.

`preview_change` saves the program change and rolls it back (so it refuses what the change
refuses), but it does not move the expiries: it counts, in one grouped query, the holders
whose `expires_on` (and status) the new validity would move, and reads five examples — the
same rule in SQL (`AddMonths`), so at 100,000 holders it writes nothing and reads little.
A requirement change still runs the In progress evaluation in the rolled-back transaction
(those rows are few). Renewal settings move no expiry and no status (they decide the next
renewal), so their preview says 0.

Applying a validity change on PostgreSQL is one statement (`_move_in_sql`): the new dates,
the enrollments' and periods' UPDATEs, the History rows (INSERT … SELECT) and the count
aggregate's deltas, grouped (its update trigger skips these rows: `counts.DEFERRED`); what
moved comes back for the effect and the reminders. SQLite keeps the loop in Python.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from certtrack import clock

from . import counts, events, services
from .actors import Actor
from .dates import AsOf, expiry_for
from .errors import Invalid
from .models import Enrollment, GeneralSettings, History, Period, Program
from .requirements import requirements_met
from .statuses import CERTIFIED, Status, label

EXAMPLES = 5
BATCH = 2000
# The holders a validity change reaches: certified rows and suspended ones (Inactive with a
# period): their period runs on while suspended.
HOLDING = sorted({*CERTIFIED, Status.INACTIVE})


@dataclass(frozen=True)
class Example:
    enrollment_id: int
    name: str
    activated_on: date | None
    expires_on: date | None  # today's
    new_expires_on: date | None
    status: str  # as true today
    new_status: str

    def as_dict(self) -> dict:
        return {
            "enrollment_id": self.enrollment_id,
            "name": self.name,
            "activated_on": self.activated_on,
            "expires_on": self.expires_on,
            "new_expires_on": self.new_expires_on,
            "status": self.status,
            "new_status": self.new_status,
        }


@dataclass
class Effect:
    """What a program change does (or did) to existing enrollments."""

    enrollments_changed: int = 0
    status_changes: dict[str, int] = field(default_factory=dict)  # "active→expired": n
    examples: list[Example] = field(default_factory=list)
    holders: int = 0  # holders the change could reach (certified or suspended)

    def as_dict(self) -> dict:
        return {
            "enrollments_changed": self.enrollments_changed,
            "status_changes": dict(self.status_changes),
            "examples": [e.as_dict() for e in self.examples],
            "holders": self.holders,
        }

    @property
    def moves(self) -> list[tuple[str, str, int]]:
        """The status changes in words: (from label, to label, how many)."""
        out = []
        for key, n in self.status_changes.items():
            old, new = key.split("→")
            out.append((label(old), label(new), n))
        return out

    def _count(self, old: str, new: str) -> None:
        if old != new:
            key = f"{old}→{new}"
            self.status_changes[key] = self.status_changes.get(key, 0) + 1


def _links(program: Program) -> set[tuple[int, bool, bool]]:
    return set(program.links.values_list("component_id", "required", "required_for_renewal"))


def _components_change(program: Program, components) -> bool:
    if components is None:
        return False
    asked = {
        (c["component_id"], bool(c.get("required", True)), bool(c.get("required_for_renewal")))
        for c in components
    }
    return _links(program) != asked


def _describe(before: Program, after: Program, fields: dict, components_changed: bool) -> str:
    parts = [
        f"{name} {getattr(before, name)} → {getattr(after, name)}"
        for name in sorted(fields)
        if getattr(before, name, None) != getattr(after, name, None)
    ]
    if components_changed:
        parts.append("components changed")
    what = "; ".join(parts) or "no field changed"
    return f"Program {after.code} changed ({what}), applied to existing holders."


def _refuse_archived(program_id) -> Program:
    program = Program.objects.filter(pk=program_id).first()
    if program is not None and not program.is_active:
        raise Invalid(
            "is_active",
            f"Program {program.name} is archived: reactivate it (is_active) before changing "
            "what its holders hold.",
        )
    return program


@transaction.atomic
def change_program(
    program_id: int,
    actor: Actor,
    components=None,
    apply_to_existing: bool = False,
    now: datetime | None = None,
    _preview: bool = False,
    **fields,
) -> tuple[Program, Effect]:
    """Save a program change (`services.update_program`); with `apply_to_existing`, recompute
    its existing holders in the same transaction. Returns the program and the effect.
    (`_preview`: count the expiries the change would move instead of moving them.)"""
    now = now or clock.now()
    before = _refuse_archived(program_id) if apply_to_existing else None
    components_changed = before is not None and _components_change(before, components)
    program = services.update_program(program_id, actor, components=components, now=now, **fields)
    if not apply_to_existing:
        return program, Effect()
    as_of = GeneralSettings.get().as_of(now)
    reason = _describe(before, program, fields, components_changed)
    effect = Effect()
    effect.holders = Enrollment.objects.filter(
        program=program, period_number__gt=0, status__in=HOLDING
    ).count()
    if before.validity_months != program.validity_months:
        if _preview:
            _count_expiries(program, as_of, effect)
        else:
            _move_expiries(program, as_of, now, actor, reason, effect)
    if components_changed or any(
        getattr(before, name) != getattr(program, name) for name in REQUIREMENT_FIELDS
    ):  # (the requirements' SQL is the costliest read: only when they changed)
        _evaluate_in_progress(program, as_of, now, actor, effect)
    return program, effect


# The program fields whose change the preview is for: validity, requirements, renewal.
WHAT_IF_FIELDS = (
    *("validity_months", "credits_required", "hours_required", "completion_recency_months"),
    *("renewal_window_days", "renewal_grace_days", "renewal_base", "renewal_requirements"),
    *("renewal_credits_required", "renewal_hours_required"),
)


REQUIREMENT_FIELDS = ("credits_required", "hours_required", "completion_recency_months")


def touches_holders(program_id: int, components=None, **fields) -> bool:
    """Whether this change alters validity, requirements or renewal settings of a program
    that has enrollments (so staff are shown the preview and asked whom it applies to)."""
    program = Program.objects.get(pk=program_id)
    if not Enrollment.objects.filter(program=program).exists():
        return False
    if any(name in fields and fields[name] != getattr(program, name) for name in WHAT_IF_FIELDS):
        return True
    return _components_change(program, components)


class _Rollback(Exception):
    def __init__(self, effect: Effect):
        self.effect = effect


def preview_change(
    program_id: int, actor: Actor, components=None, now: datetime | None = None, **fields
) -> Effect:
    """What `change_program(…, apply_to_existing=True)` would do; nothing is saved.
    Invalid values and an archived program are refused as the change itself refuses them."""
    _refuse_archived(program_id)
    try:
        with transaction.atomic():
            _, effect = change_program(
                program_id,
                actor,
                components=components,
                apply_to_existing=True,
                now=now,
                _preview=True,
                **fields,
            )
            raise _Rollback(effect)
    except _Rollback as done:
        return done.effect


def _holders(program: Program):
    """Holders with their current period's start and id: one query, no row per holder."""
    current = Period.objects.filter(
        enrollment_id=OuterRef("pk"), number=OuterRef("period_number")
    ).order_by()
    return (
        Enrollment.objects.filter(program=program, period_number__gt=0, status__in=HOLDING)
        .annotate(
            period_start=Subquery(current.values("activated_on")[:1]),
            period_pk=Subquery(current.values("pk")[:1]),
        )
        .order_by("contact__last_name", "contact__first_name", "id")
        .values_list(
            *("pk", "status", "expires_on", "cycle", "period_number", "period_start"),
            *("period_pk", "contact__first_name", "contact__last_name"),
        )
    )


class AddMonths(Func):
    """`expiry_for` in SQL: a date plus N calendar months, clamped to the month's end."""

    output_field = DateField()

    def __init__(self, day, months: int):
        super().__init__(day)
        self.months = int(months)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # PostgreSQL's date + interval clamps to the month's end (31 Jan + 1 month = 28/29 Feb).
        return f"(({sql}) + make_interval(months => {self.months}))::date", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # SQLite rolls over instead (31 Jan + 1 month = 2/3 Mar): a changed day of the
        # month means it rolled over, and the month before is the clamped one.
        shifted = f"date({sql}, '{self.months:+d} months')"
        return (
            f"(CASE WHEN strftime('%%d', {shifted}) = strftime('%%d', {sql}) THEN {shifted} "
            f"ELSE date({shifted}, 'start of month', '-1 day') END)",
            [*params, *params, *params, *params],
        )

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"AddMonths on {connection.vendor}")


def _shown(expires: str, as_of: AsOf) -> Case:
    """`AsOf.status_of(status, <expires>)` in SQL: the status true today."""
    expiring = (
        [When(**{f"{expires}__lte": as_of.expiring_from}, then=Value(Status.EXPIRING.value))]
        if as_of.notice_days > 0
        else []
    )
    return Case(
        When(~Q(status__in=sorted(CERTIFIED)), then=F("status")),
        When(**{f"{expires}__isnull": True}, then=Value(Status.ACTIVE.value)),
        When(**{f"{expires}__lt": as_of.today}, then=Value(Status.EXPIRED.value)),
        *expiring,
        default=Value(Status.ACTIVE.value),
    )


def _count_expiries(program: Program, as_of: AsOf, effect: Effect) -> None:
    """What `_move_expiries` would do, without doing it: the holders whose current period
    would end on another day, grouped by their move today, and the first five by name."""
    validity = program.validity_months
    new = (
        AddMonths(F("current__activated_on"), validity)
        if validity is not None
        else Value(None, output_field=DateField())
    )
    changed = Q(expires_on__isnull=False)
    if validity is not None:  # (a NULL new date is never "different" in SQL: say it)
        changed = (
            Q(expires_on__isnull=True)
            | Q(expires_on__lt=F("new_expires"))
            | Q(expires_on__gt=F("new_expires"))
        )
    rows = (
        Enrollment.objects.filter(program=program, period_number__gt=0, status__in=HOLDING)
        .annotate(
            current=FilteredRelation("periods", condition=Q(periods__number=F("period_number")))
        )
        .filter(current__activated_on__isnull=False)
        .annotate(new_expires=new)
        .filter(changed)
        .annotate(old_shown=_shown("expires_on", as_of), new_shown=_shown("new_expires", as_of))
    )
    moves = rows.values("old_shown", "new_shown").annotate(n=Count("pk")).order_by("-n")
    for move in moves:
        effect.enrollments_changed += move["n"]
        if move["old_shown"] != move["new_shown"]:
            key = f"{move['old_shown']}→{move['new_shown']}"
            effect.status_changes[key] = move["n"]
    first = rows.order_by("contact__last_name", "contact__first_name", "id")[:EXAMPLES]
    for pk, given, family, start, old, new_day, shown_old, shown_new in first.values_list(
        *("pk", "contact__first_name", "contact__last_name", "current__activated_on"),
        *("expires_on", "new_expires", "old_shown", "new_shown"),
    ):
        name = f"{given} {family}".strip()
        effect.examples.append(Example(pk, name, start, old, new_day, shown_old, shown_new))


# One moved holder: (enrollment, its period's start, old date, new date, new cycle, new
# stored status, period number, status shown before, status shown after, family name,
# given name).
Moved = tuple[int, date, date | None, date | None, int, str, int, str, str, str, str]


def _move_expiries(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, reason: str, effect: Effect
) -> None:
    """Move each holder's current period (and the row's `expires_on`) to `activated_on +
    validity_months` and its stored status to what the dates say; one History row each,
    reminders re-armed. PostgreSQL: one statement, no holder's values through Python on
    the way in (at 100,000 holders, building and sending them was most of the time)."""
    if connection.vendor == "postgresql":
        moved = _move_in_sql(program, as_of, now, actor, reason)
    else:
        moved = _move_in_python(program, as_of, now, actor, reason)
    rearm = []
    for pk, _, old, new, cycle, new_stored, number, shown_old, shown_new, _, _ in moved:
        effect.enrollments_changed += 1
        effect._count(shown_old, shown_new)
        rearm.append(events.ExpiryChange(pk, old, new, cycle, new_stored, number))
    for row in moved[:EXAMPLES]:  # (both return them by name, as the preview's examples)
        pk, start, old, new, _, _, _, shown_old, shown_new, last, first = row
        name = f"{first} {last}".strip()
        effect.examples.append(Example(pk, name, start, old, new, shown_old, shown_new))
    if rearm:
        events.expiries_changed.send(sender=Enrollment, changes=rearm, at=now)


def _move_in_python(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, reason: str
) -> list[Moved]:
    """SQLite: the holders read once, the new dates by `expiry_for`, updates grouped by
    (new date, old stored status, new stored status)."""
    groups: dict[tuple, list] = defaultdict(list)
    history, moved = [], []
    for pk, stored, old, cycle, number, start, period_pk, first, last in _holders(program):
        if start is None:
            continue
        new = expiry_for(start, program.validity_months)
        if new == old:
            continue
        new_stored = as_of.status_of(stored, new).value if stored in CERTIFIED else stored
        shown_old = as_of.status_of(stored, old).value
        shown_new = as_of.status_of(new_stored, new).value
        groups[(new, stored, new_stored)].append((pk, period_pk))
        moved.append(
            (pk, start, old, new, cycle + 1, new_stored, number, shown_old, shown_new, last, first)
        )
        history.append(
            History(
                at=now,
                actor=actor.label,
                actor_kind=actor.kind,
                user_id=actor.user_id,
                enrollment_id=pk,
                action="program_change",
                # As staff saw it: the status true today before and after.
                from_status=shown_old if shown_new != shown_old else "",
                to_status=shown_new if shown_new != shown_old else "",
                changes={"expires_on": [_iso(old), _iso(new)]},
                reason=reason,
            )
        )
    for (new, stored, new_stored), rows in groups.items():
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            Enrollment.objects.filter(pk__in=[pk for pk, _ in chunk], status=stored).update(
                expires_on=new, status=new_stored, cycle=F("cycle") + 1, updated_at=now
            )
            Period.objects.filter(pk__in=[p for _, p in chunk]).update(expires_on=new)
    _contacts(history)
    History.objects.bulk_create(history, batch_size=BATCH)
    return moved


def _contacts(history: list[History]) -> None:
    """History rows name the contact too (as `services._log` does)."""
    ids = [h.enrollment_id for h in history]
    contact_of = {}
    for start in range(0, len(ids), BATCH):
        contact_of |= dict(
            Enrollment.objects.filter(pk__in=ids[start : start + BATCH]).values_list(
                "pk", "contact_id"
            )
        )
    for h in history:
        h.contact_id = contact_of[h.enrollment_id]


def _time_status_sql(day: str, as_of: AsOf) -> str:
    """`time_status` of the date `day` (SQL) on `as_of.today`: Active, Expiring or Expired."""
    expiring = (
        f"WHEN {day} <= %(expiring_from)s THEN '{Status.EXPIRING.value}' "
        if as_of.notice_days > 0
        else ""
    )
    return (
        f"(CASE WHEN {day} IS NULL THEN '{Status.ACTIVE.value}' "
        f"WHEN {day} < %(today)s THEN '{Status.EXPIRED.value}' "
        f"{expiring}ELSE '{Status.ACTIVE.value}' END)"
    )


def _move_in_sql(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, reason: str
) -> list[Moved]:
    """PostgreSQL: one statement computes the new dates (`AddMonths`' SQL), updates the
    enrollments and their current periods, writes the History rows (INSERT … SELECT) and
    returns what moved, for the effect and the reminders."""
    enrollment, period, history = (
        Enrollment._meta.db_table,
        Period._meta.db_table,
        History._meta.db_table,
    )
    contact = Enrollment._meta.get_field("contact").related_model._meta.db_table
    validity = program.validity_months
    new = (
        f"(p.activated_on + make_interval(months => {int(validity)}))::date"
        if validity is not None
        else "NULL::date"
    )
    certified = ", ".join(f"'{s.value}'" for s in sorted(CERTIFIED))
    shown_old = (
        f"CASE WHEN h.stored IN ({certified}) THEN {_time_status_sql('h.old', as_of)} "
        "ELSE h.stored END"
    )
    new_stored = (
        f"CASE WHEN h.stored IN ({certified}) THEN {_time_status_sql('h.new', as_of)} "
        "ELSE h.stored END"
    )
    sql = f"""
    WITH h AS MATERIALIZED (
        SELECT e.id, e.contact_id, e.status AS stored, e.expires_on AS old, e.cycle,
               e.period_number, p.id AS period_id, p.activated_on AS start, {new} AS new,
               c.last_name, c.first_name
        FROM {enrollment} e
        JOIN {period} p ON p.enrollment_id = e.id AND p.number = e.period_number
        JOIN {contact} c ON c.id = e.contact_id
        WHERE e.program_id = %(program)s AND e.period_number > 0
          AND e.status = ANY(%(holding)s) AND p.activated_on IS NOT NULL
          AND e.expires_on IS DISTINCT FROM {new}
        ORDER BY e.id
    ), s AS (
        SELECT h.*, {shown_old} AS shown_old, {new_stored} AS new_stored FROM h
    ), moved AS (
        UPDATE {enrollment} e
        SET expires_on = s.new, status = s.new_stored, cycle = e.cycle + 1,
            updated_at = %(now)s
        FROM s WHERE e.id = s.id AND e.status = s.stored
        RETURNING s.id, s.contact_id, s.start, s.old, s.new, e.cycle, s.stored, s.new_stored,
                  s.period_number, s.period_id, s.shown_old, s.new_stored AS shown_new,
                  s.last_name, s.first_name, e.program_id
    ), periods AS (
        UPDATE {period} p SET expires_on = m.new FROM moved m WHERE p.id = m.period_id
    ), logged AS (
        INSERT INTO {history} (at, actor, actor_kind, user_id, enrollment_id, contact_id,
                               action, from_status, to_status, changes, reason,
                               object_type, object_id, object_label)
        SELECT %(now)s, %(actor)s, %(kind)s, %(user)s, m.id, m.contact_id,
               'program_change',
               CASE WHEN m.shown_old <> m.shown_new THEN m.shown_old ELSE '' END,
               CASE WHEN m.shown_old <> m.shown_new THEN m.shown_new ELSE '' END,
               jsonb_build_object('expires_on', jsonb_build_array(
                   to_char(m.old, 'YYYY-MM-DD'), to_char(m.new, 'YYYY-MM-DD'))),
               %(reason)s, '', NULL, ''
        FROM moved m ORDER BY m.last_name, m.first_name, m.id
    ){{counted}}
    SELECT id, start, old, new, cycle, new_stored, period_number, shown_old, shown_new,
           last_name, first_name
    FROM moved ORDER BY last_name, first_name, id
    """
    params = {
        "program": program.pk,
        "holding": [str(s) for s in HOLDING],
        "now": now,
        "today": as_of.today,
        "expiring_from": as_of.expiring_from,
        "actor": actor.label,
        "kind": actor.kind,
        "user": actor.user_id,
        "reason": reason,
    }
    with connection.cursor() as cursor:
        deferred = _counts_deferrable(cursor)
        if deferred:  # the count trigger skips these rows; `counted` adds their deltas
            cursor.execute("SELECT set_config(%s, 'on', true)", [counts.DEFERRED])
        # Memory for the statement's joins and sorts: the UPDATE joins the holders (in id
        # order) to the enrollments by a hash join; past work_mem it runs in batches, which
        # loses that order, and the writes land on random pages (at 100,000 holders: 259,000
        # pages dirtied instead of about 50,000, the update 21 s instead of 9 to 16).
        cursor.execute(
            "SELECT current_setting('work_mem'), "
            "pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(%s)",
            [WORK_MEM],
        )
        work_mem, raise_it = cursor.fetchone()
        if raise_it:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        cursor.execute(sql.replace("{counted}", COUNTED if deferred else ""), params)
        moved = cursor.fetchall()
        # Put both back for the rest of the transaction (after an error, its rollback or
        # the savepoint's does: `set_config(…, true)` is undone with them).
        if deferred:
            cursor.execute("SELECT set_config(%s, 'off', true)", [counts.DEFERRED])
        if raise_it:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
    return moved


# Enough for a one-batch hash of ~2,000,000 enrollments (PostgreSQL's hash tables get
# hash_mem_multiplier × work_mem, 2 × by default).
WORK_MEM = "64MB"
# The count aggregate's deltas of the moved rows, grouped (what the update trigger would
# have appended row by row, 6 rows each): −1 at the old key, +1 at the new, at the
# program's level and at all programs' (the program's total does not move).
COUNTED = f""", counted AS (
        INSERT INTO {counts.TABLE} (program_id, status, expires_on, n)
        SELECT program_id, status, expires_on, SUM(n) FROM (
            SELECT program_id, stored AS status, old AS expires_on, -1 AS n FROM moved
            UNION ALL SELECT NULL, stored, old, -1 FROM moved
            UNION ALL SELECT program_id, new_stored, new, 1 FROM moved
            UNION ALL SELECT NULL, new_stored, new, 1 FROM moved
        ) k GROUP BY program_id, status, expires_on HAVING SUM(n) <> 0
    )"""
COUNT_TRIGGER = "certification_enrollment_count_update"


def _counts_deferrable(cursor) -> bool:
    """Whether the enrollments' count update trigger is there, enabled, and skips the rows
    of a statement run with `counts.DEFERRED` on (its definition since this was written;
    a database not migrated since keeps the trigger doing the work, row by row)."""
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND tgname = %s AND tgenabled <> 'D'",
        [counts.ENROLLMENTS, COUNT_TRIGGER],
    )
    row = cursor.fetchone()
    return row is not None and counts.DEFERRED in row[0]


def _evaluate_in_progress(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, effect: Effect
) -> None:
    """New requirements an In progress row now meets move it on (as a completion would)."""
    met = Enrollment.objects.filter(program=program, status=Status.IN_PROGRESS).filter(
        requirements_met(as_of.today)
    )
    for enrollment in met.select_related("program", "contact").order_by("id"):
        services._evaluate(enrollment, actor, now, as_of)
        enrollment.refresh_from_db()
        shown = as_of.status_of(enrollment.status, enrollment.expires_on).value
        if shown == Status.IN_PROGRESS:
            continue
        effect.enrollments_changed += 1
        effect._count(Status.IN_PROGRESS.value, shown)
        if len(effect.examples) < EXAMPLES:
            name = enrollment.contact.full_name
            effect.examples.append(
                Example(
                    enrollment.pk,
                    name,
                    enrollment.activated_on,
                    None,
                    enrollment.expires_on,
                    Status.IN_PROGRESS.value,
                    shown,
                )
            )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
