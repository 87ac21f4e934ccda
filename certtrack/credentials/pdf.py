"""The PDF certificate (ReportLab): holder, program, number, dates, issuer and a QR code
of the public verification link. Two designs, "classic" and "modern"; a program's own
choice wins, else General Settings' default.
"""

import io
from datetime import date
from pathlib import Path

import segno
from django.http import HttpResponse
from reportlab.graphics import renderPDF
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import bidiShapedText

from certtrack.certification.models import CertificateTemplate, Enrollment, GeneralSettings

from . import branding
from .certificates import Certificate, issued, issuer_name

PAGE_SIZES = {"a4": landscape(A4), "letter": landscape(letter)}

_REPORTLAB_FONTS = Path(__import__("reportlab").__file__).parent / "fonts"
# Unicode TrueType fonts (names with accents print right): DejaVu where the system has
# it, else the Vera fonts that ship with ReportLab.
_DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVu{}.ttf"
_FONT_CHOICES = {
    name: [_DEJAVU.format(dejavu), _REPORTLAB_FONTS / vera]
    for name, dejavu, vera in [
        ("Serif", "Serif", "Vera.ttf"),
        ("Serif-Bold", "Serif-Bold", "VeraBd.ttf"),
        ("Serif-Italic", "Serif-Italic", "VeraIt.ttf"),
        ("Sans", "Sans", "Vera.ttf"),
        ("Sans-Bold", "Sans-Bold", "VeraBd.ttf"),
    ]
}


def _font(name: str) -> str:
    """Register (once) and return the ReportLab name of one of our fonts."""
    registered = f"Certtrack-{name}"
    if registered not in pdfmetrics.getRegisteredFontNames():
        path = next(Path(p) for p in _FONT_CHOICES[name] if Path(p).exists())
        pdfmetrics.registerFont(TTFont(registered, str(path)))
    return registered


# Scripts DejaVu lacks (CJK ideographs, kana, hangul): Droid Sans Fallback, vendored
# (static/credentials/fonts/README.txt; the web pages fall back to it too) and embedded as
# a subset, so the name prints on any reader as text. ReportLab's built-in CID fonts are
# not embedded: a reader without Adobe's Asian font packs (pdfium, most Linux viewers)
# shows nothing where the name should be.
_CJK_FONT = Path(__file__).parent / "static/credentials/fonts/DroidSansFallback.ttf"


def _cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x1100 <= code <= 0x11FF  # hangul jamo
        or 0x2E80 <= code <= 0x2FDF  # radicals
        or 0x3000 <= code <= 0x30FF  # CJK punctuation, kana
        or 0x3130 <= code <= 0x318F  # hangul compatibility jamo
        or 0x31F0 <= code <= 0x31FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF  # hangul syllables
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def _cjk_font() -> str:
    registered = "Certtrack-CJK"
    if registered not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(registered, str(_CJK_FONT)))
    return registered


def _glyphs(font: str):
    """The code points a TrueType font has glyphs for."""
    return pdfmetrics.getFont(font).face.charToGlyph


def _joined(char: str) -> bool:
    """Arabic-script letters, which join and run right to left: HarfBuzz shapes them."""
    code = ord(char)
    return 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def runs(text: str, font: str) -> list[tuple[str, str, bool]]:
    """`text` cut into (piece, font, shaped) runs: `font` where it has the glyph, Droid Sans
    Fallback for CJK and hangul, DejaVu Sans for the rest (Arabic); Arabic runs shaped
    (joined letters, right to left) by HarfBuzz. Names in any script print as text."""
    covered, fallback = _glyphs(font), _font("Sans")  # DejaVu Sans has Arabic; Serif has not
    pieces: list[tuple[str, str, bool]] = []
    for char in text:
        chosen = font
        if ord(char) not in covered:
            if _cjk(char):
                chosen = _cjk_font()
            elif ord(char) in _glyphs(fallback):
                chosen = fallback
        # A space after Arabic stays in its run: words of a right-to-left name keep
        # their order when the run is shaped as a whole.
        shaped = _joined(char)
        if char == " " and pieces and pieces[-1][2]:
            chosen, shaped = pieces[-1][1], True
        if pieces and pieces[-1][1:] == (chosen, shaped):
            pieces[-1] = (pieces[-1][0] + char, chosen, shaped)
        else:
            pieces.append((char, chosen, shaped))
    return pieces


def _width(canvas: Canvas, piece: str, name: str, size: float, shaped: bool) -> float:
    if shaped:
        return bidiShapedText(piece, None, fontName=name, fontSize=size, shaping=True)[1]
    return canvas.stringWidth(piece, name, size)


