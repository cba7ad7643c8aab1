"""The PostgreSQL server the benchmarks make their throw-away databases on (as the tests:
127.0.0.1:5432, `CLUB_TEST_PG_URL` overrides)."""

from __future__ import annotations

import os

PG_ADMIN_URL = os.environ.get(
    "CLUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_admin():
    """An autocommit connection to the server's admin database, or None if none answers."""
    import psycopg

    try:
        return psycopg.connect(
            PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"),
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError:
        return None
