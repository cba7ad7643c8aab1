"""What the dashboard reads, added up in SQL per segment of the chosen split and per
period. The whole club (or portfolio) is the sum of its segments, since every company is
in exactly one. Sales, buyers and retention, points, sign-ins, training, potentials,
members, the points they owe and uplift come from the per-segment summaries
(club.insight.segments: a few hundred rows a month whatever the number of companies,
segments as of the last refresh); privileges, meetings and answers from their own small
tables, per company now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from club.catalog.models import Privilege, Redemption, RedemptionStatus
from club.core import periods
from club.core.periods import Period
from club.core.roles import Role
from club.events.models import Attendance, Meeting, MeetingStatus, Registration, RegistrationStatus
from club.insight import segments
from club.insight.models import (
    Churned,
    SegmentActivity,
    SegmentBuyers,
    SegmentCompanies,
    SegmentPoints,
    SegmentPotential,
    SegmentSales,
    SegmentUplift,
)
from club.insight.segments import ANY_CURRENCY
from club.members.models import Company, Tier, User
from club.satisfaction.models import SurveyAnswer
from club.satisfaction.services import PASSIVE_MIN, PROMOTER_MIN

ZERO = Decimal("0")
CENT = Decimal("0.01")
KEYS = {
    "tier": Company.tier_id,
    "country": Company.country,
    "manager": Company.account_manager_id,
    "pilot": Company.is_pilot,
}


def _add(target: dict, currency: str, value) -> None:
    target[currency] = target.get(currency, 0) + value


@dataclass
class Raw:
    """The sums behind the figures of one scope in one period."""

    members: int = 0
    buyers: int = 0
    retained: int = 0
    base: int = 0  # bought in the previous period
    invoices: dict[str, int] = field(default_factory=dict)
    net: dict[str, Decimal] = field(default_factory=dict)
    buyers_in: dict[str, int] = field(default_factory=dict)
    due: int = 0
    on_time: int = 0
    earned: int = 0
    campaign: int = 0
    bonus: int = 0
    expired: int = 0
    forfeited: int = 0
    spent: int = 0
    sponsored: int = 0  # campaign points a sponsor funds
    privileges: int = 0
    privilege_value: dict[str, Decimal] = field(default_factory=dict)
    cofunded: dict[str, Decimal] = field(default_factory=dict)
    sign_in_days: int = 0
    people_signed_in: int = 0
    staff: int = 0
    trained: int = 0
    registered: int = 0
    attended: int = 0
    no_shows: int = 0
    liability: int = 0
    uplift: dict[str, list] = field(default_factory=dict)  # currency -> [before, after, n]
    wallet: dict[str, list] = field(default_factory=dict)  # currency -> [net, potential]
    without_potential: int = 0
    answers: int = 0
    promoters: int = 0
    passives: int = 0

    def add(self, other: Raw) -> None:
        for name, value in vars(other).items():
            if isinstance(value, dict):
                mine = getattr(self, name)
                for currency, item in value.items():
                    if isinstance(item, list):
                        totals = mine.setdefault(currency, [0] * len(item))
                        for position, part in enumerate(item):
                            totals[position] += part
                    else:
                        _add(mine, currency, item)
            else:
                setattr(self, name, getattr(self, name) + value)


@dataclass(frozen=True)
class CompanyRow:
    id: int
    name: str
    country: str
    tier_id: int | None
    account_manager_id: int | None


@dataclass
class Facts:
    periods: list[Period]
    split: str
    # (segment key, period index) -> Raw; the keys as the split's column holds them
    raws: dict[tuple, Raw]
    keys: list
    tiers: dict[int, str]
    managers: dict[int, str]
    # (sponsor, period index) -> [campaign points, {currency: co-funded value}]
    sponsors: dict[tuple[str, int], list]
    # The day the segments of the first period were read (its last refresh; None: never).
    as_of: date | None = None

    def index(self, period: Period) -> int:
        return self.periods.index(period)

    def raw(self, period: Period, key=None, *, everyone: bool = False) -> Raw:
        """One segment's sums, or (everyone) the sum of all segments."""
        index = self.index(period)
        if not everyone:
            return self.raws.get((key, index), Raw())
        total = Raw()
        for each in self.keys:
            if (each, index) in self.raws:
                total.add(self.raws[(each, index)])
        return total


