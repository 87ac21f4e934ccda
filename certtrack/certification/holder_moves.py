"""A program's holders and the move of their expiries (PRODUCT.md §11 "What if").

`holders` reads a program's holders with their current period; `AddMonths` and
`shown_status` are `expiry_for` and `AsOf.status_of` in SQL, for the what-if preview's
grouped counts. `move_in_python` (SQLite) and `move_in_sql` (PostgreSQL: one statement —
the new dates, the enrollments' and periods' UPDATEs, the History rows by INSERT … SELECT
and the count aggregate's deltas, grouped, while its update trigger skips these rows:
`counts.DEFERRED`) move each holder's current period to `activated_on + validity_months`
and return what moved, for `whatif` to count, show and re-arm reminders with.
"""

from collections import defaultdict
from datetime import date, datetime

from django.db import connection
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from . import counts
from .actors import Actor
from .dates import AsOf, expiry_for
from .models import Enrollment, History, Period, Program
from .search import by_name
from .statuses import CERTIFIED, OPEN, Status

BATCH = 2000


# The holders a validity change reaches: certified rows and suspended ones (Inactive with a
# period): their period runs on while suspended.
HOLDING = sorted({*CERTIFIED, Status.INACTIVE})
OPEN_ = sorted(OPEN)


def reached(program: Program):
    """The holders a validity change moves: every holding row of `program` but an Expired one
    whose contact holds a newer open enrollment there (enrolled again): moved back to
    Active it would be a second open enrollment of one contact in one program, which the
    database refuses — its old certification stays as it ended (docs/decisions.md)."""
    again = Enrollment.objects.filter(
        contact_id=OuterRef("contact_id"), program_id=OuterRef("program_id"), status__in=OPEN_
    )
    return Enrollment.objects.filter(
        program=program, period_number__gt=0, status__in=HOLDING
    ).exclude(Q(status=Status.EXPIRED) & Q(Exists(again)))


# The same condition in `move_in_sql`'s own SQL.
NOT_ENROLLED_AGAIN = f"""NOT (e.status = '{Status.EXPIRED.value}' AND EXISTS (
            SELECT 1 FROM {{enrollment}} o WHERE o.contact_id = e.contact_id
            AND o.program_id = e.program_id AND o.status = ANY(%(open)s)))"""


def holders(program: Program):
    """Holders with their current period's start and id: one query, no row per holder."""
    current = Period.objects.filter(
        enrollment_id=OuterRef("pk"), number=OuterRef("period_number")
    ).order_by()
    return (
        reached(program)
        .annotate(
            period_start=Subquery(current.values("activated_on")[:1]),
            period_pk=Subquery(current.values("pk")[:1]),
        )
        .order_by(*by_name("contact__"), "id")
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


def shown_status(expires: str, as_of: AsOf) -> Case:
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


# One moved holder: (enrollment, its period's start, old date, new date, new cycle, new
# stored status, period number, status shown before, status shown after, family name,
# given name).
Moved = tuple[int, date, date | None, date | None, int, str, int, str, str, str, str]


def move_in_python(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, reason: str
) -> list[Moved]:
    """SQLite: the holders read once, the new dates by `expiry_for`, updates grouped by
    (new date, old stored status, new stored status)."""
    groups: dict[tuple, list] = defaultdict(list)
    history, moved = [], []
    for pk, stored, old, cycle, number, start, period_pk, first, last in holders(program):
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
                changes={"expires_on": [iso(old), iso(new)]},
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


def move_in_sql(
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
               c.last_name, c.first_name, c.sort_last_name, c.sort_first_name
        FROM {enrollment} e
        JOIN {period} p ON p.enrollment_id = e.id AND p.number = e.period_number
        JOIN {contact} c ON c.id = e.contact_id
        WHERE e.program_id = %(program)s AND e.period_number > 0
          AND e.status = ANY(%(holding)s) AND p.activated_on IS NOT NULL
          AND e.expires_on IS DISTINCT FROM {new}
          AND {NOT_ENROLLED_AGAIN.format(enrollment=enrollment)}
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
                  s.last_name, s.first_name, s.sort_last_name, s.sort_first_name,
                  e.program_id
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
        FROM moved m ORDER BY m.sort_last_name, m.sort_first_name, m.id
    ){{counted}}
    SELECT id, start, old, new, cycle, new_stored, period_number, shown_old, shown_new,
           last_name, first_name
    FROM moved ORDER BY sort_last_name, sort_first_name, id
    """
    params = {
        "program": program.pk,
        "holding": [str(s) for s in HOLDING],
        "open": [str(s) for s in OPEN_],
        "now": now,
        "today": as_of.today,
        "expiring_from": as_of.expiring_from,
        "actor": actor.label,
        "kind": actor.kind,
        "user": actor.user_id,
        "reason": reason,
    }
    with connection.cursor() as cursor:
        deferred = counts_deferrable(cursor)
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


def counts_deferrable(cursor) -> bool:
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


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
