"""Export of exactly the Tracking rows a filter shows: CSV (streamed) and XLSX (write-only)."""

import csv
import tempfile
from collections.abc import Iterator
from datetime import date

from django.http import FileResponse, StreamingHttpResponse

from certtrack.cells import number, safe_cell, safe_value
from certtrack.certification.statuses import label

from .filters import with_progress_of

HEADER = [
    "Enrollment id",
    "First name",
    "Last name",
    "Email",
    "Organization",
    "Program",
    "Program code",
    "Status",
    "Applied",
    "Started",
    "Completed",
    "Activated",
    "Expires",
    "Required components done",
    "Required components",
    "Credits earned",
    "Credits required",
    "Hours earned",
    "Hours required",
    "Certificate number",
]
# XLSX column widths (characters), by header: wide enough for typical values.
WIDTHS = {"Enrollment id": 12, "Email": 32, "Program": 34, "Organization": 24}
DATE_FORMAT = "yyyy-mm-dd"
CHUNK = 2000


def _values(row) -> list:
    return [
        row.pk,
        row.contact.first_name,
        row.contact.last_name,
        row.contact.email,
        row.contact.organization,
        row.program.name,
        row.program.code,
        label(row.current_status),
        row.applied_on,
        row.started_on,
        row.completed_on,
        row.activated_on,
        row.expires_on,
        row.progress.required_done,
        row.progress.required_total,
        number(row.progress.credits_earned),
        number(row.program.credits_required),
        number(row.progress.hours_earned),
        number(row.program.hours_required),
        row.certificate_number or "",
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(queryset, today: date) -> Iterator:
    """The rows in chunks, each chunk's progress evaluated at once (memory stays flat)."""
    chunk = []
    for row in queryset.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from with_progress_of(chunk, today)
            chunk = []
    yield from with_progress_of(chunk, today)


def header(day: date | None) -> list[str]:
    """The header row; as of a day, its Status column says which day's status it holds."""
    if day is None:
        return HEADER
    return [f"Status as of {day.isoformat()}" if h == "Status" else h for h in HEADER]


def _csv_lines(queryset, today: date, day: date | None = None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header(day))  # BOM: Excel opens UTF-8 correctly
    for row in _rows(queryset, today):
        yield writer.writerow([safe_cell(v) for v in _values(row)])


def csv_response(
    queryset, filename: str, today: date, day: date | None = None
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _csv_lines(queryset, today, day), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(queryset, filename: str, today: date, day: date | None = None) -> FileResponse:
    """The rows as a workbook ready to sort and filter: the header row frozen with an
    autofilter over every row, columns sized, dates as date cells (yyyy-mm-dd)."""
    # Write-only workbook: rows go to disk as they come, memory stays flat.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tracking")
    names = header(day)
    # Before the first row: a write-only sheet writes its views and columns with it.
    sheet.freeze_panes = "A2"
    for i, name in enumerate(names, start=1):
        width = WIDTHS.get(name, max(12, min(len(name) + 2, 28)))
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.append(names)
    count = 0
    for row in _rows(queryset, today):
        sheet.append([safe_value(v) for v in _values(row)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
