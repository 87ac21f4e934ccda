"""The Tracking table's rows, as HTML, in one pass.

The Tracking tab is the back-office's busiest page, and its fifty rows were most of
its rendering time: through the template language each row cost about 0.1 ms of
variable lookups. Like the Django admin's change list (`items_for_result`), the rows
are built here from one row template; every value passes through `html.escape`.
Measured in docs/performance.md (50 rows: 5.3 ms in the template, 0.4 ms here).
"""

from datetime import date
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from certtrack.certification.dates import AsOf, day_text
from certtrack.certification.periods import recorded_elsewhere
from certtrack.certification.progress_store import SHOWN_FIELDS
from certtrack.certification.tracking import shown_status

from .templatetags.backoffice import progress_summary, status_badge

# The columns a row below reads (`.only()` these): fewer than the API's row
# (`tracking.ROW_FIELDS`) — on SQLite each date, time and decimal column loaded is a
# conversion per row, and a page of 50 spent 0.26 ms on the ones the table never shows.
# The program's thresholds and recency: a row whose stored progress ran out is evaluated.
TAB_FIELDS = [
    *("contact", "program", "status", "applied_on", "activated_on", "expires_on"),
    "period_number",  # a certification recorded from elsewhere says so (`recorded_elsewhere`)
    *("contact__first_name", "contact__last_name", "contact__email", "contact__organization"),
    *("program__name", "program__code", "program__category"),
    *("program__credits_required", "program__hours_required"),
    "program__completion_recency_months",
    *SHOWN_FIELDS,
]

ROW = (
    '<tr data-enrollment="{id}">\n'
    '  <td class="check"><input type="checkbox" name="ids" value="{id}"'
    ' aria-label="Select {name}, {program}"></td>\n'
    '  <td class="person-cell"><div class="person"><span class="avatar" aria-hidden="true"'
    ' data-hue="{hue}">{initials}</span>\n'
    '    <div><a href="{url}">{name}</a><div class="sub">{who}</div></div></div></td>\n'
    '  <td class="program-cell"><div>{program}</div>'
    '<div class="muted small">{program_sub}</div></td>\n'
    "  <td>{badge}</td>\n"
    "  <td>{progress}</td>\n"
    '  <td class="nowrap col-applied">{applied}</td>\n'
    '  <td class="nowrap col-activated">{activated}</td>\n'
    '  <td class="nowrap date--{status}">{expires}</td>\n'
    "</tr>\n"
)

PROGRESS = (
    '<div class="progress" title="{title}"><div class="bar{full}">'
    '<span data-width="{percent}"></span></div><span class="num">{text}</span></div>'
)
NO_PROGRESS = '<span class="muted">—</span>'
# A certification recorded from another system, nothing counted here since: its work was
# done there (the enrollment page says the same), not an empty "0/3" bar.
RECORDED = (
    '<span class="muted" title="Certified in another system and recorded here: its work '
    'was done there.">Recorded</span>'
)


def day(value: date | None) -> str:
    """A date as the table shows it: 7 Mar 2027, or a dash."""
    return day_text(value) if value else "—"


def _progress_cell(progress, program, recorded: bool) -> str:
    summary = progress_summary(progress, program)
    if recorded and not summary["percent"]:
        return RECORDED
    if not summary["shown"]:
        return NO_PROGRESS
    return PROGRESS.format(
        title=escape(summary["title"]),
        full=" full" if summary["complete"] else "",
        percent=int(summary["percent"]),
        text=escape(summary["text"]),
    )


def tracking_rows(enrollments, as_of: AsOf) -> SafeString:
    """The table rows for enrollments carrying `.progress`, their contact and program, each
    with its status true on `as_of`."""
    # One reverse() for the page, not one per row: the link differs only by the id.
    before, _, after = reverse("backoffice:enrollment", args=[0]).rpartition("0")
    elsewhere = recorded_elsewhere(enrollments)
    html = []
    for e in enrollments:
        contact, program = e.contact, e.program
        status = shown_status(e, as_of)  # that day's, when the list is as of a day
        values = {
            "id": e.pk,
            "url": f"{before}{e.pk}{after}",
            "name": contact.full_name,
            "initials": (contact.first_name[:1] + contact.last_name[:1]).upper(),
            "hue": e.contact_id * 47 % 360,
            "who": " · ".join(filter(None, (contact.email, contact.organization))),
            "program": program.name,
            "program_sub": " · ".join(filter(None, (program.code, program.category))),
            "status": status.value,
            "applied": day(e.applied_on),
            "activated": day(e.activated_on),
            "expires": day(e.expires_on),
        }
        escaped = {key: escape(str(value)) for key, value in values.items()}
        html.append(
            ROW.format(
                badge=status_badge(status),  # format_html: escaped there
                progress=_progress_cell(e.progress, program, e.pk in elsewhere),
                **escaped,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 -- every value above is escaped


# The Customize Filter's "Sort by": each of ORDERINGS both ways ("" is the default).
SORT_CHOICES = [
    ("", "Contact, A–Z"),
    ("-contact", "Contact, Z–A"),
    ("program", "Program, A–Z"),
    ("-program", "Program, Z–A"),
    ("status", "Status"),
    ("-status", "Status, reversed"),
    ("expires_on", "Expires, soonest first"),
    ("-expires_on", "Expires, latest first"),
    ("activated_on", "Activated, oldest first"),
    ("-activated_on", "Activated, newest first"),
    ("applied_on", "Applied, oldest first"),
    ("-applied_on", "Applied, newest first"),
]
