"""Spreadsheet cells that a spreadsheet will show, never run: one rule for every export.

The rule is defusedcsv's (a leading = + - @ | % gets a quote, | is escaped, a plain number
is left alone) widened as OWASP advises: a formula also starts after leading blanks, tabs,
line breaks or a separator (`;=cmd`, `\\t=cmd`), so those are looked through.

Every export goes through here: the Tracking CSV / XLSX and the audit and reminder CSVs of
the back-office, the API's CSV export, the transcript CSV. `safe_cell` for a text column,
`safe_value` for a row whose numbers and dates should stay numbers and dates (XLSX cells).
"""

import re
from decimal import Decimal

_TRIGGERS = frozenset("=+-@|%")
_SKIPPED = " \t\r\n,;"  # what a spreadsheet may skip or split on before a formula
_NUMBER = re.compile(r"-?[0-9,.]+")


def safe_cell(value) -> str:
    """`value` as text a spreadsheet shows as typed: a formula start gets a leading quote."""
    text = "" if value is None else str(value)
    head = text.lstrip(_SKIPPED)
    runs = head[:1] in _TRIGGERS and not _NUMBER.fullmatch(head)
    # A tab or line break first is refused even with no formula after it (OWASP).
    if runs or text[:1] in ("\t", "\r", "\n"):
        return "'" + text.replace("|", "\\|")
    return text


def safe_value(value):
    """`value` for a typed cell: text through `safe_cell`; numbers, dates, None unchanged."""
    return safe_cell(value) if isinstance(value, str) else value


def number(value: Decimal | None) -> int | float | None:
    """A credit or hour count as a spreadsheet number: 8, 7.5 (not "8.00")."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
