"""Import — PRODUCT.md §8: contacts, completions and certifications from CSV or XLSX.

One service for the three doors (back-office, `certtrack import`, `POST /api/v1/imports`):
read the whole file → check every row (all errors, each with line and column) → if no
error and not a dry run, write everything in one transaction. A bad row, and nothing of
the file is written; a re-import finds every row again and reports it unchanged.
"""

import csv
import io
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from certtrack import clock
from certtrack.certification import events
from certtrack.certification.actors import Actor
from certtrack.certification.models import GeneralSettings

from . import certifications, completions, contacts
from .base import Context, Outcome, Result
from .files import FileRefused, RowError, fits, read

KINDS = {m.NAME: m for m in (contacts, completions, certifications)}

__all__ = ["KINDS", "FileRefused", "Outcome", "Result", "RowError", "run", "template"]


def run(
    kind: str,
    data: bytes,
    actor: Actor,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Import `data` (a CSV or XLSX file's bytes) as `kind`; with `dry_run`, write nothing.

    The result lists every row's outcome and every error; `written` is true only when the
    whole file was written. `progress(done, total)` is called as rows are checked.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}: one of {', '.join(KINDS)}.")
    module = KINDS[kind]
    result = Result(kind=kind, dry_run=dry_run)
    try:
        table = read(data, module.COLUMNS, module.REQUIRED)
    except FileRefused as refused:
        result.errors = refused.errors + _other_kind(refused.header, kind)
        return result
    now = now or clock.now()
    ctx = Context(actor, now, GeneralSettings.get().as_of(now), progress)
    check, outcomes, plan = module.check(table.rows, ctx)
    table.rows.clear()  # the plan holds what the write needs: the cells can go
    result.outcomes = outcomes
    result.errors = sorted(check.errors, key=lambda e: (e.line or 0, e.column))
    result.count()
    if result.errors or dry_run:
        return result
    if result.created + result.updated:
        # One file, one transaction: killed halfway, nothing of it stays.
        with transaction.atomic(), events.importing():
            module.write(plan, ctx)
    result.written = True
    return result


def _other_kind(header: frozenset[str], kind: str) -> list[RowError]:
    """A header refused for `kind` that is another kind's: say which (a new user's trial:
    a contacts file imported as completions got only "unknown column email" and more)."""
    for name, module in KINDS.items():
        if header and name != kind and fits(header, module.COLUMNS, module.REQUIRED):
            return [
                RowError(None, "", f"These are the columns of a {name} file: import it as {name}.")
            ]
    return []


def template(kind: str, fmt: str) -> tuple[bytes, str]:
    """A file with the kind's columns and one example row: (content, content type)."""
    module = KINDS[kind]
    header = list(module.EXAMPLE)
    row = [module.EXAMPLE[name] for name in header]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerow(row)
        return out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append(header)
    sheet.append(row)
    for cell in sheet[2]:
        cell.number_format = "@"  # text: a spreadsheet keeps 2023-05-17 as typed
    out = io.BytesIO()
    book.save(out)
    return (
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
