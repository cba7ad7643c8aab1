"""An invoice line, whichever way it comes (the ERP's CSV export, the JSON API): what its
values must be, the company it names, and saving it once.

Each way in reads its own format (the CSV's Polish amounts and dotted dates, the API's
JSON) and words refusals in its own terms (the file's column, the JSON field); the rules
are these, for both:
- a number of at most 64 characters, unique: an invoice sent again may only change its
  payment date (`record_invoices` updates it; other changes are refused);
- an amount with at most 12 digits before the point and nothing beyond cents but zeros;
  a credit note is stored negative however it is written, an invoice is never negative;
- a due date on or after the issue date; a currency in use (ISO 4217; the club's main
  currency, `CLUB_CURRENCY`, when none is given);
- a country (ISO 3166-1 alpha-2; `INVOICE_DEFAULT_COUNTRY` when none is given, unless the
  tax id's VAT prefix names one), and a tax id that exactly one company of that country
  has (club.members.tax_ids): never a company of another country with the same digits;
- an earning rate for the currency in the rule of the invoice's month;
- an invoice date and a payment date no later than today in the club's time zone, and a
  payment date no earlier than the invoice date.
The first four are checked where a line is read (`check_*`, `in_cents`, ...); all of them
again by `check_invoices` and `record_invoices`, which refuse a line with its reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.countries import is_country
from club.core.currencies import is_currency
from club.core.database import analyze_if_grown
from club.core.formatting import date_
from club.core.periods import club_today
from club.purchases.bulk import IN_LIST, batches, one_of
from club.purchases.defaults import main_currency
from club.purchases.errors import PurchasesError, UnknownInvoice
from club.purchases.invoice_writer import (
    INSERTED_COLUMNS,
    PAID_DATE,
    PERIOD,
    InvoiceWriter,
    update_paid_dates,
)
from club.purchases.line_checks import (
    CREDIT_NOTE,
    INVOICE,  # noqa: F401  (named here for the ways in: csv_rows, the API)
    KINDS,
    MAX_AMOUNT_DIGITS,
    MAX_NUMBER_LENGTH,
    LineChecks,
)
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth
from club.purchases.month_close import settle_months
from club.purchases.settlement import settle_month

# --- a line's values --------------------------------------------------------------------

# The values of InvoiceKind as plain strings (INVOICE, CREDIT_NOTE, KINDS: defined with
# the line checks, named here): the CSV reader works without the ORM.
Kind = Literal["invoice", "credit_note"]

# Values every line has; a currency defaults to the club's main one, a country to the
# configured default, a kind to invoice, a payment date may be missing (not paid yet).
REQUIRED = ("number", "tax_id", "issue_date", "due_date", "net_amount")
DEFAULT_CURRENCY = "PLN"  # the main currency outside an application (club.purchases.defaults)
# MAX_NUMBER_LENGTH (Invoice.number is String(64)) and MAX_AMOUNT_DIGITS (Numeric(14, 2):
# 12 digits before the point) come with the line checks too.
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One invoice or credit note, checked. A credit note's net amount is never positive.
    `line`: where it came from (the file's line, the request's index)."""

    line: int
    number: str
    tax_id: str
    issue_date: date
    due_date: date
    net_amount: Decimal
    currency: str
    paid_date: date | None
    kind: Kind
    # ISO 3166-1 alpha-2, upper case; None: the configured default country (a CSV export
    # without a country column), or the one the tax id's VAT prefix names.
    country: str | None = None
    # The line's product group (lower case; club.rules promotions), None when not sent.
    product_group: str | None = None


class Problem(enum.Enum):
    """What is wrong with a line's value; each way in words it in its own terms."""

    NUMBER_TOO_LONG = enum.auto()
    NOT_A_KIND = enum.auto()
    AMOUNT_TOO_LARGE = enum.auto()
    AMOUNT_TOO_PRECISE = enum.auto()
    NEGATIVE_INVOICE = enum.auto()
    DUE_BEFORE_ISSUE = enum.auto()
    NOT_A_CURRENCY = enum.auto()
    NOT_A_COUNTRY = enum.auto()
    PRODUCT_GROUP_TOO_LONG = enum.auto()


class InvalidLine(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.name)
        self.problem = problem


