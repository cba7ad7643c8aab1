"""Read the ERP's invoice export: CSV bytes in, typed rows and per-line errors out.

Nothing here touches the database or needs an app: the company lookup and saving happen
in club.purchases.services. Messages are lazy strings (flask_babel.lazy_gettext), so they
are translated into the reader's language only when shown.

What real exports look like, and what is accepted:

- encoding: UTF-8 with or without BOM, else Windows-1250 (Polish Excel's "CSV");
- separator: `;`, `,` or tab, whichever the header line uses most;
- amounts: decimal point or comma, thousands grouped by space, non-breaking space,
  apostrophe, dot or comma ("12 345,67", "12.345,67", "12,345.67", "1'234.50", "1234");
- dates: 2026-11-03 or 03.11.2026;
- headers in English or Polish, any case, with or without Polish letters.

Line numbers are physical lines of the file (the header is line 1, blank lines count), so
the club manager can find a row in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# The values of club.purchases.models.InvoiceKind; plain strings keep this module free of
# the ORM.
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
Kind = Literal["invoice", "credit_note"]

DEFAULT_MAX_ROWS = 1_000_000
MAX_FIELD_LENGTH = 1000
MAX_NUMBER_LENGTH = 64  # Invoice.number is String(64)
DEFAULT_CURRENCY = "PLN"
# Invoice.net_amount is Numeric(14, 2): at most 12 digits before the decimal point.
MAX_AMOUNT_DIGITS = 12
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One invoice or credit note, checked. A credit note's net amount is never positive."""

    line: int
    number: str
    tax_id: str
    issue_date: date
    due_date: date
    net_amount: Decimal
    currency: str
    paid_date: date | None
    kind: Kind


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row (or, with line None, the whole file) was rejected.

    `column` is the header as written in the file, so it matches what the manager sees.
    `message` is lazy: str(message) translates it in the current locale.
    """

    line: int | None
    column: str | None
    message: LazyString


@dataclass
class ParseResult:
    rows: list[InvoiceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # How the file was read ("utf-8", "utf-8-sig", "windows-1250"; ";", ",", "\t"), for
    # the preview: mojibake in a name tells the manager the guess was wrong.
    encoding: str | None = None
    delimiter: str | None = None


# --- columns ----------------------------------------------------------------------------

REQUIRED_COLUMNS = ("number", "tax_id", "issue_date", "due_date", "net_amount", "paid_date")
OPTIONAL_COLUMNS = ("currency", "kind")
# Columns whose value may be empty: currency defaults to PLN, no paid date means unpaid.
_REQUIRED_VALUES = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) - {"currency", "paid_date"}

# Every accepted header, after _normalise_name, and the column it means.
_POLISH_NAMES = {
    "number": "numer",
    "tax_id": "nip",
    "issue_date": "data_wystawienia",
    "due_date": "termin_platnosci",
    "net_amount": "kwota_netto",
    "currency": "waluta",
    "paid_date": "data_zaplaty",
    "kind": "rodzaj",
}
_COLUMN_BY_NAME = {name: name for name in _POLISH_NAMES} | {
    polish: name for name, polish in _POLISH_NAMES.items()
}

_KIND_BY_NAME = {
    "invoice": INVOICE,
    "faktura": INVOICE,
    "credit_note": CREDIT_NOTE,
    "korekta": CREDIT_NOTE,
    "faktura_korygujaca": CREDIT_NOTE,
}

_POLISH_LETTERS = str.maketrans("ąćęłńóśźż", "acelnoszz")
_NAME_GAPS = re.compile(r"[\s\-]+")


def _normalise_name(text: str) -> str:
    """`" Termin Płatności "` -> `termin_platnosci`: how headers and kinds are compared."""
    text = text.replace("\ufeff", "").strip().lower().translate(_POLISH_LETTERS)
    return _NAME_GAPS.sub("_", text)


# --- values -----------------------------------------------------------------------------


class InvalidValue(ValueError):
    """A value that cannot be read; `message` says why, for the manager."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


