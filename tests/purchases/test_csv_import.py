"""The ERP's invoice CSV, as people really export it, and as it really goes wrong."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from flask_babel.speaklater import LazyString
from hypothesis import given
from hypothesis import strategies as st

from club.purchases.csv_import import InvoiceRow, ParseResult, parse_invoices
from club.purchases.invoices import CREDIT_NOTE, INVOICE

DATA = Path(__file__).parent / "data"
HEADER = "number;tax_id;issue_date;due_date;net_amount;currency;paid_date;kind"
GOOD = "FV/1;5260250274;2026-11-03;2026-11-17;100,00;PLN;;invoice"


@pytest.fixture(scope="module", autouse=True)
def app_context():
    """Messages are lazy strings; rendering them needs an app with Babel, nothing more."""
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield


def parse(*lines: str, **options) -> ParseResult:
    return parse_invoices("\n".join(lines).encode(), **options)


def problems(result: ParseResult) -> list[tuple[int | None, str | None, str]]:
    return [(error.line, error.column, str(error.message)) for error in result.errors]


def file_problem(result: ParseResult) -> str:
    """The one message of a file rejected as a whole."""
    assert result.rows == []
    assert len(result.errors) == 1, problems(result)
    (error,) = result.errors
    assert error.line is None and error.column is None
    return str(error.message)


# --- realistic exports -------------------------------------------------------------------


def test_polish_erp_export_in_windows_1250():
    data = (DATA / "erp_pl_windows1250.csv").read_bytes()
    assert b"\r\n" in data and "ł".encode("cp1250") in data  # the fixture is what it claims

    result = parse_invoices(data)

    assert problems(result) == []
    assert (result.encoding, result.delimiter) == ("windows-1250", ";")
    assert result.rows == [
        InvoiceRow(
            line=2,
            number="FV/2026/11/001",
            tax_id="5260250274",
            issue_date=date(2026, 11, 3),
            due_date=date(2026, 11, 17),
            net_amount=Decimal("12345.67"),
            currency="PLN",
            paid_date=date(2026, 11, 10),
            kind=INVOICE,
        ),
        InvoiceRow(
            line=3,
            number="FV/2026/11/002",
            tax_id="5260250274",
            issue_date=date(2026, 11, 4),
            due_date=date(2026, 11, 18),
            net_amount=Decimal("1234.50"),
            currency="PLN",
            paid_date=None,
            kind=INVOICE,
            country="PL",  # the VAT prefix names it
        ),
        # Line 4 is blank: line numbers stay those of the file.
        InvoiceRow(
            line=5,
            number="KOR/2026/11/001",
            tax_id="5260250274",
            issue_date=date(2026, 11, 5),
            due_date=date(2026, 11, 5),
            net_amount=Decimal("-500.00"),
            currency="PLN",
            paid_date=None,
            kind=CREDIT_NOTE,
        ),
        InvoiceRow(
            line=6,
            number="KOR/2026/11/002",
            tax_id="7740001454",
            issue_date=date(2026, 11, 6),
            due_date=date(2026, 11, 20),
            net_amount=Decimal("-250.00"),  # written positive, stored negative
            currency="EUR",
            paid_date=None,
            kind=CREDIT_NOTE,
        ),
        InvoiceRow(
            line=7,
            number="FV/2026/11/003",
            tax_id="7740001454",
            issue_date=date(2026, 11, 7),
            due_date=date(2026, 11, 21),
            net_amount=Decimal("980.00"),
            currency="EUR",
            paid_date=None,
            kind=INVOICE,
        ),
    ]


def test_english_export_in_utf8_with_bom():
    data = (DATA / "erp_en_utf8_bom.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")

    result = parse_invoices(data)

    assert problems(result) == []
    assert (result.encoding, result.delimiter) == ("utf-8-sig", ",")
    first, second, credit_note = result.rows
    assert first == InvoiceRow(
        line=2,
        number="INV-2026-0001",
        tax_id="5260250274",
        issue_date=date(2026, 11, 3),
        due_date=date(2026, 11, 17),
        net_amount=Decimal("12345.67"),
        currency="PLN",
        paid_date=date(2026, 11, 10),
        kind=INVOICE,
        country="PL",  # the VAT prefix names it
    )
    assert (second.tax_id, second.currency, second.paid_date) == ("123456789", "EUR", None)
    assert (second.country, credit_note.country) == ("DE", None)
    assert (credit_note.kind, credit_note.net_amount) == (CREDIT_NOTE, Decimal("-500.00"))
    assert all(isinstance(row.net_amount, Decimal) for row in result.rows)


def test_utf8_without_bom_and_polish_headers_with_spaces_case_and_letters():
    result = parse_invoices(
        (
            "  NUMER ; Nip ;Data wystawienia;TERMIN PŁATNOŚCI;kwota-netto;Waluta;data_zaplaty\n"
            "FV/9;526 025 02 74;3.11.2026;17.11.2026;1 234;;\n"
        ).encode()
    )
    assert problems(result) == []
    assert result.encoding == "utf-8"
    (row,) = result.rows
    # No kind column: an invoice; an empty currency: PLN.
    assert (row.kind, row.currency, row.net_amount) == (INVOICE, "PLN", Decimal("1234.00"))
    assert row.issue_date == date(2026, 11, 3)


def test_optional_columns_may_be_left_out_and_unknown_ones_are_ignored():
    result = parse(
        "number,tax_id,issue_date,due_date,net_amount,paid_date,salesperson,notes",
        "FV/1,5260250274,2026-11-03,2026-11-17,99.90,,Kowalski,anything at all",
    )
    assert problems(result) == []
    (row,) = result.rows
    assert (row.currency, row.kind, row.net_amount) == ("PLN", INVOICE, Decimal("99.90"))


def test_quoted_fields_with_separators_quotes_and_line_breaks_inside():
    result = parse(
        "number;tax_id;issue_date;due_date;net_amount;paid_date;kind;notes",
        '"FV;1";"PL 526-025-02-74";2026-11-03;2026-11-17;"12 345,67";;"invoice";"say ""hi""; ok"',
        'FV/2;5260250274;2026-11-03;2026-11-17;"1,50";;invoice;"a note',
        'over two lines; with a separator"',
        "FV/3;5260250274;2026-11-03;2026-11-17;3,00;;invoice;",
    )
    assert problems(result) == []
    assert [(row.line, row.number, row.net_amount) for row in result.rows] == [
        (2, "FV;1", Decimal("12345.67")),
        (3, "FV/2", Decimal("1.50")),
        (5, "FV/3", Decimal("3.00")),  # the physical line, after the two-line note
    ]


def test_comma_separated_file_with_quoted_decimal_comma_amounts():
    result = parse(
        "number,tax_id,issue_date,due_date,net_amount,paid_date",
        'FV/1,5260250274,03.11.2026,17.11.2026,"12.345,67",05.11.2026',
    )
    assert problems(result) == []
    assert result.rows[0].net_amount == Decimal("12345.67")
    assert result.rows[0].paid_date == date(2026, 11, 5)


def test_tab_separated_file():
    result = parse(HEADER.replace(";", "\t"), GOOD.replace(";", "\t"))
    assert problems(result) == []
    assert result.delimiter == "\t"


def test_short_rows_leave_trailing_values_empty():
    result = parse(HEADER.replace(";kind", ""), "FV/1;5260250274;2026-11-03;2026-11-17;10,00")
    assert problems(result) == []
    assert (result.rows[0].currency, result.rows[0].paid_date) == ("PLN", None)


def test_blank_and_separator_only_lines_are_skipped():
    result = parse("", HEADER, "", " ", ";;;;;;;", GOOD, "\t", "")
    assert problems(result) == []
    assert [row.line for row in result.rows] == [6]


def test_header_only_gives_no_rows_and_no_errors():
    result = parse(HEADER)
    assert (result.rows, result.errors) == ([], [])


def test_crlf_and_old_mac_line_endings_count_lines_the_same():
    for newline in ("\r\n", "\r"):
        result = parse_invoices(newline.join([HEADER, "", GOOD]).encode())
        assert problems(result) == []
        assert result.rows[0].line == 3


def test_trailing_ctrl_z_of_old_exports_is_not_binary():
    result = parse_invoices(f"{HEADER}\r\n{GOOD}\r\n\x1a".encode())
    assert problems(result) == []
    assert len(result.rows) == 1


# --- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345.67", "12345.67"),
        ("12345,67", "12345.67"),
        ("12 345,67", "12345.67"),
        ("12\u00a0345,67", "12345.67"),  # Excel's non-breaking space
        ("12\u202f345,67", "12345.67"),  # narrow no-break space, newer locales
        ("12.345,67", "12345.67"),
        ("12,345.67", "12345.67"),
        ("12'345.67", "12345.67"),
        ("1 234 567,8", "1234567.80"),
        ("1.234.567", "1234567.00"),
        ("1,234,567.00", "1234567.00"),
        ("1 234", "1234.00"),
        ("1234", "1234.00"),
        ("0,5", "0.50"),
        ("+12,50", "12.50"),
        ("1234.500", "1234.50"),  # zeros beyond two places change nothing
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_amount_styles(text, expected):
    result = parse(HEADER, f'FV/1;5260250274;2026-11-03;2026-11-17;"{text}";PLN;;invoice')
    assert problems(result) == []
    assert result.rows[0].net_amount == Decimal(expected)
    assert str(result.rows[0].net_amount) == expected  # always two places


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "12,345",
            "“12,345” is ambiguous: thousands or decimals? Write it with two decimal places.",
        ),
        ("1.234", "“1.234” is ambiguous: thousands or decimals? Write it with two decimal places."),
        ("1234,567", "“1234,567” has more than 2 decimal places."),
        ("12.3456", "“12.3456” has more than 2 decimal places."),
        ("1 234,567", "“1 234,567” has more than 2 decimal places."),
        ("0,125", "“0,125” has more than 2 decimal places."),
        ("12 34,56", "“12 34,56” is not an amount."),
        ("1.234,567.8", "“1.234,567.8” is not an amount."),
        ("12,50 zł", "“12,50 zł” is not an amount."),
        ("1e5", "“1e5” is not an amount."),
        ("12.", "“12.” is not an amount."),
        ("(12.50)", "“(12.50)” is not an amount."),
        ("1000000000000.00", "“1000000000000.00” is too large for an amount."),
        ("", "This value is missing."),
    ],
)
def test_amounts_refused(text, message):
    result = parse(HEADER, f'FV/2;5260250274;2026-11-03;2026-11-17;"{text}";PLN;;invoice', GOOD)
    assert problems(result) == [(2, "net_amount", message)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PL 526-025-02-74", "5260250274"),
        ("526-025-02-74", "5260250274"),
        ("pl5260250274", "5260250274"),
        ("DE 123 456 789", "123456789"),
        ("ATU12345678", "ATU12345678"),  # "AT" is followed by a letter: not a prefix
        ("7740001454", "7740001454"),
    ],
)
def test_tax_id_is_compacted_without_country_prefix(text, expected):
    result = parse(HEADER, f"FV/1;{text};2026-11-03;2026-11-17;1,00;PLN;;invoice")
    assert problems(result) == []
    assert result.rows[0].tax_id == expected


def test_dates_in_both_styles_and_paid_date_optional():
    result = parse(
        HEADER,
        "FV/1;5260250274;2026-11-03;03.12.2026;1,00;PLN;2026-11-20;invoice",
        "FV/2;5260250274;3.11.2026;3.12.2026;1,00;PLN;;invoice",
    )
    assert problems(result) == []
    assert [(row.issue_date, row.due_date, row.paid_date) for row in result.rows] == [
        (date(2026, 11, 3), date(2026, 12, 3), date(2026, 11, 20)),
        (date(2026, 11, 3), date(2026, 12, 3), None),
    ]


def test_kinds_in_english_and_polish():
    kinds = ["invoice", "INVOICE", "faktura", "credit_note", "Credit note", "korekta"]
    kinds += ["Faktura korygująca"]
    lines = [
        f"N{position};5260250274;2026-11-03;2026-11-17;10,00;PLN;;{kind}"
        for position, kind in enumerate(kinds)
    ]
    result = parse(HEADER, *lines)
    assert problems(result) == []
    assert [row.kind for row in result.rows] == [INVOICE] * 3 + [CREDIT_NOTE] * 4
    assert [row.net_amount for row in result.rows] == [Decimal("10.00")] * 3 + [
        Decimal("-10.00")
    ] * 4


def test_currency_is_upper_cased():
    result = parse(HEADER, GOOD.replace(";PLN;", "; eur ;"))
    assert result.rows[0].currency == "EUR"


def test_zero_amounts_have_no_sign():
    result = parse(
        HEADER,
        "FV/1;5260250274;2026-11-03;2026-11-17;-0,00;PLN;;invoice",
        "KOR/1;5260250274;2026-11-03;2026-11-17;0,00;PLN;;credit_note",
    )
    assert problems(result) == []
    assert [str(row.net_amount) for row in result.rows] == ["0.00", "0.00"]


# --- bad rows: rejected one by one, good rows still come through ---------------------------


NOT_A_DATE = "“{}” is not a valid date; write it as 2026-11-03 or 03.11.2026."
UNKNOWN_KIND = "“{}” is not a kind of document; use invoice or credit_note (faktura or korekta)."


def test_bad_rows_are_reported_with_line_column_and_reason():
    result = parse(
        HEADER,
        GOOD,  # 2
        "FV/2;5260250274;2026-11-03;2026-11-17;10,00;PLN;;proforma",  # 3
        "FV/3;5260250274;2026-13-03;2026-11-17;10,00;PLN;;invoice",  # 4
        "FV/4;5260250274;2026-11-17;2026-11-03;10,00;PLN;;invoice",  # 5
        "FV/5;5260250274;2026-11-03;2026-11-17;-10,00;PLN;;invoice",  # 6
        "FV/6;5260250274;2026-11-03;2026-11-17;1234,567;PLN;;invoice",  # 7
        "FV/1;5260250274;2026-11-03;2026-11-17;10,00;PLN;;invoice",  # 8
        "",  # 9
        "FV/7;5260250274;31.02.2026;2026-11-17;10,00;złoty;30/11/2026;invoice",  # 10
        ";5260250274;2026-11-03;2026-11-17;10,00;PLN;;invoice",  # 11
        "FV/8;---;2026-11-03;2026-11-17;10,00;PLN;;",  # 12
        "FV/9;5260250274;2026-11-03;2026-11-17;10,00;PLN;;korekta",  # 13
    )
    assert problems(result) == [
        (3, "kind", UNKNOWN_KIND.format("proforma")),
        (4, "issue_date", NOT_A_DATE.format("2026-13-03")),
        (5, "due_date", "The due date is before the issue date."),
        (6, "net_amount", "An invoice cannot have a negative amount. Is it a credit note?"),
        (7, "net_amount", "“1234,567” has more than 2 decimal places."),
        (8, "number", "The number FV/1 already appears on line 2."),
        (10, "issue_date", NOT_A_DATE.format("31.02.2026")),
        (10, "currency", "“złoty” is not a currency code such as PLN or EUR."),
        (10, "paid_date", NOT_A_DATE.format("30/11/2026")),
        (11, "number", "This value is missing."),
        (12, "tax_id", "“---” is not a tax ID."),
        (12, "kind", "This value is missing."),
    ]
    assert [(row.line, row.number) for row in result.rows] == [(2, "FV/1"), (13, "FV/9")]


def test_errors_name_the_column_as_the_file_does():
    result = parse(
        "Numer;NIP;Data_wystawienia;Termin_płatności;Kwota_netto;Data_zapłaty",
        "FV/1;5260250274;03.11.2026;01.11.2026;-5,00;",
    )
    assert problems(result) == [
        (2, "Termin_płatności", "The due date is before the issue date."),
        (2, "Kwota_netto", "An invoice cannot have a negative amount. Is it a credit note?"),
    ]


def test_duplicate_is_reported_even_when_the_first_row_was_rejected():
    result = parse(
        HEADER,
        "FV/1;5260250274;bad;2026-11-17;10,00;PLN;;invoice",
        GOOD,
    )
    assert problems(result) == [
        (2, "issue_date", NOT_A_DATE.format("bad")),
        (3, "number", "The number FV/1 already appears on line 2."),
    ]


def test_overlong_field_is_rejected():
    long_note = "x" * 1001
    result = parse(
        HEADER + ";notes",
        GOOD + ";" + "x" * 1000,  # exactly the limit is fine
        GOOD.replace("FV/1", "FV/2") + ";" + long_note,
        "F" * 65 + ";5260250274;2026-11-03;2026-11-17;10,00;PLN;;invoice",
    )
    assert problems(result) == [
        (3, "notes", "The value is longer than 1000 characters."),
        (4, "number", "The number is longer than 64 characters."),
    ]
    assert [row.line for row in result.rows] == [2]


def test_value_beyond_the_csv_module_limit_does_not_stop_the_file():
    huge = "x" * 200_000
    result = parse(HEADER + ";notes", f'{GOOD};"{huge}"', GOOD.replace("FV/1", "FV/2"))
    assert [error.line for error in result.errors] == [2]
    assert "cannot be read as CSV" in str(result.errors[0].message)
    assert [row.line for row in result.rows] == [3]


def test_row_with_more_values_than_columns():
    result = parse(
        "number,tax_id,issue_date,due_date,net_amount,paid_date",
        "FV/1,5260250274,2026-11-03,2026-11-17,12,345.67,2026-11-20",  # an unquoted comma
        "FV/2,5260250274,2026-11-03,2026-11-17,12.50,,,",  # empty trailing values are fine
    )
    assert problems(result) == [
        (
            2,
            None,
            "The row has more values than the header has columns; "
            "a value may contain the separator without quotes.",
        )
    ]
    assert [row.number for row in result.rows] == ["FV/2"]


def test_unclosed_quote_is_reported_not_swallowed_silently():
    rows = [GOOD.replace("FV/1", f"FV/{number}") for number in (2, 3)]
    result = parse(HEADER, 'FV/1;5260250274;2026-11-03;2026-11-17;"10,00;PLN;;invoice', *rows)
    assert problems(result) == [
        (
            2,
            None,
            "This row cannot be read as CSV: a quote may not be closed, "
            "or a value is far too long.",
        )
    ]
    assert [row.line for row in result.rows] == [
        3,
        4,
    ]  # more in tests/purchases/test_csv_encoding.py


def test_messages_are_lazy_so_they_translate_when_shown():
    result = parse(HEADER, GOOD.replace("100,00", "abc"))
    (error,) = result.errors
    assert isinstance(error.message, LazyString)
    assert str(error.message) == "“abc” is not an amount."


# --- the whole file refused ----------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n \n\t\n"])
def test_empty_file(data):
    assert file_problem(parse_invoices(data)) == "The file is empty."


def test_missing_required_columns_are_named():
    result = parse("numer;nip;kwota_netto;rodzaj;whatever", "FV/1;5260250274;10,00;faktura;x")
    assert file_problem(result) == (
        "Required columns are missing: issue_date (data_wystawienia), "
        "due_date (termin_platnosci), paid_date (data_zaplaty)."
    )


def test_text_that_is_not_csv_at_all():
    result = parse_invoices(b"Dear club manager,\nplease find the invoices attached.\n")
    assert file_problem(result).startswith("Required columns are missing: number (numer), ")


def test_same_column_twice():
    result = parse("number;numer;tax_id;issue_date;due_date;net_amount;paid_date", "")
    assert file_problem(result) == "The columns number and numer mean the same; keep one."


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        bytes(range(256)) * 4,
        (HEADER + "\n" + GOOD + "\n").encode() + b"\x00\x01\x02garbage",
    ],
    ids=["png", "all bytes", "junk after good rows"],
)
def test_binary_junk(data):
    message = file_problem(parse_invoices(data))
    assert message.startswith("The file ") and "it is not a CSV export" in message


def test_binary_junk_names_the_line():
    data = (HEADER + "\n" + GOOD + "\n").encode() + b"\x00junk"
    assert "(line 3)" in file_problem(parse_invoices(data))


def test_bytes_that_are_neither_utf8_nor_windows_1250():
    # 0x98 is not a character in Windows-1250 and starts no UTF-8 sequence.
    data = (HEADER + "\n" + GOOD + "\n").encode() + b"\x98"
    assert file_problem(parse_invoices(data)) == (
        "The file is not text in any encoding the club reads (UTF-8, Windows-1250, "
        "ISO-8859-2, Windows-1251, KOI8-R); it is not a CSV export."
    )


def test_excel_workbook_instead_of_csv():
    data = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"
    assert file_problem(parse_invoices(data)).startswith("This is an Excel workbook")


def test_utf16_export():
    data = "\ufeff" + HEADER + "\n" + GOOD
    assert "UTF-16" in file_problem(parse_invoices(data.encode("utf-16-le")))


def test_broken_utf8_after_bom():
    data = b"\xef\xbb\xbf" + HEADER.encode() + b"\n\xff\xfe"
    assert file_problem(parse_invoices(data)) == "The file says it is UTF-8 but it is not."


def test_too_many_rows():
    good_rows = [GOOD.replace("FV/1", f"FV/{number}") for number in range(4)]
    # Blank lines are not rows.
    assert len(parse(HEADER, "", *good_rows[:3], "", max_rows=3).rows) == 3
    assert file_problem(parse(HEADER, *good_rows, max_rows=3)) == (
        "The file has more than 3 rows; split it into smaller files."
    )


def test_default_row_limit_is_one_million():
    assert parse_invoices.__kwdefaults__ == {"max_rows": 1_000_000, "encoding": None}


# --- the property ----------------------------------------------------------------------------

# (thousands separator, decimal mark) as spreadsheets and ERPs write them.
STYLES = [
    ("", "."),
    ("", ","),
    (" ", ","),
    ("\u00a0", ","),
    ("\u202f", ","),
    (".", ","),
    (",", "."),
    ("'", "."),
    ("'", ","),
    (" ", "."),
]


def formatted(value: Decimal, thousands: str, decimal_mark: str) -> str:
    whole, fraction = f"{abs(value):.2f}".split(".")
    if thousands:
        whole = f"{int(whole):,}".replace(",", thousands)
    return ("-" if value < 0 else "") + whole + decimal_mark + fraction


@given(
    value=st.decimals(
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    ),
    style=st.sampled_from(STYLES),
    delimiter=st.sampled_from([";", ","]),
)
def test_any_two_place_amount_in_any_style_reads_back_the_same(value, style, delimiter):
    kind = CREDIT_NOTE if value < 0 else INVOICE  # only credit notes may be negative
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)  # quotes the value when it must
    writer.writerow(
        ["number", "tax_id", "issue_date", "due_date", "net_amount", "paid_date", "kind"]
    )
    writer.writerow(
        ["FV/1", "5260250274", "2026-11-03", "2026-11-17", formatted(value, *style), "", kind]
    )

    result = parse_invoices(text.getvalue().encode())

    assert problems(result) == []
    assert result.rows[0].net_amount == value


# --- countries (issue #22) ---------------------------------------------------------------

COUNTRY_HEADER = "number;country;tax_id;issue_date;due_date;net_amount;currency;paid_date"


def test_a_country_column_names_each_lines_country():
    result = parse(
        COUNTRY_HEADER,
        "FV/1;DE;136695976;2026-11-03;2026-11-17;1,00;EUR;",
        "FV/2; pl ;5260250274;2026-11-03;2026-11-17;1,00;;",
        "FV/3;;5260250274;2026-11-03;2026-11-17;1,00;;",
        "FV/4;;DE136695976;2026-11-03;2026-11-17;1,00;;",
        "FV/5;DE;DE136695976;2026-11-03;2026-11-17;1,00;;",
    )
    assert problems(result) == []
    assert [(row.country, row.tax_id) for row in result.rows] == [
        ("DE", "136695976"),
        ("PL", "5260250274"),
        (None, "5260250274"),  # the configured default country, when it is saved
        ("DE", "136695976"),  # the VAT prefix names it
        ("DE", "136695976"),
    ]
    assert [row.currency for row in result.rows] == ["EUR", "PLN", "PLN", "PLN", "PLN"]
    # The Polish header is "kraj".
    polish = parse(
        COUNTRY_HEADER.replace("country", "kraj"), "FV/1;RU;7707083893;2026-11-03;2026-11-17;1;;"
    )
    assert polish.rows[0].country == "RU"


def test_a_country_that_is_not_one_or_contradicts_the_prefix_is_refused():
    result = parse(
        COUNTRY_HEADER,
        "FV/1;EU;136695976;2026-11-03;2026-11-17;1,00;;",
        "FV/2;Niemcy;136695976;2026-11-03;2026-11-17;1,00;;",
        "FV/3;PL;DE136695976;2026-11-03;2026-11-17;1,00;;",
        "FV/4;DE;136695976;2026-11-03;2026-11-17;1,00;ZZZ;",
    )
    assert result.rows == []
    assert problems(result) == [
        (2, "country", "“EU” is not a country code such as PL, DE or RU."),
        (3, "country", "“Niemcy” is not a country code such as PL, DE or RU."),
        (
            4,
            "tax_id",
            "The tax id 136695976 has the prefix of DE, but the line names the country PL.",
        ),
        (5, "currency", "“ZZZ” is not a currency code such as PLN or EUR."),
    ]
