"""Complaints and contracts from a CSV export of the supplier's CRM.

The file is read as the invoice import reads it (club.purchases.csv_text: the encoding
found out or chosen, `;`, `,` or tab, a quote left open costing one row) and its dates as
invoices' are (2026-11-03 or 03.11.2026). Unlike invoices, it is all or nothing: any row
refused (a value, an unknown company, a number twice) and nothing is written; the answer
lists every refused row with its line, column and reason. Rows already stored are
updated, or left as they are when nothing changed, so the same file may be sent again.
"""

from __future__ import annotations

import csv
import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.countries import country_code
from club.core.periods import club_today
from club.members.models import Company
from club.members.tax_ids import company_ids_by_country_and_tax_id, split_tax_id
from club.purchases.csv_rows import InvalidValue, parse_date
from club.purchases.csv_text import (
    FileProblem,
    check_size,
    delimiter_of,
    encoding_of,
    records,
    text_of,
)
from club.purchases.defaults import default_country
from club.relations import records as relations_records
from club.relations.errors import InvalidRecord
from club.relations.records import ComplaintData, ContractData, Outcome

MAX_ROWS = 50_000
MAX_FIELD_LENGTH = 1000


class FileKind(enum.StrEnum):
    COMPLAINTS = "complaints"
    CONTRACTS = "contracts"


# Each column and the headers that name it (compared lower case, spaces as "_", without
# Polish letters): English, Polish, Russian.
_HEADERS = {
    "country": ("country", "kraj", "страна"),
    "tax_id": ("tax_id", "nip", "inn", "инн", "vat_id"),
    "external_id": ("external_id", "number", "complaint", "numer", "numer_reklamacji", "номер"),
    "opened_on": ("opened_on", "opened", "data_otwarcia", "открыта", "дата_открытия"),
    "closed_on": ("closed_on", "closed", "data_zamkniecia", "закрыта", "дата_закрытия"),
    "subject": ("subject", "temat", "тема"),
    "reference": ("reference", "contract", "numer_umowy", "umowa", "договор", "номер_договора"),
    "starts_on": ("starts_on", "start", "data_od", "od", "начало", "дата_начала"),
    "ends_on": ("ends_on", "end", "data_do", "do", "окончание", "дата_окончания"),
}
COLUMNS = {
    FileKind.COMPLAINTS: (
        ("tax_id", "external_id", "opened_on", "subject"),
        ("country", "closed_on"),
    ),
    FileKind.CONTRACTS: (("tax_id", "reference", "starts_on"), ("country", "ends_on")),
}
_POLISH_LETTERS = str.maketrans("ąćęłńóśźż", "acelnoszz")
_GAPS = re.compile(r"[\s\-]+")


def _normalise(text: str) -> str:
    text = text.replace("\ufeff", "").strip().lower().translate(_POLISH_LETTERS)
    return _GAPS.sub("_", text)


_COLUMN_BY_HEADER = {name: column for column, names in _HEADERS.items() for name in names}


@dataclass
class ImportResult:
    kind: FileKind
    # (line, column as the file names it, reason); line None: the file as a whole.
    errors: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


