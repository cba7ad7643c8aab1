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
