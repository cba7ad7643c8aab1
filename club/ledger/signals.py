"""What the ledger announces, for whoever keeps figures beside it (the leaderboards'
rollups today). The ledger imports none of its listeners: they connect to these.

Every signal is sent with the session as the sender, inside the transaction that wrote
the entries, so what a listener writes commits or rolls back with them.
"""

from __future__ import annotations

from blinker import Namespace

_ledger = Namespace()

entry_posted = _ledger.signal("entry-posted")
"""One entry was written (flushed, with its id). Keyword: `entry`, the Entry."""

entries_posted = _ledger.signal("entries-posted")
"""Many entries were written with one statement (post_many, closing months). Keyword:
`rows`, each entry's columns as a dict of driver values (the kind's value, details as
JSON text on SQLite, times as the driver takes them), in the order written."""

verifying = _ledger.signal("verifying")
"""`ledger verify` is checking the books. Each listener checks what it keeps against the
ledger and returns its problems, a list of sentences (empty when all agree)."""
