"""Recompute every wallet from its entries and check every invariant of the ledger, and
have whoever keeps figures beside it (signals.verifying) check theirs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.ledger.models import Allocation, Entry, EntryKind, Hold, HoldStatus, Lot, Wallet
from club.ledger.signals import verifying

# Entries whose allocations must add up to what they took from (or gave back to) lots.
ALLOCATING = (
    EntryKind.HOLD,
    EntryKind.RELEASE,
    EntryKind.EXPIRE,
    EntryKind.CLAWBACK,
    EntryKind.SETTLE,
    EntryKind.ADJUST,
)


@dataclass
class Report:
    wallets: int = 0
    entries: int = 0
    lots: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> Report:
    report = Report()
    _check_wallets(session, report)
    _check_lots(session, report)
    _check_allocations(session, report)
    # What others keep beside the ledger (the leaderboards' rollups) must agree with it
    # too: each listener checks its own and answers with its problems.
    for _listener, problems in verifying.send(session):
        report.problems += problems
    return report


def _check_wallets(session: Session, report: Report) -> None:
    """Each wallet's balances against its entries, its lots and its open holds."""
    wallets = {wallet.id: wallet for wallet in session.scalars(select(Wallet))}
    report.wallets = len(wallets)

    sums = session.execute(
        select(
            Entry.wallet_id,
            func.count(),
            func.sum(Entry.available_delta),
            func.sum(Entry.pending_delta),
            func.sum(Entry.held_delta),
        ).group_by(Entry.wallet_id)
    ).all()
    by_wallet = {row[0]: row[1:] for row in sums}
    report.entries = sum(row[0] for row in by_wallet.values())
    lot_sums = dict(
        session.execute(
            select(Lot.wallet_id, func.sum(Lot.remaining)).group_by(Lot.wallet_id)
        ).all()
    )
    open_holds = dict(
        session.execute(
            select(Hold.wallet_id, func.sum(Hold.points))
            .where(Hold.status == HoldStatus.HELD)
            .group_by(Hold.wallet_id)
        ).all()
    )
    for wallet_id, wallet in wallets.items():
        _count, available, pending, held = by_wallet.get(wallet_id, (0, 0, 0, 0))
        expected = {"available": available or 0, "pending": pending or 0, "held": held or 0}
        for name, value in expected.items():
            if getattr(wallet, name) != value:
                report.problems.append(
                    f"wallet {wallet_id}: {name} is {getattr(wallet, name)}, entries say {value}"
                )
        if (lot_sums.get(wallet_id) or 0) != wallet.available:
            report.problems.append(
                f"wallet {wallet_id}: lots hold {lot_sums.get(wallet_id) or 0}, "
                f"available is {wallet.available}"
            )
        if (open_holds.get(wallet_id) or 0) != wallet.held:
            report.problems.append(
                f"wallet {wallet_id}: open holds are {open_holds.get(wallet_id) or 0}, "
                f"held is {wallet.held}"
            )
        for name in ("available", "pending", "held", "shortfall"):
            if getattr(wallet, name) < 0:
                report.problems.append(f"wallet {wallet_id}: {name} is negative")


def _check_lots(session: Session, report: Report) -> None:
    """Each lot against the entry that made it and the allocations taken from it."""
    allocated = (
        select(Allocation.lot_id, func.sum(Allocation.points).label("taken"))
        .group_by(Allocation.lot_id)
        .subquery()
    )
    lots = session.execute(
        select(
            Lot.entry_id,
            Lot.points,
            Lot.remaining,
            Entry.available_delta,
            func.coalesce(allocated.c.taken, 0),
        )
        .join(Entry, Entry.id == Lot.entry_id)
        .outerjoin(allocated, allocated.c.lot_id == Lot.entry_id)
    ).all()
    report.lots = len(lots)
    for lot_id, points, remaining, delta, taken in lots:
        if points != delta:
            report.problems.append(f"lot {lot_id}: {points} points, its entry added {delta}")
        if remaining != points - taken:
            report.problems.append(
                f"lot {lot_id}: {remaining} left, but {points} minus allocations {taken} "
                f"is {points - taken}"
            )


def _check_allocations(session: Session, report: Report) -> None:
    """Each entry that took from lots (or gave back) against its allocations."""
    per_entry = session.execute(
        select(
            Entry.id,
            Entry.kind,
            Entry.available_delta,
            func.coalesce(func.sum(Allocation.points), 0),
        )
        .outerjoin(Allocation, Allocation.entry_id == Entry.id)
        .where(Entry.kind.in_(ALLOCATING))
        .group_by(Entry.id, Entry.kind, Entry.available_delta)
    ).all()
    for entry_id, kind, delta, taken in per_entry:
        if kind == EntryKind.ADJUST and delta > 0:
            continue  # a positive adjustment is a lot, checked above
        if taken != -delta:
            report.problems.append(
                f"entry {entry_id} ({kind.value}): moved {delta}, allocations say {-taken}"
            )
