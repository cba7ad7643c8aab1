"""The leaderboards' refusals (a period that cannot be read is core.periods.InvalidPeriod)."""

from __future__ import annotations

from club.core.errors import ClubError


class LeaderboardError(ClubError):
    pass


class UnknownLeague(LeaderboardError):
    pass


class UnknownBoard(LeaderboardError):
    pass
