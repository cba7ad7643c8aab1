"""The leaderboards, gathered for callers: periods (period_picker.py, on core.periods),
leagues (leagues.py), boards (boards.py), a member's standing (standing.py); and here
the one thing a member changes, whether the boards show the company's name."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core import shared_cache
from club.core.periods import InvalidPeriod, Period, this_month, this_quarter
from club.leaderboard.boards import BOARDS, NEIGHBOURS, TOP, Board, Row, board, viewer_owner
from club.leaderboard.errors import LeaderboardError, UnknownBoard, UnknownLeague
from club.leaderboard.leagues import forget_leagues, league_companies, league_members, leagues
from club.leaderboard.period_picker import FIRST_YEAR, parse_period, period_choices
from club.leaderboard.standing import Standing, standing
from club.members.models import Company

__all__ = [
    "BOARDS",
    "FIRST_YEAR",
    "NEIGHBOURS",
    "TOP",
    "Board",
    "InvalidPeriod",
    "LeaderboardError",
    "Period",
    "Row",
    "Standing",
    "UnknownBoard",
    "UnknownLeague",
    "board",
    "forget_leagues",
    "league_companies",
    "league_members",
    "leagues",
    "parse_period",
    "period_choices",
    "set_company_shown",
    "standing",
    "this_month",
    "this_quarter",
    "viewer_owner",
]


def set_company_shown(
    session: Session, company: Company, shown: bool, *, actor, now: datetime | None = None
) -> None:
    """The account holder shows or hides the company's name on the boards."""
    if actor.company_id != company.id:
        raise LeaderboardError(_("Only the company's own account holder can change this."))
    before = company.is_shown_on_boards
    if before == shown:
        return
    company.is_shown_on_boards = shown
    session.flush()
    shared_cache.drop(session, shared_cache.BOARD_TOPS)  # people boards name companies too
    audit.record(
        session,
        "company.boards_visibility",
        company,
        actor=actor,
        company_id=company.id,
        before={"is_shown_on_boards": before},
        after={"is_shown_on_boards": shown},
        now=now,
    )
