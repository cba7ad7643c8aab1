"""What the ledger announces, for whoever keeps figures beside it (the leaderboards'
rollups today). The ledger imports none of its listeners: they connect to these.

Every signal is sent with the session as the sender, inside the transaction that wrote
the entries, so what a listener writes commits or rolls back with them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from blinker import Namespace

_ledger = Namespace()

entry_posted = _ledger.signal("entry-posted")
"""One entry was written (flushed, with its id). Keywords: `entry`, the Entry, and
`in_statement`: True when the entry was written by one statement together with what the
`entry_writing` listeners returned (PostgreSQL), so those have nothing left to do."""

entry_writing = _ledger.signal("entry-writing")
"""PostgreSQL: one entry is about to be written by one statement (a WITH ... chain: the
entry, the balances, the lot, and what listeners add), so that a post is one round trip.
Keyword: `entry`, the Entry (its id not known yet: the statement gives it). Each listener
returns a `StatementPart` (or None); `entry_posted` follows with `in_statement=True`."""

entries_posted = _ledger.signal("entries-posted")
"""Many entries were written with one statement (post_many, closing months). Keyword:
`rows`, each entry's columns as a dict of driver values (the kind's value, details as
JSON text on SQLite, times as the driver takes them), in the order written. Within
`posts_gathered` it is sent once, at the end, with the rows of every post_many since."""

verifying = _ledger.signal("verifying")
"""`ledger verify` is checking the books. Each listener checks what it keeps against the
ledger and returns its problems, a list of sentences (empty when all agree)."""


@dataclass(frozen=True)
class StatementPart:
    """A listener's share of an entry's one statement: data-modifying CTEs (SQLAlchemy
    Core; built once per shape and reused, so the statement's compiled form is cached)
    and the values of their bound parameters (names the listener's own, prefixed)."""

    ctes: tuple
    params: dict = field(default_factory=dict)


_GATHERED = "club.ledger.gathered_posts"  # session.info key: the rows held back


@contextmanager
def posts_gathered(session) -> Iterator[None]:
    """Within: `entries_posted` is sent once, when the block ends without an error, with
    the rows of every post_many made in it (in the order written), instead of once per
    post_many; in the same transaction, before the caller commits. For a job posting in
    batches: the listeners (the rollups, the webhooks' outbox) then work once on what
    the whole job posted. What they keep are sums, so the order of the announcements
    does not change them; nothing inside the block may read what they write. Nested
    blocks gather into the outermost."""
    if _GATHERED in session.info:
        yield
        return
    rows: list[dict] = []
    session.info[_GATHERED] = rows
    try:
        yield
    finally:
        del session.info[_GATHERED]
    if rows:
        entries_posted.send(session, rows=rows)


def announce_posted(session, rows: list[dict]) -> None:
    """`entries_posted` for rows just written, or held back within `posts_gathered`."""
    gathered = session.info.get(_GATHERED)
    if gathered is not None:
        gathered.extend(rows)
    else:
        entries_posted.send(session, rows=rows)