def check_number(number: str) -> str:
    if len(number) > MAX_NUMBER_LENGTH:
        raise InvalidLine(Problem.NUMBER_TOO_LONG)
    return number


MAX_PRODUCT_GROUP_LENGTH = 40


def product_group_of(text: str) -> str | None:
    """A product group as promotions name it: lower case; empty: none."""
    group = text.strip().lower()
    if len(group) > MAX_PRODUCT_GROUP_LENGTH:
        raise InvalidLine(Problem.PRODUCT_GROUP_TOO_LONG)
    return group or None


def check_kind(kind) -> Kind:
    if kind not in KINDS:
        raise InvalidLine(Problem.NOT_A_KIND)
    return kind


def in_cents(amount: Decimal) -> Decimal:
    """A finite amount to two decimal places: 1234.5 and 1234.500 are 1234.50, and
    -0.00 is 0.00 (no negative zero to trip the sign checks)."""
    if amount.adjusted() >= MAX_AMOUNT_DIGITS:
        raise InvalidLine(Problem.AMOUNT_TOO_LARGE)
    cents = amount.quantize(CENT)
    if cents != amount:
        raise InvalidLine(Problem.AMOUNT_TOO_PRECISE)
    return cents if cents else ZERO


def signed_amount(amount: Decimal, kind: Kind) -> Decimal:
    """The amount as stored: ERPs write credit notes either way, the club negative."""
    if kind == CREDIT_NOTE:
        return -amount if amount > 0 else amount
    if amount < 0:
        raise InvalidLine(Problem.NEGATIVE_INVOICE)
    return amount


def check_dates(issue_date: date, due_date: date) -> None:
    if due_date < issue_date:
        raise InvalidLine(Problem.DUE_BEFORE_ISSUE)


def currency_code(text: str) -> str:
    """An ISO 4217 currency in use, upper case; the club's main currency when empty."""
    if not text:
        return main_currency()
    code = text.upper()
    if not is_currency(code):
        raise InvalidLine(Problem.NOT_A_CURRENCY)
    return code


def country_of(text: str) -> str | None:
    """An ISO 3166-1 alpha-2 country, upper case; None (the default) when empty."""
    if not text:
        return None
    code = text.upper()
    if not is_country(code):
        raise InvalidLine(Problem.NOT_A_COUNTRY)
    return code


def totals_by_currency(rows) -> list[tuple[str, int, Decimal]]:
    """(currency, lines, net total) of checked lines, by currency: amounts in different
    currencies are never added up."""
    totals: dict[str, list] = {}
    for row in rows:
        total = totals.setdefault(row.currency, [0, ZERO])
        total[0] += 1
        total[1] += row.net_amount
    return [(currency, count, net) for currency, (count, net) in sorted(totals.items())]


# --- the company, and what was sent before ----------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int | None, str]] = field(default_factory=list)
    months_settled: int = 0

    @property
    def rejected_rows(self) -> int:
        """Rows left out; a row with two problems is one row (a file-wide problem, one)."""
        return len({line for line, _message in self.rejected})


# Rows looked up and saved together: one query finds which of them were sent before, one
# statement saves the new ones.
IMPORT_CHUNK = 5_000
# What the import compares of an invoice sent again.
_SAVED_COLUMNS = (
    Invoice.id,
    Invoice.number,
    Invoice.company_id,
    Invoice.kind,
    Invoice.issue_date,
    Invoice.due_date,
    Invoice.net_amount,
    Invoice.currency,
    Invoice.paid_date,
)
# Where _Saved's values are among those inserted, in its order.
_COMPARED = tuple(
    INSERTED_COLUMNS.index(name)
    for name in (
        "company_id",
        "kind",
        "issue_date",
        "due_date",
        "net_amount",
        "currency",
        "paid_date",
    )
)


class _Saved:
    """An invoice as the import sees it: saved before, or new in this chunk (no id yet,
    `values` is what will be inserted)."""

    __slots__ = (
        "company_id",
        "currency",
        "due_date",
        "id",
        "issue_date",
        "kind",
        "net_amount",
        "paid_date",
        "values",
    )

    def __init__(self, id, company_id, kind, issue_date, due_date, net_amount, currency, paid):
        self.id, self.company_id, self.kind = id, company_id, kind
        self.issue_date, self.due_date, self.net_amount = issue_date, due_date, net_amount
        self.currency, self.paid_date = currency, paid
        self.values: list | None = None

    @classmethod
    def of(cls, values: list) -> _Saved:
        """One created earlier in this chunk: `values` are those to insert."""
        saved = cls(None, *(values[index] for index in _COMPARED))
        saved.values = values
        return saved


