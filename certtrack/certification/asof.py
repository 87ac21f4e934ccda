"""As of any date — PRODUCT.md §11 "As of any date".

The status an enrollment had at the end of day D in the organization's zone:

- staff-set statuses from History: the last status change on or before D;
- certified statuses from the period that covered D (the latest period started by D),
  the dates deciding Active, Expiring or Expired — unless History says the row was
  suspended (Inactive), cancelled, declined or marked not completed by then;
- a row that had no History by D appears only when one of its periods covered D
  (a certification recorded today with a 2022 period answers for 2022);
- a future D projects the dates: History stops at now, the periods run on.

One SQL expression (`status_on_expr`) answers for every row of a query, so lists,
counts and exports stay queries; `replay` is the same rule read from the rows in
Python, for one enrollment (verification) and for the tests to hold the SQL to.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce

from .dates import time_status, too_late
from .errors import BadFilter
from .models import History, Period
from .periods import in_force
from .statuses import CERTIFIED, Status

# Statuses History holds against the dates: a period does not make these rows certified.
HELD = (Status.INACTIVE, Status.CANCELLED, Status.DECLINED, Status.NOT_COMPLETED)
EARLIEST = date(1900, 1, 1)
_NEVER = date(9999, 12, 31)  # a period that never expires, in one comparable column


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_day(text: str, parameter: str, name: str = "") -> date | None:
    """The day `text` names (YYYY-MM-DD), None when empty; BadFilter naming `parameter`
    (its message names the day `name`, for a page's reader; by default the parameter)."""
    name = name or parameter
    text = (text or "").strip()
    if not text:
        return None
    try:
        # Only YYYY-MM-DD: `fromisoformat` also reads "20270101" and "2027-W05-1".
        day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise BadFilter(parameter, f"{name} must be a real day (YYYY-MM-DD), not {text!r}.")
    if day < EARLIEST:
        raise BadFilter(
            parameter, f"{name} {text} is before 1900; certtrack holds no records then."
        )
    if refused := too_late(day, name):
        raise BadFilter(parameter, refused)
    return day


@dataclass(frozen=True)
class Day:
    """The end of `day` in the organization's zone, and what the dates say then."""

    day: date
    end: datetime  # the first moment after `day` in the organization's zone
    notice_days: int
    today: date  # the organization's today: a day at or after it reads the stored status

    @classmethod
    def of(cls, day: date, time_zone: str, notice_days: int, today: date) -> "Day":
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(time_zone))
        return cls(day, end, notice_days, today)

    @classmethod
    def at(cls, day: date, as_of) -> "Day":
        """The end of `day` for a read whose now is `as_of` (an `AsOf`)."""
        from .models import GeneralSettings

        return cls.of(day, GeneralSettings.get().time_zone, as_of.notice_days, as_of.today)

    @property
    def expiring_from(self) -> date:
        return self.day + timedelta(days=self.notice_days)


class _StatusOn(Expression):
    """CASE over (last History status by D, latest period's expiry by D), each read once."""

    output_field = models.CharField()

    def __init__(self, history, period, day: Day):
        super().__init__()
        self.history, self.period, self.at = history, period, day

    def get_source_expressions(self):
        return [self.history, self.period]

    def set_source_expressions(self, exprs):
        self.history, self.period = exprs

    def as_sql(self, compiler, connection):
        h_sql, h_params = compiler.compile(self.history)
        p_sql, p_params = compiler.compile(self.period)
        held = ", ".join(["%s"] * len(HELD))
        # PostgreSQL pulls the inner SELECT up into the CASE, so each of its four mentions of
        # x.h ran the History lookup again (EXPLAIN: 12 sub-plans a row, not 2); OFFSET 0 is
        # the documented fence that keeps it a subquery, each lookup read once.
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        expiring = (
            "WHEN x.p <= %s THEN 'expiring' " if self.at.notice_days > 0 else ""
        )  # 0 notice days: no Expiring status
        sql = (
            "(SELECT CASE "
            f"WHEN x.h IN ({held}) THEN x.h "
            "WHEN x.p IS NOT NULL AND x.h IS NULL AND x.p < %s THEN NULL "
            "WHEN x.p IS NOT NULL THEN CASE WHEN x.p < %s THEN 'expired' "
            f"{expiring}ELSE 'active' END "
            "ELSE x.h END "
            f"FROM (SELECT {h_sql} AS h, {p_sql} AS p{fence}) x)"
        )
        params = [*[s.value for s in HELD], self.at.day, self.at.day]
        if self.at.notice_days > 0:
            params.append(self.at.expiring_from)
        return sql, [*params, *h_params, *p_params]  # in the order the SQL names them


