"""Every movement of points, one place each; this module gathers them for callers.

Each service locks the wallet row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite
the transaction must have begun IMMEDIATE, see club.core.database), re-reads it, checks,
writes the entry, its lot and allocations and the wallet's balances, and flushes. The
caller commits. A service called again with the same idempotency key returns the first
entry and writes nothing. Each entry is announced (club.ledger.signals) in its
transaction.

Where they live: wallets.py (wallets, locking, replays), posting.py (an entry, its lots),
earning.py, spending.py (holds), corrections.py (adjustments, clawbacks), expiry.py,
statement.py, bulk.py (many wallets at once).
"""

from club.ledger.bulk import BULK_KINDS, Movement, post_many
from club.ledger.corrections import adjust, clawback
from club.ledger.earning import confirm, earn, forfeit
from club.ledger.expiry import NextExpiry, expire, expire_due, forfeit_frozen, next_expiry
from club.ledger.posting import expiry_for
from club.ledger.signals import posts_gathered
from club.ledger.spending import capture, hold, refund, release
from club.ledger.statement import statement_query
from club.ledger.wallets import MANUAL, Source, wallet_for, wallet_to_read

__all__ = [
    "BULK_KINDS",
    "MANUAL",
    "Movement",
    "NextExpiry",
    "Source",
    "adjust",
    "capture",
    "clawback",
    "confirm",
    "earn",
    "expire",
    "expire_due",
    "expiry_for",
    "forfeit",
    "forfeit_frozen",
    "hold",
    "next_expiry",
    "post_many",
    "posts_gathered",
    "refund",
    "release",
    "statement_query",
    "wallet_for",
    "wallet_to_read",
]
