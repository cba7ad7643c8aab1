"""Statements over many rows at once, for the import and the month close.

Lists of ids go to the database as one bound value (an array on PostgreSQL, a JSON list
on SQLite), not thousands of parameters: psycopg parses every placeholder of every
query, which cost more than the queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from club.core.database import one_of as one_of  # (moved there; named here as before)

T = TypeVar("T")

# Months created and posted together (one post_many each), and ids in one IN (...)
# list: a few queries per thousand months instead of several per month, well within
# SQLite's and PostgreSQL's limits on bound parameters.
MONTH_BATCH = 1_000
IN_LIST = 5_000


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_returning(session: Session, statement, rows: list[dict], *returning, **options):
    """INSERT of many rows (dicts with the same keys), returning columns of the rows
    inserted. On PostgreSQL one statement whatever the number of rows, the values sent
    as one array per column (a multi-row VALUES would be thousands of parameters for the
    driver to parse); SQLite takes the multi-row VALUES well."""
    table = statement.table
    if session.get_bind().dialect.name == "postgresql":
        names = list(rows[0])
        arrays = select(
            *(
                func.unnest(
                    bindparam(None, [row[name] for row in rows], type_=ARRAY(table.c[name].type))
                )
                for name in names
            )
        )
        statement, rows = statement.from_select(names, arrays), None
    if (conflict := options.get("on_conflict_do_nothing")) is not None:
        statement = statement.on_conflict_do_nothing(index_elements=conflict)
    return session.execute(statement.returning(*returning), rows)
