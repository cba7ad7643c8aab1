"""Writing an entry, and the lots it adds to or takes from.

`post` writes the entry and the wallet's new balances, and announces the entry
(signals.entry_posted) in the same transaction. Earnings become lots that expire;
spending, expiry and clawbacks take from the soonest-expiring lots and record each
allocation. The caller has locked the wallet (wallets.lock) and commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from club.core.periods import add_months
from club.ledger.models import Allocation, Entry, EntryKind, Hold, Lot, Wallet
from club.ledger.signals import entry_posted
from club.ledger.wallets import Source

_NEW_LOT = Lot.__table__.insert()
_NEW_ENTRY = Entry.__table__.insert()
_SET_BALANCES = (
    Wallet.__table__.update()
    .where(Wallet.__table__.c.id == bindparam("wallet_id"))
    .values(
        available=bindparam("available"),
        pending=bindparam("pending"),
        held=bindparam("held"),
        shortfall=bindparam("shortfall"),
        updated_at=bindparam("updated_at"),
    )
)


def expiry_for(earned_at: datetime) -> datetime:
    """When points earned at `earned_at` expire: POINTS_EXPIRY_MONTHS later.

    Counted in UTC on purpose, not on the club's calendar: an earning expires at the
    same moment wherever it was stamped, and expiries already stored stay what they were.
    """
    return add_months(earned_at.astimezone(UTC), current_app.config["POINTS_EXPIRY_MONTHS"])


def post(
    session: Session,
    wallet: Wallet,
    kind: EntryKind,
    *,
    source: Source,
    available: int = 0,
    pending: int = 0,
    held: int = 0,
    person=None,
    actor=None,
    reason: str = "",
    details: dict | None = None,
    hold: Hold | None = None,
    idempotency_key: str | None = None,
    earned_at: datetime | None = None,
    now: datetime,
) -> Entry:
    """Write one entry moving `available`, `pending` and `held` by the amounts given,
    and the wallet's balances; announce it. Checks nothing: the services do."""
    # The entry and the balances are written with two plain statements, not by the ORM's
    # unit of work (which cost most of a post); the objects are then told what is stored.
    session.flush()  # whatever the caller added (a hold, say) goes first
    values = {
        "wallet_id": wallet.id,
        "kind": kind,
        "amount": available + pending + held,
        "available_delta": available,
        "pending_delta": pending,
        "held_delta": held,
        "person_id": person.id if person is not None else None,
        "actor_id": actor.id if actor is not None else None,
        "source_type": source.type,
        "source_id": source.id,
        "reason": reason,
        "details": details,
        "hold_id": hold.id if hold is not None else None,
        "idempotency_key": idempotency_key,
        "created_at": now,
        "earned_at": earned_at or now,
    }
    (entry_id,) = session.execute(_NEW_ENTRY, values).inserted_primary_key
    entry = Entry(id=entry_id, **values)
    make_transient_to_detached(entry)  # as if loaded: persistent once added, no INSERT
    session.add(entry)
    balances = {
        "available": wallet.available + available,
        "pending": wallet.pending + pending,
        "held": wallet.held + held,
        "shortfall": wallet.shortfall,
        "updated_at": now,
    }
    session.execute(_SET_BALANCES, {"wallet_id": wallet.id, **balances})
    for name, value in balances.items():
        set_committed_value(wallet, name, value)
    entry_posted.send(session, entry=entry)
    return entry


# --- lots ---------------------------------------------------------------------------


def _open_lots(session: Session, wallet: Wallet):
    return session.scalars(
        select(Lot)
        .where(Lot.wallet_id == wallet.id, Lot.remaining > 0)
        .order_by(Lot.expires_at, Lot.entry_id)
        .with_for_update()
    )


def consume(session: Session, wallet: Wallet, entry: Entry, points: int) -> None:
    """Take `points` from the soonest-expiring lots, recording each allocation."""
    left = points
    for lot in _open_lots(session, wallet):
        take = min(lot.remaining, left)
        lot.remaining -= take
        session.add(Allocation(entry_id=entry.id, lot_id=lot.entry_id, points=take))
        left -= take
        if left == 0:
            break
    if left:
        raise RuntimeError(f"wallet {wallet.id}: lots hold {points - left} of {points} points")


def add_lot(session: Session, wallet: Wallet, entry: Entry, points: int, *, now: datetime):
    """The entry's points become a lot; a shortfall carried from a clawback is paid first."""
    # A plain INSERT, not an ORM object and a flush (most of what a post costs): nothing
    # in the transaction holds the new lot; whatever spends it selects it.
    session.execute(
        _NEW_LOT,
        {
            "entry_id": entry.id,
            "wallet_id": wallet.id,
            "points": points,
            "remaining": points,
            "earned_at": entry.earned_at,
            "expires_at": expiry_for(entry.earned_at),
        },
    )
    if wallet.shortfall:
        _settle_shortfall(session, wallet, entry, now=now)


def _settle_shortfall(session: Session, wallet: Wallet, earning: Entry, *, now: datetime):
    """Points clawed back earlier but not covered then are taken from new points."""
    take = min(wallet.shortfall, wallet.available)
    if take <= 0:
        return
    wallet.shortfall -= take
    settle = post(
        session,
        wallet,
        EntryKind.SETTLE,
        source=Source("ledger_entry", str(earning.id)),
        available=-take,
        details={"shortfall_left": wallet.shortfall},
        now=now,
    )
    consume(session, wallet, settle, take)
