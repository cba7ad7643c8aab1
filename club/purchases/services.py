"""Purchases earn points: invoices in, month close, payment windows, credit notes.

The rule book (DESIGN.md, "The points economy"): per company and calendar month,
points = floor(net total / rate) x tier multiplier. They are pending until the month's
invoices are paid: confirmed = floor(sum paid within the payment window / rate); what
is not paid in time is forfeited when the month's last window closes. Credit notes
lower the month's total; points already confirmed beyond it are clawed back.

`settle_month` computes what the ledger should hold for a month from its invoices and
posts only the difference, so running it again changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import groupby, islice
from operator import itemgetter
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.periods import club_today
from club.ledger import services as ledger
from club.ledger.models import Entry, EntryKind, Wallet
from club.members.models import Company
from club.members.standing import tier_multiplier_percent
from club.purchases.errors import PurchasesError, UnknownInvoice
from club.purchases.models import EarningRule, Invoice, InvoiceKind, PurchaseMonth

T = TypeVar("T")

DEFAULT_RATE = 500
DEFAULT_GRACE_DAYS = 7


# --- dates ----------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _end_of_period(period: date) -> datetime:
    """Points of a month count as earned at its last moment (for expiry)."""
    return datetime.combine(next_month(period), datetime.min.time(), tzinfo=UTC) - timedelta(
        seconds=1
    )


# --- the earning rule -----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    rate: int
    grace_days: int
    effective_from: date | None


def rule_for(session: Session, period: date) -> Rule:
    rule = session.scalar(
        select(EarningRule)
        .where(EarningRule.effective_from <= period)
        .order_by(EarningRule.effective_from.desc())
        .limit(1)
    )
    if rule is None:
        return Rule(DEFAULT_RATE, DEFAULT_GRACE_DAYS, None)
    return Rule(rule.rate, rule.grace_days, rule.effective_from)


def set_rule(
    session: Session,
    *,
    effective_from: date,
    rate: int,
    grace_days: int,
    actor,
    now: datetime | None = None,
) -> EarningRule:
    """A new rate and grace period from a month on; months already closed keep theirs."""
    now = now or utcnow()
    if effective_from.day != 1:
        raise PurchasesError(
            _("Rules change at the start of a month: choose a 1st."), field="effective_from"
        )
    if effective_from < month_start(club_today(now)):
        raise PurchasesError(_("A rule cannot start in a past month."), field="effective_from")
    if rate <= 0:
        raise PurchasesError(_("The rate must be above zero."), field="rate")
    if grace_days < 0:
        raise PurchasesError(_("Grace days cannot be negative."), field="grace_days")
    rule = session.scalar(select(EarningRule).where(EarningRule.effective_from == effective_from))
    before = {"rate": rule.rate, "grace_days": rule.grace_days} if rule else None
    if rule is None:
        rule = EarningRule(effective_from=effective_from, created_at=now)
    rule.rate, rule.grace_days, rule.created_by_id = rate, grace_days, actor.id
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "earning_rule.set",
        rule,
        actor=actor,
        before=before,
        after={
            "effective_from": effective_from.isoformat(),
            "rate": rate,
            "grace_days": grace_days,
        },
        now=now,
    )
    return rule


# --- months ---------------------------------------------------------------------------


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


def month_facts(session: Session, month: PurchaseMonth, *, today: date) -> MonthFacts:
    invoices = session.execute(
        select(*_FACT_COLUMNS)
        .where(Invoice.company_id == month.company_id, Invoice.period == month.period)
        .order_by(Invoice.issue_date, Invoice.number)
    ).all()
    return _facts(month, invoices, today)


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
            late.append({"number": number, "days_late": (paid_date - window_end).days})
        else:
            unpaid.append({"number": number, "window_end": window_end.isoformat()})
    earned = _points(net_total, month)
    confirmed = min(_points(min(paid_in_time, net_total), month), earned)
    return MonthFacts(net_total, paid_in_time, earned, confirmed, windows_closed, late, unpaid)


def _facts_of_months(
    session: Session, months: list[PurchaseMonth], *, today: date
) -> dict[int, MonthFacts]:
    """month_facts for many months, a few queries for all (by month id).

    The database adds up each month's invoices (in whole cents, never floats: SQLite keeps
    NUMERIC as REAL), split by payment window; only the invoices a forfeit has to name
    (windows closed, not paid in time) are read one by one. The result is exactly what
    _facts makes of all the rows, which is how month_facts still works out one month.
    """
    groups: dict[tuple[date, int], dict[int, PurchaseMonth]] = defaultdict(dict)
    for month in months:
        groups[month.period, month.grace_days][month.company_id] = month
    dialect = session.get_bind().dialect.name
    facts: dict[int, MonthFacts] = {}
    for (period, grace_days), by_company in groups.items():
        if dialect == "sqlite" and _most_of_period(session, period, len(by_company)):
            # Reading the whole period in table order costs half of fetching most of it
            # company by company (each company's rows are spread over the table).
            batches: Iterable[list[int] | None] = [None]
        else:
            batches = _batches(sorted(by_company), _IN_LIST)
        for company_ids in batches:
            facts.update(
                _summed_facts(session, period, grace_days, company_ids, by_company, today, dialect)
            )
    for month in months:  # a month whose invoices are all gone
        if month.id not in facts:
            facts[month.id] = _facts(month, [], today)
    return facts


def _most_of_period(session: Session, period: date, months: int) -> bool:
    """Whether `months` months are most of the period's (at least a thousand)."""
    if months < _MONTH_BATCH:
        return False
    companies = session.scalar(
        select(func.count(Invoice.company_id.distinct())).where(Invoice.period == period)
    )
    return months * 2 >= companies


