"""Wallets, and what every movement does first: lock the wallet, look for a replay,
check the points.

A service locks the wallet row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
transaction must have begun IMMEDIATE, see club.core.database), then re-reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.core.database import holds_write_lock
from club.ledger.errors import IdempotencyConflict, LedgerError
from club.ledger.models import Entry, EntryKind, Wallet


@dataclass(frozen=True)
class Source:
    """What caused a movement, e.g. Source("quiz", "7") or Source("purchase_month", ...)."""

    type: str
    id: str


MANUAL = Source("manual", "-")


def wallet_for(session: Session, company_id: int) -> Wallet:
    """The company's wallet, created on first use."""
    wallet = session.scalar(select(Wallet).where(Wallet.company_id == company_id))
    if wallet is not None:
        return wallet
    try:
        with session.begin_nested():
            wallet = Wallet(company_id=company_id)
            session.add(wallet)
    except IntegrityError:  # created a moment ago by a concurrent transaction
        wallet = session.scalar(select(Wallet).where(Wallet.company_id == company_id))
    return wallet


def wallet_to_read(session: Session, company_id: int) -> Wallet:
    """The company's wallet for display; an empty unsaved one if it has none yet
    (reading a page must not write)."""
    wallet = session.scalar(select(Wallet).where(Wallet.company_id == company_id))
    return wallet or Wallet(company_id=company_id, available=0, pending=0, held=0, shortfall=0)


# Statements of every post, built once: building one costs SQLAlchemy more than running it.
_LOCK_WALLET = (
    select(Wallet)
    .where(Wallet.id == bindparam("wallet_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_ENTRY_BY_KEY = select(Entry).where(Entry.idempotency_key == bindparam("key"))


def require_write_lock(session: Session) -> None:
    if not holds_write_lock(session):
        raise RuntimeError(
            "ledger writes on SQLite need a transaction begun inside "
            "club.core.database.write_intent() (BEGIN IMMEDIATE)"
        )


def lock(session: Session, wallet: Wallet) -> Wallet:
    """The wallet locked for this transaction, its balances re-read."""
    require_write_lock(session)
    return session.execute(_LOCK_WALLET, {"wallet_id": wallet.id}).scalar_one()


def replayed(session: Session, key: str | None, wallet: Wallet, kind: EntryKind) -> Entry | None:
    """The entry an idempotency key already made, if any (of this wallet and kind, or
    the key is refused)."""
    if key is None:
        return None
    entry = session.execute(_ENTRY_BY_KEY, {"key": key}).scalar()
    if entry is not None and (entry.wallet_id != wallet.id or entry.kind != kind):
        raise IdempotencyConflict(_("This request key was already used for something else."))
    return entry


def check_points(points: int) -> None:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise LedgerError(_("Points must be a whole number above zero."))