class _RowRefused(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


@dataclass(frozen=True)
class _Row:
    line: int
    company_id: int
    data: ComplaintData | ContractData


class _Reader:
    """One kind of file's columns, and each record made a _Row or refused."""

    def __init__(self, kind: FileKind, header: list[str], companies, today: date) -> None:
        self.kind, self.companies, self.today = kind, companies, today
        self.header = [name.replace("\ufeff", "").strip() for name in header]
        self.position: dict[str, int] = {}
        required, optional = COLUMNS[kind]
        for position, name in enumerate(self.header):
            column = _COLUMN_BY_HEADER.get(_normalise(name))
            if column not in (*required, *optional):
                continue  # a column this import does not use
            if column in self.position:
                raise FileProblem(
                    _(
                        "The columns %(first)s and %(second)s mean the same; keep one.",
                        first=self.header[self.position[column]],
                        second=name,
                    )
                )
            self.position[column] = position
        missing = [column for column in required if column not in self.position]
        if missing:
            raise FileProblem(
                _("Required columns are missing: %(columns)s.", columns=", ".join(missing))
            )
        self.default_country = default_country()

    def name(self, column: str) -> str:
        return self.header[self.position[column]] if column in self.position else column

    def value(self, record: list[str], column: str, *, required: bool = True) -> str:
        position = self.position.get(column)
        text = record[position].strip() if position is not None and position < len(record) else ""
        if len(text) > MAX_FIELD_LENGTH:
            raise _RowRefused(self.name(column), _("This value is far too long."))
        if required and not text:
            raise _RowRefused(self.name(column), _("This value is missing."))
        return text

    def day(self, record: list[str], column: str, *, required: bool = True) -> date | None:
        text = self.value(record, column, required=required)
        if not text:
            return None
        try:
            return parse_date(text)
        except InvalidValue as invalid:
            raise _RowRefused(self.name(column), str(invalid.message)) from None

    def company_id(self, record: list[str]) -> int:
        text = self.value(record, "tax_id")
        prefixed, compact = split_tax_id(text)
        if not compact:
            raise _RowRefused(
                self.name("tax_id"), _("“%(value)s” is not a tax ID.", value=text[:40])
            )
        written = self.value(record, "country", required=False)
        country = country_code(written) if written else None
        if written and country is None:
            raise _RowRefused(
                self.name("country"),
                _("“%(value)s” is not a country code such as PL, DE or RU.", value=written[:40]),
            )
        if country and prefixed and country != prefixed:
            raise _RowRefused(
                self.name("tax_id"),
                _("The tax ID's prefix says %(prefix)s, the country column %(country)s.",
                  prefix=prefixed, country=country),
            )  # fmt: skip
        country = country or prefixed or self.default_country
        found = self.companies.get((country, compact), [])
        if len(found) != 1:
            raise _RowRefused(
                self.name("tax_id"),
                _("No company with tax ID %(tax_id)s in %(country)s is registered.",
                  tax_id=compact, country=country),
            )  # fmt: skip
        return found[0]

    def row(self, line: int, record: list[str]) -> _Row:
        company_id = self.company_id(record)
        try:
            if self.kind == FileKind.COMPLAINTS:
                data = relations_records.check_complaint(
                    ComplaintData(
                        external_id=self.value(record, "external_id"),
                        opened_on=self.day(record, "opened_on"),
                        closed_on=self.day(record, "closed_on", required=False),
                        subject=self.value(record, "subject"),
                    ),
                    self.today,
                )
            else:
                data = relations_records.check_contract(
                    ContractData(
                        reference=self.value(record, "reference"),
                        starts_on=self.day(record, "starts_on"),
                        ends_on=self.day(record, "ends_on", required=False),
                    )
                )
        except InvalidRecord as invalid:
            column = self.name(invalid.field) if invalid.field else None
            raise _RowRefused(column, invalid.message) from None
        return _Row(line, company_id, data)


def _key(row: _Row) -> tuple[int, str]:
    data = row.data
    return row.company_id, data.external_id if isinstance(data, ComplaintData) else data.reference


def read_file(
    session: Session,
    data: bytes,
    kind: FileKind,
    *,
    encoding: str | None = None,
    today: date | None = None,
) -> tuple[ImportResult, list[_Row]]:
    """Every row of the file checked; the rows only when none was refused."""
    result = ImportResult(kind=kind)
    rows: list[_Row] = []
    try:
        start, codec, result.encoding = encoding_of(data, encoding)
        source, header_line = text_of(data, start, codec)
        result.delimiter = delimiter_of(header_line)
        reader, header = records(source, start, codec, result.delimiter)
        check_size(source, start, codec, result.delimiter, MAX_ROWS)
        rows_reader = _Reader(
            kind, header, company_ids_by_country_and_tax_id(session), today or club_today()
        )
    except FileProblem as problem:
        result.errors.append((None, None, str(problem.message)))
        return result, []
    first_line_of: dict[tuple[int, str], int] = {}
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            result.errors.append(
                (line, None, _("This row cannot be read as CSV: a quote may not be closed."))
            )
            continue
        if not any(value.strip() for value in record):
            continue  # blank lines, and the ";;;;" rows Excel leaves
        try:
            row = rows_reader.row(line, record)
        except _RowRefused as refused:
            result.errors.append((line, refused.column, refused.message))
            continue
        key = _key(row)
        if key in first_line_of:
            column = "external_id" if kind == FileKind.COMPLAINTS else "reference"
            result.errors.append(
                (line, rows_reader.name(column),
                 _("The same number is on line %(line)d.", line=first_line_of[key]))
            )  # fmt: skip
            continue
        first_line_of[key] = line
        rows.append(row)
    if not rows and not result.errors:
        result.errors.append((None, None, _("The file has no rows.")))
    return result, ([] if result.errors else rows)


def import_file(
    session: Session,
    data: bytes,
    kind: FileKind,
    *,
    actor=None,
    filename: str = "",
    encoding: str | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Check the whole file, then store every row, or store nothing when a row is refused.
    Flushes; the caller commits (on success) or rolls back."""
    now = now or utcnow()
    result, rows = read_file(session, data, kind, encoding=encoding, today=club_today(now))
    if not result.ok:
        return result
    wanted = {row.company_id for row in rows}
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(wanted)))}
    for row in rows:
        company = companies[row.company_id]
        if kind == FileKind.COMPLAINTS:
            _complaint, outcome = relations_records.upsert_complaint(
                session, company, row.data, now=now
            )
        else:
            _contract, outcome = relations_records.upsert_contract(
                session, company, row.data, now=now
            )
        if outcome == Outcome.CREATED:
            result.created += 1
        elif outcome == Outcome.UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
    audit.record(
        session,
        f"{kind.value}.imported",
        None,
        actor=actor,
        object_type="file",
        object_id=filename[:64] or "-",
        after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        now=now,
    )
    return result