def _summed_facts(
    session: Session,
    period: date,
    grace_days: int,
    company_ids: list[int] | None,
    by_company: dict[int, PurchaseMonth],
    today: date,
    dialect: str,
) -> dict[int, MonthFacts]:
    """_facts_of_months for the months of one period and grace period: those of
    `company_ids`, or (None) all of them, read in one pass over the period."""
    if dialect == "postgresql":
        cents = cast(Invoice.net_amount * 100, BigInteger)  # NUMERIC(14, 2): exact
        window_end = Invoice.due_date + literal_column(str(int(grace_days)), Integer)
    else:
        cents = cast(func.round(Invoice.net_amount * 100), BigInteger)
        window_end = func.date(Invoice.due_date, f"{int(grace_days):+d} days")
    # A window still open on `today` ends on or after it: due on or after today - grace.
    open_from = today - timedelta(days=grace_days)
    invoice = Invoice.kind != InvoiceKind.CREDIT_NOTE
    paid_by_window_end = Invoice.paid_date <= window_end
    if grace_days >= 0:  # paid by the due date: in time, without working out the window
        paid_by_window_end = or_(Invoice.paid_date <= Invoice.due_date, paid_by_window_end)
    in_time = and_(invoice, Invoice.paid_date.is_not(None), paid_by_window_end)
    missed = and_(invoice, or_(Invoice.paid_date.is_(None), Invoice.paid_date > window_end))
    columns = [
        Invoice.company_id,
        func.count(),
        func.sum(cents),
        func.sum(case((in_time, 1), else_=0)),
        func.sum(case((in_time, cents), else_=0)),
        func.max(case((and_(missed, Invoice.due_date >= open_from), 1), else_=0)),
        func.max(case((and_(missed, Invoice.due_date < open_from), 1), else_=0)),
    ]
    if dialect != "postgresql":
        # A stored value that is not whole cents (nothing the import writes): such a
        # month is worked out from its rows, as month_facts does, not from sums.
        columns.append(
            func.max(
                case(
                    (
                        func.abs(Invoice.net_amount * 100 - func.round(Invoice.net_amount * 100))
                        > 0.001,
                        1,
                    ),
                    else_=0,
                )
            )
        )
    if company_ids is not None:
        query = (
            select(*columns)
            .where(Invoice.period == period, _one_of(Invoice.company_id, company_ids, dialect))
            .group_by(Invoice.company_id)
        )
    else:
        # Grouped by an expression, not the indexed column: SQLite then reads the table
        # in its order and sorts, rather than walk the index and jump about the table.
        company = (Invoice.company_id + 0).label("company")
        query = select(company, *columns[1:]).where(Invoice.period == period).group_by(company)
    sums = session.execute(query).all()
    facts: dict[int, MonthFacts] = {}
    named: list[int] = []  # months whose late or unpaid invoices the facts list
    odd: list[int] = []
    for company_id, count, net_cents, paid_count, paid_cents, still_open, overdue, *rest in sums:
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
    grace = timedelta(days=grace_days)
    overdue_invoices = select(
        Invoice.company_id, Invoice.number, Invoice.due_date, Invoice.paid_date
    ).where(Invoice.period == period, missed, Invoice.due_date < open_from)
    if company_ids is None:  # the whole period again, in table order; sorted by SQLite
        company = (Invoice.company_id + 0).label("company")
        queries = (
            [overdue_invoices.order_by(company, Invoice.issue_date, Invoice.number)]
            if named
            else []
        )
    else:
        queries = [
            overdue_invoices.where(_one_of(Invoice.company_id, ids, dialect)).order_by(
                Invoice.company_id, Invoice.issue_date, Invoice.number
            )
            for ids in _batches(named, _IN_LIST)
        ]
    wanted = set(named)
    for query in queries:
        for company_id, group in groupby(session.execute(query), key=itemgetter(0)):
            if company_id not in wanted:
                continue
            listed = facts[by_company[company_id].id]
            for _company, number, due_date, paid_date in group:
                window_end_ = due_date + grace
                if paid_date is not None:
                    listed.late.append(
                        {"number": number, "days_late": (paid_date - window_end_).days}
                    )
                else:
                    listed.unpaid.append({"number": number, "window_end": window_end_.isoformat()})
    for ids in _batches(odd, _IN_LIST):
        invoices = session.execute(
            select(Invoice.company_id, *_FACT_COLUMNS)
            .where(Invoice.period == period, _one_of(Invoice.company_id, ids, dialect))
            .order_by(Invoice.company_id, Invoice.issue_date, Invoice.number)
        )
        for company_id, rows in groupby(invoices, key=itemgetter(0)):
            month = by_company[company_id]
            facts[month.id] = _facts(month, [row[1:] for row in rows], today)
    return facts


