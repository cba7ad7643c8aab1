"""The demo club's awards: the last completed quarter's best partners, final, and a
membership certificate for every member company."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.awards import services
from club.awards.models import QuarterAward
from club.core import periods
from club.core.roles import Role
from club.members.models import Company, MembershipStatus, User

DEMO_PLACES = 3


def play_awards(session: Session, now: datetime) -> QuarterAward | None:
    """Name and finalise the best partners of the quarter before `now`, as suggested.

    Runs after the demo's year of purchases, in its transaction; the caller commits.
    """
    manager = session.scalar(
        select(User).where(User.role == Role.CLUB_MANAGER).order_by(User.id).limit(1)
    )
    if manager is None:
        return None
    members = session.scalars(
        select(Company)
        .where(Company.status == MembershipStatus.MEMBER)
        .order_by(Company.joined_on.asc().nulls_last(), Company.id)
    ).all()
    for company in members:  # numbered in the order the companies joined
        services.issue_membership_certificate(session, company, now=now)
    quarter = periods.this_quarter(now).previous()
    year, number = quarter.year, quarter.number
    best = services.suggest_best(session, year, number, limit=DEMO_PLACES)
    if not best:
        return None
    services.choose_best(
        session, year, number, [standing.company.id for standing in best], manager, now=now
    )
    return services.finalise(session, year, number, actor=manager, now=now)
