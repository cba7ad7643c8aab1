"""What a month's invoices say (a company's, of one month, in one currency): the net
total, what was paid within its payment window, the points both are worth, and the
invoices a forfeit names (late or unpaid).

`month_facts` works out one month from its rows; `facts_of_months` works out thousands
at once, the database adding up the amounts, and gives exactly the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from club.core.database import amount_of, cents_of, days_after
from club.purchases.bulk import IN_LIST, MONTH_BATCH, batches, one_of
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth


@dataclass
class MonthFacts:
    """What a month's invoices say, and the points they should be worth."""

    net_total: Decimal
    paid_in_time: Decimal
    points_earned: int
    points_confirmed: int
    windows_closed: bool
    late: list[dict] = field(default_factory=list)
    unpaid: list[dict] = field(default_factory=list)


def _points(amount: Decimal, month: PurchaseMonth) -> int:
    if amount <= 0:
        return 0
    return int(amount // month.rate) * month.multiplier_percent // 100


# What month facts need of each invoice, in the order the facts list them.
_FACT_COLUMNS = (
    Invoice.kind,
    Invoice.number,
    Invoice.due_date,
    Invoice.paid_date,
    Invoice.net_amount,
)


def confirmed_if_paid(month: PurchaseMonth, facts: MonthFacts, more: Decimal) -> int:
    """The points the month would confirm were `more` also paid within its windows (the
    rule of `_facts`: paid in time, capped by the total, never above what it earned)."""
    paid = min(facts.paid_in_time + more, facts.net_total)
    return min(_points(paid, month), facts.points_earned)


def month_facts(session: Session, month: PurchaseMonth, *, today: date) -> MonthFacts:
    invoices = session.execute(
        select(*_FACT_COLUMNS)
        .where(
            Invoice.company_id == month.company_id,
            Invoice.period == month.period,
            Invoice.currency == month.currency,
        )
        .order_by(Invoice.issue_date, Invoice.number)
    ).all()
    return _facts(month, invoices, today)


def _late(number: str, window_end: date, paid_date: date) -> dict:
    return {"number": number, "days_late": (paid_date - window_end).days}


def _unpaid(number: str, window_end: date) -> dict:
    return {"number": number, "window_end": window_end.isoformat()}


def _facts(month: PurchaseMonth, invoices, today: date) -> MonthFacts:
    """`invoices`: (kind, number, due date, paid date, net amount) in issue-date order."""
    grace = timedelta(days=month.grace_days)
    net_total = sum((invoice[4] for invoice in invoices), Decimal("0"))
    paid_in_time = Decimal("0")
    windows_closed = True
    late, unpaid = [], []
    for kind, number, due_date, paid_date, net_amount in invoices:
        if kind == InvoiceKind.CREDIT_NOTE:
            continue  # it lowers the total; confirmed points are capped by the total below
        window_end = due_date + grace
        if paid_date is not None and paid_date <= window_end:
            paid_in_time += net_amount
            continue
        if today <= window_end:
            windows_closed = False
        elif paid_date is not None:
            late.append(_late(number, window_end, paid_date))
        else:
            unpaid.append(_unpaid(number, window_end))
    earned = _points(net_total, month)
    confirmed = min(_points(min(paid_in_time, net_total), month), earned)
    return MonthFacts(net_total, paid_in_time, earned, confirmed, windows_closed, late, unpaid)


def facts_of_months(
    session: Session, months: list[PurchaseMonth], *, today: date
) -> dict[int, MonthFacts]:
    """month_facts for many months, a few queries for all (by month id).

    The database adds up each month's invoices (in whole cents, never floats: SQLite keeps
    NUMERIC as REAL), split by payment window; only the invoices a forfeit has to name
    (windows closed, not paid in time) are read one by one. The result is exactly what
    _facts makes of all the rows, which is how month_facts still works out one month.
    """
    groups: dict[tuple[date, str, int], dict[int, PurchaseMonth]] = defaultdict(dict)
    for month in months:
        groups[month.period, month.currency, month.grace_days][month.company_id] = month
    dialect = session.get_bind().dialect.name
    facts: dict[int, MonthFacts] = {}
    for (period, currency, grace_days), by_company in groups.items():
        if dialect == "sqlite" and _most_of_period(session, period, currency, len(by_company)):
            # Reading the whole period in table order costs half of fetching most of it
            # company by company (each company's rows are spread over the table).
            parts: Iterable[list[int] | None] = [None]
        else:
            parts = batches(sorted(by_company), IN_LIST)
        window = _Window.of(grace_days, today, dialect, currency)
        for company_ids in parts:
            facts.update(_summed_facts(session, period, window, company_ids, by_company))
    for month in months:  # a month whose invoices are all gone
        if month.id not in facts:
            facts[month.id] = _facts(month, [], today)
    return facts


def _most_of_period(session: Session, period: date, currency: str, months: int) -> bool:
    """Whether `months` months are most of the period's in `currency` (at least a
    thousand)."""
    if months < MONTH_BATCH:
        return False
    companies = session.scalar(
        select(func.count(Invoice.company_id.distinct())).where(
            Invoice.period == period, Invoice.currency == currency
        )
    )
    return months * 2 >= companies


@dataclass(frozen=True)
class _Window:
    """A grace period's payment windows on `today`, as SQL terms of an invoice, for the
    invoices in one currency."""

    grace_days: int
    today: date
    dialect: str
    currency: str
    cents: object  # the net amount in whole cents
    in_time: object  # an invoice paid within its window
    missed: object  # an invoice not paid within its window (yet)
    open_from: date  # a window still open on `today`: due on or after this day

    @classmethod
    def of(cls, grace_days: int, today: date, dialect: str, currency: str) -> _Window:
        cents = cents_of(Invoice.net_amount, dialect)
        window_end = days_after(Invoice.due_date, grace_days, dialect)
        invoice = Invoice.kind != InvoiceKind.CREDIT_NOTE
        paid_by_window_end = Invoice.paid_date <= window_end
        if grace_days >= 0:  # paid by the due date: in time, without working out the window
            paid_by_window_end = or_(Invoice.paid_date <= Invoice.due_date, paid_by_window_end)
        return cls(
            grace_days,
            today,
            dialect,
            currency,
            cents,
            and_(invoice, Invoice.paid_date.is_not(None), paid_by_window_end),
            and_(invoice, or_(Invoice.paid_date.is_(None), Invoice.paid_date > window_end)),
            today - timedelta(days=grace_days),
        )


def _summed_facts(
    session: Session,
    period: date,
    window: _Window,
    company_ids: list[int] | None,
    by_company: dict[int, PurchaseMonth],
) -> dict[int, MonthFacts]:
    """facts_of_months for the months of one period and grace period: those of
    `company_ids`, or (None) all of them, read in one pass over the period."""
    facts: dict[int, MonthFacts] = {}
    named: list[int] = []  # months whose late or unpaid invoices the facts list
    odd: list[int] = []
    for (
        company_id,
        count,
        net_cents,
        paid_count,
        paid_cents,
        still_open,
        overdue,
        *rest,
    ) in session.execute(_sums(period, window, company_ids)):
        month = by_company.get(company_id)
        if month is None:  # another company's month (the whole period was read)
            continue
        if rest and rest[0]:
            odd.append(company_id)
            continue
        net_total = _in_units(net_cents, count)
        paid_in_time = _in_units(paid_cents, paid_count)
        earned = _points(net_total, month)
        confirmed = min(_points(min(paid_in_time, net_total), month), earned)
        facts[month.id] = MonthFacts(net_total, paid_in_time, earned, confirmed, not still_open)
        if overdue:
            named.append(company_id)
    _name_missed_invoices(session, facts, period, window, company_ids, named, by_company)
    for ids in batches(odd, IN_LIST):
        invoices = session.execute(
            select(Invoice.company_id, *_FACT_COLUMNS)
            .where(
                Invoice.period == period,
                Invoice.currency == window.currency,
                one_of(Invoice.company_id, ids, window.dialect),
            )
            .order_by(Invoice.company_id, Invoice.issue_date, Invoice.number)
        )
        for company_id, rows in groupby(invoices, key=itemgetter(0)):
            month = by_company[company_id]
            facts[month.id] = _facts(month, [row[1:] for row in rows], window.today)
    return facts


def _sums(period: date, window: _Window, company_ids: list[int] | None):
    """Per company: invoices, their cents, those paid in time and their cents, whether a
    window is still open, whether one closed unpaid, (SQLite) whether an amount is odd."""
    columns = [
        Invoice.company_id,
        func.count(),
        func.sum(window.cents),
        func.sum(case((window.in_time, 1), else_=0)),
        func.sum(case((window.in_time, window.cents), else_=0)),
        func.max(case((and_(window.missed, Invoice.due_date >= window.open_from), 1), else_=0)),
        func.max(case((and_(window.missed, Invoice.due_date < window.open_from), 1), else_=0)),
    ]
    if window.dialect != "postgresql":
        # A stored value that is not whole cents (nothing the import writes): such a
        # month is worked out from its rows, as month_facts does, not from sums.
        cents = Invoice.net_amount * 100
        odd = func.abs(cents - func.round(cents)) > 0.001
        columns.append(func.max(case((odd, 1), else_=0)))
    in_month = (Invoice.period == period, Invoice.currency == window.currency)
    if company_ids is not None:
        return (
            select(*columns)
            .where(*in_month, one_of(Invoice.company_id, company_ids, window.dialect))
            .group_by(Invoice.company_id)
        )
    # Grouped by an expression, not the indexed column: SQLite then reads the table in
    # its order and sorts, rather than walk the index and jump about the table.
    company = (Invoice.company_id + 0).label("company")
    return select(company, *columns[1:]).where(*in_month).group_by(company)


def _name_missed_invoices(
    session: Session,
    facts: dict[int, MonthFacts],
    period: date,
    window: _Window,
    company_ids: list[int] | None,
    named: list[int],
    by_company: dict[int, PurchaseMonth],
) -> None:
    """The late and unpaid invoices of the `named` companies' months, into their facts."""
    overdue_invoices = select(
        Invoice.company_id, Invoice.number, Invoice.due_date, Invoice.paid_date
    ).where(
        Invoice.period == period,
        Invoice.currency == window.currency,
        window.missed,
        Invoice.due_date < window.open_from,
    )
    if company_ids is None:  # the whole period again, in table order; sorted by SQLite
        company = (Invoice.company_id + 0).label("company")
        queries = (
            [overdue_invoices.order_by(company, Invoice.issue_date, Invoice.number)]
            if named
            else []
        )
    else:
        queries = [
            overdue_invoices.where(one_of(Invoice.company_id, ids, window.dialect)).order_by(
                Invoice.company_id, Invoice.issue_date, Invoice.number
            )
            for ids in batches(named, IN_LIST)
        ]
    grace = timedelta(days=window.grace_days)
    wanted = set(named)
    for query in queries:
        for company_id, group in groupby(session.execute(query), key=itemgetter(0)):
            if company_id not in wanted:
                continue
            listed = facts[by_company[company_id].id]
            for _company, number, due_date, paid_date in group:
                window_end = due_date + grace
                if paid_date is not None:
                    listed.late.append(_late(number, window_end, paid_date))
                else:
                    listed.unpaid.append(_unpaid(number, window_end))


def _in_units(cents: int | None, count: int) -> Decimal:
    """A sum of whole cents as _facts adds up amounts: Decimal("0") when nothing was
    added, else two decimal places (what adding NUMERIC(14, 2) values gives)."""
    if not count:
        return Decimal("0")
    return amount_of(cents)