def _in_units(cents: int | None, count: int) -> Decimal:
    """A sum of whole cents as _facts adds up amounts: Decimal("0") when nothing was
    added, else two decimal places (what adding NUMERIC(14, 2) values gives)."""
    if not count:
        return Decimal("0")
    return Decimal(int(cents)).scaleb(-2)


def close_month(
    session: Session, company_id: int, period: date, *, now: datetime | None = None
) -> PurchaseMonth:
    """Turn a finished month's purchases into pending points (and settle what is paid)."""
    now = now or utcnow()
    if period >= month_start(club_today(now)):
        raise PurchasesError(_("A month closes only after it has ended."))
    month = session.scalar(
        select(PurchaseMonth).where(
            PurchaseMonth.company_id == company_id, PurchaseMonth.period == period
        )
    )
    if month is None:
        rule = rule_for(session, period)
        month = PurchaseMonth(
            company_id=company_id,
            period=period,
            rate=rule.rate,
            grace_days=rule.grace_days,
            multiplier_percent=tier_multiplier_percent(session, company_id, period),
            closed_at=now,
        )
        session.add(month)
        session.flush()
    settle_month(session, month, now=now)
    return month


def settle_month(
    session: Session, month: PurchaseMonth, *, now: datetime | None = None
) -> list[Entry]:
    """Bring the ledger in line with the month's invoices; post only the difference."""
    now = now or utcnow()
    month = session.execute(
        select(PurchaseMonth)
        .where(PurchaseMonth.id == month.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    facts = month_facts(session, month, today=club_today(now))
    wallet = ledger.wallet_for(session, month.company_id)
    return _post_difference(session, month, facts, wallet, now=now)


def _post_difference(
    session: Session, month: PurchaseMonth, facts: MonthFacts, wallet: Wallet, *, now: datetime
) -> list[Entry]:
    """settle_month once the month is locked and its facts are known."""
    posted, changes = _difference(session, month, facts, wallet, now=now)
    for name, value in changes.items():
        setattr(month, name, value)
    session.flush()
    return posted


def _plan(month: PurchaseMonth, facts: MonthFacts, *, now: datetime):
    """What the ledger lacks for a month: a list of (kind, points, details, earned_at)
    movements, in order, and the month's new counters. Nothing is written."""
    earned_at = _end_of_period(month.period)
    about = {
        "period": f"{month.period:%Y-%m}",
        "net_total": str(facts.net_total),
        "rate": month.rate,
    }
    plan: list[tuple[EntryKind, int, dict, datetime | None]] = []
    earned, confirmed = month.earned, month.confirmed
    forfeited, clawed_back = month.forfeited, month.clawed_back
    claim = (earned - confirmed - forfeited) + (confirmed - clawed_back)  # pending + kept
    # Until the month is final its claim is the whole total (what is not paid in time is
    # then forfeited, visibly); afterwards only a late-recorded in-time payment adds to it.
    needed = facts.points_earned if month.settled_at is None else facts.points_confirmed

    if claim < needed:  # new invoices, or an in-time payment recorded late
        points = needed - claim
        plan.append((EntryKind.EARN, points, about, earned_at))
        earned += points
    kept = confirmed - clawed_back
    if kept < facts.points_confirmed:  # paid within the window
        points = facts.points_confirmed - kept
        plan.append(
            (
                EntryKind.CONFIRM,
                points,
                {**about, "paid_in_time": str(facts.paid_in_time)},
                earned_at,
            )
        )
        confirmed += points
    elif kept > facts.points_confirmed:  # a credit note lowered the month
        points = kept - facts.points_confirmed
        plan.append((EntryKind.CLAWBACK, points, {**about, "credit_note": True}, None))
        clawed_back += points
    target = facts.points_confirmed if facts.windows_closed else facts.points_earned
    surplus = (earned - confirmed - forfeited) + (confirmed - clawed_back) - target
    if surplus > 0:  # not paid in time, or the total went down
        why = "late_or_unpaid" if facts.windows_closed else "credit_note"
        plan.append(
            (
                EntryKind.FORFEIT,
                surplus,
                {**about, "why": why, "late": facts.late, "unpaid": facts.unpaid},
                None,
            )
        )
        forfeited += surplus
    changes = {
        "net_total": facts.net_total,
        "earned": earned,
        "confirmed": confirmed,
        "forfeited": forfeited,
        "clawed_back": clawed_back,
    }
    if facts.windows_closed and month.settled_at is None:
        changes["settled_at"] = now
    return plan, changes


def _difference(
    session: Session, month: PurchaseMonth, facts: MonthFacts, wallet: Wallet, *, now: datetime
) -> tuple[list[Entry], dict]:
    """Post what the ledger lacks, one movement at a time; returns the entries and the
    month's new counters (the month itself is left unchanged)."""
    plan, changes = _plan(month, facts, now=now)
    source = ledger.Source("purchase_month", str(month.id))
    posted: list[Entry] = []
    for kind, points, details, earned_at in plan:
        if kind == EntryKind.EARN:
            posted.append(
                ledger.earn(
                    session,
                    wallet,
                    points,
                    source=source,
                    pending=True,
                    earned_at=earned_at,
                    details=details,
                    now=now,
                )
            )
        elif kind == EntryKind.CONFIRM:
            posted.append(
                ledger.confirm(
                    session,
                    wallet,
                    points,
                    source=source,
                    earned_at=earned_at,
                    details=details,
                    now=now,
                )
            )
        elif kind == EntryKind.CLAWBACK:
            posted.append(
                ledger.clawback(session, wallet, points, source=source, details=details, now=now)
            )
        else:
            posted.append(
                ledger.forfeit(session, wallet, points, source=source, details=details, now=now)
            )
    return posted, changes


def close_due_months(session: Session, *, now: datetime | None = None) -> int:
    """Close every finished month that has invoices but was never closed (catch-up)."""
    now = now or utcnow()
    current = month_start(club_today(now))
    with_invoices = (
        select(Invoice.company_id, Invoice.period)
        .where(Invoice.period < current)
        .distinct()
        .subquery()
    )
    due = session.execute(
        select(with_invoices.c.company_id, with_invoices.c.period)
        .where(
            ~select(PurchaseMonth.id)
            .where(
                PurchaseMonth.company_id == with_invoices.c.company_id,
                PurchaseMonth.period == with_invoices.c.period,
            )
            .exists()
        )
        .order_by(with_invoices.c.period, with_invoices.c.company_id)
    ).all()
    # close_month for each, in the same order: the months created a batch at a time,
    # then settled together.
    rules: dict[date, Rule] = {}
    table = PurchaseMonth.__table__
    month_ids: list[int] = []
    for batch in _batches(due, _MONTH_BATCH):
        months = []
        for company_id, period in batch:
            if period not in rules:
                rules[period] = rule_for(session, period)
            rule = rules[period]
            months.append(
                {
                    "company_id": company_id,
                    "period": period,
                    "rate": rule.rate,
                    "grace_days": rule.grace_days,
                    "multiplier_percent": tier_multiplier_percent(session, company_id, period),
                    "closed_at": now,
                }
            )
        # Multi-row INSERTs for the batch (the ORM would insert them one by one on
        # SQLite, to read back each id), returning the ids.
        ids = {
            (company_id, period): month_id
            for company_id, period, month_id in _insert_returning(
                session, insert(table), months, table.c.company_id, table.c.period, table.c.id
            )
        }
        month_ids += [ids[company_id, period] for company_id, period in batch]
    _settle_months(session, month_ids, now=now)
    return len(due)


def settle_open_months(session: Session, *, now: datetime | None = None) -> int:
    """Confirm and forfeit as payment windows pass, for every month not yet final."""
    now = now or utcnow()
    month_ids = session.scalars(
        select(PurchaseMonth.id)
        .where(PurchaseMonth.settled_at.is_(None))
        .order_by(PurchaseMonth.period, PurchaseMonth.company_id)
    ).all()
    return _settle_months(session, month_ids, now=now)


# Months created and posted together (one post_many each), and ids in one IN (...)
# list: a few queries per thousand months instead of several per month, well within
# SQLite's and PostgreSQL's limits on bound parameters.
_MONTH_BATCH = 1_000
_IN_LIST = 5_000


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _settle_months(session: Session, month_ids: list[int], *, now: datetime) -> int:
    """settle_month for each month, in the order given; returns the entries posted.

    All the months are locked first, then their facts read (after the locks, as
    settle_month does), then they are posted a batch at a time."""
    today = club_today(now)
    # The months as rows, not ORM objects: read, planned, and written back below.
    table = PurchaseMonth.__table__
    dialect = session.get_bind().dialect.name
    by_id = {}
    for batch in _batches(month_ids, _IN_LIST):
        by_id.update(
            (month.id, month)
            for month in session.execute(
                select(table)
                .where(_one_of(table.c.id, batch, dialect))
                .order_by(table.c.period, table.c.company_id)
                .with_for_update()
            )
        )
    all_months = [by_id[month_id] for month_id in month_ids]
    facts = _facts_of_months(session, all_months, today=today)
    wallet_ids = _wallet_ids_for(session, [month.company_id for month in all_months])
    posted = 0
    for months in _batches(all_months, _MONTH_BATCH):
        plans = [(month, *_plan(month, facts[month.id], now=now)) for month in months]
        changes = []
        if any(kind == EntryKind.CLAWBACK for _m, plan, _c in plans for kind, *_ in plan):
            # Credit notes are rare: this batch goes one movement at a time.
            for month in months:
                wallet = session.get(Wallet, wallet_ids[month.company_id])
                entries, new_counters = _difference(
                    session, month, facts[month.id], wallet, now=now
                )
                posted += len(entries)
                changes.append((month, new_counters))
        else:
            movements = [
                ledger.Movement(
                    wallet_id=wallet_ids[month.company_id],
                    kind=kind,
                    points=points,
                    source=ledger.Source("purchase_month", str(month.id)),
                    earned_at=earned_at,
                    details=details,
                )
                for month, plan, _counters in plans
                for kind, points, details, earned_at in plan
            ]
            posted += len(ledger.post_many(session, movements, now=now))
            changes = [(month, counters) for month, _plan_, counters in plans]
        _write_counters(session, changes)
    return posted


_COUNTERS = ("net_total", "earned", "confirmed", "forfeited", "clawed_back", "settled_at")


def _write_counters(session: Session, changes: list[tuple]) -> None:
    """The months' new counters, in one executemany, for the months that changed (as
    setting them on ORM objects and flushing would write them). Months this session
    has loaded read the new values from the database."""
    rows = []
    for month, new_counters in changes:
        if all(getattr(month, name) == value for name, value in new_counters.items()):
            continue
        values = {name: new_counters.get(name, getattr(month, name)) for name in _COUNTERS}
        rows.append({"month_id": month.id, **{f"new_{name}": values[name] for name in _COUNTERS}})
    if not rows:
        return
    table = PurchaseMonth.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One statement, not one per month: the new values as arrays, side by side.
        settled_at = table.c.settled_at.type.dialect_impl(connection.dialect)
        convert = settled_at.bind_processor(connection.dialect) or (lambda value: value)
        connection.exec_driver_sql(
            "UPDATE purchase_month SET net_total = new.net_total, earned = new.earned, "
            "confirmed = new.confirmed, forfeited = new.forfeited, "
            "clawed_back = new.clawed_back, settled_at = new.settled_at "
            "FROM unnest(%s::integer[], %s::numeric[], %s::integer[], %s::integer[], "
            "%s::integer[], %s::integer[], %s::timestamptz[]) "
            "AS new (id, net_total, earned, confirmed, forfeited, clawed_back, settled_at) "
            "WHERE purchase_month.id = new.id",
            (
                [row["month_id"] for row in rows],
                *([row[f"new_{name}"] for row in rows] for name in _COUNTERS[:-1]),
                [convert(row["new_settled_at"]) for row in rows],
            ),
        )
    else:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("month_id"))
            .values({name: bindparam(f"new_{name}") for name in _COUNTERS}),
            rows,
        )
    _expire_loaded(session, PurchaseMonth, {row["month_id"] for row in rows}, _COUNTERS)


