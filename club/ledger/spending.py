"""Spending: a redemption holds points, fulfilment captures them, rejection or
cancellation releases them back to their lots."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.ledger.errors import HoldClosed, InsufficientPoints
from club.ledger.models import Allocation, Entry, EntryKind, Hold, HoldStatus, Lot, Wallet
from club.ledger.posting import consume, post
from club.ledger.wallets import Source, check_points, lock, lock_for


def hold(
    session: Session,
    wallet: Wallet,
    points: int,
    *,
    source: Source,
    actor=None,
    reason: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Hold:
    """Reserve points for a redemption: available -> held, soonest-expiring lots first."""
    check_points(points)
    now = now or utcnow()
    wallet, entry = lock_for(session, wallet, idempotency_key, EntryKind.HOLD)
    if entry is not None:
        return session.get(Hold, entry.hold_id)
    if wallet.available < points:
        raise InsufficientPoints(
            ngettext(
                "This needs %(needed)d points; the company has %(num)d available.",
                "This needs %(needed)d points; the company has %(num)d available.",
                wallet.available,
                needed=points,
            )
        )
    reservation = Hold(
        wallet_id=wallet.id,
        points=points,
        source_type=source.type,
        source_id=source.id,
        created_at=now,
    )
    session.add(reservation)
    session.flush()
    entry = post(
        session,
        wallet,
        EntryKind.HOLD,
        source=source,
        available=-points,
        held=points,
        actor=actor,
        reason=reason,
        hold=reservation,
        idempotency_key=idempotency_key,
        now=now,
    )
    consume(session, wallet, entry, points)
    return reservation


def _lock_hold(session: Session, reservation: Hold) -> tuple[Wallet, Hold]:
    wallet = lock(session, reservation.wallet)
    reservation = session.execute(
        select(Hold).where(Hold.id == reservation.id).execution_options(populate_existing=True)
    ).scalar_one()
    return wallet, reservation


def capture(
    session: Session,
    reservation: Hold,
    *,
    actor=None,
    reason: str = "",
    now: datetime | None = None,
) -> Entry:
    """The redemption is fulfilled: the held points are spent."""
    now = now or utcnow()
    wallet, reservation = _lock_hold(session, reservation)
    if reservation.status != HoldStatus.HELD:
        return _closing_entry_or_refuse(session, reservation, EntryKind.CAPTURE)
    reservation.status = HoldStatus.CAPTURED
    reservation.closed_at = now
    return post(
        session,
        wallet,
        EntryKind.CAPTURE,
        source=Source("hold", str(reservation.id)),
        held=-reservation.points,
        actor=actor,
        reason=reason,
        hold=reservation,
        now=now,
    )


def release(
    session: Session,
    reservation: Hold,
    *,
    actor=None,
    reason: str = "",
    now: datetime | None = None,
) -> Entry:
    """The redemption is rejected or cancelled: the points go back to their lots."""
    now = now or utcnow()
    wallet, reservation = _lock_hold(session, reservation)
    if reservation.status != HoldStatus.HELD:
        return _closing_entry_or_refuse(session, reservation, EntryKind.RELEASE)
    reservation.status = HoldStatus.RELEASED
    reservation.closed_at = now
    entry = post(
        session,
        wallet,
        EntryKind.RELEASE,
        source=Source("hold", str(reservation.id)),
        held=-reservation.points,
        available=reservation.points,
        actor=actor,
        reason=reason,
        hold=reservation,
        now=now,
    )
    _give_back(session, reservation, entry)
    return entry


def _give_back(session: Session, reservation: Hold, entry: Entry) -> None:
    """The points go back to the lots the hold took them from."""
    hold_entry = session.scalar(
        select(Entry).where(Entry.hold_id == reservation.id, Entry.kind == EntryKind.HOLD)
    )
    taken = session.scalars(select(Allocation).where(Allocation.entry_id == hold_entry.id))
    for allocation in taken.all():
        lot = session.get(Lot, allocation.lot_id, with_for_update=True)
        lot.remaining += allocation.points
        session.add(Allocation(entry_id=entry.id, lot_id=lot.entry_id, points=-allocation.points))
    session.flush()
    # Points given back to a lot that has meanwhile expired leave with the next expiry run.


def refund(
    session: Session,
    reservation: Hold,
    *,
    source: Source,
    actor=None,
    reason: str = "",
    now: datetime | None = None,
) -> Entry:
    """Spent points come back (a returned good): a compensating entry naming what was
    returned, the points back in the lots they came from. Refunding twice refunds once."""
    now = now or utcnow()
    wallet, reservation = _lock_hold(session, reservation)
    if reservation.status != HoldStatus.CAPTURED:
        raise HoldClosed(_("Only spent points can be refunded."))
    earlier = session.scalar(
        select(Entry).where(Entry.hold_id == reservation.id, Entry.kind == EntryKind.RELEASE)
    )
    if earlier is not None:
        return earlier
    entry = post(
        session,
        wallet,
        EntryKind.RELEASE,
        source=source,
        available=reservation.points,
        actor=actor,
        reason=reason,
        hold=reservation,
        now=now,
    )
    _give_back(session, reservation, entry)
    return entry


def _closing_entry_or_refuse(session: Session, reservation: Hold, kind: EntryKind) -> Entry:
    """Capturing a captured hold (or releasing a released one) is a harmless replay."""
    closing = session.scalar(
        select(Entry).where(Entry.hold_id == reservation.id, Entry.kind == kind)
    )
    if closing is None:
        raise HoldClosed(
            _("These points were already spent.")
            if reservation.status == HoldStatus.CAPTURED
            else _("These points were already returned.")
        )
    return closing
