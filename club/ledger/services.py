"""Every movement of points, one place each.

Each service locks the wallet row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite
the transaction must have begun IMMEDIATE, see club.core.database), re-reads it, checks,
writes the entry, its lot and allocations and the wallet's balances, and flushes. The
caller commits. A service called again with the same idempotency key returns the first
entry and writes nothing.
"""

from __future__ import annotations

import calendar
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.database import holds_write_lock
from club.ledger.errors import HoldClosed, IdempotencyConflict, InsufficientPoints, LedgerError
from club.ledger.models import Allocation, Entry, EntryKind, Hold, HoldStatus, Lot, Wallet


@dataclass(frozen=True)
class Source:
    """What caused a movement, e.g. Source("quiz", "7") or Source("purchase_month", ...)."""

    type: str
    id: str


MANUAL = Source("manual", "-")


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def expiry_for(earned_at: datetime) -> datetime:
    # In UTC, so the same moment expires at the same moment whatever zone it came in.
    return add_months(earned_at.astimezone(UTC), current_app.config["POINTS_EXPIRY_MONTHS"])


# --- wallets and locking ----------------------------------------------------------------


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


def _lock(session: Session, wallet: Wallet) -> Wallet:
    if not holds_write_lock(session):
        raise RuntimeError(
            "ledger writes on SQLite need a transaction begun inside "
            "club.core.database.write_intent() (BEGIN IMMEDIATE)"
        )
    return session.execute(_LOCK_WALLET, {"wallet_id": wallet.id}).scalar_one()


def _replayed(session: Session, key: str | None, wallet: Wallet, kind: EntryKind) -> Entry | None:
    if key is None:
        return None
    entry = session.execute(_ENTRY_BY_KEY, {"key": key}).scalar()
    if entry is not None and (entry.wallet_id != wallet.id or entry.kind != kind):
        raise IdempotencyConflict(_("This request key was already used for something else."))
    return entry


def _check_points(points: int) -> None:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise LedgerError(_("Points must be a whole number above zero."))


