"""Writing an entry, and the lots it adds to or takes from.

`post` writes the entry, the wallet's new balances and the entry's lot, and announces the
entry in the same transaction: on SQLite with a statement each (signals.entry_posted);
on PostgreSQL as one statement, a WITH ... chain to which the listeners add their writes
(signals.entry_writing), so that a post is one plan and one round trip. Earnings become
lots that expire;
spending, expiry and clawbacks take from the soonest-expiring lots and record each
allocation. The caller has locked the wallet (wallets.lock) and commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from club.core.periods import add_months
from club.ledger.models import Allocation, Entry, EntryKind, Hold, Lot, Wallet
from club.ledger.signals import entry_posted, entry_writing
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
    lot: int = 0,
    now: datetime,
) -> Entry:
    """Write one entry moving `available`, `pending` and `held` by the amounts given,
    and the wallet's balances; `lot` points of it become a lot (a shortfall carried from
    a clawback is then paid from them); announce it. Checks nothing: the services do."""
    # Written with plain statements, not by the ORM's unit of work (which cost most of a
    # post); the objects are then told what is stored.
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
    balances = {
        "available": wallet.available + available,
        "pending": wallet.pending + pending,
        "held": wallet.held + held,
        "shortfall": wallet.shortfall,
        "updated_at": now,
    }
    entry = Entry(**values)
    lot_values = {
        "lot_points": lot,
        "lot_expires_at": expiry_for(values["earned_at"]) if lot else None,
    }
    one_statement = session.get_bind().dialect.name == "postgresql"
    if one_statement:
        entry.id = _write_in_one(session, entry, values, balances, lot_values)
    else:
        (entry.id,) = session.execute(_NEW_ENTRY, values).inserted_primary_key
        session.execute(_SET_BALANCES, {"wallet_id": wallet.id, **balances})
        if lot:
            session.execute(_NEW_LOT, _lot_row(entry, lot_values))
    make_transient_to_detached(entry)  # as if loaded: persistent once added, no INSERT
    session.add(entry)
    for name, value in balances.items():
        set_committed_value(wallet, name, value)
    entry_posted.send(session, entry=entry, in_statement=one_statement)
    if lot and wallet.shortfall:
        _settle_shortfall(session, wallet, entry, now=now)
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


def _lot_row(entry: Entry, lot_values: dict) -> dict:
    return {
        "entry_id": entry.id,
        "wallet_id": entry.wallet_id,
        "points": lot_values["lot_points"],
        "remaining": lot_values["lot_points"],
        "earned_at": entry.earned_at,
        "expires_at": lot_values["lot_expires_at"],
    }


# --- one statement (PostgreSQL) ------------------------------------------------------

_ONE_STATEMENTS: dict[tuple, object] = {}


def _entry_ctes(with_lot: bool):
    """The ledger's own part of the chain: the entry (returning its id), the balances
    and, for an earning, the lot (taking the entry's id from the entry's CTE)."""
    entries, wallets, lots = Entry.__table__, Wallet.__table__, Lot.__table__
    entry = (
        insert(entries)
        .values(
            {
                column: bindparam(f"e_{column}", type_=entries.c[column].type)
                for column in (
                    "wallet_id",
                    "kind",
                    "amount",
                    "available_delta",
                    "pending_delta",
                    "held_delta",
                    "person_id",
                    "actor_id",
                    "source_type",
                    "source_id",
                    "reason",
                    "details",
                    "hold_id",
                    "idempotency_key",
                    "created_at",
                    "earned_at",
                )
            }
        )
        .returning(entries.c.id, entries.c.wallet_id, entries.c.earned_at)
        .cte("entry")
    )
    balances = (
        update(wallets)
        .where(wallets.c.id == bindparam("e_wallet_id"))
        .values(
            {
                column: bindparam(f"w_{column}", type_=wallets.c[column].type)
                for column in ("available", "pending", "held", "shortfall", "updated_at")
            }
        )
        .cte("balances")
    )
    ctes = [balances]
    if with_lot:
        points = bindparam("lot_points", type_=lots.c.points.type)
        ctes.append(
            insert(lots)
            .from_select(
                ["entry_id", "wallet_id", "points", "remaining", "earned_at", "expires_at"],
                select(
                    entry.c.id,
                    entry.c.wallet_id,
                    points,
                    points,
                    entry.c.earned_at,
                    bindparam("lot_expires_at", type_=lots.c.expires_at.type),
                ),
            )
            .cte("lot")
        )
    return entry, ctes


def _write_in_one(session: Session, entry: Entry, values: dict, balances: dict, lot_values):
    """The entry, balances, lot and what the listeners keep, as one statement; the
    entry's id."""
    parts = [
        part for _receiver, part in entry_writing.send(session, entry=entry) if part is not None
    ]
    with_lot = bool(lot_values["lot_points"])
    key = (with_lot, *(cte for part in parts for cte in part.ctes))
    statement = _ONE_STATEMENTS.get(key)
    if statement is None:
        entry_cte, ctes = _entry_ctes(with_lot)
        statement = select(entry_cte.c.id).add_cte(
            *ctes, *(cte for part in parts for cte in part.ctes)
        )
        _ONE_STATEMENTS[key] = statement
    params = {f"e_{name}": value for name, value in values.items()}
    params |= {f"w_{name}": value for name, value in balances.items()}
    params |= lot_values
    for part in parts:
        params |= part.params
    return session.connection().execute(statement, params).scalar_one()


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
