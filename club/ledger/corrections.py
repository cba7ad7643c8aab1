"""Corrections: the club manager's manual adjustment, and taking back confirmed points
(a credit note), carried as a shortfall when the wallet cannot cover it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.ledger.errors import InsufficientPoints, LedgerError
from club.ledger.models import Entry, EntryKind, Wallet
from club.ledger.posting import consume, post
from club.ledger.wallets import MANUAL, Source, check_points, lock_for


def adjust(
    session: Session,
    wallet: Wallet,
    points: int,
    *,
    reason: str,
    actor,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """A manual correction by the club manager: + adds a lot, - takes from lots."""
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise LedgerError(_("Enter a number of points other than zero."), field="points")
    if not reason or not reason.strip():
        raise LedgerError(_("Say why: the reason is kept with the entry."), field="reason")
    now = now or utcnow()
    wallet, entry = lock_for(session, wallet, idempotency_key, EntryKind.ADJUST)
    if entry is not None:
        return entry
    if points < 0 and wallet.available < -points:
        raise InsufficientPoints(
            ngettext(
                "Only %(num)d point is available to take away.",
                "Only %(num)d points are available to take away.",
                wallet.available,
            ),
            field="points",
        )
    entry = post(
        session,
        wallet,
        EntryKind.ADJUST,
        source=MANUAL,
        available=points,
        actor=actor,
        reason=reason.strip(),
        idempotency_key=idempotency_key,
        lot=max(points, 0),
        now=now,
    )
    if points < 0:
        consume(session, wallet, entry, -points)
    audit.record(
        session,
        "wallet.adjusted",
        wallet,
        actor=actor,
        company_id=wallet.company_id,
        after={"points": points, "reason": reason.strip()},
        now=now,
    )
    return entry


def clawback(
    session: Session,
    wallet: Wallet,
    points: int,
    *,
    source: Source,
    reason: str = "",
    details: dict | None = None,
    actor=None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Take back confirmed points (a credit note); what available cannot cover is carried
    as a shortfall and taken from later earnings. Available never goes below zero."""
    check_points(points)
    now = now or utcnow()
    wallet, entry = lock_for(session, wallet, idempotency_key, EntryKind.CLAWBACK)
    if entry is not None:
        return entry
    take = min(points, wallet.available)
    carried = points - take
    wallet.shortfall += carried
    entry = post(
        session,
        wallet,
        EntryKind.CLAWBACK,
        source=source,
        available=-take,
        actor=actor,
        reason=reason,
        details={**(details or {}), "requested": points, "carried": carried},
        idempotency_key=idempotency_key,
        now=now,
    )
    if take:
        consume(session, wallet, entry, take)
    return entry
