"""Per-currency months at the same moment: imports of one company's closed month in
different currencies settle each month once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from club.extensions import db
from club.jobs import close_months
from club.ledger import services as ledger
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify
from club.purchases import services as purchases
from club.purchases.invoices import InvoiceRow
from club.purchases.models import Invoice, PurchaseMonth
from tests.race import race

# Threads race, each on a connection of its own: the data must really be committed.
pytestmark = pytest.mark.real_commits

CLOSED = datetime(2026, 11, 1, 1, 5, tzinfo=UTC)
LATER = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
CURRENCIES = ("PLN", "EUR", "RUB", "PLN", "EUR", "RUB")


def _row(number: str, tax_id: str, amount: str, currency: str) -> InvoiceRow:
    return InvoiceRow(
        1,
        number,
        tax_id,
        date(2026, 10, 5),
        date(2026, 10, 30),
        Decimal(amount),
        currency,
        date(2026, 10, 25),
        "invoice",
        "PL",
    )


def test_imports_of_one_month_in_different_currencies_at_once(app, db_session, club):
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 10, 1),
        rates={"PLN": 500, "EUR": 100, "RUB": 10_000},
        grace_days=7,
        actor=club.club_manager,
        now=datetime(2026, 9, 20, tzinfo=UTC),
    )
    tax_id = club.company.tax_id
    amounts = {"PLN": "1000.00", "EUR": "200.00", "RUB": "20000.00"}  # 2 points each
    purchases.record_invoices(
        db_session,
        [_row(f"FV/{currency}/0", tax_id, amounts[currency], currency) for currency in amounts],
        now=datetime(2026, 10, 26, tzinfo=UTC),
    )
    close_months(db_session, now=CLOSED)
    db_session.commit()
    wallet = ledger.wallet_for(db_session, club.company.id)
    db_session.refresh(wallet)
    assert wallet.available == 6

    def send(index: int):
        currency = CURRENCIES[index]
        row = _row(f"FV/{currency}/{index + 1}", tax_id, amounts[currency], currency)
        return purchases.record_invoices(db.session, [row], now=LATER).months_settled

    assert race(app, send, len(CURRENCIES)) == [1] * len(CURRENCIES)

    db_session.expire_all()
    months = db_session.scalars(select(PurchaseMonth).order_by(PurchaseMonth.currency)).all()
    assert [(month.currency, month.earned, month.confirmed) for month in months] == [
        ("EUR", 6, 6),
        ("PLN", 6, 6),
        ("RUB", 6, 6),
    ]
    assert [month.net_total for month in months] == [
        Decimal("600.00"),
        Decimal("3000.00"),
        Decimal("60000.00"),
    ]
    db_session.refresh(wallet)
    assert (wallet.available, wallet.pending) == (18, 0)
    assert db_session.scalar(select(func.count()).select_from(Invoice)) == 9
    confirmed = db_session.scalar(
        select(func.sum(Entry.available_delta)).where(Entry.kind == EntryKind.CONFIRM)
    )
    assert confirmed == 18
    assert verify(db_session).problems == []


def test_the_same_invoice_imported_twice_at_once_is_saved_once(app, db_session, club):
    """Two imports of one invoice at the same moment: one saves it; on PostgreSQL the
    other's copy (stored in the background while nothing else is read) waits for the
    first, then is refused by the unique number and rolled back; on SQLite the second
    waits for the write lock and finds the invoice saved."""
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 10, 1),
        rates={"PLN": 500},
        grace_days=7,
        actor=club.club_manager,
        now=datetime(2026, 9, 20, tzinfo=UTC),
    )
    tax_id = club.company.tax_id

    def work(_index):
        try:
            report = purchases.record_invoices(
                db.session, [_row("FV/SAME/1", tax_id, "1000.00", "PLN")], now=LATER
            )
        except IntegrityError:
            db.session.rollback()
            return "refused"
        return "created" if report.created else "unchanged"

    outcomes = sorted(race(app, work, 2))
    expected = "refused" if db_session.get_bind().dialect.name == "postgresql" else "unchanged"
    assert outcomes == ["created", expected]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Invoice)) == 1
