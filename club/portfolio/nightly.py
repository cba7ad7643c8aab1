"""The nightly health scores and the weekly digest: jobs, idempotent.

`score_companies` writes one HealthScore per company for the club day: it replaces the
day's rows, so a second run on the same day leaves the same rows. `send_digests` mails
each account manager, once a week, the companies of their portfolio whose score got
worse over the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.core.periods import club_today
from club.core.roles import Role
from club.members.models import Company, MembershipStatus, User
from club.portfolio import scoring
from club.portfolio.models import HealthScore, ScoreDigest
from club.portfolio.settings import current

CHUNK = 5_000
DIGEST_DAYS = 7  # a digest compares today's score with the one a week before


def scored_company_ids(session: Session) -> list[int]:
    """Every company still in the club (applicants, members, suspended)."""
    return list(
        session.scalars(
            select(Company.id).where(Company.status != MembershipStatus.LEFT).order_by(Company.id)
        )
    )


def score_companies(session: Session, *, now: datetime | None = None) -> int:
    """Score every company for the club day of `now`; returns how many were scored."""
    now = now or utcnow()
    today = club_today(now)
    settings = current(session)
    ids = scored_company_ids(session)
    found = scoring.gather(session, ids, settings=settings, now=now, everyone=True)
    rows = []
    for company_id in ids:
        signals = scoring.signals_of(company_id, found, settings)
        rows.append(
            {
                "company_id": company_id,
                "day": today,
                "score": scoring.score_of(signals),
                "signals": signals,
                "created_at": now,
            }
        )
    session.execute(delete(HealthScore).where(HealthScore.day == today))
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(HealthScore), rows[start : start + CHUNK])
    return len(rows)


@dataclass(frozen=True)
class Worse:
    company_id: int
    name: str
    before: int
    score: int
    signals: list


def worse_this_week(session: Session, manager: User, today: date) -> list[Worse]:
    """The manager's companies whose score today is lower than a week before, worst
    fall first."""
    earlier = aliased(HealthScore)
    rows = session.execute(
        select(Company.id, Company.name, earlier.score, HealthScore.score, HealthScore.signals)
        .join(HealthScore, HealthScore.company_id == Company.id)
        .join(earlier, earlier.company_id == Company.id)
        .where(
            Company.account_manager_id == manager.id,
            HealthScore.day == today,
            earlier.day == today - timedelta(days=DIGEST_DAYS),
            HealthScore.score < earlier.score,
        )
    ).all()
    found = [Worse(*row) for row in rows]
    return sorted(found, key=lambda item: (item.score - item.before, item.name))


def send_digests(session: Session, *, now: datetime | None = None) -> int:
    """Mail each account manager their companies whose score fell this week (none when
    none fell); once per manager and week, however often it runs. Returns mails sent."""
    now = now or utcnow()
    today = club_today(now)
    week_of = today - timedelta(days=today.weekday())
    managers = session.scalars(
        select(User)
        .where(User.role == Role.ACCOUNT_MANAGER, User.is_active.is_(True))
        .where(
            ~select(ScoreDigest.id)
            .where(ScoreDigest.account_manager_id == User.id, ScoreDigest.week_of == week_of)
            .exists()
        )
        .order_by(User.id)
    ).all()
    sent = 0
    for manager in managers:
        worse = worse_this_week(session, manager, today)
        try:
            with session.begin_nested():
                session.add(
                    ScoreDigest(
                        account_manager_id=manager.id,
                        week_of=week_of,
                        companies=len(worse),
                        sent_at=now,
                    )
                )
        except IntegrityError:  # another run sent it a moment ago
            continue
        if not worse:
            continue
        queue_mail(
            session,
            to=manager.email,
            template="portfolio_digest",
            locale=manager.language,
            manager=manager,
            worse=worse,
            reason=scoring.reason,
        )
        sent += 1
    return sent
