"""Database behaviour shared by every domain: SQLite set-up and write transactions.

On SQLite a transaction that reads and then writes fails under load (the read snapshot
cannot be upgraded once another writer committed), so a transaction that is meant to
write starts with BEGIN IMMEDIATE and takes the write lock up front. Requests that may
change state (POST, PUT, PATCH, DELETE), commands and jobs declare that intent with
`write_intent()`; reads keep plain deferred transactions and run side by side (WAL).
PostgreSQL needs none of this: services lock the rows they change (SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
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

    @app.teardown_request
    def end_reading(exc) -> None:
        end_read_only_transaction()


def end_read_only_transaction() -> None:
    """On PostgreSQL, end a transaction that wrote nothing with COMMIT rather than the
    ROLLBACK the session would send: psycopg forgets every prepared statement at a
    ROLLBACK, so each page would plan each of its queries anew. PostgreSQL itself says
    whether anything was written (a transaction id is assigned at the first write);
    a transaction that wrote, or a session with unsaved changes, is rolled back as
    before."""
    from club.extensions import db

    session = db.session()
    if session.get_transaction() is None or session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    if connection.exec_driver_sql(_WROTE_NOTHING).scalar():
        session.commit()


_WROTE_NOTHING = "SELECT pg_current_xact_id_if_assigned() IS NULL"
