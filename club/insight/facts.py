"""What the dashboard reads, added up in SQL per segment of the chosen split and per
period: a few dozen rows whatever the size of the club. The whole club (or portfolio) is
the sum of its segments, since every company is in exactly one. Sales, points, sign-ins
and training come from the per-month summaries (club.insight.refresh); privileges,
wallets, meetings, potentials, answers and uplift from tables small enough to aggregate
directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

from club.catalog.models import Privilege, Redemption, RedemptionStatus
from club.core import periods
from club.core.periods import Period
from club.core.roles import Role
from club.events.models import Attendance, Meeting, MeetingStatus, Registration, RegistrationStatus
from club.insight.models import ActivityMonth, PointsMonth, SalesMonth, Uplift
from club.ledger.models import Wallet
from club.members.models import Company, MembershipStatus, Tier, User
from club.satisfaction.models import CompanyPotential, SurveyAnswer
from club.satisfaction.services import PASSIVE_MIN, PROMOTER_MIN

ZERO = Decimal("0")
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
    compared: list[Period] | None = None,
    manager_id: int | None = None,
) -> Facts:
    """The sums of the periods `wanted` (distinct, of one kind, each one's previous one
    among them), per segment of `split`, for every company or an account manager's
    portfolio."""
    key = KEYS[split]
    months = [(p.starts, p.following_start) for p in wanted]
    moments = [p.bounds() for p in wanted]
    count = len(wanted)
    # Only the periods compared are shown; the others are there for retention, so the
    # sums below skip their months (a month's dashboard reads three months, not five).
    shown = [compared is None or p in compared for p in wanted]
    shown_months = [each if keep else None for each, keep in zip(months, shown, strict=True)]
    shown_moments = [each if keep else None for each, keep in zip(moments, shown, strict=True)]
    raws: dict[tuple, Raw] = defaultdict(Raw)

    def scoped(query, company_column):
        query = query.join(Company, Company.id == company_column)
        if manager_id is not None:
            query = query.where(Company.account_manager_id == manager_id)
        return query

    def every_period(segment, apply) -> None:
        for index in range(count):
            apply(raws[(segment, index)])

    # Members and what they owe in points now (the same in every period).
    member = case((Company.status == MembershipStatus.MEMBER, 1), else_=0)
    for segment, members in session.execute(
        _companies(select(key, func.sum(member)), manager_id).group_by(key)
    ):
        every_period(segment, lambda raw, m=int(members or 0): setattr(raw, "members", m))
    for segment, owed in session.execute(
        scoped(
            select(key, func.sum(Wallet.available + Wallet.pending)), Wallet.company_id
        ).group_by(key)
    ):
        every_period(segment, lambda raw, o=int(owed or 0): setattr(raw, "liability", o))

    # Sales per currency.
    bucket = _bucket(SalesMonth.month, shown_months)
    for segment, index, currency, invoices, net, due, on_time, buyers in session.execute(
        scoped(
            select(
                key,
                bucket,
                SalesMonth.currency,
                func.sum(SalesMonth.invoices),
                func.sum(SalesMonth.net_total),
                func.sum(SalesMonth.due),
                func.sum(SalesMonth.on_time),
                func.count(distinct(case((SalesMonth.invoices > 0, SalesMonth.company_id)))),
            ).where(_within(SalesMonth.month, shown_months)),
            SalesMonth.company_id,
        ).group_by(key, bucket, SalesMonth.currency)
    ):
        raw = raws[(segment, index)]
        _add(raw.invoices, currency, int(invoices or 0))
        _add(raw.net, currency, Decimal(net or 0).quantize(Decimal("0.01")))
        _add(raw.buyers_in, currency, int(buyers or 0))
        raw.due += int(due or 0)
        raw.on_time += int(on_time or 0)

    # Buyers and retention: per company, whether it bought in each period.
    flags = (
        select(
            SalesMonth.company_id.label("company_id"),
            *[
                func.max(
                    case(
                        (
                            and_(
                                SalesMonth.month >= start,
                                SalesMonth.month < end,
                                SalesMonth.invoices > 0,
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ).label(f"bought_{index}")
                for index, (start, end) in enumerate(months)
            ],
        )
        .where(_within(SalesMonth.month, months))
        .group_by(SalesMonth.company_id)
        .subquery()
    )
    previous = {
        index: wanted.index(p.previous())
        for index, p in enumerate(wanted)
        if p.previous() in wanted
    }
    columns = [func.sum(flags.c[f"bought_{index}"]) for index in range(count)]
    for index, before in previous.items():
        columns.append(func.sum(flags.c[f"bought_{index}"] * flags.c[f"bought_{before}"]))
        columns.append(func.sum(flags.c[f"bought_{before}"]))
    for segment, *sums in session.execute(
        scoped(select(key, *columns).select_from(flags), flags.c.company_id).group_by(key)
    ):
        for index in range(count):
            raws[(segment, index)].buyers = int(sums[index] or 0)
        for position, index in enumerate(previous):
            raw = raws[(segment, index)]
            raw.retained = int(sums[count + 2 * position] or 0)
            raw.base = int(sums[count + 2 * position + 1] or 0)

    # Points moved, and the campaign points sponsors fund.
    sponsors: dict[tuple[str, int], list] = {}
    bucket = _bucket(PointsMonth.month, shown_months)
    measures = ("earned", "campaign", "bonus", "expired", "forfeited", "spent")
    for segment, index, sponsor, *values in session.execute(
        scoped(
            select(
                key,
                bucket,
                PointsMonth.sponsor,
                *(func.sum(getattr(PointsMonth, name)) for name in measures),
            ).where(_within(PointsMonth.month, shown_months)),
            PointsMonth.company_id,
        ).group_by(key, bucket, PointsMonth.sponsor)
    ):
        raw = raws[(segment, index)]
        for name, value in zip(measures, values, strict=True):
            setattr(raw, name, getattr(raw, name) + int(value or 0))
        if sponsor:
            raw.sponsored += int(values[1] or 0)
            sponsors.setdefault((sponsor, index), [0, {}])[0] += int(values[1] or 0)

    # Privileges fulfilled (returned goods not counted), and the sponsors' shares.
    bucket = _bucket(Redemption.fulfilled_at, shown_moments)
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
                _within(Redemption.fulfilled_at, shown_moments),
            ),
            Redemption.company_id,
        ).group_by(
            key, bucket, Privilege.currency, Privilege.sponsor, Privilege.sponsor_share_percent
        )
    ):
        raw = raws[(segment, index)]
        value = Decimal(value or 0).quantize(Decimal("0.01"))
        raw.privileges += number
        _add(raw.privilege_value, currency, value)
        if sponsor and share:
            part = (value * share / 100).quantize(Decimal("0.01"))
            _add(raw.cofunded, currency, part)
            _add(sponsors.setdefault((sponsor, index), [0, {}])[1], currency, part)

    # Sign-ins over the period; training as at its end (the row of its last month): one
    # pass over the activity summary.
    bucket = _bucket(ActivityMonth.month, shown_months)
    last_months = {
        periods.add_months(p.following_start, -1): i for i, p in enumerate(wanted) if shown[i]
    }
    at_end = _bucket(ActivityMonth.month, [(m, periods.next_month(m)) for m in last_months])
    ends = list(last_months.values())
    for segment, index, end, days, people, staff, trained in session.execute(
        scoped(
            select(
                key,
                bucket,
                at_end,
                func.sum(ActivityMonth.sign_in_days),
                func.sum(ActivityMonth.people_signed_in),
                func.sum(ActivityMonth.staff),
                func.sum(ActivityMonth.trained),
            ).where(_within(ActivityMonth.month, shown_months)),
            ActivityMonth.company_id,
        ).group_by(key, bucket, at_end)
    ):
        if index is not None:
            raw = raws[(segment, index)]
            raw.sign_in_days += int(days or 0)
            raw.people_signed_in += int(people or 0)
        if end is not None:
            raw = raws[(segment, ends[end])]
            raw.staff, raw.trained = int(staff or 0), int(trained or 0)

    # Meetings of the period: seats held, attended, no-shows.
    bucket = _bucket(Meeting.starts_at, shown_moments)
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
                _within(Meeting.starts_at, shown_moments),
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
        done = and_(Uplift.complete_on <= p.following_start, Uplift.before_total > 0)
        columns += [
            func.sum(case((done, Uplift.before_total), else_=0)),
            func.sum(case((done, Uplift.after_total), else_=0)),
            func.sum(case((done, 1), else_=0)),
        ]
    for segment, currency, *sums in session.execute(
        scoped(select(key, Uplift.currency, *columns), Uplift.company_id).group_by(
            key, Uplift.currency
        )
    ):
        for index in range(count):
            before, after, companies = sums[3 * index : 3 * index + 3]
            if companies:
                raws[(segment, index)].uplift[currency] = [
                    Decimal(before).quantize(Decimal("0.01")),
                    Decimal(after).quantize(Decimal("0.01")),
                    int(companies),
                ]

    # Share of wallet: purchases of the companies with a potential for the period's year
    # (for the periods compared only: the others are there for retention).
    for index, p in enumerate(wanted):
        if compared is not None and p not in compared:
            continue
        sold = (
            select(
                SalesMonth.company_id,
                SalesMonth.currency,
                func.sum(SalesMonth.net_total).label("net"),
            )
            .where(SalesMonth.month >= p.starts, SalesMonth.month < p.following_start)
            .group_by(SalesMonth.company_id, SalesMonth.currency)
            .subquery()
        )
        for segment, currency, potential, net in session.execute(
            scoped(
                select(
                    key,
                    CompanyPotential.currency,
                    func.sum(CompanyPotential.amount),
                    func.sum(func.coalesce(sold.c.net, 0)),
                )
                .outerjoin(
                    sold,
                    and_(
                        sold.c.company_id == CompanyPotential.company_id,
                        sold.c.currency == CompanyPotential.currency,
                    ),
                )
                .where(CompanyPotential.year == p.year),
                CompanyPotential.company_id,
            ).group_by(key, CompanyPotential.currency)
        ):
            raws[(segment, index)].wallet[currency] = [
                Decimal(net or 0).quantize(Decimal("0.01")),
                Decimal(potential or 0) * p.months / 12,
            ]
        has_potential = exists().where(
            CompanyPotential.company_id == Company.id, CompanyPotential.year == p.year
        )
        for segment, missing in session.execute(
            _companies(select(key, func.count(Company.id)), manager_id)
            .where(Company.status == MembershipStatus.MEMBER, ~has_potential)
            .group_by(key)
        ):
            raws[(segment, index)].without_potential = int(missing or 0)

    # Satisfaction: answers per class (the survey's own thresholds).
    bucket = _bucket(SurveyAnswer.answered_at, shown_moments)
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
                _within(SurveyAnswer.answered_at, shown_moments),
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
    return Facts(list(wanted), split, dict(raws), keys, tiers, managers, sponsors)


def _companies(query, manager_id: int | None):
    query = query.select_from(Company)
    if manager_id is not None:
        query = query.where(Company.account_manager_id == manager_id)
    return query


def churned(session: Session, period: Period, *, manager_id: int | None = None) -> list[CompanyRow]:
    """The companies that bought in the previous period and not in this one."""
    before = period.previous()

    def bought(p: Period):
        in_period = and_(
            SalesMonth.month >= p.starts,
            SalesMonth.month < p.following_start,
            SalesMonth.invoices > 0,
        )
        return func.max(case((in_period, 1), else_=0))

    flags = (
        select(SalesMonth.company_id)
        .where(SalesMonth.month >= before.starts, SalesMonth.month < period.following_start)
        .group_by(SalesMonth.company_id)
        .having(bought(before) == 1, bought(period) == 0)
        .subquery()
    )
    rows = session.execute(
        _companies(
            select(
                Company.id,
                Company.name,
                Company.country,
                Company.tier_id,
                Company.account_manager_id,
            ),
            manager_id,
        )
        .join(flags, flags.c.company_id == Company.id)
        .order_by(Company.name, Company.id)
    )
    return [CompanyRow(*row) for row in rows]


def monthly_trend(
    session: Session, first: date, end: date, *, manager_id: int | None = None
) -> tuple[dict[date, dict[str, Decimal]], dict[date, int], dict[date, list[int]]]:
    """Per month from `first` to `end` (exclusive): net purchases by currency, companies
    that bought, and points [earned, spent, expired]."""

    def portfolio(column) -> list:
        if manager_id is None:
            return []
        return [column.in_(select(Company.id).where(Company.account_manager_id == manager_id))]

    within = (SalesMonth.month >= first, SalesMonth.month < end, *portfolio(SalesMonth.company_id))
    net: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for month, currency, total in session.execute(
        select(SalesMonth.month, SalesMonth.currency, func.sum(SalesMonth.net_total))
        .where(*within)
        .group_by(SalesMonth.month, SalesMonth.currency)
    ):
        net[month][currency] = Decimal(total or 0).quantize(Decimal("0.01"))
    buyers = dict(
        session.execute(
            select(SalesMonth.month, func.count(distinct(SalesMonth.company_id)))
            .where(*within, SalesMonth.invoices > 0)
            .group_by(SalesMonth.month)
        ).all()
    )
    moved = {
        month: [int(earned or 0), int(spent or 0), int(expired or 0)]
        for month, earned, spent, expired in session.execute(
            select(
                PointsMonth.month,
                func.sum(PointsMonth.earned),
                func.sum(PointsMonth.spent),
                func.sum(PointsMonth.expired),
            )
            .where(
                PointsMonth.month >= first,
                PointsMonth.month < end,
                *portfolio(PointsMonth.company_id),
            )
            .group_by(PointsMonth.month)
        )
    }
    return net, buyers, moved


def months_of(period: Period) -> list[date]:
    """The 12 months up to the end of `period` (a trend's x axis)."""
    last = periods.add_months(period.following_start, -1)
    return [periods.add_months(last, -offset) for offset in range(11, -1, -1)]
