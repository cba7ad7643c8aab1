"""Points coming in: earned (pending or available at once), confirmed, forfeited.

Each service locks the wallet, re-reads it, checks, posts and flushes; the caller
commits. Called again with the same idempotency key it returns the first entry and
writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import ngettext
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.ledger.errors import LedgerError
from club.ledger.models import Entry, EntryKind, Wallet
from club.ledger.posting import post
from club.ledger.wallets import Source, check_points, lock_for


def earn(
    session: Session,
    wallet: Wallet,
    points: int,
    *,
    source: Source,
    pending: bool = False,
    person=None,
    actor=None,
    reason: str = "",
    details: dict | None = None,
    earned_at: datetime | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Points earned: pending (to be confirmed or forfeited) or available at once."""
    check_points(points)
    now = now or utcnow()
    wallet, entry = lock_for(session, wallet, idempotency_key, EntryKind.EARN)
    if entry is not None:
        return entry
    return post(
        session,
        wallet,
        EntryKind.EARN,
        source=source,
        pending=points if pending else 0,
        available=0 if pending else points,
        person=person,
        actor=actor,
        reason=reason,
        details=details,
        earned_at=earned_at,
        idempotency_key=idempotency_key,
        lot=0 if pending else points,
        now=now,
    )


def pending_at_least(wallet_pending: int, points: int) -> None:
    """Refuses to confirm or forfeit more points than are pending."""
    if wallet_pending < points:
        raise LedgerError(
            ngettext(
                "Only %(num)d point is pending.", "Only %(num)d points are pending.", wallet_pending
            )
        )


def confirm(
    session: Session,
    wallet: Wallet,
    points: int,
    *,
    source: Source,
    earned_at: datetime,
    person=None,
    reason: str = "",
    details: dict | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Pending points become available (a paid invoice); they expire from `earned_at`."""
    check_points(points)
    now = now or utcnow()
    wallet, entry = lock_for(session, wallet, idempotency_key, EntryKind.CONFIRM)
    if entry is not None:
        return entry
    pending_at_least(wallet.pending, points)
    return post(
        session,
        wallet,
        EntryKind.CONFIRM,
        source=source,
        pending=-points,
        available=points,
        person=person,
        reason=reason,
        details=details,
        earned_at=earned_at,
        idempotency_key=idempotency_key,
        lot=points,
        now=now,
    )


def forfeit(
    session: Session,
    wallet: Wallet,
    points: int,
    *,
    source: Source,
    reason: str = "",
    details: dict | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Pending points that will never be confirmed (an invoice not paid in time)."""
    check_points(points)
    now = now or utcnow()
    wallet, entry = lock_for(session, wallet, idempotency_key, EntryKind.FORFEIT)
    if entry is not None:
        return entry
    pending_at_least(wallet.pending, points)
    return post(
        session,
        wallet,
        EntryKind.FORFEIT,
        source=source,
        pending=-points,
        reason=reason,
        details=details,
        idempotency_key=idempotency_key,
        now=now,
    )