def _bucket(column, bounds: list[tuple | None]):
    """The index of the period a value falls in (NULL outside them all; a period whose
    bounds are None is not read)."""
    return case(
        *[
            (and_(column >= each[0], column < each[1]), index)
            for index, each in enumerate(bounds)
            if each is not None
        ],
        else_=None,
    )


def _within(column, bounds: list[tuple | None]):
    return or_(*[and_(column >= each[0], column < each[1]) for each in bounds if each])


def load(
    session: Session,
    wanted: list[Period],
    split: str,
    *,
    manager_id: int | None = None,
) -> Facts:
    """The sums of the periods `wanted` (distinct, of one kind), per segment of `split`,
    for every company or an account manager's portfolio."""
    key = KEYS[split]
    name = key.key
    months = [(p.starts, p.following_start) for p in wanted]
    moments = [p.bounds() for p in wanted]
    count = len(wanted)
    raws: dict[tuple, Raw] = defaultdict(Raw)

    def scoped(query, company_column):
        """A query of a live table, per company now."""
        query = query.join(Company, Company.id == company_column)
        if manager_id is not None:
            query = query.where(Company.account_manager_id == manager_id)
        return query

    def summed(model, *columns):
        """A query of a per-segment summary: the segment's key as refreshed, then `columns`."""
        column = getattr(model, name)
        query = select(column, *columns)
        if manager_id is not None:
            query = query.where(model.account_manager_id == manager_id)
        return query, column

    # Members, what they owe in points (the latest refresh's, the same in every period)
    # and the members without a potential for each period's year.
    years = sorted({p.year for p in wanted})
    latest = select(func.max(SegmentCompanies.year)).scalar_subquery()
    query, column = summed(
        SegmentCompanies,
        SegmentCompanies.year,
        SegmentCompanies.year == latest,
        func.sum(SegmentCompanies.members),
        func.sum(SegmentCompanies.owed_points),
        func.sum(SegmentCompanies.without_potential),
    )
    for segment, year, is_latest, members, owed, missing in session.execute(
        query.where(
            or_(SegmentCompanies.year.in_(years), SegmentCompanies.year == latest)
        ).group_by(column, SegmentCompanies.year)
    ):
        for index, p in enumerate(wanted):
            raw = raws[(segment, index)]
            if is_latest:
                raw.members, raw.liability = int(members or 0), int(owed or 0)
            if p.year == year:
                raw.without_potential = int(missing or 0)

    # Sales per currency, and the part of the companies that have a potential.
    bucket = _bucket(SegmentSales.month, months)
    query, column = summed(
        SegmentSales,
        bucket,
        SegmentSales.currency,
        func.sum(SegmentSales.invoices),
        func.sum(SegmentSales.net_total),
        func.sum(SegmentSales.due),
        func.sum(SegmentSales.on_time),
        func.sum(SegmentSales.potential_net),
    )
    with_potential: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for segment, index, currency, invoices, net, due, on_time, potential_net in session.execute(
        query.where(_within(SegmentSales.month, months)).group_by(
            column, bucket, SegmentSales.currency
        )
    ):
        raw = raws[(segment, index)]
        _add(raw.invoices, currency, int(invoices or 0))
        _add(raw.net, currency, _cents(net))
        raw.due += int(due or 0)
        raw.on_time += int(on_time or 0)
        _add(with_potential[(segment, index)], currency, _cents(potential_net))

    # Buyers and retention, counted per company by the refresh for each period.
    index_of = {(p.kind, p.starts): index for index, p in enumerate(wanted)}
    query, column = summed(
        SegmentBuyers,
        SegmentBuyers.kind,
        SegmentBuyers.starts,
        SegmentBuyers.currency,
        func.sum(SegmentBuyers.buyers),
        func.sum(SegmentBuyers.retained),
        func.sum(SegmentBuyers.base),
    )
    for segment, kind, starts, currency, buyers, retained, base in session.execute(
        query.where(
            or_(
                *[
                    and_(SegmentBuyers.kind == p.kind, SegmentBuyers.starts == p.starts)
                    for p in wanted
                ]
            )
        ).group_by(column, SegmentBuyers.kind, SegmentBuyers.starts, SegmentBuyers.currency)
    ):
        raw = raws[(segment, index_of[(kind, starts)])]
        if currency == ANY_CURRENCY:
            raw.buyers, raw.retained, raw.base = int(buyers), int(retained), int(base)
        else:
            _add(raw.buyers_in, currency, int(buyers))

    # Points moved, and the campaign points sponsors fund.
    sponsors: dict[tuple[str, int], list] = {}
    bucket = _bucket(SegmentPoints.month, months)
    measures = ("earned", "campaign", "bonus", "expired", "forfeited", "spent")
    query, column = summed(
        SegmentPoints,
        bucket,
        SegmentPoints.sponsor,
        *(func.sum(getattr(SegmentPoints, measure)) for measure in measures),
    )
    for segment, index, sponsor, *values in session.execute(
        query.where(_within(SegmentPoints.month, months)).group_by(
            column, bucket, SegmentPoints.sponsor
        )
    ):
        raw = raws[(segment, index)]
        for measure, value in zip(measures, values, strict=True):
            setattr(raw, measure, getattr(raw, measure) + int(value or 0))
        if sponsor:
            raw.sponsored += int(values[1] or 0)
            sponsors.setdefault((sponsor, index), [0, {}])[0] += int(values[1] or 0)

    # Privileges fulfilled (returned goods not counted), and the sponsors' shares.
    bucket = _bucket(Redemption.fulfilled_at, moments)
    for segment, index, currency, sponsor, share, number, value in session.execute(
        scoped(
            select(
                key,
                bucket,
                Privilege.currency,
                Privilege.sponsor,
                Privilege.sponsor_share_percent,
                func.count(Redemption.id),
                func.sum(Redemption.money_value),
            )
            .join(Privilege, Privilege.id == Redemption.privilege_id)
            .where(
                Redemption.status == RedemptionStatus.FULFILLED,
                Redemption.returned_at.is_(None),
                _within(Redemption.fulfilled_at, moments),
            ),
            Redemption.company_id,
        ).group_by(
            key, bucket, Privilege.currency, Privilege.sponsor, Privilege.sponsor_share_percent
        )
    ):
        raw = raws[(segment, index)]
        value = _cents(value)
        raw.privileges += number
        _add(raw.privilege_value, currency, value)
        if sponsor and share:
            part = (value * share / 100).quantize(CENT)
            _add(raw.cofunded, currency, part)
            _add(sponsors.setdefault((sponsor, index), [0, {}])[1], currency, part)

    # Sign-ins over the period; training as at its end (the row of its last month).
    bucket = _bucket(SegmentActivity.month, months)
    last_months = {periods.add_months(p.following_start, -1): i for i, p in enumerate(wanted)}
    at_end = _bucket(SegmentActivity.month, [(m, periods.next_month(m)) for m in last_months])
    ends = list(last_months.values())
    query, column = summed(
        SegmentActivity,
        bucket,
        at_end,
        func.sum(SegmentActivity.sign_in_days),
        func.sum(SegmentActivity.people_signed_in),
        func.sum(SegmentActivity.staff),
        func.sum(SegmentActivity.trained),
    )
    for segment, index, end, days, people, staff, trained in session.execute(
        query.where(_within(SegmentActivity.month, months)).group_by(column, bucket, at_end)
    ):
        if index is not None:
            raw = raws[(segment, index)]
            raw.sign_in_days += int(days or 0)
            raw.people_signed_in += int(people or 0)
        if end is not None:
            raw = raws[(segment, ends[end])]
            raw.staff, raw.trained = int(staff or 0), int(trained or 0)

    # Meetings of the period: seats held, attended, no-shows.
    bucket = _bucket(Meeting.starts_at, moments)
    for segment, index, registered, attended, no_shows in session.execute(
        scoped(
            select(
                key,
                bucket,
                func.count(Registration.id),
                func.sum(case((Registration.attendance == Attendance.ATTENDED, 1), else_=0)),
                func.sum(case((Registration.attendance == Attendance.NO_SHOW, 1), else_=0)),
            )
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(
                Registration.status == RegistrationStatus.REGISTERED,
                Meeting.status != MeetingStatus.CANCELLED,
                _within(Meeting.starts_at, moments),
            ),
            Registration.company_id,
        ).group_by(key, bucket)
    ):
        raw = raws[(segment, index)]
        raw.registered, raw.attended = int(registered or 0), int(attended or 0)
        raw.no_shows = int(no_shows or 0)

    # Uplift: the companies whose year after admission ended by each period's end.
    columns = []
    for p in wanted:
        done = SegmentUplift.complete_on <= p.following_start
        columns += [
            func.sum(case((done, SegmentUplift.before_total), else_=0)),
            func.sum(case((done, SegmentUplift.after_total), else_=0)),
            func.sum(case((done, SegmentUplift.companies), else_=0)),
        ]
    query, column = summed(SegmentUplift, SegmentUplift.currency, *columns)
    for segment, currency, *sums in session.execute(query.group_by(column, SegmentUplift.currency)):
        for index in range(count):
            before, after, companies = sums[3 * index : 3 * index + 3]
            if companies:
                raws[(segment, index)].uplift[currency] = [
                    _cents(before),
                    _cents(after),
                    int(companies),
                ]

    # Share of wallet: purchases of the companies with a potential for the period's year
    # against those potentials, pro rata (the members without one: counted above).
    query, column = summed(
        SegmentPotential,
        SegmentPotential.year,
        SegmentPotential.currency,
        func.sum(SegmentPotential.potential),
    )
    potentials: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for segment, year, currency, potential in session.execute(
        query.where(SegmentPotential.year.in_(years)).group_by(
            column, SegmentPotential.year, SegmentPotential.currency
        )
    ):
        potentials[(segment, year)][currency] = Decimal(potential or 0)
    for (segment, year), amounts in potentials.items():
        for index, p in enumerate(wanted):
            if p.year != year:
                continue
            sold = with_potential.get((segment, index), {})
            raws[(segment, index)].wallet = {
                currency: [sold.get(currency, ZERO), potential * p.months / 12]
                for currency, potential in amounts.items()
            }

    # Satisfaction: answers per class (the survey's own thresholds).
    bucket = _bucket(SurveyAnswer.answered_at, moments)
    for segment, index, answers, promoters, passives in session.execute(
        scoped(
            select(
                key,
                bucket,
                func.count(SurveyAnswer.id),
                func.sum(case((SurveyAnswer.score >= PROMOTER_MIN, 1), else_=0)),
                func.sum(
                    case((SurveyAnswer.score.between(PASSIVE_MIN, PROMOTER_MIN - 1), 1), else_=0)
                ),
            ).where(
                SurveyAnswer.answered_at.is_not(None),
                _within(SurveyAnswer.answered_at, moments),
            ),
            SurveyAnswer.company_id,
        ).group_by(key, bucket)
    ):
        raw = raws[(segment, index)]
        raw.answers, raw.promoters = int(answers or 0), int(promoters or 0)
        raw.passives = int(passives or 0)

    keys = sorted({segment for segment, _index in raws}, key=lambda k: (k is None, str(k)))
    tiers = {tier.id: tier.name for tier in session.scalars(select(Tier).order_by(Tier.position))}
    managers = dict(
        session.execute(select(User.id, User.name).where(User.role == Role.ACCOUNT_MANAGER)).all()
    )
    return Facts(
        list(wanted),
        split,
        dict(raws),
        keys,
        tiers,
        managers,
        sponsors,
        segments.as_of(session, wanted[0]),
    )


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _companies(query, manager_id: int | None):
    query = query.select_from(Company)
    if manager_id is not None:
        query = query.where(Company.account_manager_id == manager_id)
    return query