def _expire_loaded(session: Session, model, ids: set[int], names) -> None:
    """Objects of `model` with these ids that the session has loaded read `names` from
    the database again (they were written past the ORM)."""
    for state in list(session.identity_map.all_states()):
        if state.class_ is model and state.identity[0] in ids and state.obj() is not None:
            session.expire(state.obj(), list(names))


def _wallet_ids_for(session: Session, company_ids: list[int]) -> dict[int, int]:
    """ledger.wallet_for for many companies: their wallets' ids, the missing wallets
    created (in the order given, as one by one)."""
    dialect = session.get_bind().dialect.name
    wallets: dict[int, int] = {}
    for ids in _batches(dict.fromkeys(company_ids), _IN_LIST):
        found = session.execute(
            select(Wallet.company_id, Wallet.id).where(_one_of(Wallet.company_id, ids, dialect))
        )
        wallets.update((company_id, wallet_id) for company_id, wallet_id in found)
        missing = [company_id for company_id in ids if company_id not in wallets]
        if not missing:
            continue
        insert_wallet = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Wallet)
        # Another transaction may create one meanwhile (PostgreSQL): then it is used.
        created = _insert_returning(
            session,
            insert_wallet,
            [{"company_id": company_id} for company_id in missing],
            Wallet.company_id,
            Wallet.id,
            on_conflict_do_nothing=[Wallet.company_id],
        )
        wallets.update((company_id, wallet_id) for company_id, wallet_id in created)
        if taken := [company_id for company_id in missing if company_id not in wallets]:
            meanwhile = session.execute(
                select(Wallet.company_id, Wallet.id).where(
                    _one_of(Wallet.company_id, taken, dialect)
                )
            )
            wallets.update((company_id, wallet_id) for company_id, wallet_id in meanwhile)
    return wallets


