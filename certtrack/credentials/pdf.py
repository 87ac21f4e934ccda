"""The PDF certificate (ReportLab): holder, program, number, dates, issuer and a QR code
of the public verification link. Two designs, "classic" and "modern"; a program's own
choice wins, else General Settings' default.
"""

import io
from datetime import date
from pathlib import Path

import segno
from django.http import HttpResponse
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certtrack.certification.models import CertificateTemplate, Enrollment, GeneralSettings

from .certificates import Certificate, issued, issuer_name

PAGE_SIZES = {"a4": landscape(A4), "letter": landscape(letter)}

_REPORTLAB_FONTS = Path(__import__("reportlab").__file__).parent / "fonts"
# Unicode TrueType fonts (names with accents print right): DejaVu where the system has
# it, else the Vera fonts that ship with ReportLab.
_FONT_CHOICES = {
    "Serif": ["/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", _REPORTLAB_FONTS / "Vera.ttf"],
    "Serif-Bold": [
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
        _REPORTLAB_FONTS / "VeraBd.ttf",
    ],
    "Serif-Italic": [
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
        _REPORTLAB_FONTS / "VeraIt.ttf",
    ],
    "Sans": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", _REPORTLAB_FONTS / "Vera.ttf"],
    "Sans-Bold": [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        _REPORTLAB_FONTS / "VeraBd.ttf",
    ],
}


def _font(name: str) -> str:
    """Register (once) and return the ReportLab name of one of our fonts."""
    registered = f"Certtrack-{name}"
    if registered not in pdfmetrics.getRegisteredFontNames():
        path = next(Path(p) for p in _FONT_CHOICES[name] if Path(p).exists())
        pdfmetrics.registerFont(TTFont(registered, str(path)))
    return registered


def long_date(day: date | None) -> str:
    """How dates read on a certificate: 14 March 2026."""
    return f"{day.day} {day:%B %Y}" if day else ""


def template_for(enrollment: Enrollment) -> str:
    """The program's design, or General Settings' default when it has none."""
    chosen = enrollment.program.certificate_template
    return chosen or GeneralSettings.get().default_certificate_template


def certificate_pdf(
    enrollment: Enrollment, page_size: str = "a4", period: int | None = None
) -> bytes:
    """The PDF certificate of a certified enrollment (Active, Expiring or Expired), for its
    period number `period` (None: the current period).

    Raises Refused (via `issued`) if the enrollment has no certificate to show, NotFound if
    it has no such period.
    """
    return render(issued(enrollment.pk, period), page_size)


def render(certificate: Certificate, page_size: str = "a4") -> bytes:
    """The PDF of one period's certificate."""
    buffer = io.BytesIO()
    width, height = PAGE_SIZES[page_size]
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"Certificate {certificate.number} — {certificate.program}")
    canvas.setAuthor(issuer_name())
    canvas.setSubject(f"{certificate.holder}, {certificate.program}")
    canvas.setCreator("certtrack")
    design = _DESIGNS.get(template_for(certificate.enrollment), _classic)
    design(canvas, certificate, width, height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pdf_response(certificate: Certificate) -> HttpResponse:
    """The certificate as an inline PDF named by its number (and period, after the first)."""
    response = HttpResponse(render(certificate), content_type="application/pdf")
    suffix = f"-period-{certificate.period_number}" if certificate.renewed else ""
    response["Content-Disposition"] = (
        f'inline; filename="certificate-{certificate.number}{suffix}.pdf"'
    )
    return response


def _qr_image(url: str) -> ImageReader:
    # The quiet zone is part of the image so the code scans wherever it is placed.
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=8, border=4)
    png.seek(0)
    return ImageReader(png)


def _centered(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, max_w: float):
    """Draw `text` centered on x, shrinking it to fit `max_w` (long names and programs)."""
    while size > 8 and canvas.stringWidth(text, font, size) > max_w:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, text)


def _date_facts(certificate: Certificate) -> list[tuple[str, str]]:
    """The period's dates, captioned; a renewed period starts "valid from", not "certified on"."""
    valid_through = (
        long_date(certificate.expires_on) if certificate.expires_on else "Does not expire"
    )
    start = "VALID FROM" if certificate.renewed else "CERTIFIED ON"
    return [(start, long_date(certificate.activated_on)), ("VALID THROUGH", valid_through)]


def _since(certificate: Certificate) -> str:
    """After the first period: since when the holder is certified, and which period this is."""
    if not certificate.renewed:
        return ""
    first = long_date(certificate.first_activated_on)
    return f"Certified since {first} · period {certificate.period_number}"


