"""The boards' tops, kept a few seconds (BOARD_CACHE_SECONDS) in the cache every worker
shares (core.shared_cache): the top of a busy board is the same page for everybody, read
a hundred times a second at the end of a month. The viewer's own row, rank and
neighbours are never cached (boards.py reads them each time), so people see their own
points move at once.

Dropped before they expire: all of them when someone hides or changes a name shown on
them (members and the leaderboard's services call core.shared_cache.drop), and those of
a period that is over when an entry changes it (a correction, a clawback, a month's
close): the current periods' tops only lag by the seconds the page says."""

from __future__ import annotations

import time
from collections.abc import Iterable

from flask import current_app
from sqlalchemy.orm import Session

from club.core import periods
from club.core.shared_cache import BOARD_TOPS, cache, drop


def seconds() -> float:
    return current_app.config.get("BOARD_CACHE_SECONDS", 0)


def _key(board: str, period_key: str, league: str | None, limit: int) -> str:
    return f"{board}|{period_key}|{league or ''}|{limit}"


def read(board: str, period_key: str, league: str | None, limit: int) -> tuple[dict, int] | None:
    """The cached top, and how many seconds ago it was read; None when there is none."""
    if seconds() <= 0:
        return None
    value = cache().get(BOARD_TOPS, _key(board, period_key, league, limit))
    if value is None:
        return None
    return value, max(0, int(time.time() - value["at"]))


def keep(board: str, period_key: str, league: str | None, limit: int, value: dict) -> None:
    if seconds() > 0:
        value["at"] = time.time()
        cache().set(BOARD_TOPS, _key(board, period_key, league, limit), value, seconds())


def forget_past(session: Session, period_keys: Iterable[str]) -> None:
    """Entries changed these periods: drop the cached tops of those that are over."""
    if seconds() <= 0:
        return
    current = {
        periods.this_month().key,
        periods.this_quarter().key,
        periods.this_year().key,
        periods.ALL_TIME,
    }
    for key in sorted(set(period_keys) - current):
        drop(session, BOARD_TOPS, f"*|{key}|*")
