"""The invoice CSV's encoding, found out or chosen, and a quote left open in a row.

A KOI8-R export used to be read as Windows-1250 without a word, and a row with a quote
left open swallowed the rows after it. Now the encoding is told from the text (or the
file is refused naming the candidates, and the manager chooses), a chosen encoding is
checked, and a quote left open costs its own row only.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_babel import Babel
from sqlalchemy import select

from club.purchases.csv_import import ParseResult, parse_invoices
from club.purchases.models import Invoice
from tests.conftest import login

HEADER = "number;tax_id;company;issue_date;due_date;net_amount;paid_date;kind"
TAX_ID = "5260250274"
RUSSIAN = [
    ("СФ-1/2026", 'ООО "Ромашка"'),
    ("СФ-2/2026", 'АО "Северсталь"'),
    ("СФ-3/2026", "ИП Иванов Пётр Сергеевич"),
]
POLISH = [
    ("FV/1/2026", "Przedsiębiorstwo Handlowe „Łączność” Sp. z o.o."),
    ("FV/2/2026", "Zakład Ślusarski Żuraw, Gdańsk"),
]


def export(rows, *, tax_id: str = TAX_ID, header: str = HEADER, newline: str = "\n") -> str:
    lines = [header] + [
        f"{number};{tax_id};{name};03.11.2026;17.11.2026;100,00;;faktura" for number, name in rows
    ]
    return newline.join(lines) + newline


@pytest.fixture
def babel_app():
    """Parsing needs no database; its lazy messages need Babel."""
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield app


def message(result: ParseResult) -> str:
    """The one message of a file refused as a whole."""
    assert result.rows == []
    (error,) = result.errors
    assert error.line is None
    return str(error.message)


def problems(result: ParseResult) -> list[tuple[int | None, str | None, str]]:
    return [(error.line, error.column, str(error.message)) for error in result.errors]


UNREADABLE = (
    "This row cannot be read as CSV: a quote may not be closed, or a value is far too long."
)


# --- the encoding found out --------------------------------------------------------------


@pytest.mark.parametrize("codec, name", [("koi8_r", "koi8-r"), ("cp1251", "windows-1251")])
def test_russian_exports_are_read_in_their_encoding(babel_app, codec, name):
    """The probe's KOI8-R file was read as Windows-1250: СФ-1/2026 became "ÓÆ-1/2026"."""
    result = parse_invoices(export(RUSSIAN).encode(codec))
    assert result.errors == []
    assert result.encoding == name
    assert [row.number for row in result.rows] == [number for number, _name in RUSSIAN]


@pytest.mark.parametrize("codec, name", [("cp1250", "windows-1250"), ("iso8859_2", "iso-8859-2")])
def test_polish_exports_are_read_in_their_encoding(babel_app, codec, name):
    rows = [(number.replace("FV", "FV-Łódź"), text) for number, text in POLISH]
    text = export(rows, header=HEADER.replace("due_date", "Termin_płatności"), newline="\r\n")
    if codec == "iso8859_2":  # ISO-8859-2 has no „ ”
        text = text.replace("„", '"').replace("”", '"')
    result = parse_invoices(text.encode(codec))
    assert result.errors == []
    assert result.encoding == name
    assert [row.number for row in result.rows] == [number for number, _text in rows]


@pytest.mark.parametrize("bom, name", [(b"", "utf-8"), (b"\xef\xbb\xbf", "utf-8-sig")])
def test_utf8_with_and_without_a_byte_order_mark(babel_app, bom, name):
    result = parse_invoices(bom + export(RUSSIAN + POLISH).encode())
    assert result.errors == [] and result.encoding == name
    assert [row.number for row in result.rows] == [n for n, _t in RUSSIAN + POLISH]


def test_a_file_too_short_to_tell_is_refused_naming_the_encodings(babel_app):
    """ООО in KOI8-R reads as well as ннн in Windows-1251: the manager chooses."""
    data = export([("1", "ООО")]).encode("koi8_r")
    assert message(parse_invoices(data)) == (
        "The file's encoding cannot be told for certain: it could be koi8-r, windows-1251. "
        "Choose the encoding and read the file again."
    )
    chosen = parse_invoices(data, encoding="koi8-r")
    assert chosen.errors == [] and chosen.encoding == "koi8-r"
    assert [row.number for row in chosen.rows] == ["1"]


