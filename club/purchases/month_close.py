"""Closing months and settling them as payment windows pass, for thousands at a time.

A month is a company's purchases of one calendar month in one currency. A finished
month's invoices become pending points when it closes (`close_month`, or
`close_due_months` for every month due); `settle_open_months` confirms and forfeits as
the windows pass. Each does exactly what settling the months one by one would
(settlement.settle_month), with rows instead of ORM objects: the months created by
multi-row INSERTs, all locked, their facts summed by the database, the ledger posted
with ledger.post_many and the counters written back in one statement.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.periods import club_today, month_start
from club.ledger import services as ledger
from club.ledger.models import EntryKind, Wallet
from club.purchases.bulk import IN_LIST, MONTH_BATCH, batches, insert_returning, one_of
from club.purchases.defaults import main_currency
from club.purchases.earning_rule import RuleBook, rule_for
from club.purchases.errors import PurchasesError
from club.purchases.models import Invoice, PurchaseMonth
from club.purchases.month_facts import facts_of_months
from club.purchases.settlement import SOURCE, plan, post_difference, settle_month
from club.rules.purchase_rules import labels, multipliers

log = logging.getLogger(__name__)


def close_month(
    session: Session,
    company_id: int,
    period: date,
    currency: str | None = None,
    *,
    now: datetime | None = None,
) -> PurchaseMonth:
    """Turn a finished month's purchases in a currency (the main one unless named) into
    pending points (and settle what is paid)."""
    now = now or utcnow()
    currency = currency or main_currency()
    if period >= month_start(club_today(now)):
        raise PurchasesError(_("A month closes only after it has ended."))
    month = session.scalar(
        select(PurchaseMonth).where(
            PurchaseMonth.company_id == company_id,
            PurchaseMonth.period == period,
            PurchaseMonth.currency == currency,
        )
    )
    if month is None:
        rule = rule_for(session, period)
        rate = rule.rate_for(currency)
        if rate is None:
            raise PurchasesError(
                _(
                    "No earning rate is set for %(currency)s in %(month)s: the club manager "
                    "sets one under Rules before invoices in %(currency)s can be imported.",
                    currency=currency,
                    month=f"{period:%Y-%m}",
                )
            )
        # The multiplier of the tier the company holds as the month closes.
        multiplier, percents = multipliers(session, [company_id], now=now)
        month = PurchaseMonth(
            company_id=company_id,
            period=period,
            currency=currency,
            rate=rate,
            grace_days=rule.grace_days,
            multiplier_percent=percents.get(company_id, 100),
            rate_version_id=rule.version_id,
            multiplier_version_id=multiplier.id if multiplier else None,
            closed_at=now,
        )
        session.add(month)
        session.flush()
    settle_month(session, month, now=now)
    return month


def close_due_months(session: Session, *, now: datetime | None = None) -> int:
    """Close every finished month that has invoices but was never closed (catch-up): one
    per company, calendar month and currency.

    A month in a currency its rule has no rate for (invoices recorded before rates were
    per currency) is left open and logged: the import refuses such invoices now."""
    now = now or utcnow()
    current = month_start(club_today(now))
    with_invoices = (
        select(Invoice.company_id, Invoice.period, Invoice.currency)
        .where(Invoice.period < current)
        .distinct()
        .subquery()
    )
    due: list[tuple[int, date, str]] = [
        tuple(row)
        for row in session.execute(
            select(with_invoices.c.company_id, with_invoices.c.period, with_invoices.c.currency)
            .where(
                ~select(PurchaseMonth.id)
                .where(
                    PurchaseMonth.company_id == with_invoices.c.company_id,
                    PurchaseMonth.period == with_invoices.c.period,
                    PurchaseMonth.currency == with_invoices.c.currency,
                )
                .exists()
            )
            .order_by(with_invoices.c.period, with_invoices.c.company_id, with_invoices.c.currency)
        )
    ]
    # close_month for each, in the same order: the months created a batch at a time,
    # then settled together.
    rules = RuleBook(session)
    unrated = [key for key in due if rules(key[1]).rate_for(key[2]) is None]
    if unrated:
        log.warning(
            "%d purchase months left open: their currency has no earning rate (%s)",
            len(unrated),
            ", ".join(sorted({f"{period:%Y-%m} {currency}" for _c, period, currency in unrated})),
        )
        due = [key for key in due if rules(key[1]).rate_for(key[2]) is not None]
    table = PurchaseMonth.__table__
    month_ids: list[int] = []
    # The multiplier of the tier each company holds as its months close.
    multiplier, percents = (
        multipliers(session, [company_id for company_id, _p, _c in due], now=now)
        if due
        else (None, {})
    )
    for batch in batches(due, MONTH_BATCH):
        months = []
        for company_id, period, currency in batch:
            rule = rules(period)
            months.append(
                {
                    "company_id": company_id,
                    "period": period,
                    "currency": currency,
                    "rate": rule.rate_for(currency),
                    "grace_days": rule.grace_days,
                    "multiplier_percent": percents.get(company_id, 100),
                    "rate_version_id": rule.version_id,
                    "multiplier_version_id": multiplier.id if multiplier else None,
                    "closed_at": now,
                }
            )
        # Multi-row INSERTs for the batch (the ORM would insert them one by one on
        # SQLite, to read back each id), returning the ids.
        ids = {
            (company_id, period, currency): month_id
            for company_id, period, currency, month_id in insert_returning(
                session,
                insert(table),
                months,
                table.c.company_id,
                table.c.period,
                table.c.currency,
                table.c.id,
            )
        }
        month_ids += [ids[key] for key in batch]
    settle_months(session, month_ids, now=now)
    return len(due)


def settle_open_months(session: Session, *, now: datetime | None = None) -> int:
    """Confirm and forfeit as payment windows pass, for every month not yet final."""
    now = now or utcnow()
    month_ids = session.scalars(
        select(PurchaseMonth.id)
        .where(PurchaseMonth.settled_at.is_(None))
        .order_by(PurchaseMonth.period, PurchaseMonth.company_id, PurchaseMonth.currency)
    ).all()
    return settle_months(session, month_ids, now=now)


def settle_months(session: Session, month_ids: list[int], *, now: datetime) -> int:
    """settle_month for each month, in the order given; returns the entries posted.

    All the months are locked first, then their facts read (after the locks, as
    settle_month does), then they are posted a batch at a time."""
    # The months as rows, not ORM objects: read, planned, and written back below.
    table = PurchaseMonth.__table__
    dialect = session.get_bind().dialect.name
    by_id = {}
    for batch in batches(month_ids, IN_LIST):
        by_id.update(
            (month.id, month)
            for month in session.execute(
                select(table)
                .where(one_of(table.c.id, batch, dialect))
                .order_by(table.c.period, table.c.company_id, table.c.currency)
                .with_for_update()
            )
        )
    all_months = [by_id[month_id] for month_id in month_ids]
    facts = facts_of_months(session, all_months, today=club_today(now))
    wallet_ids = _wallet_ids_for(session, [month.company_id for month in all_months])
    # The rule versions each month was closed with, named on the statement.
    named = labels(
        session,
        [v for month in all_months for v in (month.rate_version_id, month.multiplier_version_id)],
    )
    posted = 0
    for months in batches(all_months, MONTH_BATCH):
        plans = [(month, *plan(month, facts[month.id], now=now, labels=named)) for month in months]
        changes = []
        if any(kind == EntryKind.CLAWBACK for _m, movements, _c in plans for kind, *_ in movements):
            # Credit notes are rare: this batch goes one movement at a time.
            for month in months:
                wallet = session.get(Wallet, wallet_ids[month.company_id])
                entries, new_counters = post_difference(
                    session, month, facts[month.id], wallet, now=now, labels=named
                )
                posted += len(entries)
                changes.append((month, new_counters))
        else:
            movements = [
                ledger.Movement(
                    wallet_id=wallet_ids[month.company_id],
                    kind=kind,
                    points=points,
                    source=ledger.Source(SOURCE, str(month.id)),
                    earned_at=earned_at,
                    details=details,
                )
                for month, planned, _counters in plans
                for kind, points, details, earned_at in planned
            ]
            posted += len(ledger.post_many(session, movements, now=now))
            changes = [(month, counters) for month, _planned, counters in plans]
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
    for ids in batches(dict.fromkeys(company_ids), IN_LIST):
        found = session.execute(
            select(Wallet.company_id, Wallet.id).where(one_of(Wallet.company_id, ids, dialect))
        )
        wallets.update((company_id, wallet_id) for company_id, wallet_id in found)
        missing = [company_id for company_id in ids if company_id not in wallets]
        if not missing:
            continue
        insert_wallet = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Wallet)
        # Another transaction may create one meanwhile (PostgreSQL): then it is used.
        created = insert_returning(
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
                    one_of(Wallet.company_id, taken, dialect)
                )
            )
            wallets.update((company_id, wallet_id) for company_id, wallet_id in meanwhile)
    return wallets
