"""The rollups kept live: `record` adds new ledger entries to them in the entries' own
transaction (the ledger announces each entry; listeners.py passes it here), with one
multi-row upsert per table and the score changes it makes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.database import one_of
from club.leaderboard import tops
from club.leaderboard.counting import COUNTING, Months, Sums, as_item
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.ledger.models import Wallet


def record(session: Session, entries: Iterable) -> None:
    """Add new ledger entries to the rollups, in the caller's transaction.

    `entries`: Entry objects (flushed, with ids) or dicts of their columns. Entries that
    change no board (spending, expiry, confirmations) cost nothing: no query."""
    items = [item for item in map(as_item, entries) if item.kind in COUNTING]
    if not items:
        return
    companies = company_ids(session, {item.wallet_id for item in items})
    months = Months(session)
    sums = Sums()
    for item in items:
        sums.add(item, months.of(item), companies.get(item.wallet_id))
    _upsert(session, sums)
    tops.forget_past(session, {period for period, _owner in [*sums.people, *sums.companies]})


def company_ids(session: Session, wallet_ids: set[int]) -> dict[int, int]:
    """Wallet id: company id, from the wallets this session holds when it can."""
    found: dict[int, int] = {}
    missing = []
    for wallet_id in wallet_ids:
        wallet = session.identity_map.get(session.identity_key(Wallet, wallet_id))
        if wallet is not None and "company_id" in wallet.__dict__:
            found[wallet_id] = wallet.company_id
        else:
            missing.append(wallet_id)
    if missing:  # one bound value however many (one_of)
        found.update(
            session.execute(
                select(Wallet.id, Wallet.company_id).where(
                    one_of(Wallet.id, missing, session.get_bind().dialect)
                )
            ).all()
        )
    return found


UPSERT_CHUNK = 500  # rows per INSERT ... VALUES (...), (...) statement (SQLite)
_UPSERTS: dict[tuple[str, str, int | None], str] = {}
_MOMENTS: dict[str, object] = {}
# PostgreSQL's array type of each column the rows carry (for unnest).
_ARRAYS = {
    "period": "varchar[]",
    "board": "varchar[]",
    "person_id": "integer[]",
    "company_id": "integer[]",
    "points": "integer[]",
    "holders": "integer[]",
    "activity_points": "integer[]",
    "reached_at": "timestamptz[]",
    "activity_reached_at": "timestamptz[]",
}


def _rows_sql(dialect, columns: tuple[str, ...], count: int | None) -> str:
    """Where an INSERT takes its rows from. PostgreSQL: one array per column (`count`
    None), `SELECT * FROM unnest(...)`, one statement of one shape whatever the number
    of rows, so psycopg neither splits a statement of thousands of parameters nor
    converts each (the awards job posts thousands of entries at once). SQLite:
    `VALUES` with `count` rows of parameters."""
    if count is None:
        arrays = ", ".join(f"%s::{_ARRAYS[column]}" for column in columns)
        return f"SELECT * FROM unnest({arrays})"  # noqa: S608 (names from the models)
    mark = "%s" if dialect.name == "postgresql" else "?"
    row = f"({', '.join(mark for _column in columns)})"
    return f"VALUES {', '.join(row for _row in range(count))}"


def _upsert_sql(dialect, model, count: int | None) -> str:
    """INSERT of `count` rows (None: arrays, see _rows_sql) ... ON CONFLICT (period,
    who) DO UPDATE adding the points and moving reached_at to the later moment (NULL:
    nothing added), RETURNING the totals now stored, as driver SQL: the hot path of
    every ledger entry skips compiling a statement. One statement for all the rows, so
    that it can return them."""
    cache_key = (dialect.name, model.__tablename__, count)
    if cache_key in _UPSERTS:
        return _UPSERTS[cache_key]
    table = model.__tablename__
    if model is PersonTotal:
        columns, keys = ("period", "person_id", "points", "reached_at"), "period, person_id"
        pairs = [("points", "reached_at")]
        returning = "period, person_id, points"
    else:
        columns = (
            "period",
            "company_id",
            "points",
            "reached_at",
            "activity_points",
            "activity_reached_at",
        )
        keys = "period, company_id"
        pairs = [("points", "reached_at"), ("activity_points", "activity_reached_at")]
        returning = "period, company_id, points, activity_points"
    changes = []
    for points, reached in pairs:
        changes.append(f"{points} = {table}.{points} + excluded.{points}")
        if dialect.name == "postgresql":  # GREATEST ignores NULLs
            later = f"GREATEST({table}.{reached}, excluded.{reached})"
        else:  # SQLite's two-argument max() is NULL if either is
            later = (
                f"max(coalesce({table}.{reached}, excluded.{reached}), "
                f"coalesce(excluded.{reached}, {table}.{reached}))"
            )
        changes.append(f"{reached} = {later}")
    _UPSERTS[cache_key] = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"{_rows_sql(dialect, columns, count)} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {', '.join(changes)} RETURNING {returning}"
    )
    return _UPSERTS[cache_key]


def _moment_converter(dialect):
    """The column type's own converter for moments (so stored as the ORM stores them)."""
    if dialect.name not in _MOMENTS:
        column = PersonTotal.__table__.c.reached_at
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        _MOMENTS[dialect.name] = process or (lambda value: value)
    return _MOMENTS[dialect.name]


