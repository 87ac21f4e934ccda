"""The Quick Filter's counts without scanning the enrollments — issue 18 (scale).

`EnrollmentCount` holds rows (program, stored status, expires_on, n): for every key, the
sum of `n` equals COUNT(*) of the enrollments with that key. Database triggers on the
enrollment table (migration 0011_scale_counts) append a +1 row for the new key and a −1
row for the old one in the transaction that writes the enrollment, so every write path —
services, bulk updates, imports, raw SQL, the worker — keeps it right. Writers only ever
append (no hot row, no lock between two writers); `fold` (the worker, every 10 minutes)
adds the appended rows into one *folded* row per key: its cost grows with the rows
appended since the last fold, not with the keys.

The counts true *now* are sums over `expires_on` ranges of it (`AsOf.status_q` and the
CASE of `Enrollment.status_counts` read these columns by the same names): their cost
grows with the number of distinct (program, status, date) keys, not with rows, and a
new day needs no rebuild.
"""

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models, transaction
from django.db.models import Q, Sum, Value

from .dates import AsOf
from .statuses import Status

TABLE = "certification_enrollmentcount"
ENROLLMENTS = "certification_enrollment"
ANY = "*"  # the status of a program's total row
# The shown bound of a count the aggregate cannot answer ("10,000+"): LIMIT CAP + 1.
CAP = 10_000
# Criteria of the shared Tracking parser the aggregate answers (plus `ordering`, `page`).
ANSWERED = frozenset({"status", "program", "expires_from", "expires_to", "expires_within_days"})


class EnrollmentCount(models.Model):
    """+1/−1 rows per key, at three levels; folded by the worker.

    Why a table: the Quick Filter's counts and a Tracking page's total (`status_counts`,
    `program_counts`, `total`) read it instead of COUNT(*) over the enrollments.
    Each enrollment counts once at each level, so each read is a range of few keys:
    - (program, status, expires_on): one program's counts (`?program=`);
    - (NULL, status, expires_on): all programs (the Quick Filter's statuses, "All");
      its size is bounded by statuses × distinct dates, whatever the number of programs;
    - (program, ANY, NULL): the program's total (the Quick Filter's programs).
    """

    program_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=20)
    expires_on = models.DateField(null=True)
    n = models.IntegerField()
    # The one summed row of its key (`fold`); appended rows (the triggers') are not.
    folded = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = TABLE
        indexes = [
            # status_counts / total: the keys of some programs, or of all (program NULL).
            # On PostgreSQL it also carries `n` (INCLUDE, migration 0016): a count is an
            # index-only scan (Active's total at 1 M: 2,049 keys, 3.5 ms → 1.3 ms).
            models.Index(
                fields=["program_id", "status", "expires_on"], name="enrollmentcount_key_idx"
            ),
            # program_counts: the per-program totals only.
            models.Index(
                fields=["program_id"],
                name="enrollmentcount_program_idx",
                condition=Q(status="*"),
            ),
            # fold: the rows appended since the last fold, without reading the folded ones.
            models.Index(
                fields=["id"], name="enrollmentcount_unfolded_idx", condition=Q(folded=False)
            ),
        ]
        # Also, in SQL of each database (migration 0015): one folded row per key, the
        # unique index enrollmentcount_folded_key on _FOLDED_KEY, fold's upsert target.

    def __str__(self) -> str:
        return f"{self.n:+d} {self.status} {self.expires_on} in program {self.program_id}"


class CountCheck(models.Model):
    """The daily comparison of the aggregate with COUNT(*) (the worker's `check_counts`).

    Why a table: the overview's warnings read the latest row (a mismatch stays shown
    until a later check finds none, e.g. after `certtrack rebuild-counts`).
    """

    checked_at = models.DateTimeField(db_index=True)
    mismatched_keys = models.PositiveIntegerField(default=0)
    enrollments = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M}: {self.mismatched_keys} key(s) differ"


# --- reads -------------------------------------------------------------------------------


def _keys(programs: list[int] | None = None):
    rows = EnrollmentCount.objects.order_by()
    if programs:
        return rows.filter(program_id__in=programs).exclude(status=ANY)
    return rows.filter(program_id__isnull=True)


