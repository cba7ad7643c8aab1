"""The boards follow the ledger: the rollups listen to its signals.

Connected when the leaderboard package is imported (its __init__ imports this module),
which every process that posts does: create_app registers every model, the leaderboard's
among them, for the web app, the commands, the scheduler and the tests alike. A module
is imported once per process, and blinker keeps a receiver once however often it is
connected, so each entry counts once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from club.leaderboard.live import record
from club.leaderboard.one_statement import statement_part
from club.leaderboard.rebuild import check
from club.ledger.models import Entry
from club.ledger.signals import (
    StatementPart,
    entries_posted,
    entry_posted,
    entry_writing,
    verifying,
)


@entry_posted.connect
def _count_entry(session: Session, *, entry: Entry, in_statement: bool = False) -> None:
    if not in_statement:  # else counted by the entry's own statement (below)
        record(session, (entry,))


@entry_writing.connect
def _count_entry_in_its_statement(session: Session, *, entry: Entry) -> StatementPart | None:
    return statement_part(session, entry)


@entries_posted.connect
def _count_entries(session: Session, *, rows: list[dict]) -> None:
    record(session, rows)


@verifying.connect
def _check_rollups(session: Session) -> list[str]:
    return check(session)