def _score_sql(dialect, count: int | None) -> str:
    """INSERT of `count` score changes (None: arrays, see _rows_sql), as one statement
    (psycopg's executemany would send one per row)."""
    cache_key = (dialect.name, "leaderboard_score", count)
    if cache_key not in _UPSERTS:
        columns = ("board", "period", "points", "holders")
        rows = _rows_sql(dialect, columns, count)
        _UPSERTS[cache_key] = f"INSERT INTO leaderboard_score ({', '.join(columns)}) {rows}"
    return _UPSERTS[cache_key]


def _arrays(rows: list[tuple]) -> tuple[list, ...]:
    """Rows as one list per column (for _rows_sql's arrays)."""
    return tuple(list(column) for column in zip(*rows, strict=True))


def _chunks(rows: list[tuple]) -> Iterator[tuple[int, tuple]]:
    """The rows as multi-row statements' parameters: (rows in the chunk, their values)."""
    for start in range(0, len(rows), UPSERT_CHUNK):
        chunk = rows[start : start + UPSERT_CHUNK]
        yield len(chunk), tuple(value for row in chunk for value in row)


def _upsert_rows(connection, model, rows: list[tuple]) -> list[tuple]:
    """Upsert the rows (in the order given; on SQLite in chunks); what each row holds
    now."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        statement = _upsert_sql(connection.dialect, model, None)
        return connection.exec_driver_sql(statement, _arrays(rows)).all()
    stored = []
    for count, values in _chunks(rows):
        stored += connection.exec_driver_sql(
            _upsert_sql(connection.dialect, model, count), values
        ).all()
    return stored


def _moved(changes: dict, board: str, period: str, before: int, after: int) -> None:
    """A row's score went from `before` to `after`: one holder less there, one more here
    (scores of zero or below are no place on a board)."""
    if before == after:
        return
    if before > 0:
        changes[(board, period, before)] = changes.get((board, period, before), 0) - 1
    if after > 0:
        changes[(board, period, after)] = changes.get((board, period, after), 0) + 1


def _upsert(session: Session, sums: Sums) -> None:
    # Sorted rows: two transactions touching the same rows lock them in the same order.
    connection = session.connection()
    moment = _moment_converter(connection.dialect)
    changes: dict[tuple[str, str, int], int] = {}
    people = sorted(sums.people.items())
    rows = [
        (period, person_id, points, moment(reached))
        for (period, person_id), (points, reached) in people
    ]
    for period, person_id, points in _upsert_rows(connection, PersonTotal, rows):
        added = sums.people[(period, person_id)][0]
        _moved(changes, "people", period, points - added, points)
    companies = sorted(sums.companies.items())
    rows = [
        (period, company_id, points, moment(reached), activity, moment(activity_reached))
        for (period, company_id), (points, reached, activity, activity_reached) in companies
    ]
    for period, company_id, points, activity in _upsert_rows(connection, CompanyTotal, rows):
        added = sums.companies[(period, company_id)]
        _moved(changes, "companies", period, points - added[0], points)
        _moved(changes, "activity", period, activity - added[2], activity)
    rows = [
        (board, period, points, n) for (board, period, points), n in sorted(changes.items()) if n
    ]
    if rows and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_score_sql(connection.dialect, None), _arrays(rows))
        return
    for count, values in _chunks(rows):
        connection.exec_driver_sql(_score_sql(connection.dialect, count), values)