def _post(
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
    from club.leaderboard.rollups import record  # the boards' totals, same transaction

    record(session, (entry,))
    return entry


# --- lots ---------------------------------------------------------------------------


def _open_lots(session: Session, wallet: Wallet):
    return session.scalars(
        select(Lot)
        .where(Lot.wallet_id == wallet.id, Lot.remaining > 0)
        .order_by(Lot.expires_at, Lot.entry_id)
        .with_for_update()
    )


def _consume(session: Session, wallet: Wallet, entry: Entry, points: int) -> None:
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


def _add_lot(session: Session, wallet: Wallet, entry: Entry, points: int, *, now: datetime):
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
    settle = _post(
        session,
        wallet,
        EntryKind.SETTLE,
        source=Source("ledger_entry", str(earning.id)),
        available=-take,
        details={"shortfall_left": wallet.shortfall},
        now=now,
    )
    _consume(session, wallet, settle, take)


# --- earning ------------------------------------------------------------------------


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
    _check_points(points)
    now = now or utcnow()
    wallet = _lock(session, wallet)
    if (entry := _replayed(session, idempotency_key, wallet, EntryKind.EARN)) is not None:
        return entry
    entry = _post(
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
        now=now,
    )
    if not pending:
        _add_lot(session, wallet, entry, points, now=now)
    return entry


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
    _check_points(points)
    now = now or utcnow()
    wallet = _lock(session, wallet)
    if (entry := _replayed(session, idempotency_key, wallet, EntryKind.CONFIRM)) is not None:
        return entry
    if wallet.pending < points:
        raise LedgerError(
            ngettext(
                "Only %(num)d point is pending.", "Only %(num)d points are pending.", wallet.pending
            )
        )
    entry = _post(
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
        now=now,
    )
    _add_lot(session, wallet, entry, points, now=now)
    return entry


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
    _check_points(points)
    now = now or utcnow()
    wallet = _lock(session, wallet)
    if (entry := _replayed(session, idempotency_key, wallet, EntryKind.FORFEIT)) is not None:
        return entry
    if wallet.pending < points:
        raise LedgerError(
            ngettext(
                "Only %(num)d point is pending.", "Only %(num)d points are pending.", wallet.pending
            )
        )
    return _post(
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


# --- spending -----------------------------------------------------------------------


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
    _check_points(points)
    now = now or utcnow()
    wallet = _lock(session, wallet)
    if (entry := _replayed(session, idempotency_key, wallet, EntryKind.HOLD)) is not None:
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
    entry = _post(
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
    _consume(session, wallet, entry, points)
    return reservation


def _lock_hold(session: Session, reservation: Hold) -> tuple[Wallet, Hold]:
    wallet = _lock(session, reservation.wallet)
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
    return _post(
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
    entry = _post(
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


# --- taking points away -------------------------------------------------------------


def expire(session: Session, wallet: Wallet, *, now: datetime | None = None) -> Entry | None:
    """Points whose lots are past their date leave the wallet; None when nothing is due."""
    now = now or utcnow()
    wallet = _lock(session, wallet)
    due = session.scalars(
        select(Lot)
        .where(Lot.wallet_id == wallet.id, Lot.remaining > 0, Lot.expires_at <= now)
        .order_by(Lot.expires_at, Lot.entry_id)
        .with_for_update()
    ).all()
    total = sum(lot.remaining for lot in due)
    if not total:
        return None
    entry = _post(
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
    wallet = _lock(session, wallet)
    if (entry := _replayed(session, idempotency_key, wallet, EntryKind.ADJUST)) is not None:
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
    entry = _post(
        session,
        wallet,
        EntryKind.ADJUST,
        source=MANUAL,
        available=points,
        actor=actor,
        reason=reason.strip(),
        idempotency_key=idempotency_key,
        now=now,
    )
    if points > 0:
        _add_lot(session, wallet, entry, points, now=now)
    else:
        _consume(session, wallet, entry, -points)
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
    _check_points(points)
    now = now or utcnow()
    wallet = _lock(session, wallet)
    if (entry := _replayed(session, idempotency_key, wallet, EntryKind.CLAWBACK)) is not None:
        return entry
    take = min(points, wallet.available)
    carried = points - take
    wallet.shortfall += carried
    entry = _post(
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
        _consume(session, wallet, entry, take)
    return entry


# --- reading ------------------------------------------------------------------------


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


def parse_period(text: str | None) -> tuple[datetime, datetime] | None:
    """ "2026" or "2026-10" as [start, end) in UTC; None for anything else."""
    text = (text or "").strip()
    try:
        if len(text) == 4:
            start = datetime(int(text), 1, 1, tzinfo=UTC)
            return start, start.replace(year=start.year + 1)
        if len(text) == 7 and text[4] == "-":
            start = datetime(int(text[:4]), int(text[5:]), 1, tzinfo=UTC)
            return start, add_months(start, 1)
    except ValueError:
        return None
    return None


def statement_query(
    wallet: Wallet,
    *,
    kind: EntryKind | None = None,
    period: str | None = None,
    person_id: int | None = None,
):
    """A wallet's entries, newest first, filtered for the statement page and its CSV."""
    query = select(Entry).where(Entry.wallet_id == wallet.id)
    if kind is not None:
        query = query.where(Entry.kind == kind)
    if (bounds := parse_period(period)) is not None:
        query = query.where(Entry.created_at >= bounds[0], Entry.created_at < bounds[1])
    if person_id is not None:
        query = query.where(Entry.person_id == person_id)
    # Entries are explained with the names of who earned and who corrected them.
    query = query.options(selectinload(Entry.person), selectinload(Entry.actor))
    return query.order_by(Entry.created_at.desc(), Entry.id.desc())


# --- many wallets at once (month close) --------------------------------------------------

BULK_KINDS = (EntryKind.EARN, EntryKind.CONFIRM, EntryKind.FORFEIT)


@dataclass(frozen=True)
class Movement:
    """One pending earning (EARN), confirmation or forfeit, for post_many."""

    wallet_id: int
    kind: EntryKind
    points: int
    source: Source
    earned_at: datetime | None = None
    details: dict | None = None


def post_many(
    session: Session, movements: list[Movement], *, now: datetime | None = None
) -> list[int]:
    """The same entries, lots and balances as calling earn(pending=True), confirm and
    forfeit one movement at a time, in order, but with one lock query and a few bulk
    statements for the lot: closing 10,000 companies' months costs a few dozen
    statements, not 70,000. Returns the ids of the entries posted, in order.

    The wallets are locked and read as rows (no ORM objects), their balances kept here
    and written back at the end; entry ids are taken in the movements' order before the
    entries are written (see _new_entry_ids), so lots name their entries without
    reading anything back. Wallets carrying a clawback shortfall go through the
    one-at-a-time services, which settle it.
    """
    now = now or utcnow()
    for movement in movements:
        _check_points(movement.points)
        if movement.kind not in BULK_KINDS:
            raise ValueError(f"post_many does not post {movement.kind}")
    if not movements:
        return []
    if not holds_write_lock(session):
        raise RuntimeError(
            "ledger writes on SQLite need a transaction begun inside "
            "club.core.database.write_intent() (BEGIN IMMEDIATE)"
        )
    session.flush()  # the wallets are read from the database, with nothing pending
    table = Wallet.__table__
    ids = sorted({movement.wallet_id for movement in movements})
    balances: dict[int, list[int]] = {}  # wallet id: [available, pending, shortfall]
    for start in range(0, len(ids), 5_000):
        # Sorted, so two transactions locking overlapping sets cannot deadlock.
        for wallet_id, available, pending, shortfall in session.execute(
            select(table.c.id, table.c.available, table.c.pending, table.c.shortfall)
            .where(_among(table.c.id, ids[start : start + 5_000], session))
            .order_by(table.c.id)
            .with_for_update()
        ):
            balances[wallet_id] = [available, pending, shortfall]
    batch = _Bulk(session, now)
    posted: list[int] = []
    for movement in movements:
        balance = balances[movement.wallet_id]
        if balance[2]:  # a shortfall
            posted += batch.write()  # what went before, first: the service re-reads it
            wallet = session.get(Wallet, movement.wallet_id)
            posted.append(_one_movement(session, wallet, movement, now=now).id)
            balance[:] = wallet.available, wallet.pending, wallet.shortfall
            continue
        if movement.kind != EntryKind.EARN and balance[1] < movement.points:
            raise LedgerError(
                ngettext(
                    "Only %(num)d point is pending.",
                    "Only %(num)d points are pending.",
                    balance[1],
                )
            )
        batch.add(movement, balance)
    posted += batch.write()
    return posted


def _among(column, ids: list[int], session: Session):
    """`column IN (ids)` as one bound value, not thousands (binding, rendering and
    parsing thousands of parameters costs more than the lookups): an array on
    PostgreSQL, a JSON list on SQLite."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    if dialect == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):  # JSON built in
        listed = func.json_each(json.dumps(ids)).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(ids)


_BULK_DELTAS = {  # (available, pending) per point
    EntryKind.EARN: (0, 1),
    EntryKind.CONFIRM: (1, -1),
    EntryKind.FORFEIT: (0, -1),
}
# What post_many writes of an entry (the other columns stay NULL), and of a lot.
_BULK_ENTRY_COLUMNS = (
    "id",
    "wallet_id",
    "kind",
    "amount",
    "available_delta",
    "pending_delta",
    "held_delta",
    "source_type",
    "source_id",
    "reason",
    "details",
    "created_at",
    "earned_at",
)
_BULK_LOT_COLUMNS = ("entry_id", "wallet_id", "points", "remaining", "earned_at", "expires_at")


class _Bulk:
    """Entries, lots and wallet balances for post_many, written together: through the
    driver, the values converted by the columns' own SQLAlchemy types (so stored exactly
    as the ORM stores them), COPY on PostgreSQL and one executemany on SQLite."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        dialect = session.get_bind().dialect

        def converter(table, column: str):
            process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
            return process or (lambda value: value)

        entry = Entry.__table__
        self.kind = {kind: converter(entry, "kind")(kind) for kind in BULK_KINDS}
        self.details = converter(entry, "details")
        self.moment = converter(entry, "created_at")  # every time column is a UTCDateTime
        self.stamp = self.moment(now)
        self.moments: dict[datetime, tuple] = {}  # earned_at: (converted, expiry converted)
        self.entries: list[list] = []
        self.lots: list[list] = []  # the entry's row first, for its id
        self.balances: dict[int, list[int]] = {}

    def add(self, movement: Movement, balance: list[int]) -> None:
        points = movement.points
        per_point_available, per_point_pending = _BULK_DELTAS[movement.kind]
        available, pending = per_point_available * points, per_point_pending * points
        balance[0] += available
        balance[1] += pending
        self.balances[movement.wallet_id] = balance
        earned_at = movement.earned_at or self.now
        if earned_at not in self.moments:
            self.moments[earned_at] = (self.moment(earned_at), self.moment(expiry_for(earned_at)))
        earned, expires = self.moments[earned_at]
        row = [
            None,  # the id, taken when written
            movement.wallet_id,
            self.kind[movement.kind],
            available + pending,
            available,
            pending,
            0,
            movement.source.type,
            movement.source.id,
            "",
            self.details(movement.details),
            self.stamp,
            earned,
        ]
        self.entries.append(row)
        if movement.kind == EntryKind.CONFIRM:
            self.lots.append([row, movement.wallet_id, points, points, earned, expires])

    def write(self) -> list[int]:
        """Writes what was added; returns the new entries' ids, in order."""
        if not self.entries:
            return []
        session = self.session
        entry_ids = _new_entry_ids(session, len(self.entries))
        for row, entry_id in zip(self.entries, entry_ids, strict=True):
            row[0] = entry_id
        for lot in self.lots:
            lot[0] = lot[0][0]
        _insert_rows(session, Entry.__table__, _BULK_ENTRY_COLUMNS, self.entries)
        from club.leaderboard.rollups import record  # the boards' totals, same transaction

        record(session, [dict(zip(_BULK_ENTRY_COLUMNS, row, strict=True)) for row in self.entries])
        if self.lots:
            _insert_rows(session, Lot.__table__, _BULK_LOT_COLUMNS, self.lots)
        wallet_ids = list(self.balances)
        _update_balances(
            session,
            [(wallet_id, *self.balances[wallet_id][:2]) for wallet_id in wallet_ids],
            self.stamp,
        )
        # Wallets this session has loaded read their new balances from the database.
        written = set(wallet_ids)
        for state in list(session.identity_map.all_states()):
            if state.class_ is Wallet and state.identity[0] in written and state.obj() is not None:
                session.expire(state.obj(), ["available", "pending", "updated_at"])
        self.entries, self.lots, self.balances = [], [], {}
        return entry_ids


def _new_entry_ids(session: Session, count: int) -> list[int]:
    """`count` ids for new ledger entries, ascending, as inserting them one by one would
    give: from the id sequence on PostgreSQL; on SQLite after the highest id (the caller
    holds the write lock, so no other connection can take them meanwhile)."""
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(Entry.__tablename__, "id")
        numbers = func.generate_series(1, count)
        return sorted(session.scalars(select(func.nextval(sequence)).select_from(numbers)))
    last = session.scalar(select(func.max(Entry.id))) or 0
    return list(range(last + 1, last + 1 + count))


def _insert_rows(session: Session, table, columns: tuple[str, ...], rows: list) -> None:
    """INSERT of rows already converted for the driver: COPY on PostgreSQL, one
    executemany on SQLite. Names from the models only: nothing from outside."""
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608
            [tuple(row) for row in rows],
        )
        return
    import psycopg

    statement = f"COPY {table.name} ({names}) FROM STDIN"
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:  # as SQLAlchemy would raise it (IntegrityError, ...)
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def _update_balances(session: Session, rows: list[tuple[int, int, int]], stamp) -> None:
    """Wallets' (id, available, pending), and updated_at, in one statement."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids, available, pending = (list(column) for column in zip(*rows, strict=True))
        connection.exec_driver_sql(
            "UPDATE wallet SET available = new.available, pending = new.pending, "
            "updated_at = %s FROM unnest(%s::integer[], %s::integer[], %s::integer[]) "
            "AS new (id, available, pending) WHERE wallet.id = new.id",
            (stamp, ids, available, pending),
        )
        return
    connection.exec_driver_sql(
        "UPDATE wallet SET available = ?, pending = ?, updated_at = ? WHERE id = ?",
        [(available, pending, stamp, wallet_id) for wallet_id, available, pending in rows],
    )


def _one_movement(session: Session, wallet: Wallet, movement: Movement, *, now: datetime) -> Entry:
    if movement.kind == EntryKind.EARN:
        return earn(
            session,
            wallet,
            movement.points,
            source=movement.source,
            pending=True,
            earned_at=movement.earned_at,
            details=movement.details,
            now=now,
        )
    if movement.kind == EntryKind.CONFIRM:
        return confirm(
            session,
            wallet,
            movement.points,
            source=movement.source,
            earned_at=movement.earned_at,
            details=movement.details,
            now=now,
        )
    return forfeit(
        session, wallet, movement.points, source=movement.source, details=movement.details, now=now
    )