def status_counts(
    as_of: AsOf, programs: list[int] | None = None, expiry: Q | None = None
) -> dict[str, int]:
    """How many enrollments are in each of the ten statuses true on `as_of.today`
    (of `programs` when given, and matching the `expiry` filter on status/expires_on)."""
    from .models import _current_status_expr  # the same CASE as the scanning count

    counts = {status.value: 0 for status in Status}
    keys = _keys(programs)
    if expiry is not None:
        keys = keys.filter(expiry)
    rows = (
        keys.annotate(now_status=_current_status_expr(as_of))
        .values("now_status")
        .annotate(total=Sum("n"))
    )
    for row in rows:
        counts[row["now_status"]] = row["total"] or 0
    return counts


def program_counts(
    as_of: AsOf | None = None, statuses=(), expiry: Q | None = None
) -> dict[int, int]:
    """How many enrollments each program has (any status); with `statuses` (true on
    `as_of.today`) or the `expiry` filter, only those rows (sums of the program keys)."""
    rows = EnrollmentCount.objects.order_by().filter(program_id__isnull=False)
    if not statuses and expiry is None:
        rows = rows.filter(status=ANY)
    else:
        rows = _narrowed(rows.exclude(status=ANY), as_of, statuses, expiry)
    rows = rows.values("program_id").annotate(total=Sum("n"))
    return {row["program_id"]: row["total"] for row in rows if row["total"]}


# Parameters that choose no rows (how they are shown, sorted, paged).
DISPLAY = frozenset({"ordering", "page", "page_size", "per_page", "after", "customize"})


def answers(params: Mapping) -> bool:
    """Whether the aggregate can count the rows of the Tracking criteria `params`."""
    return all(
        name in ANSWERED or name in DISPLAY
        for name, value in _items(params)
        if str(value).strip() not in ("", "None")
    )


def _items(params: Mapping):
    if hasattr(params, "lists"):
        return [(k, v) for k, values in params.lists() for v in values]
    return list(params.items())


def total(params: Mapping, as_of: AsOf) -> int:
    """How many rows match `params` (only criteria `answers` accepts), from the aggregate."""
    from .tracking import parsed_range_criteria

    statuses, programs, expiry = parsed_range_criteria(params, as_of)
    rows = _narrowed(_keys(programs), as_of, statuses, expiry)
    return rows.aggregate(total=Sum("n"))["total"] or 0


def _narrowed(rows, as_of: AsOf | None, statuses, expiry: Q | None):
    """The aggregate's keys of the `statuses` true on `as_of.today`, within `expiry`."""
    if statuses:
        q = Q(pk__in=[])
        for status in statuses:
            q |= as_of.status_q(status)
        rows = rows.filter(q)
    if expiry is not None:
        rows = rows.filter(expiry)
    return rows


def capped_count(queryset, cap: int = CAP) -> int:
    """COUNT(*) of `queryset` read no further than `cap` + 1 rows ("10,000+" beyond)."""
    # A constant per row in the subquery: no joined contact / program column to read, and
    # not even the id — Django's `.values("pk")[:n].count()` selects it, and SQLite handing
    # 10,001 ids out of the covering index took 0.40 ms where `SELECT 1` took 0.25 (1 M).
    inner = queryset.order_by().values(one=Value(1))[: cap + 1]
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a condition no row meets (`none()`, `pk__in=[]`)
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS capped", params)
        return cursor.fetchone()[0]


# --- upkeep ------------------------------------------------------------------------------


# The folded row's key, NULLs made comparable by a value no row has (program ids start
# at 1; PostgreSQL's `infinity` is no date Python has; SQLite stores dates as text).
_FOLDED_KEY = {
    "postgresql": "(COALESCE(program_id, 0), status, COALESCE(expires_on, 'infinity'::date))",
    "sqlite": "(COALESCE(program_id, 0), status, COALESCE(expires_on, 'none'))",
}


