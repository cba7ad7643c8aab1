"""Certificates must carry Polish and Cyrillic names as text, not boxes or question marks."""

import io

from pypdf import PdfReader

from club.core.pdf import Certificate, certificate_pdf


def test_certificate_text_reads_back_with_polish_and_cyrillic_letters():
    data = certificate_pdf(
        Certificate(
            title="Dyplom",
            subtitle="Najlepszy partner kwartału",
            name="Hurtownia Elektryczna Żak / ООО «Световые решения»",
            lines=["Zażółć gęślą jaźń", "Съешь же ещё этих мягких французских булок"],
            footer=["Kod: ABCD-2345"],
            issuer="Club",
        )
    )
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "Dyplom",
        "Hurtownia Elektryczna Żak",
        "ООО «Световые решения»",
        "Zażółć gęślą jaźń",
        "Съешь же ещё этих мягких французских булок",
        "Kod: ABCD-2345",
    ):
        assert expected in text


def test_every_line_of_a_certificate_lies_on_the_page():
    # Text drawn beyond the page edge still reads back, but nobody sees it.
    data = certificate_pdf(
        Certificate(
            title="Diploma",
            subtitle="The club awards",
            name="ООО «ЭлектроСнаб»",
            lines=["place 1 among the best partners", "with 512 points earned in the quarter"],
            footer=["Issued on 28 November 2026", "Verification code: ABCD-EFGH-JKMN"],
            issuer="Club",
        )
    )
    page = PdfReader(io.BytesIO(data)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    placed = []

    def visit(text, _cm, tm, _font, _size):
        if text.strip():
            placed.append((text.strip(), tm[4], tm[5]))

    page.extract_text(visitor_text=visit)
    texts = " ".join(text for text, _x, _y in placed)
    for expected in ("with 512 points", "Verification code", "Issued on"):
        assert expected in texts
    for text, x, y in placed:
        assert 0 <= x < width and 0 <= y < height, f"{text!r} drawn at ({x}, {y})"


def test_italic_and_bold_lines_carry_cyrillic_and_polish_too():
    # The subtitle is set in italic: its font must have these letters as well.
    subtitle = "Лучший партнёр квартала — Najlepszy partner kwartału"
    data = certificate_pdf(
        Certificate(title="Диплом", subtitle=subtitle, name="Żółw", issuer="Клуб")
    )
    pdf = PdfReader(io.BytesIO(data))
    text = pdf.pages[0].extract_text()
    for expected in (subtitle, "Диплом", "Żółw", "Клуб"):
        assert expected in text
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for font in pdf.pages[0]["/Resources"]["/Font"].values()
    }
    assert {"RobotoBold", "RobotoItalic"} <= fonts