def status_on_expr(at: Day) -> Expression:
    """SQL: each enrollment's status at the end of `at.day` (NULL: the row was absent then).

    Two correlated lookups per row, each by an index: History (enrollment, at) — skipped
    for today or a future day, where the stored status is the last change — and Period
    (enrollment, number), skipped for rows never certified.
    """
    if at.day >= at.today:
        history = F("status")
    else:
        history = Subquery(
            History.objects.filter(enrollment_id=OuterRef("pk"), at__lt=at.end)
            .exclude(to_status="")
            .order_by("-at", "-id")
            .values("to_status")[:1],
            output_field=models.CharField(),
        )
    latest = (
        Period.objects.filter(enrollment_id=OuterRef("pk"), activated_on__lte=at.day)
        .order_by("-number")
        .annotate(until=Coalesce("expires_on", Value(_NEVER)))
        .values("until")[:1]
    )
    period = Case(
        When(period_number__gt=0, then=Subquery(latest, output_field=models.DateField())),
        default=Value(None, output_field=models.DateField()),
        output_field=models.DateField(),
    )
    return _StatusOn(history, period, at)


def status_from(history: str | None, until: date | None, at: Day) -> Status | None:
    """The rule of this module for one row: `history` the last History status by the day
    (None: none yet), `until` the latest period's expiry by the day (None: no period; the
    far future for one that never expires). None: the row is absent that day."""
    if history in HELD:
        return Status(history)
    if until is not None:
        if history is None and until < at.day:
            return None
        return time_status(None if until == _NEVER else until, at.day, at.notice_days)
    return Status(history) if history is not None else None


def replay(enrollment, at: Day) -> Status | None:
    """`status_on_expr` for one enrollment, read row by row in Python."""
    if at.day >= at.today:
        history = enrollment.status
    else:
        changes = [h for h in enrollment.history.all() if h.to_status and h.at < at.end]
        changes.sort(key=lambda h: (h.at, h.id))
        history = changes[-1].to_status if changes else None
    started = [p for p in enrollment.periods.all() if p.activated_on <= at.day]
    until = None
    if started:
        latest = max(started, key=lambda p: p.number)
        until = latest.expires_on or _NEVER
    return status_from(history, until, at)


def period_on(enrollment, day: date) -> Period | None:
    """The period of `enrollment` that covered `day` (the latest started by then), if any."""
    return in_force(enrollment.periods.all(), day)


def certified(status: Status | None) -> bool:
    return status in CERTIFIED


def end_of(day: date, now: datetime) -> Day:
    """`Day` for the end of `day` under the General Settings' zone and notice days."""
    from .models import GeneralSettings

    settings = GeneralSettings.get()
    return Day.of(day, settings.time_zone, settings.expiring_notice_days, settings.today(now))


def as_of_rows(queryset, at: Day, present: bool = True):
    """`queryset` with `current_status` = the status at the end of `at.day`, rows absent
    that day left out — or, with `present=False`, kept with NULL (a count grouped by status
    drops that group: the expression is then computed once per row, not twice)."""
    rows = queryset.annotate(current_status=status_on_expr(at))
    return rows.filter(current_status__isnull=False) if present else rows


def status_on(enrollment_id: int, at: Day) -> Status | None:
    """One enrollment's status at the end of `at.day` (None: it did not exist then)."""
    from .models import Enrollment

    row = as_of_rows(Enrollment.objects.filter(pk=enrollment_id), at).values_list(
        "current_status", flat=True
    )
    found = list(row)
    return Status(found[0]) if found else None