def _insert_returning(session: Session, statement, rows: list[dict], *returning, **options):
    """INSERT of many rows (dicts with the same keys), returning columns of the rows
    inserted. On PostgreSQL one statement whatever the number of rows, the values sent
    as one array per column (a multi-row VALUES would be thousands of parameters for the
    driver to parse); SQLite takes the multi-row VALUES well."""
    table = statement.table
    if session.get_bind().dialect.name == "postgresql":
        names = list(rows[0])
        arrays = select(
            *(
                func.unnest(
                    bindparam(None, [row[name] for row in rows], type_=ARRAY(table.c[name].type))
                )
                for name in names
            )
        )
        statement, rows = statement.from_select(names, arrays), None
    if (conflict := options.get("on_conflict_do_nothing")) is not None:
        statement = statement.on_conflict_do_nothing(index_elements=conflict)
    return session.execute(statement.returning(*returning), rows)


# --- invoices in ------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int | None, str]] = field(default_factory=list)
    months_settled: int = 0


def _compact_tax_id(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def _companies_by_tax_id(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Company.tax_id, Company.id)).all())


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


# A new invoice's values while the import works on it, in the order they are inserted.
_INSERTED_COLUMNS = (
    "number",
    "company_id",
    "kind",
    "issue_date",
    "period",
    "due_date",
    "net_amount",
    "currency",
    "paid_date",
)
_PERIOD = _INSERTED_COLUMNS.index("period")
# What _Saved holds of them, in its order.
_COMPARED = tuple(
    _INSERTED_COLUMNS.index(name)
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
_PAID_DATE = _INSERTED_COLUMNS.index("paid_date")


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
    for batch in _batches(numbers, _IN_LIST):
        query = select(*_SAVED_COLUMNS).where(_one_of(Invoice.number, batch, dialect))
        for row in session.execute(query):
            saved[row[1]] = _Saved(row[0], *row[2:])
    return saved


def _one_of(column, values: list, dialect):
    """`column IN (values)` as one bound value, not thousands: an array on PostgreSQL, a
    JSON list on SQLite. Binding and parsing thousands of parameters costs more than the
    lookups."""
    name = getattr(dialect, "name", dialect)  # a dialect or its name
    if name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if name == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):  # JSON built in
        listed = func.json_each(json.dumps(values)).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(values)