def test_bytes_in_no_known_encoding_are_refused(babel_app):
    # Box drawing in KOI8-R, control characters in ISO-8859-2, no character in the others.
    data = export([("1", "x")]).encode() + b"\x98\x81\x90"
    assert message(parse_invoices(data)) == (
        "The file is not text in any encoding the club reads (UTF-8, Windows-1250, "
        "ISO-8859-2, Windows-1251, KOI8-R); it is not a CSV export."
    )


# --- the encoding chosen -------------------------------------------------------------------


def test_a_chosen_encoding_the_text_does_not_decode_in_is_refused_at_its_line(babel_app):
    data = export(POLISH).encode("cp1250")
    # ę is 0xEA in Windows-1250, which UTF-8 cannot start a character with like that.
    assert message(parse_invoices(data, encoding="utf-8")) == (
        "Line 2 of the file is not utf-8 text. Choose another encoding, "
        "or let the club find it out."
    )
    # ą (0xB9) is a box-drawing character in KOI8-R, never in an export.
    assert message(parse_invoices(data, encoding="koi8-r")).startswith(
        "Line 2 of the file is not koi8-r text."
    )
    assert parse_invoices(data, encoding="windows-1250").errors == []


def test_a_byte_order_mark_says_utf8_whatever_is_chosen(babel_app):
    data = b"\xef\xbb\xbf" + export(RUSSIAN).encode()
    result = parse_invoices(data, encoding="windows-1251")
    assert result.errors == [] and result.encoding == "utf-8-sig"


# --- a quote left open -----------------------------------------------------------------------

GOOD = "FV/{n};5260250274;ACME;03.11.2026;17.11.2026;{amount};;faktura"


def good(number: int, amount: str = "10,00") -> str:
    return GOOD.format(n=number, amount=amount)


def parse(*lines: str, newline: str = "\n") -> ParseResult:
    return parse_invoices((newline.join([HEADER, *lines]) + newline).encode())


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_quote_left_open_in_an_amount_costs_its_row_only(babel_app, newline):
    """The rows after it have quoted amounts: the open quote used to pair with theirs,
    shifting every value of the rest of the file."""
    result = parse(
        good(1),
        'FV/2;5260250274;ACME;03.11.2026;17.11.2026;"10,00;;faktura',
        good(3, '"1 234,50"'),
        good(4, '"7,00"'),
        good(5),
        newline=newline,
    )
    assert problems(result) == [(3, None, UNREADABLE)]
    assert [(row.line, row.number, str(row.net_amount)) for row in result.rows] == [
        (2, "FV/1", "10.00"),
        (4, "FV/3", "1234.50"),
        (5, "FV/4", "7.00"),
        (6, "FV/5", "10.00"),
    ]


def test_a_quote_left_open_in_a_column_the_club_does_not_read(babel_app):
    result = parse(
        good(1),
        'FV/2;5260250274;"ACME, Gdańsk;03.11.2026;17.11.2026;10,00;;faktura',
        good(3).replace("ACME", '"ACME; Kraków"'),
        good(4),
    )
    assert problems(result) == [(3, None, UNREADABLE)]
    assert [row.line for row in result.rows] == [2, 4, 5]


def test_a_quote_left_open_on_the_last_line(babel_app):
    result = parse(good(1), 'FV/2;5260250274;"ACME;03.11.2026;17.11.2026;10,00;;faktura')
    assert problems(result) == [(3, None, UNREADABLE)]
    assert [row.line for row in result.rows] == [2]


def test_two_quotes_left_open_and_later_errors_keep_their_lines(babel_app):
    result = parse(
        'FV/1;5260250274;"ACME;03.11.2026;17.11.2026;10,00;;faktura',
        good(2),
        'FV/3;5260250274;ACME;03.11.2026;17.11.2026;"10,00;;faktura',
        good(4, "abc"),
        "",
        good(6),
    )
    assert problems(result) == [
        (2, None, UNREADABLE),
        (4, None, UNREADABLE),
        (5, "net_amount", "“abc” is not an amount."),
    ]
    assert [row.line for row in result.rows] == [3, 7]


def test_a_quote_left_open_before_more_text_than_a_value_may_hold(babel_app):
    """The open value passes the csv module's limit (128 KiB) before the file ends."""
    after = [good(number) for number in range(3, 3003)]
    result = parse(good(1), 'FV/2;5260250274;"ACME;03.11.2026;17.11.2026;10,00;;faktura', *after)
    assert problems(result) == [(3, None, UNREADABLE)]
    assert len(result.rows) == 3001 and result.rows[-1].line == 3003