def _shown(text: str) -> str:
    """The value quoted back in a message, cut short: a field may be 1,000 characters."""
    return text if len(text) <= 40 else text[:39] + "…"


# An optional sign; whole units, plain or grouped in threes by one thousands mark (spaces
# of any width, apostrophe, dot or comma); then a decimal mark and the decimals.
_AMOUNT = re.compile(
    r"(?P<sign>[-+\u2212]?) ?"
    r"(?P<whole>[0-9]+"
    r"|[0-9]{1,3}(?P<group>[ \u00a0\u202f\u2009'.,])[0-9]{3}(?:(?P=group)[0-9]{3})*)"
    r"(?:(?P<mark>[.,])(?P<decimals>[0-9]+))?"
)
_GROUP_LEAD = re.compile(r"[1-9][0-9]{0,2}")


def parse_amount(text: str) -> Decimal:
    """A net amount with at most 2 decimal places, in any style the issue lists.

    "1.234" and "1,234" are refused as ambiguous (1234, or 1.234 with three decimals?):
    a wrong guess would multiply the points by a thousand. ERPs write two decimals anyway.
    Zeros beyond two places change nothing and are accepted ("1234.500").
    """
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise InvalidValue(_l("“%(value)s” is not an amount.", value=_shown(text)))
    sign, whole, group, mark, decimals = match.groups()
    # "1,234,56": the thousands mark cannot be the decimal mark too.
    if mark and mark == group:
        raise InvalidValue(_l("“%(value)s” is not an amount.", value=_shown(text)))
    if mark and not group and len(decimals) == 3 and _GROUP_LEAD.fullmatch(whole):
        raise InvalidValue(
            _l(
                "“%(value)s” is ambiguous: thousands or decimals? "
                "Write it with two decimal places.",
                value=_shown(text),
            )
        )
    if group:
        whole = whole.replace(group, "")
    minus = "-" if sign and sign != "+" else ""
    value = Decimal(f"{minus}{whole}.{decimals or '0'}")
    if value.adjusted() >= MAX_AMOUNT_DIGITS:
        raise InvalidValue(_l("“%(value)s” is too large for an amount.", value=_shown(text)))
    if decimals is None or len(decimals) != 2:  # two decimals are cents already
        rounded = value.quantize(CENT)
        if rounded != value:
            raise InvalidValue(
                _l("“%(value)s” has more than 2 decimal places.", value=_shown(text))
            )
        value = rounded
    # "-0.00" is zero: no negative zero to trip the sign checks later.
    return value if value else ZERO


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DOTTED_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


@lru_cache(maxsize=4096)
def _date_or_none(text: str) -> date | None:
    # Cached, like tax IDs and currencies: a month's export repeats the same few dozen
    # dates a million times, and the rows then share one object instead of a million.
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DOTTED_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31.02.2026
        return None


def parse_date(text: str) -> date:
    """2026-11-03 or 03.11.2026. Slashes are refused: 03/11 is March in the US."""
    day = _date_or_none(text)
    if day is None:
        raise InvalidValue(
            _l(
                "“%(value)s” is not a valid date; write it as 2026-11-03 or 03.11.2026.",
                value=_shown(text),
            )
        )
    return day


_NOT_TAX_ID = re.compile(r"[^0-9A-Z]")


@lru_cache(maxsize=1 << 16)  # a month's export from tens of thousands of companies
def normalise_tax_id(text: str) -> str:
    """Letters and digits, upper case, without a country prefix: "PL 526-025-02-74" ->
    "5260250274", the form Company.tax_id is stored in."""
    compact = _NOT_TAX_ID.sub("", text.upper())
    if len(compact) > 2 and compact[:2].isalpha() and compact[2].isdigit():
        compact = compact[2:]
    if not compact:
        raise InvalidValue(_l("“%(value)s” is not a tax ID.", value=_shown(text)))
    return compact


@lru_cache(maxsize=256)
def _parse_currency(text: str) -> str:
    if not text:
        return DEFAULT_CURRENCY
    code = text.upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise InvalidValue(
            _l("“%(value)s” is not a currency code such as PLN or EUR.", value=_shown(text))
        )
    return code


