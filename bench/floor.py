"""The floor: hand-written SQL for the same results the product computes.

Each function answers what one API call answers — a page of the Tracking list with
its count and what progress needs, the ten status counts — in as few plain queries as
a person writing SQL by hand would use, on the same connection, through the DB-API
cursor (no ORM). Like the product, each first reads the settings row (today's date and
the notice days decide which status is true now). The benchmark divides the
product's time by these.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from certtrack.certification.search import fold

E = "certification_enrollment"
C = "certification_contact"
P = "certification_program"
PC = "certification_programcomponent"
CO = "certification_component"
CP = "certification_completion"
PE = "certification_period"
PU = "certification_periodcompletion"
CERTIFIED = ("active", "expired", "expiring")


@dataclass(frozen=True)
class Filter:
    """One Tracking filter: a status (true today), a program, search words, or the
    renewal state `open` (the window is open today and no review is pending)."""

    status: str | None = None
    program: int | None = None
    words: tuple[str, ...] = ()
    renewal: str | None = None
    ordering: str = "contact"  # or "expires_on"
    # The Tracking tab's "Progress" (none / partial / complete) and "at least N %".
    progress: str | None = None
    progress_min: int | None = None

    def params(self) -> dict[str, str]:
        """The same filter as API query parameters."""
        out = {"ordering": self.ordering}
        if self.status:
            out["status"] = self.status
        if self.program:
            out["program"] = str(self.program)
        if self.words:
            out["q"] = " ".join(self.words)
        if self.renewal:
            out["renewal"] = self.renewal
        if self.progress:
            out["progress"] = self.progress
        if self.progress_min:
            out["progress_min"] = str(self.progress_min)
        return out


def _settings(cursor) -> None:
    """Read what "today" and the notice days come from: the true-now statuses depend on it."""
    cursor.execute(
        "SELECT expiring_notice_days, time_zone FROM certification_generalsettings WHERE id = 1"
    )
    cursor.fetchone()


def status_sql(status: str, today: date, notice_days: int) -> tuple[str, list]:
    """A WHERE fragment on `e` matching rows whose status today is `status`."""
    certified = "e.status IN ('active', 'expired', 'expiring')"
    horizon = today + timedelta(days=notice_days)
    if status == "expired":
        return f"{certified} AND e.expires_on < %s", [today]
    if status == "expiring":
        if notice_days <= 0:
            return "1 = 0", []
        return f"{certified} AND e.expires_on >= %s AND e.expires_on <= %s", [today, horizon]
    if status == "active":
        if notice_days <= 0:
            horizon = today - timedelta(days=1)
        return f"{certified} AND (e.expires_on IS NULL OR e.expires_on > %s)", [horizon]
    return "e.status = %s", [status]


def _like(column: str) -> str:
    # The form Django's contains takes, so both use the same (trigram) index.
    if connection.vendor == "postgresql":
        return f"{column} LIKE %s"
    return f"{column} LIKE %s ESCAPE '\\'"


def _plus_window(day: date) -> str:
    """SQL: `day` + the program's renewal window, in days (a date)."""
    if connection.vendor == "postgresql":
        return "(%s::date + p.renewal_window_days)"
    return "date(%s, '+' || p.renewal_window_days || ' days')"


def renewal_open_sql(today: date, longest_window: int) -> tuple[str, list]:
    """A WHERE fragment on `e` joined to its program `p`: the renewal is open today (from
    expires_on − window through expires_on) and not in review. `longest_window` bounds
    the expiry range so that the (status, expires_on) index serves it."""
    sql = (
        "e.status IN ('active', 'expired', 'expiring') AND e.renewal_review_on IS NULL"
        " AND p.renewal_window_days > 0 AND e.expires_on >= %s AND e.expires_on <= %s"
        f" AND e.expires_on <= {_plus_window(today)}"
    )
    return sql, [today, today + timedelta(days=longest_window), today]


