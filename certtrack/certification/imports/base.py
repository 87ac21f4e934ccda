"""What every kind of import shares: the context, the per-row outcomes and the result."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from certtrack.certification.actors import Actor
from certtrack.certification.dates import AsOf
from certtrack.certification.models import History

from .files import RowError

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
# Progress is reported every this many rows (a callback may write to the database).
PROGRESS_EVERY = 1000
# IN (…) lists are cut to this many values: SQLite's limit, and plans stay simple.
CHUNK = 900


def by_code(rows, column: str, model) -> dict:
    """The `model` objects the rows name in `column`, by code."""
    codes = sorted({str(r.get(column, "")).strip() for _, r in rows} - {""})
    return {o.code: o for chunk in chunks(codes) for o in model.objects.filter(code__in=chunk)}


def as_named(row: dict, code_column: str, joiner: str) -> str:
    """A row in a few words as its file names it (the code, then the contact): what an error
    row's outcome shows, where the code or the contact may name nothing known."""

    def cell(column: str) -> str:
        return str(row.get(column, "")).strip()

    who = cell("contact_email") or cell("contact_external_id") or "(no contact)"
    return f"{cell(code_column) or f'(no {code_column})'} {joiner} {who}"


def compared(line: int, what: str, changes: dict) -> "Outcome":
    """An existing row's outcome: updated (naming what changes) or unchanged."""
    if changes:
        return Outcome(line, UPDATE, what + ": " + ", ".join(sorted(changes)))
    return Outcome(line, UNCHANGED, what)


@dataclass
class Context:
    actor: Actor
    now: datetime
    as_of: AsOf
    progress: Callable[[int, int], None] | None = None

    def history(self, **fields) -> History:
        """A History row (not saved) by this import's actor, at its moment."""
        actor = self.actor
        return History(
            at=self.now, actor=actor.label, actor_kind=actor.kind, user_id=actor.user_id, **fields
        )

    def tick(self, done: int, total: int) -> None:
        if self.progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            self.progress(done, total)


@dataclass(slots=True)
class Outcome:
    line: int
    outcome: str  # create / update / unchanged / error
    what: str  # the row in a few words, as the dry run shows it


@dataclass
class Result:
    """What an import did, or with `dry_run` would do. `written`: the file was written."""

    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    written: bool = False

    def count(self) -> None:
        self.rows = len(self.outcomes) or self.rows
        self.created = sum(o.outcome == CREATE for o in self.outcomes)
        self.updated = sum(o.outcome == UPDATE for o in self.outcomes)
        self.unchanged = sum(o.outcome == UNCHANGED for o in self.outcomes)

    @property
    def summary(self) -> str:
        if self.errors and not self.rows:  # refused before any row was read (its header)
            return f"{len(self.errors)} error(s) in the file: nothing was written."
        if self.errors:
            return f"{len(self.errors)} error(s) in {self.rows} row(s): nothing was written."
        verb = "would be" if self.dry_run else "were"
        tail = (
            " Nothing changed: the file was imported already."
            if (self.rows and self.unchanged == self.rows)
            else ""
        )
        return (
            f"{self.rows:,} row(s): {self.created:,} {verb} created, {self.updated:,} {verb} "
            f"updated, {self.unchanged:,} unchanged.{tail}"
        )

    def as_dict(self, outcomes: bool = True) -> dict:
        data = {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "summary": self.summary,
            "errors": [e.as_dict() for e in self.errors],
        }
        if outcomes:
            data["outcomes"] = [[o.line, o.outcome, o.what] for o in self.outcomes]
        return data


def chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
