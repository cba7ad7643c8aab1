"""An ERP export's columns and rows: headers in English or Polish, values as real exports
write them, each row an InvoiceRow or the reasons it cannot be one.

- countries: an optional column of ISO 3166-1 alpha-2 codes (country, kraj); without it,
  or with the value left empty, a tax id's VAT prefix names the country ("PL5260250274"),
  else the club's default country does (club.purchases.defaults); a prefix that differs
  from the column is refused;
- currencies: an optional column of ISO 4217 codes (currency, waluta); without it, or
  with the value left empty, the club's main currency;
- amounts: decimal point or comma, thousands grouped by space, non-breaking space,
  apostrophe, dot or comma ("12 345,67", "12.345,67", "12,345.67", "1'234.50", "1234");
- dates: 2026-11-03 or 03.11.2026;
- kinds: invoice or credit_note, faktura or korekta;
- headers in any case, with or without Polish letters.

What a value must be is club.purchases.invoices' rule; here it is read from the file's
text and a refusal is worded for the manager, naming the column as the file writes it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache, wraps
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from club.members.tax_ids import split_tax_id
from club.purchases.csv_text import FileProblem
from club.purchases.defaults import main_currency
from club.purchases.invoices import (
    CREDIT_NOTE,
    INVOICE,
    MAX_NUMBER_LENGTH,
    MAX_PRODUCT_GROUP_LENGTH,
    REQUIRED,
    InvalidLine,
    InvoiceRow,
    Kind,
    Problem,
    check_dates,
    check_kind,
    check_number,
    country_of,
    currency_code,
    in_cents,
    product_group_of,
    signed_amount,
)

MAX_FIELD_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row (or, with line None, the whole file) was rejected.

    `column` is the header as written in the file, so it matches what the manager sees.
    `message` is lazy: str(message) translates it in the current locale.
    """

    line: int | None
    column: str | None
    message: LazyString


# --- columns ----------------------------------------------------------------------------

REQUIRED_COLUMNS = ("number", "tax_id", "issue_date", "due_date", "net_amount", "paid_date")
OPTIONAL_COLUMNS = ("country", "currency", "kind", "product_group")
# Columns whose value may not be empty: a kind column, when the file has one, too.
_REQUIRED_VALUES = frozenset(REQUIRED) | {"kind"}