def fold(now: datetime | None = None) -> int:
    """Add the appended rows into their key's folded row; return how many were folded.

    Reads and writes only the appended rows and the folded rows of their keys (an
    upsert on the unique index of folded keys), whatever the number of keys; a folded
    row that comes to 0 is deleted. PostgreSQL: one statement for the move (its DELETE
    sees one snapshot: rows appended by transactions not yet committed stay for the next
    fold; two folds at once wait for each other on the folded rows they share).
    SQLite: writers are serialised, and the first statement takes the write lock.
    """
    vendor = connection.vendor
    upsert = (
        f"INSERT INTO {TABLE} AS folded_row (program_id, status, expires_on, n, folded) "
        "SELECT program_id, status, expires_on, SUM(n), true FROM {rows} "
        "GROUP BY program_id, status, expires_on HAVING SUM(n) <> 0 "
        f"ON CONFLICT {_FOLDED_KEY[vendor]} WHERE folded "
        "DO UPDATE SET n = folded_row.n + excluded.n RETURNING id, n"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TABLE} WHERE NOT folded "
                "RETURNING program_id, status, expires_on, n), "
                f"written AS ({upsert.format(rows='gone')}) "
                "SELECT (SELECT COUNT(*) FROM gone), "
                "COALESCE(array_agg(id) FILTER (WHERE n = 0), '{}') FROM written"
            )
            folded, zero = cursor.fetchone()
        else:
            cursor.execute(upsert.format(rows=f"{TABLE} WHERE NOT folded"))
            zero = [pk for pk, n in cursor.fetchall() if n == 0]
            cursor.execute(f"DELETE FROM {TABLE} WHERE NOT folded")
            folded = cursor.rowcount
        if zero:
            marks = ", ".join(["%s"] * len(zero))
            cursor.execute(f"DELETE FROM {TABLE} WHERE id IN ({marks})", zero)
        return folded


# Dead rows of the aggregate after which the worker vacuums it itself (PostgreSQL).
VACUUM_AFTER = 5_000


def fold_counts(now: datetime) -> int:
    """Worker step, each pass: fold the rows appended since the last fold (after the
    pass's transitions: the next reads sum few rows); on PostgreSQL, vacuum the aggregate
    once it holds VACUUM_AFTER dead rows. Returns 0 (no item to report).

    Each fold leaves dead rows (the appended ones, the old versions of the folded ones);
    a count steps over them until a vacuum: with 1.6 million of them (autovacuum off, as
    on the CI machine) Active's total took 45 ms instead of 1.3. Autovacuum (migration
    0016 sets this table's thresholds) would do it too; the worker does not count on it.
    """
    fold(now)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = %s::regclass",
                [TABLE],
            )
            row = cursor.fetchone()
            if row is not None and row[0] >= VACUUM_AFTER:
                cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
    return 0


# Every enrollment at the three levels, each row with `n`.
_LEVELS = (
    f"SELECT program_id, status, expires_on, {{n}} AS n FROM {ENROLLMENTS} UNION ALL "
    f"SELECT NULL, status, expires_on, {{n}} FROM {ENROLLMENTS} UNION ALL "
    f"SELECT program_id, '{ANY}', NULL, {{n}} FROM {ENROLLMENTS}"
)


# The aggregate of the rows there, folded (rebuild).
FILL = (
    f"INSERT INTO {TABLE} (program_id, status, expires_on, n, folded) "
    f"SELECT program_id, status, expires_on, SUM(n), true FROM ({_LEVELS.format(n='1')}) AS k "
    "GROUP BY program_id, status, expires_on"
)