@lru_cache(maxsize=256)
def _parse_kind(text: str) -> Kind:
    kind = _KIND_BY_NAME.get(text) or _KIND_BY_NAME.get(_normalise_name(text))
    if kind is None:
        raise InvalidValue(
            _l(
                "“%(value)s” is not a kind of document; "
                "use invoice or credit_note (faktura or korekta).",
                value=_shown(text),
            )
        )
    return kind


def _check_number(text: str) -> str:
    if len(text) > MAX_NUMBER_LENGTH:
        raise InvalidValue(
            _l("The number is longer than %(limit)d characters.", limit=MAX_NUMBER_LENGTH)
        )
    return text


def _parse_paid_date(text: str) -> date | None:
    return parse_date(text) if text else None  # empty: not paid yet


# --- the file ---------------------------------------------------------------------------


class _FileProblem(Exception):
    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


_UTF8_BOM = b"\xef\xbb\xbf"
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip), .xls
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _detect_delimiter(header_line: str) -> str:
    # From the header, not csv.Sniffer: data rows are full of decimal commas.
    return max((";", ",", "\t"), key=header_line.count)


def parse_invoices(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS) -> ParseResult:
    """Read an invoice export. Good rows come through even when others are rejected.

    A problem with the whole file (not text, no header, missing columns, more than
    `max_rows` rows) gives one error with line None and no rows.
    """
    stream = read_invoices(data, max_rows=max_rows)
    rows = list(stream)
    return ParseResult(
        rows=rows, errors=stream.errors, encoding=stream.encoding, delimiter=stream.delimiter
    )


def read_invoices(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS) -> InvoiceStream:
    """parse_invoices for files too big to hold as rows: the rows come one at a time.

    The same checks, rows and errors as parse_invoices, in the same order; problems with
    the whole file, too many rows included, are found before the first row is given.
    """
    return InvoiceStream(data, max_rows)


class InvoiceStream:
    """An export read as it is iterated: the good rows in file order, once.

    `errors` fills up as the rows are read and is complete when the iteration ends. A
    problem with the whole file leaves one error (line None) there and no rows. Memory
    stays small whatever the size: the text is decoded a block at a time and rows are
    not kept; only every number seen (to report duplicates) is.
    """

    def __init__(self, data: bytes, max_rows: int) -> None:
        self.errors: list[RowError] = []
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self._reader = None
        self._rows: _RowReader | None = None
        try:
            self._open(data, max_rows)
        except _FileProblem as problem:
            self.errors = [RowError(None, None, problem.message)]
            self._reader = self._rows = None

    def __iter__(self) -> Iterator[InvoiceRow]:
        reader, rows = self._reader, self._rows
        if reader is None or rows is None:
            return
        self._reader = self._rows = None  # rows are read once
        yield from _read_rows(reader, rows, self.errors)

    def _open(self, data: bytes, max_rows: int) -> None:
        start, codec, self.encoding = _encoding(data)
        # Old DOS-era exports end with Ctrl-Z; it is not binary junk.
        end = len(data)
        while end > start and data[end - 1] == _CTRL_Z:
            end -= 1
        header_line = _first_line_with_text(data, start, end, codec)
        if header_line is None:
            raise _FileProblem(_l("The file is empty."))
        if control := _CONTROL_BYTE.search(data, start, end):
            raise _FileProblem(
                _l(
                    "The file contains binary data (line %(line)d); it is not a CSV export.",
                    line=data.count(b"\n", start, control.start()) + 1,
                )
            )
        self.delimiter = _detect_delimiter(header_line)
        source = data if end == len(data) else data[:end]
        reader, rows = self._records(source, start, codec)
        # Every physical line but the header's could be a row: count the rows only when
        # there are enough lines for too many.
        breaks = (
            source.count(b"\n", start) + source.count(b"\r", start) - source.count(b"\r\n", start)
        )
        lines = breaks + (0 if source.endswith((b"\n", b"\r")) else 1)
        if lines - 1 > max_rows:
            counter, _rows = self._records(source, start, codec)
            if _count_rows(counter) > max_rows:
                raise _FileProblem(
                    _l(
                        "The file has more than %(limit)d rows; split it into smaller files.",
                        limit=max_rows,
                    )
                )
        self._reader, self._rows = reader, rows

    def _records(self, source: bytes, start: int, codec: str):
        """A csv reader past the header line, and the reader of rows that header makes."""
        buffer = io.BytesIO(source)  # shares the bytes, no copy
        buffer.seek(start)
        text = io.TextIOWrapper(buffer, encoding=codec, newline="")
        text._CHUNK_SIZE = _TEXT_CHUNK  # fewer, larger reads
        reader = csv.reader(text, delimiter=self.delimiter, skipinitialspace=True)
        try:
            header = next((record for record in reader if "".join(record).strip()), None)
        except csv.Error:
            header = None  # a header thousands of characters long: not an export
        if header is None:
            raise _FileProblem(_l("The file has no header line with column names."))
        return reader, _RowReader(header)


