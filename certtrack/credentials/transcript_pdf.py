"""The transcript as a PDF (PRODUCT.md §11), in the certificates' branding: the classic
design's navy and gold, the same fonts (`pdf._font`), the issuer's name."""

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from certtrack.certification.transcript import Line, PeriodBlock, Transcript

from .certificates import issuer_name
from .pdf import _font, long_date

NAVY, GOLD, INK, MUTED, PAPER = (
    HexColor("#1d2b4f"),
    HexColor("#b08d3c"),
    HexColor("#1f2430"),
    HexColor("#5b6170"),
    HexColor("#fbf8f0"),
)


def _styles() -> dict[str, ParagraphStyle]:
    serif, bold, italic = _font("Serif"), _font("Serif-Bold"), _font("Serif-Italic")
    return {
        "issuer": ParagraphStyle("issuer", fontName=bold, fontSize=11, textColor=NAVY),
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=28, textColor=INK),
        "who": ParagraphStyle("who", fontName=bold, fontSize=15, leading=20, textColor=NAVY),
        "program": ParagraphStyle(
            "program", fontName=bold, fontSize=13, leading=18, textColor=NAVY, spaceBefore=10
        ),
        "period": ParagraphStyle("period", fontName=bold, fontSize=10, leading=14, textColor=INK),
        "body": ParagraphStyle("body", fontName=serif, fontSize=9, leading=12, textColor=INK),
        "muted": ParagraphStyle(
            "muted", fontName=italic, fontSize=8.5, leading=11, textColor=MUTED
        ),
        "cell": ParagraphStyle("cell", fontName=serif, fontSize=8.5, leading=10.5, textColor=INK),
    }


def _number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


def _component(line: Line, styles) -> Paragraph:
    """The component's name and code, and below it in small muted type why a line of a
    period is not in its totals (a repeat, counted once)."""
    text = escape(f"{line.component} ({line.code})")
    if line.note:
        text += f'<br/><font size="7.5" color="{MUTED.hexval().replace("0x", "#")}">'
        text += f"{escape(line.note)}</font>"
    return Paragraph(text, styles["cell"])


def _table(lines: list[Line], styles) -> Table:
    head = ["Completed", "Component", "Kind", "Credits", "Hours", "State"]
    rows = [head] + [
        [
            # A paragraph: "22 September 2024" wraps in its column instead of running
            # into the component's name (a member's trial).
            Paragraph(long_date(line.completed_on), styles["cell"]),
            _component(line, styles),
            line.kind,
            _number(line.credits),
            _number(line.hours),
            line.state,
        ]
        for line in lines
    ]
    # A period's line not in its totals (it has a note): its amounts in muted type.
    muted = [
        ("TEXTCOLOR", (3, row), (4, row), MUTED)
        for row, line in enumerate(lines, start=1)
        if line.note
    ]
    table = Table(rows, colWidths=[33 * mm, 65 * mm, 17 * mm, 16 * mm, 16 * mm, 20 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), _font("Serif-Bold")),
                ("FONTNAME", (0, 1), (-1, -1), _font("Serif")),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, GOLD),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, HexColor("#e4dfd2")),
                ("ALIGN", (3, 0), (4, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *muted,
            ]
        )
    )
    return table


def _totals(period: PeriodBlock) -> str:
    parts = [f"{_number(period.credits_earned)} credits", f"{_number(period.hours_earned)} hours"]
    if period.credits_required is not None:
        parts[0] += f" of {_number(period.credits_required)} required"
    if period.hours_required is not None:
        parts[1] += f" of {_number(period.hours_required)} required"
    return " · ".join(parts)


def transcript_pdf(transcript: Transcript, today: date) -> bytes:
    """The PDF of a contact's transcript, on A4 portrait."""
    styles = _styles()
    buffer = io.BytesIO()
    contact = transcript.contact
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"Transcript — {contact.full_name}",
        author=issuer_name(),
        creator="certtrack",
    )
    story = [
        Paragraph(escape(issuer_name().upper()), styles["issuer"]),
        Spacer(1, 4 * mm),
        Paragraph("Continuing-Education Transcript", styles["title"]),
        Paragraph(escape(contact.full_name), styles["who"]),
        Paragraph(
            f"Issued {long_date(today)} · {_number(transcript.credits_total)} credits and "
            f"{_number(transcript.hours_total)} hours counted toward certification periods",
            styles["muted"],
        ),
        Spacer(1, 4 * mm),
    ]
    if not transcript.programs and not transcript.unused:
        story.append(Paragraph("No completions recorded yet.", styles["body"]))
    for block in transcript.programs:
        # The heading goes in its first period's block: a heading never ends a page (a
        # staff user's trial found "Continuing Education Certificate (CEC)" alone at the
        # foot of page 1; the style's keepWithNext did not hold it to a KeepTogether).
        heading = [
            Paragraph(escape(f"{block.program.name} ({block.program.code})"), styles["program"])
        ]
        if not block.periods:
            story += heading
        for period in block.periods:
            until = long_date(period.expires_on) if period.expires_on else "no expiry"
            parts = [
                *heading,
                Paragraph(
                    f"Period {period.number}: {long_date(period.activated_on)} – {until} "
                    f"({period.source})",
                    styles["period"],
                ),
                Paragraph(_totals(period), styles["muted"]),
            ]
            if period.completions:
                parts.append(_table(period.completions, styles))
            else:
                parts.append(Paragraph("No completions used by this period.", styles["body"]))
            parts.append(Spacer(1, 3 * mm))
            story.append(KeepTogether(parts))
            heading = []
    if transcript.unused:
        # Together, so the heading starts the page its table starts (a long table still
        # splits, after it).
        story.append(
            KeepTogether(
                [
                    Paragraph("Counted toward no period", styles["program"]),
                    Paragraph(
                        "Completions not (yet) used by any certification period: work toward "
                        "an open renewal, awaiting approval, rejected, or outside every program.",
                        styles["muted"],
                    ),
                    _table(transcript.unused, styles),
                ]
            )
        )

    def frame(canvas, document):
        width, height = A4
        canvas.saveState()
        canvas.setFillColor(PAPER)
        canvas.rect(0, 0, width, height, stroke=0, fill=1)
        canvas.setStrokeColor(NAVY)
        canvas.setLineWidth(4)
        canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
        canvas.setStrokeColor(GOLD)
        canvas.setLineWidth(0.8)
        canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
        canvas.setFont(_font("Serif"), 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(
            width / 2, 15 * mm, f"{contact.full_name} · page {document.page} · {issuer_name()}"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue()


def transcript_pdf_response(transcript: Transcript, today: date) -> HttpResponse:
    response = HttpResponse(transcript_pdf(transcript, today), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="transcript-{transcript.contact.pk}.pdf"'
    return response


def transcript_csv_response(transcript: Transcript) -> HttpResponse:
    """The transcript as CSV: one row per completion (cells neutralised against formulas)."""
    import csv

    from certtrack.cells import safe_value
    from certtrack.certification.transcript import CSV_HEADER

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transcript-{transcript.contact.pk}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in transcript.rows():
        writer.writerow([safe_value(v) for v in row])
    return response