_KINDS = {kind.value: kind for kind in InvoiceKind}


def _kind(value: str) -> InvoiceKind:
    """InvoiceKind(value), without the enum's slow lookup a million times."""
    kind = _KINDS.get(value)
    return kind if kind is not None else InvoiceKind(value)  # ValueError if not a kind


def _problem(row, company_id: int | None, invoice: _Saved | None) -> str | None:
    """Why a parsed row cannot be saved, or None."""
    if company_id is None:
        return _("No company with tax id %(tax_id)s is registered.", tax_id=row.tax_id)
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


class _CompanyOf:
    """The company id for a row's tax id (None: not registered), each tax id once."""

    def __init__(self, session: Session) -> None:
        self.companies = _companies_by_tax_id(session)
        self.known: dict[str, int | None] = {}

    def __call__(self, tax_id: str) -> int | None:
        try:
            return self.known[tax_id]
        except KeyError:
            company_id = self.known[tax_id] = self.companies.get(_compact_tax_id(tax_id))
            return company_id


def check_invoices(session: Session, rows) -> list[tuple[int | None, str]]:
    """The rows that record_invoices would refuse, with reasons; writes nothing."""
    company_of = _CompanyOf(session)
    problems = []
    for chunk in _batches(rows, IMPORT_CHUNK):
        companies = [company_of(row.tax_id) for row in chunk]
        saved = _saved_invoices(
            session,
            {
                row.number
                for row, company_id in zip(chunk, companies, strict=True)
                if company_id is not None
            },
        )
        for row, company_id in zip(chunk, companies, strict=True):
            if (problem := _problem(row, company_id, saved.get(row.number))) is not None:
                problems.append((row.line, problem))
    return problems