def _saved_invoices(session: Session, numbers: Iterable[str]) -> dict[str, _Saved]:
    """The invoices already saved under these numbers, one query per few thousand."""
    saved = {}
    dialect = session.get_bind().dialect
    for batch in batches(numbers, IN_LIST):
        query = select(*_SAVED_COLUMNS).where(one_of(Invoice.number, batch, dialect))
        for row in session.execute(query):
            saved[row[1]] = _Saved(row[0], *row[2:])
    return saved


def _saved_of_chunk(session: Session, chunk: list, checked: list) -> dict[str, _Saved]:
    """_saved_invoices of the chunk's lines that passed `LineChecks`."""
    return _saved_invoices(
        session,
        {
            row.number
            for row, (company_id, _problem) in zip(chunk, checked, strict=True)
            if company_id is not None
        },
    )


_KINDS = {kind.value: kind for kind in InvoiceKind}


def _kind(value: str) -> InvoiceKind:
    """InvoiceKind(value), without the enum's slow lookup a million times."""
    kind = _KINDS.get(value)
    return kind if kind is not None else InvoiceKind(value)  # ValueError if not a kind


def _changed(row, company_id: int, invoice: _Saved | None) -> str | None:
    """Why a line that passed `LineChecks` cannot be saved (it was sent before with other
    details), or None."""
    if invoice is not None and not (
        invoice.company_id == company_id
        and invoice.kind == _kind(row.kind)
        and invoice.issue_date == row.issue_date
        and invoice.due_date == row.due_date
        and invoice.net_amount == row.net_amount
        and invoice.currency == row.currency
    ):
        return _(
            "Invoice %(number)s was sent before with other details; only its payment "
            "date can change. Send a credit note to correct it.",
            number=row.number,
        )
    return None


# --- saving -----------------------------------------------------------------------------


def check_invoices(
    session: Session, rows, *, now: datetime | None = None, accepted: dict | None = None
) -> list[tuple[int | None, str]]:
    """The rows that record_invoices would refuse, with reasons; writes nothing.

    `accepted`, when given, is filled with what each other row would do, by its line:
    (company id, the invoice's saved payment date or NEW, the period its points count in).
    """
    lines = LineChecks(session, now or utcnow())
    problems = []
    for chunk in batches(rows, IMPORT_CHUNK):
        checked = [lines(row) for row in chunk]
        saved = _saved_of_chunk(session, chunk, checked)
        for row, (company_id, problem) in zip(chunk, checked, strict=True):
            if problem is None:
                problem = _changed(row, company_id, saved.get(row.number))
            if problem is not None:
                problems.append((row.line, problem))
            elif accepted is not None:
                invoice = saved.get(row.number)
                paid = NEW if invoice is None else invoice.paid_date
                accepted[row.line] = (company_id, paid, lines.periods[row.issue_date])
    return problems


NEW = "new"  # check_invoices' `accepted`: the invoice was not sent before


def record_invoices(session: Session, rows, *, now: datetime | None = None) -> ImportReport:
    """Save checked invoice lines; a re-sent invoice updates its payment date only.

    `rows` are InvoiceRow (or anything with the same fields), in a list or streamed (any
    iterable: they are read a chunk at a time, not kept). Rows that cannot be saved are
    reported with their line and reason; the rest go in. Closed months that the rows
    touch are settled again at once.
    """
    now = now or utcnow()
    report = ImportReport()
    lines = LineChecks(session, now)
    touched: set[tuple[int, date, str]] = set()
    writer = InvoiceWriter(session, now)
    try:
        for chunk in batches(rows, IMPORT_CHUNK):
            _record_chunk(session, chunk, lines, writer, report, touched, now)
    finally:
        writer.wait()  # the last batch stored (on PostgreSQL it is copied in the background)
    session.flush()
    # A big import (a month of a big club's ERP export): the month's close and the
    # awards job come next and are planned on the table as it is now.
    analyze_if_grown(session, Invoice.__tablename__, report.created)
    month_ids = _closed_months(session, touched)
    settle_months(session, month_ids, now=now)
    report.months_settled = len(month_ids)
    return report


