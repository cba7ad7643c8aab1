"""A meeting ticket as a PDF: who, what, when and where, the QR code the club manager
scans at the entrance, and links to the ticket and to the calendar file.

The caller translates and formats every text; this module only lays them out (fpdf2, in
Roboto, which covers Polish and Cyrillic, as club/core/pdf.py does).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib.resources import files

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Roboto"
_FONT_FILES = files("font_roboto") / "files"
_INK = (31, 36, 48)
_ACCENT = (29, 78, 137)
_MUTED = (93, 102, 119)
QR_MM = 70  # printed size of the code: easily scanned from a phone or on paper


@dataclass(frozen=True)
class Ticket:
    heading: str  # "Ticket"
    title: str  # the meeting
    person: str
    company: str
    when: str
    where: str
    scan_link: str  # what the QR code holds
    scan_hint: str
    calendar_label: str
    calendar_link: str
    ticket_label: str
    ticket_link: str


def qr_png(data: str) -> bytes:
    """The QR code as a PNG with its quiet zone, ten pixels a module."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=10, border=4, dark="#1f2430")
    return buffer.getvalue()


def _line(pdf: FPDF, text: str, size: float, style: str = "", colour=_INK, height=7.0) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _link(pdf: FPDF, label: str, url: str) -> None:
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*_ACCENT)
    pdf.multi_cell(
        0, 5, f"{label}: {url}", align="C", link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def ticket_pdf(ticket: Ticket) -> bytes:
    """One A5 portrait page; returns the PDF file's bytes."""
    pdf = FPDF(orientation="portrait", unit="mm", format=(148, 210))  # A5
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(14, 14, 14)
    for style, name in {"": "Regular", "B": "Bold"}.items():
        pdf.add_font(FONT, style, str(_FONT_FILES / f"Roboto-{name}.ttf"))
    pdf.set_title(f"{ticket.heading}: {ticket.title}")
    pdf.set_creator("Club")
    pdf.add_page()
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.6)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)

    pdf.set_y(16)
    _line(pdf, ticket.heading.upper(), 10, "B", _MUTED, 5)
    _line(pdf, ticket.title, 16, "B", _ACCENT, 8)
    pdf.ln(2)
    _line(pdf, ticket.person, 13, "B")
    if ticket.company:
        _line(pdf, ticket.company, 11, "", _MUTED, 6)
    pdf.ln(2)
    _line(pdf, ticket.when, 10, "", _INK, 5.5)
    if ticket.where:
        _line(pdf, ticket.where, 10, "", _INK, 5.5)
    pdf.ln(3)
    pdf.image(io.BytesIO(qr_png(ticket.scan_link)), x=(pdf.w - QR_MM) / 2, w=QR_MM, h=QR_MM)
    pdf.ln(2)
    _line(pdf, ticket.scan_hint, 9, "", _MUTED, 4.5)
    pdf.ln(3)
    _link(pdf, ticket.calendar_label, ticket.calendar_link)
    pdf.ln(1)
    _link(pdf, ticket.ticket_label, ticket.ticket_link)
    return bytes(pdf.output())