def test_a_note_over_several_lines_is_still_a_value(babel_app):
    result = parse(
        good(1).replace("ACME", '"ACME\nul. Długa 1; Gdańsk"'),
        good(2),
    )
    assert result.errors == []
    assert [row.line for row in result.rows] == [2, 4]


# --- through the page and the command --------------------------------------------------------


def _upload(client, data: bytes, **fields):
    import io

    return client.post(
        "/manage/invoices/import",
        data={"file": (io.BytesIO(data), "export.csv"), **fields},
        content_type="multipart/form-data",
    )


def _confirm(client, body: str, **fields):
    upload = re.search(r'name="upload" type="hidden" value="([0-9a-f]{32})"', body).group(1)
    encoding = re.search(r'name="encoding" type="hidden" value="([^"]*)"', body).group(1)
    return client.post(
        "/manage/invoices/import/confirm", data={"upload": upload, "encoding": encoding, **fields}
    )


def test_a_koi8_r_export_is_imported_with_its_russian_numbers(client, club, db_session):
    login(client, club.club_manager)
    preview = _upload(client, export(RUSSIAN, tax_id=club.company.tax_id).encode("koi8_r"))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body[-2000:]
    assert "koi8-r" in body and 'id="valid-rows">3<' in body
    assert _confirm(client, body).status_code == 302
    numbers = db_session.scalars(select(Invoice.number).order_by(Invoice.number)).all()
    assert numbers == [number for number, _name in RUSSIAN]


def test_the_manager_chooses_the_encoding_the_club_cannot_tell(client, club, db_session):
    login(client, club.club_manager)
    data = export([("СФ-1", "ООО")], tax_id=club.company.tax_id).encode("koi8_r")
    refused = _upload(client, data)
    assert refused.status_code == 422
    assert "it could be koi8-r, windows-1251" in refused.get_data(as_text=True)
    assert db_session.scalar(select(Invoice)) is None
    page = client.get("/manage/invoices/import").get_data(as_text=True)
    assert '<option value="koi8-r">koi8-r</option>' in page
    chosen = _upload(client, data, encoding="koi8-r")
    body = chosen.get_data(as_text=True)
    assert chosen.status_code == 200 and 'id="valid-rows">1<' in body
    assert _confirm(client, body).status_code == 302
    assert db_session.scalar(select(Invoice.number)) == "СФ-1"


def test_a_forged_encoding_on_confirmation_is_refused(client, club, db_session):
    login(client, club.club_manager)
    body = _upload(client, export(POLISH, tax_id=club.company.tax_id).encode("cp1250"))
    response = _confirm(client, body.get_data(as_text=True), encoding="ebcdic")
    assert response.status_code == 302  # back to the upload page, "expired"
    assert db_session.scalar(select(Invoice)) is None


def test_a_quote_left_open_through_the_page(client, club, db_session):
    login(client, club.club_manager)
    tax_id = club.company.tax_id
    data = export([("FV/1", "ACME"), ("FV/2", '"ACME'), ("FV/3", "ACME")], tax_id=tax_id)
    preview = _upload(client, data.encode())
    body = preview.get_data(as_text=True)
    assert 'id="valid-rows">2<' in body and 'id="rejected-rows">1<' in body
    assert _confirm(client, body).status_code == 302
    assert db_session.scalars(select(Invoice.number).order_by(Invoice.number)).all() == [
        "FV/1",
        "FV/3",
    ]


def test_import_command_takes_an_encoding(app, club, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(export([("СФ-1", "ООО")], tax_id=club.company.tax_id).encode("koi8_r"))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["club", "import-invoices", str(path)])
    assert refused.exit_code == 1 and "it could be koi8-r, windows-1251" in refused.output
    done = runner.invoke(args=["club", "import-invoices", str(path), "--encoding", "koi8-r"])
    assert done.exit_code == 0, done.output
    assert "1 new" in done.output
    with app.app_context():
        from club.extensions import db

        assert db.session.scalar(select(Invoice.number)) == "СФ-1"
    wrong = runner.invoke(args=["club", "import-invoices", str(path), "--encoding", "latin-9"])
    assert wrong.exit_code == 2