# Every accepted header, after _normalise_name, and the column it means.
_POLISH_NAMES = {
    "number": "numer",
    "tax_id": "nip",
    "country": "kraj",
    "issue_date": "data_wystawienia",
    "due_date": "termin_platnosci",
    "net_amount": "kwota_netto",
    "currency": "waluta",
    "paid_date": "data_zaplaty",
    "kind": "rodzaj",
    "product_group": "grupa_produktow",
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


def _refusal(problem: Problem, text: str = "") -> LazyString:
    """A line rule's refusal as the manager reads it, quoting the value as written."""
    value = _shown(text)
    match problem:
        case Problem.NUMBER_TOO_LONG:
            return _l("The number is longer than %(limit)d characters.", limit=MAX_NUMBER_LENGTH)
        case Problem.NOT_A_KIND:
            return _l(
                "“%(value)s” is not a kind of document; "
                "use invoice or credit_note (faktura or korekta).",
                value=value,
            )
        case Problem.AMOUNT_TOO_LARGE:
            return _l("“%(value)s” is too large for an amount.", value=value)
        case Problem.AMOUNT_TOO_PRECISE:
            return _l("“%(value)s” has more than 2 decimal places.", value=value)
        case Problem.NEGATIVE_INVOICE:
            return _l("An invoice cannot have a negative amount. Is it a credit note?")
        case Problem.DUE_BEFORE_ISSUE:
            return _l("The due date is before the issue date.")
        case Problem.NOT_A_CURRENCY:
            return _l("“%(value)s” is not a currency code such as PLN or EUR.", value=value)
        case Problem.NOT_A_COUNTRY:
            return _l("“%(value)s” is not a country code such as PL, DE or RU.", value=value)
        case Problem.PRODUCT_GROUP_TOO_LONG:
            return _l(
                "The product group is longer than %(limit)d characters.",
                limit=MAX_PRODUCT_GROUP_LENGTH,
            )
    raise AssertionError(problem)


def _worded(rule: Callable[[str], Any]) -> Callable[[str], Any]:
    """`rule` on a value's text, its refusal worded for the manager."""

    @wraps(rule)
    def read(text: str):
        try:
            return rule(text)
        except InvalidLine as invalid:
            raise InvalidValue(_refusal(invalid.problem, text)) from None

    return read


# An optional sign; whole units, plain or grouped in threes by one thousands mark (spaces
# of any width, apostrophe, dot or comma); then a decimal mark and the decimals.
_AMOUNT = re.compile(
    r"(?P<sign>[-+\u2212]?) ?"
    r"(?P<whole>[0-9]+"
    r"|[0-9]{1,3}(?P<group>[ \u00a0\u202f\u2009'.,])[0-9]{3}(?:(?P=group)[0-9]{3})*)"
    r"(?:(?P<mark>[.,])(?P<decimals>[0-9]+))?"
)
_GROUP_LEAD = re.compile(r"[1-9][0-9]{0,2}")


def _read_amount(text: str) -> Decimal:
    """An amount in any style the issue lists, as written (decimals not yet checked).

    "1.234" and "1,234" are refused as ambiguous (1234, or 1.234 with three decimals?):
    a wrong guess would multiply the points by a thousand. ERPs write two decimals anyway.
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
    return Decimal(f"{minus}{whole}.{decimals or '0'}")


@_worded
def parse_amount(text: str) -> Decimal:
    """A net amount in cents, written in any style the issue lists; zeros beyond two
    places change nothing and are accepted ("1234.500")."""
    return in_cents(_read_amount(text))


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


@lru_cache(maxsize=1 << 16)  # a month's export from tens of thousands of companies
def _parse_tax_id(text: str) -> tuple[str | None, str]:
    """The country a VAT prefix names (or None), and the id as Company.tax_id stores it,
    without the prefix: "PL 526-025-02-74" -> ("PL", "5260250274")."""
    prefixed, compact = split_tax_id(text)
    if not compact:
        raise InvalidValue(_l("“%(value)s” is not a tax ID.", value=_shown(text)))
    return prefixed, compact


_currency_code = lru_cache(maxsize=256)(_worded(currency_code))


def _parse_currency(text: str) -> str:
    # Empty: the main currency, which is configuration, so not cached with the codes.
    return _currency_code(text) if text else main_currency()


_parse_country = lru_cache(maxsize=256)(_worded(country_of))


@lru_cache(maxsize=256)
@_worded
def _parse_kind(text: str) -> Kind:
    return check_kind(_KIND_BY_NAME.get(text) or _KIND_BY_NAME.get(_normalise_name(text)))


def _parse_paid_date(text: str) -> date | None:
    return parse_date(text) if text else None  # empty: not paid yet


# How each column's text becomes an InvoiceRow field.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "number": _worded(check_number),
    "tax_id": _parse_tax_id,
    "country": _parse_country,
    "issue_date": parse_date,
    "due_date": parse_date,
    "net_amount": parse_amount,
    "currency": _parse_currency,
    "paid_date": _parse_paid_date,
    "kind": _parse_kind,
    "product_group": _worded(product_group_of),
}
# Values of columns the file may leave out: every row is then an invoice in the main
# currency (filled in when a file is read), in the country its tax id or the club names.
_ABSENT_COLUMN_VALUES = {"country": None, "currency": None, "kind": INVOICE, "product_group": None}
_MISSING = _l("This value is missing.")


# --- rows -------------------------------------------------------------------------------


def read_rows(reader, rows: RowReader, errors: list[RowError]) -> Iterator[InvoiceRow]:
    """The good rows of a csv reader, in order; the errors of the others into `errors`."""
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


class RowReader:
    """Turns one CSV record into an InvoiceRow, or the reasons it cannot be one."""

    def __init__(self, header: list[str]) -> None:
        self.header = [name.replace("\ufeff", "").strip() for name in header]
        self.position: dict[str, int] = {}
        for position, name in enumerate(self.header):
            column = _COLUMN_BY_NAME.get(_normalise_name(name))
            if column is None:
                continue  # a column the club does not use
            if column in self.position:
                raise FileProblem(
                    _l(
                        "The columns %(first)s and %(second)s mean the same; keep one.",
                        first=self.header[self.position[column]],
                        second=name,
                    )
                )
            self.position[column] = position
        missing = [column for column in REQUIRED_COLUMNS if column not in self.position]
        if missing:
            raise FileProblem(
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
        self.currency = main_currency()
        self.absent_values = {
            column: self.currency if column == "currency" else value
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
        country_at, main = position.get("country"), self.currency
        group_at, group_of = position.get("product_group"), product_group_of
        first_line_of = self.first_line_of.setdefault
        date_or_none, tax_id_of, read_amount = _date_or_none, _parse_tax_id, _read_amount
        currency_of, kind_of, country_of_text = _parse_currency, _parse_kind, _parse_country
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
            if not number or issued is None or due is None:
                return None
            paid_text = record[paid_at].strip()
            paid = date_or_none(paid_text) if paid_text else None
            if paid_text and paid is None:
                return None
            try:
                check_number(number)
                check_dates(issued, due)
                prefixed, tax_id = tax_id_of(record[tax_id_at].strip())
                country = (
                    None if country_at is None else country_of_text(record[country_at].strip())
                )
                currency = main if currency_at is None else currency_of(record[currency_at].strip())
                kind = INVOICE if kind_at is None else kind_of(record[kind_at].strip())
                group = None if group_at is None else group_of(record[group_at])
                amount = signed_amount(in_cents(read_amount(record[amount_at].strip())), kind)
            except (InvalidValue, InvalidLine):
                return None
            if prefixed is not None and country is not None and prefixed != country:
                return None  # `read` says why
            if first_line_of(number, line) != line:
                return None  # a duplicate: `read` says of which line
            country = country or prefixed
            return new_row(
                line, number, tax_id, issued, due, amount, currency, paid, kind, country, group
            )

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
        errors += self._check_line(line, values)
        if errors:
            return errors
        return InvoiceRow(line=line, **values)

    def _check_line(self, line: int, values: dict[str, Any]) -> list[RowError]:
        """The rules across values: the due date after the issue date, the amount's sign
        for the kind (a credit note's amount made negative in `values`), the tax id's VAT
        prefix and the country (the tax id without its prefix in `values`)."""
        errors = []
        if values["tax_id"] is not None:
            prefixed, values["tax_id"] = values["tax_id"]
            country = values["country"]
            if prefixed is not None and country is not None and prefixed != country:
                errors.append(
                    RowError(
                        line,
                        self.name["tax_id"],
                        _l(
                            "The tax id %(tax_id)s has the prefix of %(prefix)s, but the "
                            "line names the country %(country)s.",
                            tax_id=values["tax_id"],
                            prefix=prefixed,
                            country=country,
                        ),
                    )
                )
            values["country"] = country or prefixed
        issue_date, due_date = values["issue_date"], values["due_date"]
        if issue_date is not None and due_date is not None:
            try:
                check_dates(issue_date, due_date)
            except InvalidLine as invalid:
                errors.append(RowError(line, self.name["due_date"], _refusal(invalid.problem)))
        net_amount, kind = values["net_amount"], values["kind"]
        if net_amount is not None and kind is not None:
            try:
                values["net_amount"] = signed_amount(net_amount, kind)
            except InvalidLine as invalid:
                name = self.name["net_amount"]
                errors.append(RowError(line, name, _refusal(invalid.problem)))
        return errors

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
