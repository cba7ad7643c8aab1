"""Refreshing the per-segment summaries the dashboard reads (club.insight.models).

A segment is a combination of the split dimensions: tier, country, account manager and
pilot flag, as each company has them when the refresh runs. The refresh adds the
per-company summaries up per segment, so that a request reads a few hundred rows instead
of every company's. What cannot be added up from months is counted per company here:
whether a company bought in a month, a quarter or a year, and in the period before
(retention, and the churned companies listed).

The refresh rewrites whole years: from the first day of the year of the first month the
per-company refresh rewrote, to the current month. Within a year every month's segments
are then as of the same refresh, and the share of wallet compares purchases and
potentials read at the same time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, case, delete, exists, extract, func, insert, literal, select
from sqlalchemy.orm import Session

from club.core import periods
from club.core.periods import Period
from club.insight.models import (
    PERIOD_KINDS,
    ActivityMonth,
    Churned,
    PointsMonth,
    SalesMonth,
    SegmentActivity,
    SegmentBuyers,
    SegmentCompanies,
    SegmentPoints,
    SegmentPotential,
    SegmentSales,
    SegmentUplift,
    Uplift,
)
from club.ledger.models import Wallet
from club.members.models import Company, MembershipStatus
from club.satisfaction.models import CompanyPotential

DIMENSIONS = ("tier_id", "country", "account_manager_id", "is_pilot")
ANY_CURRENCY = ""
BATCH = 5000


def _dimensions() -> list:
    return [getattr(Company, name) for name in DIMENSIONS]


def refresh_segments(session: Session, first: date, end: date, *, today: date) -> int:
    """Rewrite the segment summaries of the years from `first`'s to the month before
    `end`, and every uplift. Read the per-company summaries: refresh them first."""
    first = date(first.year, 1, 1)
    written = _sales(session, first, end, today)
    written += _points(session, first, end, today)
    written += _activity(session, first, end, today)
    last_year = periods.add_months(end, -1).year
    written += _potentials(session, first.year, last_year, today)
    written += _companies(session, first.year, last_year, today)
    written += _uplift(session, today)
    written += _buyers(session, first, end, today)
    return written


def _rewrite(session: Session, model, columns: list[str], rows) -> int:
    """Insert the grouped rows (a SELECT) into `model`; returns how many."""
    before = session.scalar(select(func.count()).select_from(model))
    session.execute(insert(model).from_select([*DIMENSIONS, "refreshed_on", *columns], rows))
    # Counted, not the driver's rowcount (psycopg gives -1 for INSERT ... SELECT).
    return session.scalar(select(func.count()).select_from(model)) - before


def _sales(session: Session, first: date, end: date, today: date) -> int:
    session.execute(delete(SegmentSales).where(SegmentSales.month >= first))
    has_potential = exists().where(
        CompanyPotential.company_id == SalesMonth.company_id,
        CompanyPotential.currency == SalesMonth.currency,
        CompanyPotential.year == extract("year", SalesMonth.month),
    )
    dimensions = _dimensions()
    rows = (
        select(
            *dimensions,
            literal(today),
            SalesMonth.month,
            SalesMonth.currency,
            func.sum(SalesMonth.invoices),
            func.sum(SalesMonth.net_total),
            func.sum(SalesMonth.due),
            func.sum(SalesMonth.on_time),
            func.coalesce(func.sum(case((has_potential, SalesMonth.net_total), else_=0)), 0),
        )
        .join(Company, Company.id == SalesMonth.company_id)
        .where(SalesMonth.month >= first, SalesMonth.month < end)
        .group_by(*dimensions, SalesMonth.month, SalesMonth.currency)
    )
    columns = ["month", "currency", "invoices", "net_total", "due", "on_time", "potential_net"]
    return _rewrite(session, SegmentSales, columns, rows)


def _points(session: Session, first: date, end: date, today: date) -> int:
    session.execute(delete(SegmentPoints).where(SegmentPoints.month >= first))
    measures = ("earned", "campaign", "bonus", "expired", "forfeited", "spent")
    dimensions = _dimensions()
    rows = (
        select(
            *dimensions,
            literal(today),
            PointsMonth.month,
            PointsMonth.sponsor,
            *(func.sum(getattr(PointsMonth, name)) for name in measures),
        )
        .join(Company, Company.id == PointsMonth.company_id)
        .where(PointsMonth.month >= first, PointsMonth.month < end)
        .group_by(*dimensions, PointsMonth.month, PointsMonth.sponsor)
    )
    return _rewrite(session, SegmentPoints, ["month", "sponsor", *measures], rows)


def _activity(session: Session, first: date, end: date, today: date) -> int:
    session.execute(delete(SegmentActivity).where(SegmentActivity.month >= first))
    measures = ("sign_in_days", "people_signed_in", "staff", "trained")
    dimensions = _dimensions()
    rows = (
        select(
            *dimensions,
            literal(today),
            ActivityMonth.month,
            *(func.sum(getattr(ActivityMonth, name)) for name in measures),
        )
        .join(Company, Company.id == ActivityMonth.company_id)
        .where(ActivityMonth.month >= first, ActivityMonth.month < end)
        .group_by(*dimensions, ActivityMonth.month)
    )
    return _rewrite(session, SegmentActivity, ["month", *measures], rows)


def _potentials(session: Session, first_year: int, last_year: int, today: date) -> int:
    session.execute(
        delete(SegmentPotential).where(SegmentPotential.year.between(first_year, last_year))
    )
    dimensions = _dimensions()
    rows = (
        select(
            *dimensions,
            literal(today),
            CompanyPotential.year,
            CompanyPotential.currency,
            func.sum(CompanyPotential.amount),
            func.count(CompanyPotential.id),
        )
        .join(Company, Company.id == CompanyPotential.company_id)
        .where(CompanyPotential.year.between(first_year, last_year))
        .group_by(*dimensions, CompanyPotential.year, CompanyPotential.currency)
    )
    columns = ["year", "currency", "potential", "companies"]
    return _rewrite(session, SegmentPotential, columns, rows)


def _companies(session: Session, first_year: int, last_year: int, today: date) -> int:
    """Per year: the members, the points they owe now and the members without a
    potential for the year."""
    session.execute(
        delete(SegmentCompanies).where(SegmentCompanies.year.between(first_year, last_year))
    )
    dimensions = _dimensions()
    member = Company.status == MembershipStatus.MEMBER
    written = 0
    for year in range(first_year, last_year + 1):
        has_potential = exists().where(
            CompanyPotential.company_id == Company.id, CompanyPotential.year == year
        )
        rows = (
            select(
                *dimensions,
                literal(today),
                literal(year),
                func.sum(case((member, 1), else_=0)),
                func.sum(case((and_(member, ~has_potential), 1), else_=0)),
                func.sum(func.coalesce(Wallet.available + Wallet.pending, 0)),
            )
            .select_from(Company)
            .outerjoin(Wallet, Wallet.company_id == Company.id)  # one a company at most
            .group_by(*dimensions)
        )
        columns = ["year", "members", "without_potential", "owed_points"]
        written += _rewrite(session, SegmentCompanies, columns, rows)
    return written


def _uplift(session: Session, today: date) -> int:
    """Every company's uplift (the table is rewritten whole), those that bought before."""
    session.execute(delete(SegmentUplift))
    dimensions = _dimensions()
    rows = (
        select(
            *dimensions,
            literal(today),
            Uplift.complete_on,
            Uplift.currency,
            func.sum(Uplift.before_total),
            func.sum(Uplift.after_total),
            func.count(),
        )
        .join(Company, Company.id == Uplift.company_id)
        .where(Uplift.before_total > 0)
        .group_by(*dimensions, Uplift.complete_on, Uplift.currency)
    )
    columns = ["complete_on", "currency", "before_total", "after_total", "companies"]
    return _rewrite(session, SegmentUplift, columns, rows)