def mismatches() -> list[tuple]:
    """Keys (program, status, expires_on, aggregate − COUNT(*)) where the two differ.

    One statement, so one snapshot on PostgreSQL: a concurrent write is either in both
    sides or in neither. Scans the enrollments: the worker runs it once a day.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT program_id, status, expires_on, SUM(n) FROM ("
            f"SELECT program_id, status, expires_on, n FROM {TABLE} UNION ALL "
            f"{_LEVELS.format(n='-1')}) AS k "
            "GROUP BY program_id, status, expires_on HAVING SUM(n) <> 0"
        )
        return cursor.fetchall()


CHECK_EVERY_HOURS = 24


def check_counts(now: datetime, force: bool = False) -> int:
    """Worker step: once a day, compare the aggregate with COUNT(*) and record the result.

    Returns the number of keys that differ (0 most passes: not due, or all equal).
    """
    last = CountCheck.objects.first()
    if (
        not force
        and last is not None
        and (now - last.checked_at).total_seconds() < CHECK_EVERY_HOURS * 3600
    ):
        return 0
    wrong = mismatches()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {ENROLLMENTS}")
        enrollments = cursor.fetchone()[0]
    CountCheck.objects.create(checked_at=now, mismatched_keys=len(wrong), enrollments=enrollments)
    kept = list(CountCheck.objects.values_list("pk", flat=True)[:30])
    CountCheck.objects.exclude(pk__in=kept).delete()
    return len(wrong)


def last_check_failed() -> CountCheck | None:
    """The latest check when it found a difference (the overview's warning), else None."""
    last = CountCheck.objects.first()
    return last if last is not None and last.mismatched_keys else None


def rebuild() -> int:
    """Replace the aggregate by COUNT(*) per key; return the number of keys.

    PostgreSQL: the enrollment table is locked against writes for the statement's
    duration (SHARE mode: reads go on), so no write falls between the delete and the
    insert. SQLite: the DELETE takes the database's write lock.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {ENROLLMENTS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(FILL)
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


# --- the triggers ------------------------------------------------------------------------

_KEY = "program_id, status, expires_on"


def _rows(row: str, n: int) -> str:
    """The VALUES of `row` (OLD or NEW) at the three levels."""
    return (
        f"({row}.program_id, {row}.status, {row}.expires_on, {n}), "
        f"(NULL, {row}.status, {row}.expires_on, {n}), "
        f"({row}.program_id, '{ANY}', NULL, {n})"
    )


# PostgreSQL: a statement that writes the aggregate's deltas itself, grouped, sets this
# (transaction-local, `set_config(…, 'on', true)`) around its UPDATE so that the update
# trigger skips its rows (`holder_moves.move_in_sql`: 100,000 rows, 10 s of trigger calls).
DEFERRED = "certtrack.counts_deferred"

_PG = f"""
CREATE OR REPLACE FUNCTION certification_enrollment_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO {TABLE} ({_KEY}, n) VALUES {_rows("OLD", -1)};
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO {TABLE} ({_KEY}, n) VALUES {_rows("NEW", 1)};
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS certification_enrollment_count_write ON {ENROLLMENTS};
CREATE TRIGGER certification_enrollment_count_write AFTER INSERT OR DELETE ON {ENROLLMENTS}
    FOR EACH ROW EXECUTE FUNCTION certification_enrollment_count();
DROP TRIGGER IF EXISTS certification_enrollment_count_update ON {ENROLLMENTS};
CREATE TRIGGER certification_enrollment_count_update
    AFTER UPDATE OF program_id, status, expires_on ON {ENROLLMENTS} FOR EACH ROW
    WHEN ((OLD.program_id IS DISTINCT FROM NEW.program_id OR OLD.status IS DISTINCT FROM NEW.status
           OR OLD.expires_on IS DISTINCT FROM NEW.expires_on)
          AND current_setting('{DEFERRED}', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION certification_enrollment_count();
"""
_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS certification_enrollment_count_insert
    AFTER INSERT ON {ENROLLMENTS} BEGIN
    INSERT INTO {TABLE} ({_KEY}, n) VALUES {_rows("NEW", 1)};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS certification_enrollment_count_delete
    AFTER DELETE ON {ENROLLMENTS} BEGIN
    INSERT INTO {TABLE} ({_KEY}, n) VALUES {_rows("OLD", -1)};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS certification_enrollment_count_update
    AFTER UPDATE OF program_id, status, expires_on ON {ENROLLMENTS}
    WHEN OLD.program_id IS NOT NEW.program_id OR OLD.status IS NOT NEW.status
        OR OLD.expires_on IS NOT NEW.expires_on BEGIN
    INSERT INTO {TABLE} ({_KEY}, n) VALUES {_rows("OLD", -1)};
    INSERT INTO {TABLE} ({_KEY}, n) VALUES {_rows("NEW", 1)};
    END""",
]


def install_triggers(conn=None) -> None:
    """Create the enrollment table's count triggers (idempotent).

    Also run after every `migrate` (apps.py): on SQLite, Django rebuilds a table it alters
    (copy, drop, rename), which drops that table's triggers.
    """
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_PG)
        else:
            for statement in _SQLITE:
                cursor.execute(statement)


def install_folded_key(conn=None) -> None:
    """Create the unique index of the folded rows' keys, fold's upsert target (idempotent).

    Created by migration 0015; also after every `migrate` (apps.py): SQLite drops it when
    a migration rebuilds the table (it is no Django index: NULL keys need each database's
    own stand-in value).
    """
    conn = conn or connection
    with conn.cursor() as cursor:
        cursor.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS enrollmentcount_folded_key ON {TABLE} "
            f"{_FOLDED_KEY[conn.vendor]} WHERE folded"
        )


def remove_triggers(conn=None) -> None:
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                f"DROP TRIGGER IF EXISTS certification_enrollment_count_write ON {ENROLLMENTS}"
            )
            cursor.execute(
                f"DROP TRIGGER IF EXISTS certification_enrollment_count_update ON {ENROLLMENTS}"
            )
            cursor.execute("DROP FUNCTION IF EXISTS certification_enrollment_count()")
        else:
            for name in ("insert", "delete", "update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS certification_enrollment_count_{name}")