def record_invoices(session: Session, rows, *, now: datetime | None = None) -> ImportReport:
    """Save parsed invoice rows; a re-sent invoice updates its payment date only.

    `rows` are club.purchases.csv_import.InvoiceRow (or anything with the same fields),
    in a list or streamed (any iterable: they are read a chunk at a time, not kept).
    Rows that cannot be saved are reported with their line and reason; the rest go in.
    Closed months that the rows touch are settled again at once.
    """
    now = now or utcnow()
    report = ImportReport()
    company_of = _CompanyOf(session)
    touched: set[tuple[int, date]] = set()
    writer = _InvoiceWriter(session, now)
    for chunk in _batches(rows, IMPORT_CHUNK):
        _record_chunk(session, chunk, company_of, writer, report, touched, now)
    session.flush()
    month_ids = _closed_months(session, touched)
    _settle_months(session, month_ids, now=now)
    report.months_settled = len(month_ids)
    return report


def _record_chunk(
    session: Session,
    chunk: list,
    company_of: _CompanyOf,
    writer: _InvoiceWriter,
    report: ImportReport,
    touched: set[tuple[int, date]],
    now: datetime,
) -> None:
    """The rows in order, as one by one; then one insert and one update for them all."""
    known, look_up = company_of.known, company_of
    companies = [known[row.tax_id] if row.tax_id in known else look_up(row.tax_id) for row in chunk]
    saved: dict[str, _Saved | list] = {}
    saved.update(
        _saved_invoices(
            session,
            {
                row.number
                for row, company_id in zip(chunk, companies, strict=True)
                if company_id is not None
            },
        )
    )
    created: list[list] = []
    paid: dict[int, date] = {}
    periods = _Converted(month_start)
    for row, company_id in zip(chunk, companies, strict=True):
        invoice = saved.get(row.number)
        if invoice is None and company_id is not None:  # a new invoice: most rows
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
            ]
            created.append(values)
            touched.add((company_id, values[_PERIOD]))
            continue
        if isinstance(invoice, list):  # created earlier in this chunk
            invoice = _Saved.of(invoice)
        if (problem := _problem(row, company_id, invoice)) is not None:
            report.rejected.append((row.line, problem))
            continue
        if invoice.paid_date == row.paid_date or row.paid_date is None:
            report.unchanged += 1
            continue
        if invoice.values is not None:
            invoice.values[_PAID_DATE] = row.paid_date
        else:
            invoice.paid_date = row.paid_date
            paid[invoice.id] = row.paid_date
        report.updated += 1
        touched.add((company_id, periods[row.issue_date]))
    report.created += len(created)
    if created:
        writer.insert(created)
    if paid:
        table = Invoice.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("invoice_id"))
            .values(paid_date=bindparam("new_paid_date"), updated_at=now),
            [
                {"invoice_id": invoice_id, "new_paid_date": paid_date}
                for invoice_id, paid_date in paid.items()
            ],
        )
        # Invoices this session has loaded read the new payment dates from the database.
        for invoice_id in paid:
            loaded = session.identity_map.get(session.identity_key(Invoice, invoice_id))
            if loaded is not None:
                session.expire(loaded, ["paid_date", "updated_at"])


class _Converted(dict):
    """Values as the database driver takes them, each converted once: an export repeats
    a few dozen dates and two kinds a million times."""

    def __init__(self, convert: Callable) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value):
        converted = self[value] = self.convert(value)
        return converted