def where(f: Filter, today: date, notice_days: int, cursor=None) -> tuple[str, list]:
    parts, params = [], []
    if f.renewal:
        assert f.renewal == "open", f.renewal
        cursor.execute(f"SELECT MAX(renewal_window_days) FROM {P}")
        sql, p = renewal_open_sql(today, cursor.fetchone()[0] or 0)
        parts.append(f"({sql})")
        params += p
    if f.status:
        sql, p = status_sql(f.status, today, notice_days)
        parts.append(f"({sql})")
        params += p
    if f.program:
        parts.append("e.program_id = %s")
        params.append(f.program)
    if f.progress or f.progress_min:
        sql, p = progress_sql(f.progress, f.progress_min)
        parts.append(sql)
        params += p
    for word in f.words:
        folded = fold(word)  # as the contact's search_key was (certification.search)
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        parts.append(_like("c.search_key"))
        params.append(pattern)
    return (" AND ".join(parts) or "1 = 1"), params


def progress_sql(progress: str | None, at_least: int | None) -> tuple[str, list]:
    """A WHERE fragment on `e`: the stored progress (index enrollment_progress_idx)."""
    if progress == "none":
        # The term of enrollment_unstarted_exp_idx's condition, as the product's filter.
        return "NOT e.progress_started", []
    parts, params = ["e.progress_started = %s"], [True]
    if progress == "partial":
        parts.append("e.progress_percent < 100")
    elif progress == "complete":
        parts.append("e.progress_percent = 100")
    if at_least:
        parts.append("e.progress_percent >= %s")
        params.append(at_least)
    return " AND ".join(parts), params


# Undated rows last ascending on both databases (docs/decisions.md).
ORDER = {
    "contact": "c.sort_last_name, c.sort_first_name, e.id",
    "expires_on": "e.expires_on ASC NULLS LAST, e.id",
}


# A page's columns (read below by position: contact 8, program 13, progress until 16): as
# the API's list has measured them since issue 18, and the Tracking tab's own
# (`backoffice.rows.TAB_FIELDS`: what its table shows).
_FIRST = (
    "e.id, e.status, e.expires_on, e.applied_on, e.started_on, e.completed_on,"
    " e.activated_on, e.certificate_number, e.contact_id, c.first_name, c.last_name,"
    " c.email, c.organization, e.program_id, p.name, p.code, e.progress_until"
)
_PROGRESS = (
    "e.progress_percent, e.progress_credits, e.progress_hours, e.progress_required_done,"
    " e.progress_required_total, p.credits_required, p.hours_required"
)
ROW_COLUMNS = f"{_FIRST}, {_PROGRESS}"
TAB_COLUMNS = (
    "e.id, e.status, e.expires_on, e.applied_on, e.activated_on, c.first_name, c.last_name,"
    " c.email, e.contact_id, c.organization, p.category, p.completion_recency_months, c.id,"
    f" e.program_id, p.name, p.code, e.progress_until, {_PROGRESS}"
)


