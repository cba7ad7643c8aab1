"""Recompute every wallet from its entries and check every invariant of the ledger, and
have whoever keeps figures beside it (signals.verifying) check theirs.

`verify(session, wallet_id=N)` checks one wallet's balances, lots and allocations only:
what support runs for one company, and what the property tests run after every step. The
figures kept beside the ledger (the boards' rollups) span every wallet, so only the full
run asks for them."""

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


def verify(session: Session, *, wallet_id: int | None = None) -> Report:
    report = Report()
    _check_wallets(session, report, wallet_id)
    _check_lots(session, report, wallet_id)
    _check_allocations(session, report, wallet_id)
    if wallet_id is None:
        # What others keep beside the ledger (the leaderboards' rollups) must agree with
        # it too: each listener checks its own and answers with its problems.
        for _listener, problems in verifying.send(session):
            report.problems += problems
    return report


def _only(query, column, wallet_id: int | None):
    return query if wallet_id is None else query.where(column == wallet_id)


def _check_wallets(session: Session, report: Report, wallet_id: int | None) -> None:
    """Each wallet's balances against its entries, its lots and its open holds."""
    wallets = {
        wallet.id: wallet for wallet in session.scalars(_only(select(Wallet), Wallet.id, wallet_id))
    }
    report.wallets = len(wallets)

    sums = session.execute(
        _only(
            select(
                Entry.wallet_id,
                func.count(),
                func.sum(Entry.available_delta),
                func.sum(Entry.pending_delta),
                func.sum(Entry.held_delta),
            ),
            Entry.wallet_id,
            wallet_id,
        ).group_by(Entry.wallet_id)
    ).all()
    by_wallet = {row[0]: row[1:] for row in sums}
    report.entries = sum(row[0] for row in by_wallet.values())
    lot_sums = dict(
        session.execute(
            _only(
                select(Lot.wallet_id, func.sum(Lot.remaining)), Lot.wallet_id, wallet_id
            ).group_by(Lot.wallet_id)
        ).all()
    )
    open_holds = dict(
        session.execute(
            _only(select(Hold.wallet_id, func.sum(Hold.points)), Hold.wallet_id, wallet_id)
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


def _check_lots(session: Session, report: Report, wallet_id: int | None) -> None:
    """Each lot against the entry that made it and the allocations taken from it."""
    allocations = select(Allocation.lot_id, func.sum(Allocation.points).label("taken"))
    if wallet_id is not None:
        allocations = allocations.where(
            Allocation.lot_id.in_(select(Lot.entry_id).where(Lot.wallet_id == wallet_id))
        )
    allocated = allocations.group_by(Allocation.lot_id).subquery()
    lots = session.execute(
        _only(
            select(
                Lot.entry_id,
                Lot.points,
                Lot.remaining,
                Entry.available_delta,
                func.coalesce(allocated.c.taken, 0),
            ),
            Lot.wallet_id,
            wallet_id,
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


def _check_allocations(session: Session, report: Report, wallet_id: int | None) -> None:
    """Each entry that took from lots (or gave back) against its allocations."""
    per_entry = session.execute(
        _only(
            select(
                Entry.id,
                Entry.kind,
                Entry.available_delta,
                func.coalesce(func.sum(Allocation.points), 0),
            ),
            Entry.wallet_id,
            wallet_id,
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
