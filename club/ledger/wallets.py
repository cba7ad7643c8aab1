"""Wallets, and what every movement does first: lock the wallet, look for a replay,
check the points.

A service locks the wallet row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
transaction must have begun IMMEDIATE, see club.core.database), then re-reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
    return _same_request(session.execute(_ENTRY_BY_KEY, {"key": key}).scalar(), wallet, kind)


# PostgreSQL: the lock and the look-up of the key in one round trip (pipeline mode). The
# server runs them in order, each with its own snapshot, so the look-up, run once the
# lock is held, sees an entry a concurrent request committed with the same key.
_LOCK_SQL = (
    "SELECT available, pending, held, shortfall, updated_at FROM wallet WHERE id = %s FOR UPDATE"
)
_KEY_SQL = "SELECT id FROM ledger_entry WHERE idempotency_key = %s"
_BALANCES = ("available", "pending", "held", "shortfall", "updated_at")


def lock_for(
    session: Session, wallet: Wallet, key: str | None, kind: EntryKind
) -> tuple[Wallet, Entry | None]:
    """`lock`, then `replayed`: the wallet locked and re-read, and the entry the key
    already made (if any)."""
    if key is None or session.get_bind().dialect.name != "postgresql" or wallet not in session:
        wallet = lock(session, wallet)
        return wallet, replayed(session, key, wallet, kind)
    session.flush()  # as a query through the session would (autoflush)
    wallet_id = wallet.id  # (loaded here if expired: nothing may query inside the pipeline)
    connection = session.connection().connection.driver_connection
    with connection.pipeline(), connection.cursor() as locked, connection.cursor() as found:
        locked.execute(_LOCK_SQL, (wallet_id,))
        found.execute(_KEY_SQL, (key,))
        balances, made = locked.fetchone(), found.fetchone()
    if balances is None:
        raise RuntimeError(f"wallet {wallet_id} is gone")
    for name, value in zip(_BALANCES, balances, strict=True):
        set_committed_value(wallet, name, value.astimezone(UTC) if name == "updated_at" else value)
    entry = session.get(Entry, made[0]) if made is not None else None
    return wallet, _same_request(entry, wallet, kind)


def _same_request(entry: Entry | None, wallet: Wallet, kind: EntryKind) -> Entry | None:
    if entry is not None and (entry.wallet_id != wallet.id or entry.kind != kind):
        raise IdempotencyConflict(_("This request key was already used for something else."))
    return entry


def check_points(points: int) -> None:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise LedgerError(_("Points must be a whole number above zero."))