def _day(value) -> date:
    """A date column's value (SQLite's raw cursor may hand back its text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def page(
    f: Filter,
    today: date,
    notice_days: int,
    size: int = 50,
    cap: int | None = None,
    stored_progress: bool = False,
) -> dict:
    """Page 1 of the Tracking list: count, rows (with contact and program), progress.

    `stored_progress`: as the Tracking tab shows it — each row's stored columns, and the
    rows' components and completions only for rows whose stored values ran out on `today`
    (`progress_store.shown`); else (the API's objects) those of every row."""
    joins = f"FROM {E} e JOIN {C} c ON c.id = e.contact_id"
    with connection.cursor() as cursor:
        _settings(cursor)
        sql, params = where(f, today, notice_days, cursor)
        count_joins = joins if f.words else f"FROM {E} e"
        if f.renewal:
            count_joins += f" JOIN {P} p ON p.id = e.program_id"
        if cap is None:
            cursor.execute(f"SELECT COUNT(*) {count_joins} WHERE {sql}", params)
        else:  # the Tracking tab's count of other criteria: read no further than cap + 1
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 {count_joins} WHERE {sql} LIMIT %s) AS k",
                [*params, cap + 1],
            )
        count = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT {TAB_COLUMNS if stored_progress else ROW_COLUMNS} "
            f"{joins} JOIN {P} p ON p.id = e.program_id WHERE {sql} "
            f"ORDER BY {ORDER[f.ordering]} LIMIT %s",
            [*params, size],
        )
        rows = cursor.fetchall()
        evaluated = rows
        if stored_progress:
            evaluated = [r for r in rows if r[16] is not None and _day(r[16]) < today]
        programs = sorted({r[13] for r in evaluated})
        contacts = sorted({r[8] for r in evaluated})
        links = completions = []
        if evaluated:
            marks = ", ".join(["%s"] * len(programs))
            cursor.execute(
                "SELECT pc.program_id, pc.component_id, pc.required, co.credits_earned,"
                f" co.hours_earned FROM {PC} pc JOIN {CO} co ON co.id = pc.component_id"
                f" WHERE pc.program_id IN ({marks})",
                programs,
            )
            links = cursor.fetchall()
            components = sorted({link[1] for link in links})
            if components:
                cmarks = ", ".join(["%s"] * len(contacts))
                kmarks = ", ".join(["%s"] * len(components))
                cursor.execute(
                    "SELECT contact_id, component_id, completed_on FROM "
                    f"{CP} WHERE contact_id IN ({cmarks}) AND component_id IN ({kmarks})"
                    " AND removed_at IS NULL AND state = 'approved' AND passed",
                    [*contacts, *components],
                )
                completions = cursor.fetchall()
        periods = []
        if rows and f.renewal:
            # Renewal progress also needs each row's periods and the completions they used.
            marks = ", ".join(["%s"] * len(rows))
            cursor.execute(
                "SELECT enrollment_id, number, activated_on, expires_on, renewed_on, source "
                f"FROM {PE} WHERE enrollment_id IN ({marks}) ORDER BY enrollment_id, number",
                [r[0] for r in rows],
            )
            periods = cursor.fetchall()
            cmarks = ", ".join(["%s"] * len(contacts))
            cursor.execute(
                f"SELECT contact_id, program_id, completion_id FROM {PU} "
                f"WHERE contact_id IN ({cmarks})",
                contacts,
            )
            periods += cursor.fetchall()
    return {
        "count": count,
        "ids": [r[0] for r in rows],
        "links": links,
        "done": completions,
        "periods": periods,
    }


def status_counts(today: date, notice_days: int) -> dict[str, int]:
    """The ten counts by the status true today: one grouped query."""
    horizon = today + timedelta(days=notice_days)
    expiring = "WHEN expires_on <= %s THEN 'expiring' " if notice_days > 0 else ""
    params = [today, horizon] if notice_days > 0 else [today]
    with connection.cursor() as cursor:
        _settings(cursor)
        cursor.execute(
            "SELECT CASE WHEN status IN ('active', 'expired', 'expiring') THEN CASE "
            "WHEN expires_on IS NULL THEN 'active' WHEN expires_on < %s THEN 'expired' "
            f"{expiring}ELSE 'active' END ELSE status END AS now_status, COUNT(*) "
            f"FROM {E} GROUP BY 1",
            params,
        )
        return dict(cursor.fetchall())


def _now_status() -> str:
    return (
        "CASE WHEN e.status IN ('active', 'expired', 'expiring') THEN CASE "
        "WHEN e.expires_on IS NULL THEN 'active' WHEN e.expires_on < %s THEN 'expired' "
        "WHEN e.expires_on <= %s THEN 'expiring' ELSE 'active' END ELSE e.status END"
    )


def filtered_counts(f: Filter, today: date, notice_days: int) -> tuple[dict, dict]:
    """The Quick Filter's counts under the other criteria of `f` (no status or program in
    it): the ten statuses' and the programs', one grouped query each."""
    assert notice_days > 0 and not f.status and not f.program
    horizon = today + timedelta(days=notice_days)
    joins = f"FROM {E} e JOIN {C} c ON c.id = e.contact_id" if f.words else f"FROM {E} e"
    with connection.cursor() as cursor:
        _settings(cursor)
        sql, params = where(f, today, notice_days, cursor)
        cursor.execute(
            f"SELECT {_now_status()} AS now_status, COUNT(*) {joins} WHERE {sql} GROUP BY 1",
            [today, horizon, *params],
        )
        statuses = dict(cursor.fetchall())
        cursor.execute(
            f"SELECT e.program_id, COUNT(*) {joins} WHERE {sql} GROUP BY e.program_id", params
        )
        programs = dict(cursor.fetchall())
    return statuses, programs
