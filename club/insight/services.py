"""The KPI dashboard: the chosen period against the previous one and the same period a
year before, for the whole club or an account manager's portfolio, split by tier, country,
account manager or pilot group. Reads only; the summaries it reads are refreshed by the
`refresh-insight` job (club.insight.refresh)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.catalog.models import Privilege, Redemption, RedemptionStatus
from club.core import periods
from club.core.errors import ClubError
from club.core.periods import Period
from club.insight import facts, figures
from club.insight.facts import CompanyRow, Raw
from club.insight.figures import Figures, Settings, SponsorFigure
from club.members.models import Company
from club.purchases.defaults import main_currency
from club.rules import services as rules
from club.satisfaction import services as satisfaction
from club.satisfaction.services import NpsSummary

TOP_PRIVILEGES = 5
CHURNED_SHOWN = 50  # on the page; the CSV lists them all


class UnknownSplit(ClubError):
    pass


def settings() -> Settings:
    """The value of a point (the one the sponsor report uses too, in the club's main
    currency) and the margin rate (INSIGHT_MARGIN_PERCENT); the configuration checked
    both at start-up."""
    margin = Decimal(str(current_app.config.get("INSIGHT_MARGIN_PERCENT", "20")))
    return Settings(rules.point_value(), main_currency(), margin)


@dataclass(frozen=True)
class Segment:
    label: str
    figures: Figures
    nps: NpsSummary


@dataclass(frozen=True)
class Dashboard:
    period: Period
    compared: list[Period]  # the period, the previous one, the same a year before
    overall: list[Figures]  # in the order of `compared`
    nps: list[NpsSummary]
    split: str
    segments: list[Segment]
    churned: list[CompanyRow]  # the first ones by name (all for the export)
    churned_count: int
    as_of: date | None  # the day the segments were read (the last refresh of the period)
    sponsors: list[SponsorFigure]
    top_privileges: list[tuple[str, int, Decimal, str]]
    trend: Trend
    settings: Settings
    managers: dict[int, str]
    tiers: dict[int, str]


@dataclass(frozen=True)
class Trend:
    months: list  # the 12 months (first days)
    net: dict[str, list[Decimal]]  # currency -> per month
    buyers: list[int]
    points: list[list[int]]  # per month: earned, spent, expired


def dashboard(
    session: Session,
    period: Period,
    *,
    split: str = "tier",
    manager_id: int | None = None,
    churned_limit: int | None = None,
) -> Dashboard:
    """Every figure of `period` and the two it is compared with. `manager_id`: an account
    manager's portfolio only; `churned_limit`: how many churned companies to list (None:
    all; the page shows CHURNED_SHOWN)."""
    if split not in figures.SPLITS:
        raise UnknownSplit("unknown split")
    if period.kind not in ("month", "quarter", "year"):
        raise periods.InvalidPeriod("a month, a quarter or a year")
    config = settings()
    compared = [period, period.previous(), period.a_year_before()]
    # A year's previous period is also the year before: each period read once.
    found = facts.load(session, list(dict.fromkeys(compared)), split, manager_id=manager_id)
    overall = [figures.compute(found.raw(each, everyone=True), each, config) for each in compared]
    # The comments are read for the period itself only; the rest from the sums.
    scope = None
    if manager_id is not None:
        scope = list(
            session.scalars(select(Company.id).where(Company.account_manager_id == manager_id))
        )
    nps = [satisfaction.nps_summary(session, *period.bounds(), scope)]
    nps += [_nps(found.raw(each, everyone=True)) for each in compared[1:]]
    churned, churned_count = facts.churned(
        session, period, manager_id=manager_id, limit=churned_limit
    )
    segments = [
        Segment(
            label,
            figures.compute(found.raw(period, key), period, config),
            _nps(found.raw(period, key)),
        )
        for label, key in figures.segments(found)
    ]
    return Dashboard(
        period=period,
        compared=compared,
        overall=overall,
        nps=nps,
        split=split,
        segments=segments,
        churned=churned,
        churned_count=churned_count,
        as_of=found.as_of,
        sponsors=figures.sponsors(found, period, config),
        top_privileges=top_privileges(session, period, manager_id=manager_id),
        trend=trend(session, period, manager_id=manager_id),
        settings=config,
        managers=found.managers,
        tiers=found.tiers,
    )


def _nps(raw: Raw) -> NpsSummary:
    """The survey's score from the sums of answers per class (no comments)."""
    detractors = raw.answers - raw.promoters - raw.passives
    return NpsSummary(
        raw.answers,
        raw.promoters,
        raw.passives,
        detractors,
        satisfaction.nps_score(raw.promoters, detractors, raw.answers),
    )


def top_privileges(session: Session, period: Period, *, manager_id: int | None = None):
    """The privileges fulfilled most often in the period: (title, times, value, currency)."""
    start, end = period.bounds()
    query = (
        select(
            Privilege.title,
            func.count(Redemption.id),
            func.sum(Redemption.money_value),
            Privilege.currency,
        )
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(
            Redemption.status == RedemptionStatus.FULFILLED,
            Redemption.returned_at.is_(None),
            Redemption.fulfilled_at >= start,
            Redemption.fulfilled_at < end,
        )
        .group_by(Privilege.id, Privilege.title, Privilege.currency)
        .order_by(func.count(Redemption.id).desc(), Privilege.title)
        .limit(TOP_PRIVILEGES)
    )
    if manager_id is not None:
        query = query.join(Company, Company.id == Redemption.company_id).where(
            Company.account_manager_id == manager_id
        )
    return [
        (title, count, Decimal(value), currency)
        for title, count, value, currency in session.execute(query)
    ]


def trend(session: Session, period: Period, *, manager_id: int | None = None) -> Trend:
    """The 12 months up to the period's end."""
    months = facts.months_of(period)
    net, buyers, moved = facts.monthly_trend(
        session, months[0], periods.next_month(months[-1]), manager_id=manager_id
    )
    currencies = sorted({currency for values in net.values() for currency in values})
    return Trend(
        months=months,
        net={
            currency: [net.get(month, {}).get(currency, Decimal("0")) for month in months]
            for currency in currencies
        },
        buyers=[buyers.get(month, 0) for month in months],
        points=[moved.get(month, [0, 0, 0]) for month in months],
    )