def _facts(canvas, certificate, x, y, label_font, value_font, ink, muted, spacing=150):
    """The three facts side by side: certified on, valid through, certificate number."""
    facts = [*_date_facts(certificate), ("CERTIFICATE NUMBER", certificate.number)]
    start = x - spacing
    for i, (caption, value) in enumerate(facts):
        cx = start + i * spacing
        canvas.setFillColor(muted)
        canvas.setFont(label_font, 7.5)
        canvas.drawCentredString(cx, y + 16, caption)
        canvas.setFillColor(ink)
        canvas.setFont(value_font, 11.5)
        canvas.drawCentredString(cx, y, value)
    if since := _since(certificate):
        canvas.setFillColor(muted)
        canvas.setFont(label_font, 9.5)
        canvas.drawCentredString(x, y - 24, since)


def _qr_block(canvas, certificate, x, y, size, ink, muted, font):
    canvas.drawImage(_qr_image(certificate.url), x, y, size, size)
    center = x + size / 2
    canvas.setFillColor(muted)
    canvas.setFont(font, 7)
    canvas.drawCentredString(center, y - 10, "Scan or visit to verify")
    canvas.setFillColor(ink)
    canvas.setFont(font, 6.5)
    # The link on two lines (site, then the number) so it stays inside the frame.
    site = certificate.url.split("://", 1)[-1].removesuffix(certificate.number)
    canvas.drawCentredString(center, y - 19, site)
    canvas.drawCentredString(center, y - 27, certificate.number)


def _signature(canvas, x, y, width, font, ink, muted):
    canvas.setStrokeColor(muted)
    canvas.setLineWidth(0.6)
    canvas.line(x - width / 2, y, x + width / 2, y)
    canvas.setFillColor(ink)
    canvas.setFont(font, 10.5)
    canvas.drawCentredString(x, y - 14, issuer_name())
    canvas.setFillColor(muted)
    canvas.setFont(font, 7.5)
    canvas.drawCentredString(x, y - 25, "ISSUER")


def _classic(canvas: Canvas, certificate: Certificate, width: float, height: float) -> None:
    """Ivory paper, navy and gold double frame, serif lettering."""
    navy, gold, ink, muted = (
        HexColor("#1d2b4f"),
        HexColor("#b08d3c"),
        HexColor("#1f2430"),
        HexColor("#5b6170"),
    )
    serif, serif_bold, serif_italic = _font("Serif"), _font("Serif-Bold"), _font("Serif-Italic")
    canvas.setFillColor(HexColor("#fbf8f0"))
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    # Frames: a heavy navy outer rule, a thin gold inner one, and corner squares.
    canvas.setStrokeColor(navy)
    canvas.setLineWidth(6)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setStrokeColor(gold)
    canvas.setLineWidth(1.2)
    canvas.rect(36, 36, width - 72, height - 72)
    canvas.rect(40, 40, width - 80, height - 80)
    canvas.setFillColor(gold)
    for cx, cy in [(38, 38), (width - 38, 38), (38, height - 38), (width - 38, height - 38)]:
        canvas.rect(cx - 5, cy - 5, 10, 10, stroke=0, fill=1)

    mid = width / 2
    top = height - 100
    canvas.setFillColor(navy)
    _centered(canvas, issuer_name().upper(), mid, top, serif_bold, 13, width - 200)
    canvas.setFillColor(ink)
    _centered(canvas, "Certificate of Certification", mid, top - 52, serif_bold, 34, width - 160)
    canvas.setStrokeColor(gold)
    canvas.setLineWidth(1)
    canvas.line(mid - 90, top - 68, mid + 90, top - 68)

    canvas.setFillColor(muted)
    _centered(canvas, "This certifies that", mid, top - 100, serif_italic, 13, width - 200)
    canvas.setFillColor(navy)
    _centered(canvas, certificate.holder, mid, top - 145, serif_bold, 36, width - 200)
    canvas.setFillColor(muted)
    _centered(
        canvas,
        "has met every requirement of, and is certified in",
        mid,
        top - 180,
        serif_italic,
        13,
        width - 200,
    )
    canvas.setFillColor(ink)
    _centered(canvas, certificate.program, mid, top - 215, serif_bold, 22, width - 220)

    _facts(canvas, certificate, mid, top - 290, serif, serif_bold, ink, muted, spacing=180)
    _signature(canvas, 190, 118, 180, serif, ink, muted)
    _seal(canvas, mid, 112, navy, gold, serif_bold)
    _qr_block(canvas, certificate, width - 168, 98, 80, ink, muted, serif)


