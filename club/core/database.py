"""Database behaviour shared by every domain: SQLite set-up and write transactions, long
lists of values as one bound value (one_of), and the SQL both databases need spelled
their own way (whole cents of an amount, a day some days after a date column).

On SQLite a transaction that reads and then writes fails under load (the read snapshot
cannot be upgraded once another writer committed), so a transaction that is meant to
write starts with BEGIN IMMEDIATE and takes the write lock up front. Requests that may
change state (POST, PUT, PATCH, DELETE), commands and jobs declare that intent with
`write_intent()`; reads keep plain deferred transactions and run side by side (WAL).
PostgreSQL needs none of this: services lock the rows they change (SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from flask import Flask, request
from sqlalchemy import (
    BigInteger,
    Integer,
    any_,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine

_write_intent: ContextVar[bool] = ContextVar("club_write_intent", default=False)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@contextmanager
def write_intent() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at BEGIN."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def one_of(column, values: list, dialect):
    """`column IN (values)` as one bound value, not thousands: an array on PostgreSQL, a
    JSON list on SQLite. Binding and parsing thousands of parameters costs more than the
    lookups."""
    name = getattr(dialect, "name", dialect)  # a dialect or its name
    if name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if name == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):  # JSON built in
        listed = func.json_each(json.dumps(values)).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(values)


def cents_of(column, dialect):
    """A NUMERIC(14, 2) amount in whole cents, as an integer: exact on PostgreSQL; SQLite
    keeps such amounts as floating point, so the cents are rounded there (1234.56 * 100
    is 123455.99999999999 as a float)."""
    name = getattr(dialect, "name", dialect)
    if name == "postgresql":
        return cast(column * 100, BigInteger)
    return cast(func.round(column * 100), BigInteger)


def amount_of(cents: int | None) -> Decimal | None:
    """Whole cents (as cents_of gives them) as the amount a NUMERIC(14, 2) column reads
    back: two decimal places."""
    return None if cents is None else Decimal(int(cents)).scaleb(-2)


def days_after(column, days: int, dialect):
    """The date `days` days after a date column (before it when negative)."""
    name = getattr(dialect, "name", dialect)
    if name == "postgresql":
        return column + literal_column(str(int(days)), Integer)
    return func.date(column, f"{int(days):+d} days")


GROWTH_TO_ANALYZE = 0.1  # autovacuum's default analyze scale factor
ROWS_TO_ANALYZE = 10_000


def analyze_if_grown(session, table: str, added: int) -> bool:
    """On PostgreSQL, fresh planner statistics for a table that a load has just grown by
    a tenth or more: what autovacuum would do a minute or more later, but the month's
    close and the awards job that follow an import are planned on the table as it is
    (on a table of unknown size PostgreSQL walks an index ten thousand times where one
    scan would do). Inside the load's transaction: ANALYZE counts the rows the
    transaction wrote, and its statistics apply from the commit. `table` is a model's
    table name, never outside input."""
    if session.get_bind().dialect.name != "postgresql" or added < ROWS_TO_ANALYZE:
        return False
    known = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
        {"table": table},
    ).scalar()
    if known is not None and known > 0 and added < known * GROWTH_TO_ANALYZE:
        return False
    session.execute(text(f"ANALYZE {table}"))
    return True


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # We emit BEGIN ourselves (below); pysqlite's own transaction handling is off.
    dbapi_connection.isolation_level = None
    # Python's lower() so that "Łódź" and "ŁÓDŹ" match, as on PostgreSQL.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    immediate = _write_intent.get()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    connection.info["club_immediate"] = immediate


def holds_write_lock(session) -> bool:
    """True on PostgreSQL, and on SQLite when the transaction began IMMEDIATE."""
    connection = session.connection()
    return connection.dialect.name != "sqlite" or connection.info.get("club_immediate", False)


def init_app(app: Flask) -> None:
    tokens = {}

    @app.before_request
    def declare_write_intent() -> None:
        if request.method in UNSAFE_METHODS:
            tokens[id(request._get_current_object())] = _write_intent.set(True)

    @app.teardown_request
    def end_write_intent(exc) -> None:
        token = tokens.pop(id(request._get_current_object()), None)
        if token is not None:
            _write_intent.reset(token)
