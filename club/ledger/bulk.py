"""Many wallets at once (month close): the entries, lots and balances of thousands of
pending earnings, confirmations and forfeits in a few statements."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.ledger.earning import confirm, earn, forfeit, pending_at_least
from club.ledger.models import Entry, EntryKind, Lot, Wallet
from club.ledger.posting import expiry_for
from club.ledger.signals import announce_posted
from club.ledger.wallets import Source, check_points, require_write_lock
from club.members.models import User

BULK_KINDS = (EntryKind.EARN, EntryKind.CONFIRM, EntryKind.FORFEIT)


@dataclass(frozen=True)
class Movement:
    """One earning (EARN: pending unless `pending` is False, then available at once, as a
    lot), confirmation or forfeit, for post_many."""

    wallet_id: int
    kind: EntryKind
    points: int
    source: Source
    earned_at: datetime | None = None
    details: dict | None = None
    pending: bool = True
    person_id: int | None = None
    idempotency_key: str | None = None


def post_many(
    session: Session, movements: list[Movement], *, now: datetime | None = None
) -> list[int]:
    """The same entries, lots and balances as calling earn, confirm and forfeit one
    movement at a time, in order, but with one lock query and a few bulk
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
        check_points(movement.points)
        if movement.kind not in BULK_KINDS:
            raise ValueError(f"post_many does not post {movement.kind}")
    if not movements:
        return []
    require_write_lock(session)
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
        if movement.kind != EntryKind.EARN:
            pending_at_least(balance[1], movement.points)
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
    "person_id",
    "idempotency_key",
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
        if movement.kind == EntryKind.EARN and not movement.pending:  # available at once
            per_point_available, per_point_pending = 1, 0
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
            movement.person_id,
            movement.idempotency_key,
        ]
        self.entries.append(row)
        if movement.kind == EntryKind.CONFIRM or available:
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
        announce_posted(
            session, [dict(zip(_BULK_ENTRY_COLUMNS, row, strict=True)) for row in self.entries]
        )
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


def insert_many(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows of a table that goes with the ledger's (e.g. the rules' earnings), in the
    `columns` order: the values converted by the columns' own SQLAlchemy types, then COPY
    on PostgreSQL and one executemany on SQLite (no ORM events, ids from the table's
    default)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    processors = [
        _once_per_moment(table.c[column].type.dialect_impl(dialect).bind_processor(dialect))
        for column in columns
    ]
    if any(processors):
        rows = [
            [
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            ]
            for row in rows
        ]
    _insert_rows(session, table, columns, rows)


def _once_per_moment(process):
    """The converter, converting each distinct day or moment once per call (the rows of
    one call share a few days and one creation moment; converting them is most of the
    cost). Only dates and datetimes are kept: equal ones convert alike (a UTC column
    stores the same instant whatever its zone), unlike, say, Decimal('1.0') and '1.00'."""
    if process is None:
        return None
    seen: dict = {}

    def convert(value):
        if type(value) is not date and type(value) is not datetime:
            return process(value)
        if value not in seen:
            seen[value] = process(value)
        return seen[value]

    return convert


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
            pending=movement.pending,
            person=session.get(User, movement.person_id) if movement.person_id else None,
            earned_at=movement.earned_at,
            details=movement.details,
            idempotency_key=movement.idempotency_key,
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