def _seal(canvas, x, y, navy, gold, font):
    canvas.setFillColor(gold)
    canvas.circle(x, y, 26, stroke=0, fill=1)
    canvas.setStrokeColor(white)
    canvas.setLineWidth(1)
    canvas.circle(x, y, 21, stroke=1, fill=0)
    canvas.setFillColor(white)
    canvas.setFont(font, 5.6)
    canvas.drawCentredString(x, y + 1.5, "CERTIFIED")
    canvas.setFont(font, 4.6)
    canvas.drawCentredString(x, y - 6, "VERIFIABLE")


def _modern(canvas: Canvas, certificate: Certificate, width: float, height: float) -> None:
    """White page, a deep teal band on the left, sans-serif lettering."""
    teal, accent, ink, muted = (
        HexColor("#0f4c5c"),
        HexColor("#e36414"),
        HexColor("#1b1f24"),
        HexColor("#5f6b76"),
    )
    sans, sans_bold = _font("Sans"), _font("Sans-Bold")
    canvas.setFillColor(white)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    band = 190
    canvas.setFillColor(teal)
    canvas.rect(0, 0, band, height, stroke=0, fill=1)
    canvas.setFillColor(Color(1, 1, 1, alpha=0.08))
    for i in range(6):
        canvas.circle(band - 20, height - 60 - i * 95, 70, stroke=0, fill=1)
    canvas.setFillColor(accent)
    canvas.rect(band, height - 14, width - band, 14, stroke=0, fill=1)

    # The band: issuer and the QR code, white on teal.
    canvas.setFillColor(white)
    canvas.setFont(sans_bold, 11)
    words, line, lines = issuer_name().upper().split(), "", []
    for word in words:
        if canvas.stringWidth(f"{line} {word}".strip(), sans_bold, 11) > band - 50:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for i, text in enumerate(lines[:4]):
        canvas.drawString(28, height - 60 - i * 15, text)
    canvas.setFillColor(white)
    canvas.roundRect(28, 70, band - 56, band - 56 + 24, 8, stroke=0, fill=1)
    size = band - 76
    canvas.drawImage(_qr_image(certificate.url), 38, 92, size, size)
    canvas.setFillColor(white)
    canvas.setFont(sans, 7.5)
    canvas.drawCentredString(band / 2, 54, "Scan to verify this certificate")

    left = band + 56
    text_width = width - left - 56
    canvas.setFillColor(accent)
    canvas.setFont(sans_bold, 10)
    canvas.drawString(left, height - 86, "CERTIFICATE")
    canvas.setFillColor(ink)
    canvas.setFont(sans_bold, 30)
    canvas.drawString(left, height - 122, "Professional Certification")
    canvas.setFillColor(muted)
    canvas.setFont(sans, 12)
    canvas.drawString(left, height - 170, "Awarded to")
    canvas.setFillColor(teal)
    size = 34
    while size > 12 and canvas.stringWidth(certificate.holder, sans_bold, size) > text_width:
        size -= 0.5
    canvas.setFont(sans_bold, size)
    canvas.drawString(left, height - 210, certificate.holder)
    canvas.setFillColor(muted)
    canvas.setFont(sans, 12)
    canvas.drawString(left, height - 250, "for meeting every requirement of")
    canvas.setFillColor(ink)
    size = 20
    while size > 10 and canvas.stringWidth(certificate.program, sans_bold, size) > text_width:
        size -= 0.5
    canvas.setFont(sans_bold, size)
    canvas.drawString(left, height - 278, certificate.program)

    facts = [*_date_facts(certificate), ("CERTIFICATE NUMBER", certificate.number)]
    column = text_width / 3
    canvas.setStrokeColor(HexColor("#d5dbe0"))
    canvas.setLineWidth(0.8)
    canvas.line(left, 190, width - 56, 190)
    for i, (caption, value) in enumerate(facts):
        x = left + i * column
        canvas.setFillColor(muted)
        canvas.setFont(sans_bold, 7.5)
        canvas.drawString(x, 168, caption)
        canvas.setFillColor(ink)
        canvas.setFont(sans_bold if i == 2 else sans, 12)
        canvas.drawString(x, 150, value)
    if since := _since(certificate):
        canvas.setFillColor(muted)
        canvas.setFont(sans, 9.5)
        canvas.drawString(left, 128, since)

    canvas.setFillColor(muted)
    canvas.setFont(sans, 8)
    canvas.drawString(left, 96, "Issued by")
    canvas.setFillColor(ink)
    canvas.setFont(sans_bold, 11)
    canvas.drawString(left, 80, issuer_name())
    canvas.setFillColor(muted)
    canvas.setFont(sans, 7.5)
    canvas.drawString(left, 56, f"Verify online: {certificate.url}")


_DESIGNS = {CertificateTemplate.CLASSIC: _classic, CertificateTemplate.MODERN: _modern}
