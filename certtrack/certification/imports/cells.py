"""One import row's cells read as the values a kind needs; each problem is kept with its
line and column, so a file's every error is reported, not just the first."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from certtrack.certification.dates import too_late
from certtrack.certification.services import EARLIEST_COMPLETION

from .files import Formula, RowError

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Check:
    """Reads cells and collects the errors of a whole file."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.bad_lines: set[int] = set()

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))
        self.bad_lines.add(line)

    def ok(self, line: int) -> bool:
        return line not in self.bad_lines

    def text(
        self, line: int, row: dict, column: str, *, required: bool = False, max_length: int = 0
    ) -> str:
        value = row.get(column, "")
        if isinstance(value, Formula):
            self.error(line, column, f"{value[:40]} is a formula: type the value itself")
            return ""
        if isinstance(value, date):
            value = value.isoformat()
        value = str(value).strip()
        if required and not value:
            self.error(line, column, "a value is required")
        elif max_length and len(value) > max_length:
            long = f"the value is {len(value)} characters long; at most {max_length}"
            self.error(line, column, long)
        return value

    def known(self, line: int, row: dict, column: str, objects: dict, noun: str):
        """The object whose code is in `column` (required), from `objects` by code."""
        code = self.text(line, row, column, required=True)
        found = objects.get(code)
        if code and found is None:
            self.error(line, column, f"unknown {noun} code {code}")
        return found

    def past_day(self, line: int, column: str, day: date | None, today: date) -> bool:
        """Whether `day` is a plausible past date: not after today, not before 1950."""
        if day is None:
            return False
        if day > today:
            self.error(line, column, f"{day} is in the future (today is {today})")
        elif day < EARLIEST_COMPLETION:
            self.error(line, column, f"{day} is before {EARLIEST_COMPLETION}: check the year")
        else:
            return True
        return False

    def day(self, line: int, row: dict, column: str, *, required: bool = False) -> date | None:
        day = self._day(line, row, column, required)
        if day is not None and (refused := too_late(day, "")):
            self.error(line, column, refused.strip())
            return None
        return day

    def _day(self, line: int, row: dict, column: str, required: bool) -> date | None:
        value = row.get(column, "")
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = self.text(line, row, column, required=required)
        if not text:
            return None
        if ISO_DAY.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.error(line, column, f"{text} is not a date (YYYY-MM-DD)")
        return None

    def number(self, line: int, row: dict, column: str) -> Decimal | None:
        text = self.text(line, row, column)
        if not text:
            return None
        try:
            value = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.error(line, column, f"{text} is not a number")
            return None
        return value
