"""Leagues: a board within a tier, so that a small partner competes with its peers. The
tiers come from members.standing; a league is named by its tier's key (`gold`), and the
companies of each are remembered for a minute (the requalification job forgets them)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from club.leaderboard.errors import UnknownLeague
from club.members.models import Tier
from club.members.standing import company_tiers, tiers

LEAGUE_CACHE_SECONDS = 60

_leagues_lock = threading.Lock()
_leagues: dict = {}


def league_members(session: Session) -> dict[str, frozenset[int]]:
    """Tier key: the ids of its companies, from members.standing.company_tiers.
    Remembered for a minute: asking the hook about every company on each page view would
    cost more than the board itself."""
    with _leagues_lock:
        if _leagues and time.monotonic() - _leagues["at"] < LEAGUE_CACHE_SECONDS:
            return _leagues["members"]
    members: dict[str, set[int]] = defaultdict(set)
    positions = {}
    for company_id, tier in company_tiers(session).items():
        members[tier.code].add(company_id)
        positions[tier.code] = tier.position
    found = {code: frozenset(members[code]) for code in sorted(members, key=positions.get)}
    with _leagues_lock:
        _leagues.update(at=time.monotonic(), members=found)
    return found


def forget_leagues() -> None:
    """Ask the tiers hook again on the next read (tests, and when tiers change)."""
    with _leagues_lock:
        _leagues.clear()


def leagues(session: Session) -> list[Tier]:
    """The tiers that have companies, lowest first."""
    found = league_members(session)
    return [tier for tier in tiers(session) if tier.code in found]


def league_companies(session: Session, league: str | None) -> frozenset[int] | None:
    """The companies of a league (None: no league asked for); raises UnknownLeague."""
    league = (league or "").strip()
    if not league:
        return None
    members = league_members(session)
    if league not in members:
        known = ", ".join(members)
        raise UnknownLeague(
            _("There is no league %(league)s; leagues: %(known)s.", league=league, known=known)
            if known
            else _("There is no league %(league)s: the club has no tiers yet.", league=league)
        )
    return members[league]
