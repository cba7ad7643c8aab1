"""Certificates and diplomas as PDF (fpdf2), in a font that covers Polish and Cyrillic.

The font is Roboto from the `font-roboto` package (Apache 2.0): its regular, bold and
italic faces all cover Polish and Cyrillic (Source Sans Pro's italic had no Cyrillic), so a
PDF renders the same on every machine without system fonts, whatever style a line uses.
One page, A4 landscape, a frame, a heading, the person or company named large, a few
lines of text and a footer (date, code, where to verify it). The caller translates every
string; this module only lays them out.
"""

from __future__ import annotations

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
class Certificate:
    """What one certificate page says, from top to bottom."""

    title: str  # e.g. "Certificate", "Diploma"
    subtitle: str  # e.g. "This certifies that"
    name: str  # the person or company, printed large
    lines: list[str] = field(default_factory=list)  # what it is for
    footer: list[str] = field(default_factory=list)  # date, code, verification address
    issuer: str = ""  # who issues it, under the frame


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


def certificate_pdf(certificate: Certificate, *, author: str = "Club") -> bytes:
    """One A4 landscape page; returns the PDF file's bytes."""
    pdf = _document()
    pdf.set_title(f"{certificate.title}: {certificate.name}")
    pdf.set_author(author)
    pdf.set_creator("Club")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # A double frame: the look people expect from a certificate.
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    pdf.set_y(32)
    pdf.set_text_color(*_ACCENT)
    pdf.set_font(FONT, "B", 34)
    _centred(pdf, width, 14, certificate.title)
    pdf.ln(6)
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FONT, "I", 15)
    _centred(pdf, width, 8, certificate.subtitle)
    pdf.ln(4)
    pdf.set_text_color(*_INK)
    _fit_on_one_line(pdf, certificate.name, width, largest=28, smallest=18)
    _centred(pdf, width, 13, certificate.name)
    pdf.ln(6)
    pdf.set_font(FONT, "", 15)
    for line in certificate.lines:
        _centred(pdf, width, 8, line)

    pdf.set_y(pdf.h - 30 - 6 * len(certificate.footer))
    pdf.set_text_color(*_MUTED)
    pdf.set_font(FONT, "", 11)
    for line in certificate.footer:
        _centred(pdf, width, 6, line)
    if certificate.issuer:
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(*_ACCENT)
        _centred(pdf, width, 6, certificate.issuer)
    return bytes(pdf.output())
