"""The portfolio: which companies a viewer sees with their latest health score, filtered
and sorted by risk in the database, and the rows of a page of them read in one query
per column (never a query per company).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from club.core.clock import utcnow
from club.core.periods import club_today
from club.members.companies import search_companies, visible_company
from club.members.models import Company, MembershipStatus, Tier, User
from club.members.standing import tiers as club_tiers
from club.portfolio import facts as read
from club.portfolio import scoring
from club.portfolio.models import HealthScore
from club.portfolio.nightly import DIGEST_DAYS
from club.portfolio.settings import current as current_settings

BAND_CODES = ("risk", "watch", "healthy", "unscored")
HISTORY_DAYS = 90


@dataclass(frozen=True)
class Filters:
    text: str = ""
    tier_id: int | None = None
    band: str = ""
    account_manager_id: int | None = None


def latest_day(session: Session) -> date | None:
    """The last club day the nightly job scored."""
    return session.scalar(select(func.max(HealthScore.day)))


def portfolio_query(
    viewer: User, filters: Filters, *, settings: dict[str, int], day: date | None
) -> Select:
    """(Company, score, signals, score a week before) of the companies the viewer sees,
    the riskiest first (lowest score; not yet scored last), then by name."""
    query = (
        search_companies(viewer, text=filters.text, account_manager_id=filters.account_manager_id)
        .order_by(None)
        .options(selectinload(Company.tier))
    )
    latest = aliased(HealthScore)
    before = aliased(HealthScore)
    query = query.outerjoin(latest, (latest.company_id == Company.id) & (latest.day == day))
    query = query.outerjoin(
        before,
        (before.company_id == Company.id)
        & (before.day == (day - timedelta(days=DIGEST_DAYS) if day else None)),
    )
    query = query.add_columns(latest.score, latest.signals, before.score)
    query = query.where(Company.status != MembershipStatus.LEFT)
    if filters.tier_id is not None:
        query = query.where(Company.tier_id == filters.tier_id)
    if filters.band == "unscored":
        query = query.where(latest.score.is_(None))
    elif filters.band == "risk":
        query = query.where(latest.score < settings["band_risk"])
    elif filters.band == "watch":
        query = query.where(
            latest.score >= settings["band_risk"], latest.score < settings["band_watch"]
        )
    elif filters.band == "healthy":
        query = query.where(latest.score >= settings["band_watch"])
    return query.order_by(
        case((latest.score.is_(None), 1), else_=0),
        latest.score,
        func.lower(Company.name),
        Company.id,
    )


@dataclass(frozen=True)
class Row:
    company: Company
    score: int | None
    band: str
    score_before: int | None
    signals: list
    available: int
    pending: int
    expiring: int
    last_order: date | None
    orders: read.Orders | None
    last_login: datetime | None
    training: read.Training | None
    next_meeting: read.NextMeeting | None

    @property
    def score_change(self) -> int | None:
        if self.score is None or self.score_before is None:
            return None
        return self.score - self.score_before


def rows_of(
    session: Session, found, *, settings: dict[str, int], now: datetime | None = None
) -> list[Row]:
    """Rows of (Company, score, signals, score before), each column read for all of
    them at once."""
    now = now or utcnow()
    found = list(found)
    ids = [company.id for company, *_rest in found]
    if not ids:
        return []
    today = club_today(now)
    # A long list (the club manager's whole club in a CSV) is read for every company
    # rather than named in the queries: databases cap the parameters of a statement.
    scope = ids if len(ids) <= read.NAMED_AT_MOST else None
    balances = read.balances(session, scope)
    expiring = read.expiring_points(session, now, settings["expiry_days"], scope)
    last_orders = read.last_orders(session, scope)
    orders = read.orders(session, today, scope)
    logins = read.last_logins(session, scope)
    training = read.training(session, scope)
    meetings = read.next_meetings(session, now, scope)
    return [
        Row(
            company=company,
            score=score,
            band=scoring.band_of(score, settings),
            score_before=before,
            signals=signals or [],
            available=balances.get(company.id, (0, 0))[0],
            pending=balances.get(company.id, (0, 0))[1],
            expiring=expiring.get(company.id, 0),
            last_order=last_orders.get(company.id),
            orders=orders.get(company.id),
            last_login=logins.get(company.id),
            training=training.get(company.id),
            next_meeting=meetings.get(company.id),
        )
        for company, score, signals, before in found
    ]


def tier_choices(session: Session) -> list[Tier]:
    return club_tiers(session)


def settings(session: Session) -> dict[str, int]:
    return current_settings(session)


# --- one company -------------------------------------------------------------------------


def company_for(session: Session, viewer: User, company_id: int) -> Company | None:
    """The company if it is in the viewer's portfolio (any company for the club manager)."""
    return visible_company(session, viewer, company_id)


def score_history(
    session: Session, company_id: int, *, today: date | None = None, days: int = HISTORY_DAYS
) -> list[HealthScore]:
    """The company's scores over the last `days` days, oldest first."""
    today = today or club_today()
    return list(
        session.scalars(
            select(HealthScore)
            .where(
                HealthScore.company_id == company_id,
                HealthScore.day > today - timedelta(days=days),
            )
            .order_by(HealthScore.day)
        )
    )


def sparkline(history: list[HealthScore], *, width: int = 180, height: int = 36) -> str:
    """The SVG polyline points of a score history (100 at the top), for a small chart."""
    if len(history) < 2:
        return ""
    first, last = history[0].day, history[-1].day
    span = max((last - first).days, 1)
    return " ".join(
        f"{round(width * (item.day - first).days / span, 1)},"
        f"{round(height * (100 - item.score) / 100, 1)}"
        for item in history
    )
