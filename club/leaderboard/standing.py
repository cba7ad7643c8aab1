"""A member's standing: rank on this month's people board, the change since last month's,
and the points to the next place (the member home's card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from club.core.periods import Period, this_month
from club.leaderboard.boards import Reader


@dataclass
class Standing:
    period: Period
    points: int
    rank: int | None  # None: no points this month yet
    previous_rank: int | None  # on last month's board
    to_next: int | None  # points to share the next place up; None when first

    @property
    def change(self) -> int | None:
        """Places gained since last month (negative: lost)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def _rank_of(reader: Reader, person_id: int) -> tuple[int, int | None]:
    mine = reader.first(reader.queries.own, owner=person_id)
    if mine is None:
        return 0, None
    _row_id, _owner, points, _reached, more = mine
    return points, more + 1


def standing(session: Session, user, *, now: datetime | None = None) -> Standing:
    """The member home's block: rank on this month's people board, the change since
    last month's, and the points to the next place."""
    period = this_month(now)
    reader = Reader(session, "people", period, None)
    points, rank = _rank_of(reader, user.id)
    _points, previous_rank = _rank_of(Reader(session, "people", period.previous(), None), user.id)
    to_next = None
    if rank is not None and rank > 1:
        higher = reader.scalar(reader.queries.next_higher, points=points)
        to_next = higher - points if higher is not None else None
    return Standing(period, points, rank, previous_rank, to_next)