def text_width(canvas: Canvas, text: str, font: str, size: float) -> float:
    return sum(_width(canvas, *run[:2], size, run[2]) for run in runs(text, font))


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, font: str, size: float, align: str = "left"
) -> None:
    """drawString / drawCentredString for text in any script (see `runs`)."""
    if align == "center":
        x -= text_width(canvas, text, font, size) / 2
    pieces = runs(text, font)
    if any(shaped for _, _, shaped in pieces):
        for piece, name, shaped in pieces:  # shaped text needs drawString's own path
            canvas.setFont(name, size)
            canvas.drawString(x, y, piece, shaping=shaped)
            x += _width(canvas, piece, name, size, shaped)
        return
    # One text object: the runs read as one line (copy, search, text extraction).
    line = canvas.beginText(x, y)
    for piece, name, _ in pieces:
        line.setFont(name, size)
        line.textOut(piece)
    canvas.drawText(line)


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
    while size > 8 and text_width(canvas, text, font, size) > max_w:
        size -= 0.5
    draw_text(canvas, x, y, text, font, size, align="center")


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


def _fit_image(canvas, which: str, x, y, w, h, align: str = "center") -> bool:
    """Draw the branding image `which` inside the box (x, y, w, h), keeping its shape;
    False when there is none."""
    found = branding.drawable(which)
    if found is None:
        return False
    kind, thing = found
    if kind == "image":
        iw, ih = thing.getSize()
    else:
        iw, ih = thing.width or 1, thing.height or 1
    scale = min(w / iw, h / ih)
    dw, dh = iw * scale, ih * scale
    left = x + (w - dw) / 2 if align == "center" else x
    bottom = y + (h - dh) / 2
    if kind == "image":
        canvas.drawImage(thing, left, bottom, dw, dh, mask="auto")
    else:
        canvas.saveState()
        canvas.translate(left, bottom)
        canvas.scale(scale, scale)
        renderPDF.draw(thing, canvas, 0, 0)
        canvas.restoreState()
    return True


def _signature(canvas, x, y, width, font, ink, muted):
    """The signature image (if any) over the line; the signatory and title under it
    (General Settings), else the issuer."""
    general = GeneralSettings.get()
    _fit_image(canvas, "signature", x - width / 2, y + 2, width, 44)
    canvas.setStrokeColor(muted)
    canvas.setLineWidth(0.6)
    canvas.line(x - width / 2, y, x + width / 2, y)
    canvas.setFillColor(ink)
    name = general.signatory_name or issuer_name()
    _centered(canvas, name, x, y - 14, font, 10.5, width + 20)
    canvas.setFillColor(muted)
    title = general.signatory_title if general.signatory_name else "ISSUER"
    _centered(canvas, title, x, y - 25, font, 7.5, width + 20)


def _classic(canvas: Canvas, certificate: Certificate, width: float, height: float) -> None:
    """Ivory paper, navy and gold double frame, serif lettering."""
    navy, gold = HexColor("#1d2b4f"), HexColor("#b08d3c")
    ink, muted = HexColor("#1f2430"), HexColor("#5b6170")
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
    _fit_image(canvas, "logo", mid - 80, top + 14, 160, 40)
    canvas.setFillColor(navy)
    _centered(canvas, issuer_name().upper(), mid, top, serif_bold, 13, width - 200)
    canvas.setFillColor(ink)
    _centered(canvas, "Certificate", mid, top - 52, serif_bold, 34, width - 160)
    canvas.setStrokeColor(gold)
    canvas.setLineWidth(1)
    canvas.line(mid - 90, top - 68, mid + 90, top - 68)

    canvas.setFillColor(muted)
    _centered(canvas, "This certifies that", mid, top - 100, serif_italic, 13, width - 200)
    canvas.setFillColor(navy)
    _centered(canvas, certificate.holder, mid, top - 145, serif_bold, 36, width - 200)
    canvas.setFillColor(muted)
    met = "has met every requirement of, and is certified in"
    _centered(canvas, met, mid, top - 180, serif_italic, 13, width - 200)
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


