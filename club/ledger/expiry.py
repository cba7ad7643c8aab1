"""Expiry: points leave the wallet when their lots are past their date; members see what
expires next. (When a lot expires is set as it is made: posting.expiry_for.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.ledger.models import Allocation, Entry, EntryKind, Lot, Wallet
from club.ledger.posting import post
from club.ledger.wallets import Source, lock


def expire(session: Session, wallet: Wallet, *, now: datetime | None = None) -> Entry | None:
    """Points whose lots are past their date leave the wallet; None when nothing is due."""
    now = now or utcnow()
    wallet = lock(session, wallet)
    due = session.scalars(
        select(Lot)
        .where(Lot.wallet_id == wallet.id, Lot.remaining > 0, Lot.expires_at <= now)
        .order_by(Lot.expires_at, Lot.entry_id)
        .with_for_update()
    ).all()
    total = sum(lot.remaining for lot in due)
    if not total:
        return None
    entry = post(
        session,
        wallet,
        EntryKind.EXPIRE,
        source=Source("expiry", now.date().isoformat()),
        available=-total,
        details={"lots": len(due)},
        now=now,
    )
    for lot in due:
        session.add(Allocation(entry_id=entry.id, lot_id=lot.entry_id, points=lot.remaining))
        lot.remaining = 0
    session.flush()
    return entry


def forfeit_frozen(
    session: Session,
    wallet: Wallet,
    *,
    source: Source,
    reason: str,
    details: dict | None = None,
    now: datetime | None = None,
) -> Entry | None:
    """Every available point leaves the wallet: a suspended or left company's frozen
    points at the end of the period the admission rules name (an EXPIRE entry taking
    every open lot; held and pending points stay where they are). None when nothing is
    available, so a second run writes nothing."""
    now = now or utcnow()
    wallet = lock(session, wallet)
    if wallet.available <= 0:
        return None
    lots = session.scalars(
        select(Lot)
        .where(Lot.wallet_id == wallet.id, Lot.remaining > 0)
        .order_by(Lot.expires_at, Lot.entry_id)
        .with_for_update()
    ).all()
    entry = post(
        session,
        wallet,
        EntryKind.EXPIRE,
        source=source,
        available=-wallet.available,
        reason=reason,
        details={**(details or {}), "lots": len(lots)},
        now=now,
    )
    for lot in lots:
        session.add(Allocation(entry_id=entry.id, lot_id=lot.entry_id, points=lot.remaining))
        lot.remaining = 0
    session.flush()
    return entry


def expire_due(session: Session, *, now: datetime | None = None) -> int:
    """Run expiry for every wallet that has lots past their date; returns entries made."""
    now = now or utcnow()
    wallet_ids = session.scalars(
        select(Lot.wallet_id).where(Lot.remaining > 0, Lot.expires_at <= now).distinct()
    ).all()
    made = 0
    for wallet_id in wallet_ids:
        if expire(session, session.get(Wallet, wallet_id), now=now) is not None:
            made += 1
    return made


@dataclass(frozen=True)
class NextExpiry:
    points: int
    expires_at: datetime


def next_expiry(session: Session, wallet: Wallet) -> NextExpiry | None:
    """The points that expire soonest, summed over lots that expire on the same day."""
    first = session.scalar(
        select(Lot.expires_at)
        .where(Lot.wallet_id == wallet.id, Lot.remaining > 0)
        .order_by(Lot.expires_at)
        .limit(1)
    )
    if first is None:
        return None
    same_day = session.scalar(
        select(func.sum(Lot.remaining)).where(
            Lot.wallet_id == wallet.id,
            Lot.remaining > 0,
            Lot.expires_at < first + timedelta(days=1),
        )
    )
    return NextExpiry(points=same_day, expires_at=first)
