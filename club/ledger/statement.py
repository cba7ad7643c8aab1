"""A wallet's statement: its entries, newest first, filtered for the page and its CSV."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from club.core.periods import days_bounds
from club.ledger.models import Entry, EntryKind, Wallet


def statement_query(
    wallet: Wallet,
    *,
    kind: EntryKind | None = None,
    first: date | None = None,
    last: date | None = None,
    person_id: int | None = None,
):
    """The wallet's entries of `kind`, made from the day `first` to the day `last`
    (calendar days in the club's zone, either side open), of `person_id` if given."""
    query = select(Entry).where(Entry.wallet_id == wallet.id)
    if kind is not None:
        query = query.where(Entry.kind == kind)
    start, end = days_bounds(first, last)
    if start is not None:
        query = query.where(Entry.created_at >= start)
    if end is not None:
        query = query.where(Entry.created_at < end)
    if person_id is not None:
        query = query.where(Entry.person_id == person_id)
    # Entries are explained with the names of who earned and who corrected them.
    query = query.options(selectinload(Entry.person), selectinload(Entry.actor))
    return query.order_by(Entry.created_at.desc(), Entry.id.desc())
