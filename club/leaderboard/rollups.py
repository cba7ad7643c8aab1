"""Rollups kept in step with the ledger, gathered for callers: `record` (live, in the
entry's transaction: live.py), `rebuild` (from the whole ledger) and `check` (for
`ledger verify`: rebuild.py, set-based SQL), the score counts (scores.py) and the rules
of what counts where (counting.py). listeners.py connects them to the ledger's signals."""

from club.leaderboard.counting import (
    ALL_TIME,
    COUNTING,
    PURCHASE_SOURCE,
    REVERSALS,
    Item,
    Months,
    Sums,
    effect,
    period_keys,
)
from club.leaderboard.live import record
from club.leaderboard.rebuild import Rebuilt, check, rebuild
from club.leaderboard.scores import SCORES, check_scores, compact_scores, rebuild_scores

__all__ = [
    "ALL_TIME",
    "COUNTING",
    "PURCHASE_SOURCE",
    "REVERSALS",
    "SCORES",
    "Item",
    "Months",
    "Rebuilt",
    "Sums",
    "check",
    "check_scores",
    "compact_scores",
    "effect",
    "period_keys",
    "rebuild",
    "rebuild_scores",
    "record",
]