_CTRL_Z = 0x1A
# Tab, line feed and carriage return are text; any other control character means binary.
# The same bytes in UTF-8 and Windows-1250, so the bytes are searched, not the text.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECODE_BLOCK = 1 << 20
_TEXT_CHUNK = 1 << 16


def _decodes(data: bytes, start: int, codec: str) -> bool:
    """Whether data[start:] is valid text in `codec`, without holding all of it as text."""
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    try:
        for offset in range(start, len(data), _DECODE_BLOCK):
            decoder.decode(view[offset : offset + _DECODE_BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        view.release()
    return True


def _encoding(data: bytes) -> tuple[int, str, str]:
    """Where the text starts, the codec to read it with, and the encoding's name."""
    if data.startswith(_WORKBOOK_SIGNATURES):
        raise _FileProblem(
            _l("This is an Excel workbook, not a CSV file. Save it from Excel as CSV.")
        )
    if data.startswith(_UTF16_BOMS):
        raise _FileProblem(
            _l("The file is in UTF-16. Save it from Excel as “CSV UTF-8” or plain “CSV”.")
        )
    if data.startswith(_UTF8_BOM):
        if not _decodes(data, len(_UTF8_BOM), "utf-8"):
            raise _FileProblem(_l("The file says it is UTF-8 but it is not."))
        return len(_UTF8_BOM), "utf-8", "utf-8-sig"
    # Windows-1250 with Polish letters is practically never valid UTF-8: try UTF-8 first.
    if _decodes(data, 0, "utf-8"):
        return 0, "utf-8", "utf-8"
    if _decodes(data, 0, "cp1250"):
        return 0, "cp1250", "windows-1250"
    raise _FileProblem(
        _l("The file is neither UTF-8 nor Windows-1250 text; it is not a CSV export.")
    )


def _first_line_with_text(data: bytes, start: int, end: int, codec: str) -> str | None:
    """The first line (up to a line feed) that is not all white space, decoded."""
    position = start
    while position < end:
        stop = data.find(b"\n", position, end)
        stop = end if stop < 0 else stop + 1
        line = data[position:stop].decode(codec)
        if not line.isspace():
            return line
        position = stop
    return None


def _count_rows(reader) -> int:
    """How many rows _read_rows would read (unreadable and blank records are not rows)."""
    count = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return count
        except csv.Error:
            continue
        if any(record) and "".join(record).strip():
            count += 1


def _read_rows(reader, rows: _RowReader, errors: list[RowError]) -> Iterator[InvoiceRow]:
    quick = rows.quick_reader()
    while True:
        line = reader.line_num + 1  # where this record starts; line_num is where it ends
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # csv.reader recovers on the next line, so one bad row does not end the file.
            errors.append(
                RowError(
                    line,
                    None,
                    _l(
                        "This row cannot be read as CSV: a quote may not be closed, "
                        "or a value is far too long."
                    ),
                )
            )
            continue
        # Most rows of an export are fine: they take the quick way. What it does not take
        # (blank, odd or wrong) goes the careful way, which words the problems.
        if (row := quick(line, reader.line_num, record)) is not None:
            yield row
            continue
        # Blank lines, and the ";;;;;" lines Excel writes for empty rows.
        if not any(record) or not "".join(record).strip():
            continue
        outcome = rows.read(line, reader.line_num, record)
        if isinstance(outcome, InvoiceRow):
            yield outcome
        else:
            errors.extend(outcome)


# How each column's text becomes an InvoiceRow field.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "number": _check_number,
    "tax_id": normalise_tax_id,
    "issue_date": parse_date,
    "due_date": parse_date,
    "net_amount": parse_amount,
    "currency": _parse_currency,
    "paid_date": _parse_paid_date,
    "kind": _parse_kind,
}
# Values of columns the file may leave out: every row is then an invoice in PLN.
_ABSENT_COLUMN_VALUES = {"currency": DEFAULT_CURRENCY, "kind": INVOICE}
_MISSING = _l("This value is missing.")


class _RowReader:
    """Turns one CSV record into an InvoiceRow, or the reasons it cannot be one."""

    def __init__(self, header: list[str]) -> None:
        self.header = [name.replace("\ufeff", "").strip() for name in header]
        self.position: dict[str, int] = {}
        for position, name in enumerate(self.header):
            column = _COLUMN_BY_NAME.get(_normalise_name(name))
            if column is None:
                continue  # a column the club does not use
            if column in self.position:
                raise _FileProblem(
                    _l(
                        "The columns %(first)s and %(second)s mean the same; keep one.",
                        first=self.header[self.position[column]],
                        second=name,
                    )
                )
            self.position[column] = position
        missing = [column for column in REQUIRED_COLUMNS if column not in self.position]
        if missing:
            raise _FileProblem(
                _l(
                    "Required columns are missing: %(columns)s.",
                    columns=", ".join(f"{name} ({_POLISH_NAMES[name]})" for name in missing),
                )
            )
        # Each column's header as written in this file, for the errors.
        self.name = {column: self.header[position] for column, position in self.position.items()}
        # (column, position, header, parse, value required): worked out once, used per row.
        self.plan = [
            (column, position, self.name[column], _PARSERS[column], column in _REQUIRED_VALUES)
            for column, position in sorted(self.position.items(), key=lambda item: item[1])
        ]
        self.absent_values = {
            column: value
            for column, value in _ABSENT_COLUMN_VALUES.items()
            if column not in self.position
        }
        # The first line of every number seen, valid row or not: a duplicate is reported
        # even when the first row was rejected, since fixing that row would clash too.
        self.first_line_of: dict[str, int] = {}

    def quick_reader(self) -> Callable[[int, int, list[str]], InvoiceRow | None]:
        """`read` for a well-formed row, in one go; None for anything else (a blank row
        too), which `read` then words. Gives exactly the row `read` would give."""
        width = len(self.header)
        position = self.position
        number_at, tax_id_at = position["number"], position["tax_id"]
        issued_at, due_at = position["issue_date"], position["due_date"]
        amount_at, paid_at = position["net_amount"], position["paid_date"]
        currency_at, kind_at = position.get("currency"), position.get("kind")
        first_line_of = self.first_line_of.setdefault
        date_or_none, tax_id_of, amount_of = _date_or_none, normalise_tax_id, parse_amount
        currency_of, kind_of = _parse_currency, _parse_kind
        new_row = InvoiceRow

        def quick(line: int, last_line: int, record: list[str]) -> InvoiceRow | None:
            if (
                last_line != line
                or len(record) != width
                or max(map(len, record)) > MAX_FIELD_LENGTH
            ):
                return None
            number = record[number_at].strip()
            issued = date_or_none(record[issued_at].strip())
            due = date_or_none(record[due_at].strip())
            if (
                not number
                or len(number) > MAX_NUMBER_LENGTH
                or issued is None
                or due is None
                or due < issued
            ):
                return None
            paid_text = record[paid_at].strip()
            paid = date_or_none(paid_text) if paid_text else None
            if paid_text and paid is None:
                return None
            try:
                tax_id = tax_id_of(record[tax_id_at].strip())
                amount = amount_of(record[amount_at].strip())
                currency = (
                    DEFAULT_CURRENCY
                    if currency_at is None
                    else currency_of(record[currency_at].strip())
                )
                kind = INVOICE if kind_at is None else kind_of(record[kind_at].strip())
            except InvalidValue:
                return None
            if kind == CREDIT_NOTE:
                if amount > 0:
                    amount = -amount  # stored negative, however the ERP writes it
            elif amount < 0:
                return None
            if first_line_of(number, line) != line:
                return None  # a duplicate: `read` says of which line
            return new_row(line, number, tax_id, issued, due, amount, currency, paid, kind)

        return quick

    def read(self, line: int, last_line: int, record: list[str]) -> InvoiceRow | list[RowError]:
        """`line` and `last_line`: where the record starts and ends in the file."""
        if problem := self._check_shape(line, last_line, record):
            return problem
        errors: list[RowError] = []
        values: dict[str, Any] = dict(self.absent_values)
        for column, position, name, parse, required in self.plan:
            text = record[position].strip()
            if not text and required:
                errors.append(RowError(line, name, _MISSING))
                values[column] = None
                continue
            try:
                values[column] = parse(text)
            except InvalidValue as invalid:
                errors.append(RowError(line, name, invalid.message))
                values[column] = None

        number = values["number"]
        if number is not None:
            first_line = self.first_line_of.setdefault(number, line)
            if first_line != line:
                errors.append(
                    RowError(
                        line,
                        self.name["number"],
                        _l(
                            "The number %(number)s already appears on line %(line)d.",
                            number=_shown(number),
                            line=first_line,
                        ),
                    )
                )
        issue_date, due_date = values["issue_date"], values["due_date"]
        if issue_date is not None and due_date is not None and due_date < issue_date:
            errors.append(
                RowError(line, self.name["due_date"], _l("The due date is before the issue date."))
            )
        net_amount, kind = values["net_amount"], values["kind"]
        if net_amount is not None:
            if kind == CREDIT_NOTE and net_amount > 0:
                # ERPs write credit notes either way; the club stores them negative.
                values["net_amount"] = -net_amount
            elif kind == INVOICE and net_amount < 0:
                errors.append(
                    RowError(
                        line,
                        self.name["net_amount"],
                        _l("An invoice cannot have a negative amount. Is it a credit note?"),
                    )
                )
        if errors:
            return errors
        return InvoiceRow(line=line, **values)

    def _check_shape(self, line: int, last_line: int, record: list[str]) -> list[RowError]:
        """Problems that make the row's values meaningless; pads a short record."""
        width = len(self.header)
        if len(record) < width:
            # Some ERPs leave out empty trailing values.
            record.extend([""] * (width - len(record)))
        elif len(record) > width and any(value.strip() for value in record[width:]):
            return [
                RowError(
                    line,
                    None,
                    _l(
                        "The row has more values than the header has columns; "
                        "a value may contain the separator without quotes."
                    ),
                )
            ]
        if max(map(len, record)) > MAX_FIELD_LENGTH:
            return [
                RowError(
                    line,
                    self.header[position] if position < width else None,
                    _l("The value is longer than %(limit)d characters.", limit=MAX_FIELD_LENGTH),
                )
                for position, value in enumerate(record)
                if len(value) > MAX_FIELD_LENGTH
            ]
        if last_line > line and any(
            "\n" in record[position] or "\r" in record[position]
            for position in self.position.values()
        ):
            # A quoted value may hold line breaks, but none of the club's columns should:
            # here a quote left open has swallowed the lines after it.
            return [
                RowError(
                    line,
                    None,
                    _l(
                        "This row runs on to line %(last)d: a quote is probably not closed.",
                        last=last_line,
                    ),
                )
            ]
        return []
