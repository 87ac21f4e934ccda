"""A Tracking page of a large result as index range reads, the first and every next one.

Issue 18 (scale): "first 50 rows of a status, sorted by an indexed column" is an index
range read whatever the table's size, and so is "the 50 rows after this one" (keyset
pagination: `after=<id>` of the last row shown). One `ORDER BY … LIMIT` does not always
read that way, so a page is read as consecutive *parts*, each an index range read in the
order the whole has, until the page is full:

- a sort key that may be NULL (expiry, activation, application): the dated rows by
  (key, id), then the undated ones by id (where `tracking.order_terms` puts NULLs: last
  ascending, first descending). One query's `key > v OR key IS NULL` is no index range:
  Active by expiry read the index from its start and dropped the 168,000 expired rows
  before its first match (1.2 s at 1 M);
- by program: each program's rows by id, programs by name (those of one name are one
  part: their rows interleave by id), instead of joining and sorting every matching row
  by the program's name;
- by status with several statuses: each status's rows by id, statuses in the database's
  order of their names (one status filtered: by id alone, `tracking._ordering`);
- anything else (by contact): one part in the sort key's order.

After row `pk`, the parts before the one holding it are skipped, and that part reads from
just after it: `(key, id) > (v, pk)`, a row comparison (an index range on both
databases) — where the old `key > v OR (key = v AND id > pk)` read from the index's start.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import takewhile
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import (
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)

from .dates import AsOf
from .models import Enrollment, Program
from .statuses import Status
from .tracking import (
    DEFAULT_ORDERING,
    NULLABLE_KEYS,
    _ordering,
    _programs,
    _value,
    as_of_day,
    order_terms,
    parse_statuses,
)


@dataclass(frozen=True)
class Part:
    """Rows `q` of the whole, read in `order` (field names, `-` descending: one direction);
    `holds(values)` tells whether the row with these values is one of them."""

    q: Q
    order: list[str]
    holds: Callable[[dict[str, Any]], bool]


def _always(values: dict[str, Any]) -> bool:
    return True


def parts(params: Mapping, as_of: AsOf) -> list[Part]:
    """The parts of `params`' rows (a `tracking.tracking_queryset`), in the whole's order."""
    order = _ordering(params)
    key = (_value(params, "ordering") or DEFAULT_ORDERING).removeprefix("-")
    sign = "-" if order[0].startswith("-") else ""
    if as_of_day(params) is not None:  # statuses of another day: one query in its order
        return [Part(Q(), order, _always)]
    if key in NULLABLE_KEYS:
        return _dated_then_undated(params, as_of, key, sign)
    if key == "program":
        return _by_program(params, sign)
    if order[0].lstrip("-") == "current_status":
        return _by_status(params, as_of, sign)
    return [Part(Q(), order, _always)]


def _dated_then_undated(params: Mapping, as_of: AsOf, key: str, sign: str) -> list[Part]:
    dated = Q(**{f"{key}__isnull": False})
    if key == "expires_on" and set(parse_statuses(params)) == {Status.ACTIVE}:
        # Active's dated rows: a range from the horizon on (the status's own bound).
        dated = Q(expires_on__gt=as_of.active_after)
    parts_ = [
        Part(dated, [f"{sign}{key}", f"{sign}id"], lambda values: values[key] is not None),
        Part(Q(**{f"{key}__isnull": True}), [f"{sign}id"], lambda values: values[key] is None),
    ]
    return parts_ if not sign else parts_[::-1]  # NULLs last ascending, first descending


def _by_program(params: Mapping, sign: str) -> list[Part]:
    programs = Program.objects.order_by(f"{sign}name", f"{sign}id")
    if chosen := _programs(params):
        programs = programs.filter(pk__in=chosen)
    groups: dict[str, list[int]] = {}
    for pk, name in programs.values_list("pk", "name"):
        groups.setdefault(name, []).append(pk)
    return [
        Part(
            # `program_id = x` where the name is one program's: the simplest condition.
            Q(program_id=ids[0]) if len(ids) == 1 else Q(program_id__in=ids),
            [f"{sign}id"],
            lambda values, ids=frozenset(ids): values["program_id"] in ids,
        )
        for ids in groups.values()
    ]


def _by_status(params: Mapping, as_of: AsOf, sign: str) -> list[Part]:
    chosen = parse_statuses(params) or list(Status)
    names = _collated(sorted({status.value for status in chosen}))
    return [
        Part(
            as_of.status_q(name),
            [f"{sign}id"],
            lambda values, name=name: (
                as_of.status_of(values["status"], values["expires_on"]) == name
            ),
        )
        for name in (names[::-1] if sign else names)
    ]


def _collated(names: list[str]) -> list[str]:
    """`names` in the order the database sorts them (its collation: PostgreSQL's may
    ignore the underscore of "in_progress", Python's does not)."""
    if connection.vendor == "sqlite":
        return sorted(names)  # binary: Python's order
    values = ", ".join(["(%s)"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM (VALUES {values}) AS v(name) ORDER BY name", names)
        return [row[0] for row in cursor.fetchall()]


def parts_after(rows: QuerySet, parts_: list[Part], pk: int) -> list[Part] | None:
    """The rows of `parts_` that come after row `pk`: the later parts whole, the part
    holding it from just after it. None when `pk` is not among `rows`."""
    names = {"status", "expires_on", "program_id"}
    names |= {field.lstrip("-") for part in parts_ for field in part.order}
    last = rows.filter(pk=pk).values(*sorted(names)).first()
    if last is None:
        return None
    for index, part in enumerate(parts_):
        if part.holds(last):
            beyond = Part(part.q & _after(part.order, last), part.order, part.holds)
            return [beyond, *parts_[index + 1 :]]
    return []  # defensive: a row of `rows` in no part has nothing after it


def _after(order: list[str], last: dict[str, Any]) -> Q:
    """Rows after `last` in `order` (one direction, no NULL among its values)."""
    names = [field.lstrip("-") for field in order]
    values = [last[name] for name in names]
    descending = order[0].startswith("-")
    if None in values:  # only in one part's order (as of another day): the OR of ranges
        return _after_nullable(order, last)
    if len(names) == 1:
        return Q(**{f"{names[0]}__{'lt' if descending else 'gt'}": values[0]})
    after = TupleLessThan if descending else TupleGreaterThan
    q = Q(after(tuple(F(name) for name in names), tuple(values)))
    # Where the row comparison spans two tables (by contact: the contact's name, then the
    # enrollment's id), the leading columns of one table get their own bound: a range of
    # that table's index (contact_sort_name_idx from (last, first) on), not from the last name
    # on (the contacts of that last name before the row: 331 read for 51 rows at 1 M).
    # The first column's own bound too: SQLite gets a row comparison as ORs.
    q &= Q(**{f"{names[0]}__{'lte' if descending else 'gte'}": values[0]})
    table = names[0].rpartition("__")[0]
    lead = list(takewhile(lambda name: name.rpartition("__")[0] == table, names))
    if 1 < len(lead) < len(names):
        bound = TupleLessThanOrEqual if descending else TupleGreaterThanOrEqual
        q &= Q(bound(tuple(F(name) for name in lead), tuple(values[: len(lead)])))
    return q


def after_q(rows: QuerySet, params: Mapping, pk: int) -> Q | None:
    """Keyset pagination: rows of `rows` that come after row `pk` in `params`' ordering.

    The next page is then `rows.filter(after_q)[:size]`: a range read of the sort key's
    index from where the last page ended, whatever how far in (an OFFSET reads and drops
    every row before it). None when `pk` is not among `rows`. NULLs are where
    `order_terms` puts them: last ascending, first descending, on every database.
    """
    order = _ordering(params)
    last = rows.filter(pk=pk).values(*[f.lstrip("-") for f in order]).first()
    return None if last is None else _after_nullable(order, last)


def _after_nullable(order: list[str], last: dict[str, Any]) -> Q:
    """Rows after `last` in `order`, NULLs where `order_terms` puts them: an OR of
    ranges, which no index reads as one range (a part's own `_after` does)."""
    names = [f.lstrip("-") for f in order]
    q = Q(pk__in=[])
    equal = Q()
    for field, name in zip(order, names, strict=True):
        descending = field.startswith("-")
        nulls_last = not descending
        value = last[name]
        if value is None:
            beyond = Q(pk__in=[]) if nulls_last else Q(**{f"{name}__isnull": False})
            same = Q(**{f"{name}__isnull": True})
        else:
            beyond = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
            if nulls_last:
                beyond |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        q |= equal & beyond
        equal &= same
    return q


def read(rows: QuerySet, parts_: list[Part], limit: int) -> list[Enrollment]:
    """Up to `limit` rows of `rows`, part after part, each part in its order."""
    items: list[Enrollment] = []
    for part in parts_:
        if len(items) >= limit:
            break
        items += rows.filter(part.q).order_by(*order_terms(part.order))[: limit - len(items)]
    return items


def first_rows(rows: QuerySet, params: Mapping, as_of: AsOf, limit: int) -> list[Enrollment]:
    """`list(rows[:limit])` — the same rows in the same order — for `rows`, a
    `tracking_queryset(params, …)` (maybe narrowed further)."""
    return read(rows, parts(params, as_of), limit)


def page_after(
    rows: QuerySet, params: Mapping, as_of: AsOf, limit: int, pk: int | None
) -> tuple[list[Enrollment], int | None]:
    """Up to `limit` rows of `rows` after row `pk` (the first ones when `pk` is None or
    no row of `rows`), and the `pk` honoured (None: read from the start)."""
    parts_ = parts(params, as_of)
    if pk is not None and (later := parts_after(rows, parts_, pk)) is not None:
        return read(rows, later, limit), pk
    return read(rows, parts_, limit), None