def periods_from(first: date, end: date) -> list[Period]:
    """The months, quarters and years that start in [first, end) (`first` a year's start)."""
    found = []
    for kind in PERIOD_KINDS:
        period = {"month": periods.month_of, "quarter": periods.quarter_of}.get(
            kind, periods.year_of
        )(first)
        while period.starts < end:
            found.append(period)
            period = period.next()
    return found


def _buyers(session: Session, first: date, end: date, today: date) -> int:
    """Per period starting in [first, end): per segment and currency (and whatever the
    currency), the companies that bought in it, in the period before, and in both; and
    the companies that bought in the period before and not in it."""
    wanted = periods_from(first, end)
    session.execute(delete(SegmentBuyers).where(SegmentBuyers.starts >= first))
    session.execute(delete(Churned).where(Churned.starts >= first))
    # What each company bought in, per period: read from a year before `first`.
    bought: dict[tuple[str, date], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for company_id, month, currency in session.execute(
        select(SalesMonth.company_id, SalesMonth.month, SalesMonth.currency)
        .where(
            SalesMonth.invoices > 0,
            SalesMonth.month >= periods.add_months(first, -12),
            SalesMonth.month < end,
        )
        .distinct()
    ):
        period = periods.month_of(month)
        for each in (period, periods.quarter_of(period), periods.year_of(month)):
            bought[(each.kind, each.starts)][company_id].add(currency)
    where = {
        company_id: tuple(dimensions)
        for company_id, *dimensions in session.execute(select(Company.id, *_dimensions()))
    }
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    churned = []
    for period in wanted:
        before = period.previous()
        now = bought.get((period.kind, period.starts), {})
        then = bought.get((before.kind, before.starts), {})
        for company_id in now.keys() | then.keys():
            mine, earlier = now.get(company_id, set()), then.get(company_id, set())
            segment = (period.kind, period.starts, *where[company_id])
            for currency, here, there in [
                (ANY_CURRENCY, bool(mine), bool(earlier)),
                *((c, c in mine, c in earlier) for c in mine | earlier),
            ]:
                counted = counts[(*segment, currency)]
                counted[0] += here
                counted[1] += here and there
                counted[2] += there
            if earlier and not mine:
                churned.append(
                    {
                        "kind": period.kind,
                        "starts": period.starts,
                        "company_id": company_id,
                        "account_manager_id": where[company_id][2],
                    }
                )
    rows = [
        {
            "kind": kind,
            "starts": starts,
            **dict(zip(DIMENSIONS, dimensions, strict=True)),
            "refreshed_on": today,
            "currency": currency,
            "buyers": buyers,
            "retained": retained,
            "base": base,
        }
        for (kind, starts, *dimensions, currency), (buyers, retained, base) in counts.items()
    ]
    for rows_or_churned, model in ((rows, SegmentBuyers), (churned, Churned)):
        for start in range(0, len(rows_or_churned), BATCH):
            session.execute(insert(model), rows_or_churned[start : start + BATCH])
    return len(rows) + len(churned)


def as_of(session: Session, period: Period) -> date | None:
    """The day the segments of `period`'s buyers were read (its last refresh)."""
    return session.scalar(
        select(func.max(SegmentBuyers.refreshed_on)).where(
            and_(SegmentBuyers.kind == period.kind, SegmentBuyers.starts == period.starts)
        )
    )