def _record_chunk(
    session: Session,
    chunk: list,
    lines: LineChecks,
    writer: InvoiceWriter,
    report: ImportReport,
    touched: set[tuple[int, date, str]],
    now: datetime,
) -> None:
    """The rows in order, as one by one; then one update and one insert for them all."""
    writer.wait()  # the batch before stored: the checks and look-ups below may query
    checked = [lines(row) for row in chunk]
    saved: dict[str, _Saved | list] = {}
    saved.update(_saved_of_chunk(session, chunk, checked))
    created: list[list] = []
    paid: dict[int, date] = {}
    periods = lines.periods
    for row, (company_id, problem) in zip(chunk, checked, strict=True):
        if problem is not None:
            report.rejected.append((row.line, problem))
            continue
        invoice = saved.get(row.number)
        if invoice is None:  # a new invoice: most rows
            issued = row.issue_date
            values = saved[row.number] = [
                row.number,
                company_id,
                _kind(row.kind),
                issued,
                periods[issued],
                row.due_date,
                row.net_amount,
                row.currency,
                row.paid_date,
                row.product_group,
            ]
            created.append(values)
            touched.add((company_id, values[PERIOD], row.currency))
            continue
        if isinstance(invoice, list):  # created earlier in this chunk
            invoice = _Saved.of(invoice)
        if (problem := _changed(row, company_id, invoice)) is not None:
            report.rejected.append((row.line, problem))
            continue
        if invoice.paid_date == row.paid_date or row.paid_date is None:
            report.unchanged += 1
            continue
        if invoice.values is not None:
            invoice.values[PAID_DATE] = row.paid_date
        else:
            invoice.paid_date = row.paid_date
            paid[invoice.id] = row.paid_date
        report.updated += 1
        touched.add((company_id, periods[row.issue_date], row.currency))
    report.created += len(created)
    if paid:
        update_paid_dates(session, paid, now=now)
    if created:  # last: on PostgreSQL it goes on while the next batch is read
        writer.insert(created)


def _closed_months(session: Session, keys: set[tuple[int, date, str]]) -> list[int]:
    """The ids of the months among (company, period, currency) that have closed, in that
    order."""
    by_period: dict[date, set[int]] = {}
    for company_id, period, _currency in keys:
        by_period.setdefault(period, set()).add(company_id)
    found: dict[tuple[int, date, str], int] = {}
    for period, company_ids in by_period.items():
        for ids in batches(sorted(company_ids), IN_LIST):
            months = session.execute(
                select(PurchaseMonth.company_id, PurchaseMonth.currency, PurchaseMonth.id).where(
                    PurchaseMonth.period == period, PurchaseMonth.company_id.in_(ids)
                )
            )
            found.update(
                ((company_id, period, currency), month_id)
                for company_id, currency, month_id in months
            )
    return [found[key] for key in sorted(keys) if key in found]


def record_payment(
    session: Session, number: str, paid_date: date, *, now: datetime | None = None
) -> Invoice:
    """A payment recorded later; the month is settled again if it has closed."""
    now = now or utcnow()
    invoice = session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        raise UnknownInvoice(_("There is no invoice %(number)s.", number=number))
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise PurchasesError(_("A credit note is not paid."))
    if paid_date < invoice.issue_date:
        raise PurchasesError(_("The payment date is before the invoice date."), field="paid_date")
    today = club_today(now)
    if paid_date > today:
        raise PurchasesError(
            _(
                "The payment date %(date)s is after today (%(today)s): record a "
                "payment once the money has arrived.",
                date=date_(paid_date),
                today=date_(today),
            ),
            field="paid_date",
        )
    if invoice.paid_date != paid_date:
        invoice.paid_date = paid_date
        invoice.updated_at = now
        session.flush()
        month = session.scalar(
            select(PurchaseMonth).where(
                PurchaseMonth.company_id == invoice.company_id,
                PurchaseMonth.period == invoice.period,
                PurchaseMonth.currency == invoice.currency,
            )
        )
        if month is not None:
            settle_month(session, month, now=now)
    return invoice