class _Modern:
    """White page, a deep teal band on the left (issuer, QR code), sans-serif lettering:
    `_Modern.draw` runs its drawing steps in page order."""

    teal, accent = HexColor("#0f4c5c"), HexColor("#e36414")
    ink, muted, rule = HexColor("#1b1f24"), HexColor("#5f6b76"), HexColor("#d5dbe0")
    band_width = 190

    def __init__(self, canvas: Canvas, certificate: Certificate, width: float, height: float):
        self.canvas, self.certificate = canvas, certificate
        self.width, self.height = width, height
        self.sans, self.sans_bold = _font("Sans"), _font("Sans-Bold")
        self.left = self.band_width + 56
        self.room = width - self.left - 56

    @classmethod
    def draw(cls, canvas: Canvas, certificate: Certificate, width: float, height: float) -> None:
        page = cls(canvas, certificate, width, height)
        steps = (page.background, page.band, page.titles, page.facts, page.signature, page.issuer)
        for step in steps:
            step()

    def background(self) -> None:
        """The white page, the teal band with its faint circles, the orange top rule."""
        canvas, width, height, band = self.canvas, self.width, self.height, self.band_width
        canvas.setFillColor(white)
        canvas.rect(0, 0, width, height, stroke=0, fill=1)
        canvas.setFillColor(self.teal)
        canvas.rect(0, 0, band, height, stroke=0, fill=1)
        canvas.setFillColor(Color(1, 1, 1, alpha=0.08))
        for i in range(6):
            canvas.circle(band - 20, height - 60 - i * 95, 70, stroke=0, fill=1)
        canvas.setFillColor(self.accent)
        canvas.rect(band, height - 14, width - band, 14, stroke=0, fill=1)

    def band(self) -> None:
        """The band: issuer (up to four lines) and the QR code, white on teal."""
        canvas, band, bold = self.canvas, self.band_width, self.sans_bold
        canvas.setFillColor(white)
        canvas.setFont(bold, 11)
        words, line, lines = issuer_name().upper().split(), "", []
        for word in words:
            if text_width(canvas, f"{line} {word}".strip(), bold, 11) > band - 50:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        for i, text in enumerate(lines[:4]):
            draw_text(canvas, 28, self.height - 60 - i * 15, text, bold, 11)
        canvas.setFillColor(white)
        canvas.roundRect(28, 70, band - 56, band - 56 + 24, 8, stroke=0, fill=1)
        size = band - 76
        canvas.drawImage(_qr_image(self.certificate.url), 38, 92, size, size)
        canvas.setFillColor(white)
        canvas.setFont(self.sans, 7.5)
        canvas.drawCentredString(band / 2, 54, "Scan to verify this certificate")

    def _fitted(self, text: str, y: float, size: float, smallest: float, room=None) -> None:
        """`text` in bold at `size`, shrunk by half points (not below `smallest`) to fit."""
        room = room or self.room
        while size > smallest and text_width(self.canvas, text, self.sans_bold, size) > room:
            size -= 0.5
        draw_text(self.canvas, self.left, y, text, self.sans_bold, size)

    def titles(self) -> None:
        """The "Certificate" caption, the title, the holder and the program (shrunk to fit)."""
        canvas, left, height = self.canvas, self.left, self.height
        canvas.setFillColor(self.accent)
        canvas.setFont(self.sans_bold, 10)
        canvas.drawString(left, height - 86, "CERTIFICATE")
        canvas.setFillColor(self.ink)
        canvas.setFont(self.sans_bold, 30)
        canvas.drawString(left, height - 122, "Professional Certification")
        canvas.setFillColor(self.muted)
        canvas.setFont(self.sans, 12)
        canvas.drawString(left, height - 170, "Awarded to")
        canvas.setFillColor(self.teal)
        self._fitted(self.certificate.holder, height - 210, 34, 12)
        canvas.setFillColor(self.muted)
        canvas.setFont(self.sans, 12)
        canvas.drawString(left, height - 250, "for meeting every requirement of")
        canvas.setFillColor(self.ink)
        self._fitted(self.certificate.program, height - 278, 20, 10)

    def facts(self) -> None:
        """Valid from, valid through and the number in three columns; "certified since"."""
        canvas, certificate, left = self.canvas, self.certificate, self.left
        facts = [*_date_facts(certificate), ("CERTIFICATE NUMBER", certificate.number)]
        column = self.room / 3
        canvas.setStrokeColor(self.rule)
        canvas.setLineWidth(0.8)
        canvas.line(left, 190, self.width - 56, 190)
        for i, (caption, value) in enumerate(facts):
            x = left + i * column
            canvas.setFillColor(self.muted)
            canvas.setFont(self.sans_bold, 7.5)
            canvas.drawString(x, 168, caption)
            canvas.setFillColor(self.ink)
            canvas.setFont(self.sans_bold if i == 2 else self.sans, 12)
            canvas.drawString(x, 150, value)
        if since := _since(certificate):
            canvas.setFillColor(self.muted)
            canvas.setFont(self.sans, 9.5)
            canvas.drawString(left, 128, since)

    def signature(self) -> None:
        """The logo top right; the signature image, and the signatory when one is named."""
        canvas, left = self.canvas, self.left
        _fit_image(canvas, "logo", self.width - 56 - 140, self.height - 78, 140, 50)
        general = GeneralSettings.get()
        signed = general.signatory_name
        _fit_image(canvas, "signature", left + 220, 84, 150, 40, align="left")
        if signed:
            canvas.setStrokeColor(self.rule)
            canvas.line(left + 220, 80, left + 400, 80)
            canvas.setFillColor(self.ink)
            draw_text(canvas, left + 220, 66, signed, self.sans_bold, 10.5)
            canvas.setFillColor(self.muted)
            draw_text(canvas, left + 220, 55, general.signatory_title, self.sans, 7.5)

    def issuer(self) -> None:
        """The "Issued by" line with the issuer, and the verification address at the foot."""
        canvas, left = self.canvas, self.left
        canvas.setFillColor(self.muted)
        canvas.setFont(self.sans, 8)
        canvas.drawString(left, 96, "Issued by")
        canvas.setFillColor(self.ink)
        # Shrunk to end before the signature column (a long organization name ran into it).
        self._fitted(issuer_name(), 80, 11, 7, room=205)
        canvas.setFillColor(self.muted)
        canvas.setFont(self.sans, 7.5)
        canvas.drawString(left, 40, f"Verify online: {self.certificate.url}")


_DESIGNS = {CertificateTemplate.CLASSIC: _classic, CertificateTemplate.MODERN: _Modern.draw}
