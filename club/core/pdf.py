"""Certificates and diplomas as PDF (fpdf2), in a font that covers Polish and Cyrillic.

The font is Roboto from the `font-roboto` package (Apache 2.0): its regular, bold and
italic faces all cover Polish and Cyrillic (Source Sans Pro's italic had no Cyrillic), so a
PDF renders the same on every machine without system fonts, whatever style a line uses.
One page, A4 landscape: a double frame with corner marks in the club's colours, the
club's logo (or name) on top, a heading, the person or company named large over a rule,
a few lines of text, and at the foot the date, code and where to verify it beside a
signature line with the signatory's name. The caller translates every string and passes
the club's branding (club settings); this module only lays them out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from importlib.resources import files

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Roboto"
_FONT_FILES = files("font_roboto") / "files"
# Every style a page uses, each a font that has the Polish and Cyrillic letters. Only
# these: fpdf2 parses each font file anew for every document (a tenth of a second each).
STYLES = {"": "Regular", "B": "Bold", "I": "Italic"}

# Club colours, as in static/css/club.css.
_INK = (33, 37, 41)
_ACCENT = (31, 78, 121)
_MUTED = (108, 117, 125)


@dataclass(frozen=True)
class PdfBrand:
    """The club as its documents show it (club settings)."""

    name: str = "Club"
    primary: tuple[int, int, int] = _ACCENT
    accent: tuple[int, int, int] = (242, 178, 51)
    logo_png: bytes | None = None
    signatory_name: str = ""
    signatory_title: str = ""


@dataclass(frozen=True)
class Certificate:
    """What one certificate page says, from top to bottom."""

    title: str  # e.g. "Certificate", "Diploma"
    subtitle: str  # e.g. "This certifies that"
    name: str  # the person or company, printed large
    lines: list[str] = field(default_factory=list)  # what it is for
    footer: list[str] = field(default_factory=list)  # date, code, verification address
    issuer: str = ""  # who issues it, under the signature line when no one is named
    brand: PdfBrand = field(default_factory=PdfBrand)


def _document() -> FPDF:
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(25, 25, 25)
    for style, name in STYLES.items():
        pdf.add_font(FONT, style, str(_FONT_FILES / f"Roboto-{name}.ttf"))
    return pdf


def _centred(pdf: FPDF, width: float, height: float, text: str) -> None:
    # Each block starts again at the left margin on the next line (fpdf2 would otherwise
    # continue to the right of the previous block, off the page).
    pdf.multi_cell(width, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fit_on_one_line(pdf: FPDF, text: str, width: float, *, largest: int, smallest: int):
    """A name is printed as large as fits on one line; a very long one wraps at `smallest`."""
    size = largest
    pdf.set_font(FONT, "B", size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font(FONT, "B", size)


def certificate_pdf(certificate: Certificate, *, author: str | None = None) -> bytes:
    """One A4 landscape page; returns the PDF file's bytes."""
    brand = certificate.brand
    pdf = _document()
    pdf.set_title(f"{certificate.title}: {certificate.name}")
    pdf.set_author(author or brand.name)
    pdf.set_creator(brand.name)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    _frame(pdf, brand)

    # The club on top: its logo, or its name in small letters.
    pdf.set_y(22)
    if brand.logo_png:
        pdf.image(
            io.BytesIO(brand.logo_png), x=(pdf.w - 60) / 2, y=20, w=60, h=18, keep_aspect_ratio=True
        )
        pdf.set_y(48)
    else:
        pdf.set_text_color(*brand.primary)
        pdf.set_font(FONT, "B", 12)
        _centred(pdf, width, 6, brand.name.upper())
        pdf.set_y(42)

    pdf.set_text_color(*brand.primary)
    pdf.set_font(FONT, "B", 32)
    _centred(pdf, width, 14, certificate.title)
    pdf.ln(3)
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FONT, "I", 14)
    _centred(pdf, width, 8, certificate.subtitle)
    pdf.ln(5)
    pdf.set_text_color(*_INK)
    _fit_on_one_line(pdf, certificate.name, width, largest=28, smallest=18)
    _centred(pdf, width, 13, certificate.name)
    # A short rule in the accent colour under the name.
    pdf.set_draw_color(*brand.accent)
    pdf.set_line_width(0.8)
    pdf.line(pdf.w / 2 - 40, pdf.get_y() + 2, pdf.w / 2 + 40, pdf.get_y() + 2)
    pdf.ln(10)
    pdf.set_font(FONT, "", 14)
    for line in certificate.lines:
        _centred(pdf, width, 8, line)

    _foot(pdf, certificate, brand)
    return bytes(pdf.output())


def _frame(pdf: FPDF, brand: PdfBrand) -> None:
    """A double frame in the club's colours with a small square at each corner."""
    pdf.set_draw_color(*brand.primary)
    pdf.set_line_width(1.6)
    pdf.rect(9, 9, pdf.w - 18, pdf.h - 18)
    pdf.set_draw_color(*brand.accent)
    pdf.set_line_width(0.5)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)
    pdf.set_fill_color(*brand.accent)
    for x, y in ((9, 9), (pdf.w - 9, 9), (9, pdf.h - 9), (pdf.w - 9, pdf.h - 9)):
        pdf.rect(x - 2.5, y - 2.5, 5, 5, style="F")


def _foot(pdf: FPDF, certificate: Certificate, brand: PdfBrand) -> None:
    """Date, code and where to verify on the left; the signature line on the right."""
    left, bottom = 28, pdf.h - 24
    column = (pdf.w - 2 * left) / 2 - 10
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FONT, "", 10)
    pdf.set_xy(left, bottom - 6 * len(certificate.footer))
    for line in certificate.footer:
        pdf.set_x(left)
        pdf.multi_cell(column, 6, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    right = pdf.w - left - 80
    line_y = bottom - 12
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.3)
    pdf.line(right, line_y, right + 80, line_y)
    pdf.set_xy(right, line_y + 1.5)
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(80, 5.5, brand.signatory_name or certificate.issuer or brand.name, align="C")
    pdf.set_xy(right, line_y + 7)
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FONT, "", 10)
    below = brand.signatory_title if brand.signatory_name else ""
    pdf.cell(80, 5, below, align="C")