def churned(
    session: Session,
    period: Period,
    *,
    manager_id: int | None = None,
    limit: int | None = None,
) -> tuple[list[CompanyRow], int]:
    """The companies that bought in the previous period and not in this one (as the last
    refresh found them, in the portfolio as it was then), by name: the first `limit` of
    them, and how many there are."""
    query = (
        select(
            Company.id,
            Company.name,
            Company.country,
            Company.tier_id,
            Company.account_manager_id,
        )
        .join(Churned, Churned.company_id == Company.id)
        .where(Churned.kind == period.kind, Churned.starts == period.starts)
    )
    if manager_id is not None:  # the portfolio as the refresh found it, as the figures
        query = query.where(Churned.account_manager_id == manager_id)
    ordered = query.order_by(Company.name, Company.id).limit(limit)
    rows = [CompanyRow(*row) for row in session.execute(ordered)]
    if limit is None or len(rows) < limit:
        return rows, len(rows)
    return rows, session.scalar(select(func.count()).select_from(query.subquery()))


def monthly_trend(
    session: Session, first: date, end: date, *, manager_id: int | None = None
) -> tuple[dict[date, dict[str, Decimal]], dict[date, int], dict[date, list[int]]]:
    """Per month from `first` to `end` (exclusive): net purchases by currency, companies
    that bought, and points [earned, spent, expired]."""

    def portfolio(model) -> list:
        return [] if manager_id is None else [model.account_manager_id == manager_id]

    net: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for month, currency, total in session.execute(
        select(SegmentSales.month, SegmentSales.currency, func.sum(SegmentSales.net_total))
        .where(SegmentSales.month >= first, SegmentSales.month < end, *portfolio(SegmentSales))
        .group_by(SegmentSales.month, SegmentSales.currency)
    ):
        net[month][currency] = _cents(total)
    buyers = {
        month: int(count or 0)
        for month, count in session.execute(
            select(SegmentBuyers.starts, func.sum(SegmentBuyers.buyers))
            .where(
                SegmentBuyers.kind == "month",
                SegmentBuyers.currency == ANY_CURRENCY,
                SegmentBuyers.starts >= first,
                SegmentBuyers.starts < end,
                *portfolio(SegmentBuyers),
            )
            .group_by(SegmentBuyers.starts)
        )
    }
    moved = {
        month: [int(earned or 0), int(spent or 0), int(expired or 0)]
        for month, earned, spent, expired in session.execute(
            select(
                SegmentPoints.month,
                func.sum(SegmentPoints.earned),
                func.sum(SegmentPoints.spent),
                func.sum(SegmentPoints.expired),
            )
            .where(
                SegmentPoints.month >= first, SegmentPoints.month < end, *portfolio(SegmentPoints)
            )
            .group_by(SegmentPoints.month)
        )
    }
    return net, buyers, moved


def months_of(period: Period) -> list[date]:
    """The 12 months up to the end of `period` (a trend's x axis)."""
    last = periods.add_months(period.following_start, -1)
    return [periods.add_months(last, -offset) for offset in range(11, -1, -1)]