class _InvoiceWriter:
    """Inserts new invoices the fastest way each database has: COPY on PostgreSQL, one
    executemany of ready tuples on SQLite; the values converted by the columns' own
    SQLAlchemy types, so they are stored exactly as the ORM would store them."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        table = Invoice.__table__

        def converter(column: str) -> Callable:
            process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
            return process or (lambda value: value)

        self.postgresql = dialect.name == "postgresql"
        to_date, stamp = converter("issue_date"), converter("created_at")(now)
        if self.postgresql:
            # COPY reads text: dates and times as ISO text go in twice as fast.
            self.dates = _Converted(lambda day: None if day is None else to_date(day).isoformat())
            self.stamp = stamp.isoformat()
        else:
            self.dates = _Converted(to_date)  # the four date columns alike
            self.stamp = stamp
        self.kinds = _Converted(converter("kind"))
        self.amount = table.c.net_amount.type.dialect_impl(dialect).bind_processor(dialect)
        columns = ", ".join((*_INSERTED_COLUMNS, "created_at", "updated_at"))
        if self.postgresql:
            self.statement = f"COPY {table.name} ({columns}) FROM STDIN"
        else:
            marks = ", ".join("?" * (len(_INSERTED_COLUMNS) + 2))
            # Names from the model, nothing from the file: not an injection.
            self.statement = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608

    def insert(self, invoices: list[list]) -> None:
        dates, kinds, stamp = self.dates, self.kinds, self.stamp
        amount = self.amount or (lambda value: value)
        rows = [
            (
                number,
                company_id,
                kinds[kind],
                dates[issued],
                dates[period],
                dates[due],
                amount(net_amount),
                currency,
                dates[paid],
                stamp,
                stamp,
            )
            for number, company_id, kind, issued, period, due, net_amount, currency, paid in (
                invoices
            )
        ]
        if not self.postgresql:
            self.connection.exec_driver_sql(self.statement, rows)
            return
        import psycopg

        driver = self.connection.connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(self.statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:  # as SQLAlchemy would raise it (IntegrityError, ...)
            raise DBAPIError.instance(self.statement, None, error, psycopg.Error) from error


def _closed_months(session: Session, keys: set[tuple[int, date]]) -> list[int]:
    """The ids of the months among (company, period) that have closed, in that order."""
    by_period: dict[date, list[int]] = defaultdict(list)
    for company_id, period in keys:
        by_period[period].append(company_id)
    found: dict[tuple[int, date], int] = {}
    for period, company_ids in by_period.items():
        for ids in _batches(sorted(company_ids), _IN_LIST):
            months = session.execute(
                select(PurchaseMonth.company_id, PurchaseMonth.id).where(
                    PurchaseMonth.period == period, PurchaseMonth.company_id.in_(ids)
                )
            )
            found.update(((company_id, period), month_id) for company_id, month_id in months)
    return [found[key] for key in sorted(keys) if key in found]


def import_file(
    session: Session, data: bytes, *, actor=None, filename: str = "", now: datetime | None = None
):
    """Parse an ERP export and save its good rows; the import is audited.

    The rows are saved as they are read, a chunk at a time, so a file of a million rows
    is never held as rows: the ParseResult returned has the errors, encoding and
    delimiter, and no rows.
    """
    from club.purchases.csv_import import ParseResult, read_invoices

    now = now or utcnow()
    stream = read_invoices(data)
    report = record_invoices(session, stream, now=now)
    parsed = ParseResult(
        rows=[], errors=stream.errors, encoding=stream.encoding, delimiter=stream.delimiter
    )
    report.rejected = sorted(
        [(error.line, str(error.message)) for error in parsed.errors] + report.rejected,
        key=lambda item: item[0] or 0,
    )
    audit.record(
        session,
        "invoices.imported",
        None,
        actor=actor,
        object_type="file",
        object_id=filename[:64] or "-",
        after={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.rejected),
        },
        now=now,
    )
    return parsed, report


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
    if invoice.paid_date != paid_date:
        invoice.paid_date = paid_date
        invoice.updated_at = now
        session.flush()
        month = session.scalar(
            select(PurchaseMonth).where(
                PurchaseMonth.company_id == invoice.company_id,
                PurchaseMonth.period == invoice.period,
            )
        )
        if month is not None:
            settle_month(session, month, now=now)
    return invoice


def month_summary(session: Session, company_id: int):
    return session.scalars(
        select(PurchaseMonth)
        .where(PurchaseMonth.company_id == company_id)
        .order_by(PurchaseMonth.period.desc())
    ).all()


def invoice_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Invoice))
