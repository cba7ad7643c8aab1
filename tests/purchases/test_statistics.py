"""After a big import PostgreSQL plans on fresh statistics of the invoice table (the
month's close and the awards job come next, before autovacuum would have looked)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import text

from club.core import database
from club.purchases import services as purchases
from tests.purchases.test_services import Row

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _rows(tax_id: str, count: int, prefix: str) -> list[Row]:
    return [
        Row(f"{prefix}/{n}", tax_id, date(2026, 3, 2), date(2026, 3, 30), Decimal("100.00"))
        for n in range(count)
    ]


def _known_rows(db_session) -> float:
    return db_session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST('invoice' AS regclass)")
    ).scalar()


def test_an_import_that_grows_the_table_by_a_tenth_refreshes_its_statistics(
    db_session, club, monkeypatch
):
    monkeypatch.setattr(database, "ROWS_TO_ANALYZE", 5)  # instead of 10,000
    postgresql = db_session.get_bind().dialect.name == "postgresql"

    purchases.record_invoices(db_session, _rows(club.company.tax_id, 40, "A"), now=NOW)

    if not postgresql:  # SQLite plans without statistics of its own
        assert not database.analyze_if_grown(db_session, "invoice", 40)
        return
    assert _known_rows(db_session) == 40  # ANALYZE counted the transaction's rows
    # A few rows more than a tenth of 40: analysed again; fewer, or below the floor: not.
    assert database.analyze_if_grown(db_session, "invoice", 5)
    assert not database.analyze_if_grown(db_session, "invoice", 3)
    monkeypatch.setattr(database, "ROWS_TO_ANALYZE", 10_000)
    assert not database.analyze_if_grown(db_session, "invoice", 40)
