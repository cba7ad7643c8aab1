"""A wallet's statement: its entries, newest first, filtered for the page and its CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from club.core.periods import add_months
from club.ledger.models import Entry, EntryKind, Wallet


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
