"""Reading an import file — PRODUCT.md §8: CSV (UTF-8, with or without BOM, `,` or `;`)
or XLSX (first sheet), into (line, {column: value}) rows with the file's problems named.

The whole file is checked before a row is read: its size, its kind (by its first bytes,
not its name), its header (missing, unknown, duplicate columns). Cells are returned as
text, or as `date` where the spreadsheet holds a date; a formula is refused, never run.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

# A migration file of 100,000 rows is about 6 MB; 50 MB leaves room and refuses a file
# that would hold the worker's memory (the 200 MB case of the issue) before reading it.
MAX_FILE_BYTES = 50 * 1024 * 1024
# An XLSX is a zip: its unpacked size is what reading costs (a "zip bomb" is small packed).
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_ROWS = 500_000


@dataclass(frozen=True)
class RowError:
    """One problem: `line` is the file's line (the header is line 1; None: the whole file)."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"line {self.line}"
        return (
            f"{where}, column {self.column}: {self.message}"
            if self.column
            else (f"{where}: {self.message}")
        )

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


class FileRefused(Exception):
    """The file as a whole cannot be read: nothing of it is imported."""

    def __init__(self, errors: list[RowError], header: frozenset[str] = frozenset()):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.header = header  # the column names, when the header is what was refused


def _whole(message: str) -> FileRefused:
    return FileRefused([RowError(None, "", message)])


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict]]  # (line, {column: value}) with blank rows left out


def read(data: bytes, columns: set[str], required: list[tuple[str, ...]]) -> Table:
    """Read `data` as CSV or XLSX and check its header against the kind's `columns`.

    `required` lists groups of which at least one column must be present (a group of one:
    that column is required).
    """
    check_size(len(data))
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise _whole("The file is empty.")
    if data[:4] == b"PK\x03\x04":
        header, lines = _xlsx(data)
    else:
        header, lines = _csv(data)
    names = _check_header(header, columns, required)
    rows = []
    for line, cells in lines:
        if len(rows) >= MAX_ROWS:
            raise _whole(f"The file has more than {MAX_ROWS:,} rows. Split it into several files.")
        if all(c in (None, "") for c in cells):
            continue
        row = {}
        for index, value in enumerate(cells):
            name = names[index] if index < len(names) else None
            if name is None:
                if value not in (None, ""):
                    raise FileRefused(
                        [RowError(line, f"#{index + 1}", "a value in a column with no header")]
                    )
                continue
            row[name] = value
        rows.append((line, row))
    if not rows:
        raise _whole("The file has a header but no rows.")
    return Table([n for n in names if n], rows)


def check_size(size: int) -> None:
    """Refuse a file too large to import, before reading it."""
    if size > MAX_FILE_BYTES:
        raise _whole(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into several files."
        )


def _check_header(header: list, columns: set[str], required) -> list[str | None]:
    errors, names, seen = [], [], set()
    for raw in header:
        name = str(raw or "").strip().lower()
        if not name:
            names.append(None)
            continue
        if name in seen:
            errors.append(RowError(1, name, f"the column {name} appears twice in the header"))
        elif name not in columns:
            errors.append(
                RowError(
                    1,
                    name,
                    f"unknown column {name} (the columns are: {', '.join(sorted(columns))})",
                )
            )
        seen.add(name)
        names.append(name)
    for group in required:
        if not seen.intersection(group):
            errors.append(
                RowError(
                    1,
                    group[0],
                    f"missing column {' or '.join(group)}",
                )
            )
    if errors:
        raise FileRefused(errors, frozenset(seen))
    return names


def fits(header: frozenset[str], columns: set[str], required) -> bool:
    """Whether a header of these column names is one of a kind with `columns`."""
    return header <= columns and all(header.intersection(group) for group in required)


def _csv(data: bytes) -> tuple[list, Iterator]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _whole("The file is UTF-16 text: save it as CSV UTF-8 or XLSX.")
    if b"\x00" in data[:65536]:
        raise _whole("This is not a CSV or XLSX file (it holds binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _whole(
            f"The file is not UTF-8 text (byte {error.start + 1}): save it as CSV UTF-8 or XLSX."
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise _whole(f"line 1: {error}") from None

    def lines():
        start = reader.line_num + 1
        try:
            for cells in reader:
                yield start, [_text_cell(c) for c in cells]
                start = reader.line_num + 1
        except csv.Error as error:
            raise FileRefused([RowError(start, "", f"not readable as CSV: {error}")]) from None

    return header, lines()


class Formula(str):
    """A cell that held a formula: refused with its row's line and column."""


def _text_cell(value: str) -> str:
    value = value.strip()
    # A spreadsheet opening this CSV would run it: refused like an XLSX formula.
    return Formula(value) if value.startswith("=") else value


def _xlsx(data: bytes) -> tuple[list, Iterator]:
    import openpyxl  # imported here: only XLSX files pay for it

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _whole("This is not a CSV or XLSX file (a damaged zip archive).") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _whole(
            f"The spreadsheet unpacks to {unpacked / 1024 / 1024:.0f} MB; the limit is "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB. Split it into several files."
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise _whole(
            "This is not a CSV or XLSX file (a zip archive that is not a workbook)."
        ) from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise _whole("The workbook has no sheet.")
    rows = sheet.iter_rows()
    try:
        header = [c.value for c in next(rows)]
    except StopIteration:
        raise _whole("The file is empty.") from None

    def lines():
        for line, cells in enumerate(rows, start=2):
            yield line, [_xlsx_cell(c) for c in cells]
        book.close()

    return header, lines()


def _xlsx_cell(cell):
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        return Formula(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
