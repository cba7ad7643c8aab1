"""What the dashboard reads, per company: one query per source for all the periods it
compares, grouped in SQL by company and period. The figures (club.insight.figures) add
these up for the whole club and for each segment, so every split costs no more SQL.

Sales, points, sign-ins and training come from the per-month summaries
(club.insight.refresh); the rest (privileges fulfilled, wallets, meetings, uplift) from
tables small enough to read directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, distinct, func, or_, select
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

PARTNER_ROLES = (Role.PARTNER_STAFF, Role.ACCOUNT_HOLDER)
# Points columns of PointsMonth, in this order in `Facts.points`.
POINT_MEASURES = ("earned", "campaign", "bonus", "expired", "forfeited", "spent")


@dataclass(frozen=True)
class CompanyRow:
    id: int
    name: str
    country: str
    tier_id: int | None
    account_manager_id: int | None
    is_pilot: bool
    is_member: bool


@dataclass
class Sales:
    invoices: int = 0
    net: Decimal = Decimal("0")
    due: int = 0
    on_time: int = 0


@dataclass
class Fulfilled:
    """Privileges fulfilled for one company in one currency: their money value, and what
    sponsors co-funded of it, by sponsor."""

    count: int = 0
    value: Decimal = Decimal("0")
    sponsored: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Facts:
    """Everything per company, for the periods `periods` (indexes into the dicts)."""

    periods: list[Period]
    companies: dict[int, CompanyRow]
    tiers: dict[int, str]
    managers: dict[int, str]
    # [period][company][currency]
    sales: list[dict[int, dict[str, Sales]]]
    # [period][company] -> [earned, campaign, bonus, expired, forfeited, spent]
    points: list[dict[int, list[int]]]
    # [period][company][sponsor] -> campaign points a sponsor funded
    sponsored_points: list[dict[int, dict[str, int]]]
    # [period][company][currency]
    fulfilled: list[dict[int, dict[str, Fulfilled]]]
    # [period][company] -> [sign-in days, people]
    sign_ins: list[dict[int, list[int]]]
    # [period][company] -> [registered, attended, no-shows]
    meetings: list[dict[int, list[int]]]
    # [period][company] -> [staff, staff with a passed course]
    training: list[dict[int, list[int]]]
    # company -> (available, pending), now
    wallets: dict[int, tuple[int, int]]
    # [period][company] -> [answers, promoters, passives] (the survey's classes)
    nps: list[dict[int, list[int]]]
    # company -> [(amount, currency)] of the yearly potential, by year
    potentials: dict[int, dict[int, list[tuple[Decimal, str]]]]
    # [(company, currency, before, after, complete_on)]
    uplift: list[tuple[int, str, Decimal, Decimal, date]]

    def index(self, period: Period) -> int:
        return self.periods.index(period)


def _bucket(column, bounds: list[tuple]):
    """The index of the period a value falls in (NULL outside them all)."""
    return case(
        *[
            (and_(column >= start, column < end), index)
            for index, (start, end) in enumerate(bounds)
        ],
        else_=None,
    )


def _within(column, bounds: list[tuple]):
    return or_(*[and_(column >= start, column < end) for start, end in bounds])


def load(session: Session, wanted: list[Period], *, manager_id: int | None = None) -> Facts:
    """The facts of the periods `wanted` (distinct, of one kind), for every company or an
    account manager's portfolio."""
    months = [(p.starts, p.following_start) for p in wanted]
    moments = [p.bounds() for p in wanted]

    def scoped(query, company_column):
        if manager_id is None:
            return query
        return query.where(
            company_column.in_(select(Company.id).where(Company.account_manager_id == manager_id))
        )

    companies = {
        row.id: CompanyRow(
            row.id,
            row.name,
            row.country,
            row.tier_id,
            row.account_manager_id,
            row.is_pilot,
            row.status == MembershipStatus.MEMBER,
        )
        for row in session.execute(
            scoped(
                select(
                    Company.id,
                    Company.name,
                    Company.country,
                    Company.tier_id,
                    Company.account_manager_id,
                    Company.is_pilot,
                    Company.status,
                ),
                Company.id,
            )
        )
    }
    tiers = {tier.id: tier.name for tier in session.scalars(select(Tier).order_by(Tier.position))}
    managers = dict(
        session.execute(select(User.id, User.name).where(User.role == Role.ACCOUNT_MANAGER)).all()
    )
    count = len(wanted)

    sales: list[dict] = [defaultdict(dict) for _ in range(count)]
    bucket = _bucket(SalesMonth.month, months)
    for company_id, index, currency, invoices, net, due, on_time in session.execute(
        scoped(
            select(
                SalesMonth.company_id,
                bucket,
                SalesMonth.currency,
                func.sum(SalesMonth.invoices),
                func.sum(SalesMonth.net_total),
                func.sum(SalesMonth.due),
                func.sum(SalesMonth.on_time),
            )
            .where(_within(SalesMonth.month, months))
            .group_by(SalesMonth.company_id, bucket, SalesMonth.currency),
            SalesMonth.company_id,
        )
    ):
        sales[index][company_id][currency] = Sales(invoices, Decimal(net), due, on_time)

    points: list[dict] = [{} for _ in range(count)]
    sponsored: list[dict] = [defaultdict(dict) for _ in range(count)]
    bucket = _bucket(PointsMonth.month, months)
    columns = [getattr(PointsMonth, name) for name in POINT_MEASURES]
    for company_id, index, sponsor, *values in session.execute(
        scoped(
            select(
                PointsMonth.company_id,
                bucket,
                PointsMonth.sponsor,
                *(func.sum(column) for column in columns),
            )
            .where(_within(PointsMonth.month, months))
            .group_by(PointsMonth.company_id, bucket, PointsMonth.sponsor),
            PointsMonth.company_id,
        )
    ):
        totals = points[index].setdefault(company_id, [0] * len(POINT_MEASURES))
        for position, value in enumerate(values):
            totals[position] += int(value or 0)
        if sponsor and values[1]:
            sponsored[index][company_id][sponsor] = int(values[1])

    fulfilled: list[dict] = [defaultdict(dict) for _ in range(count)]
    bucket = _bucket(Redemption.fulfilled_at, moments)
    for company_id, index, currency, sponsor, share, number, value in session.execute(
        scoped(
            select(
                Redemption.company_id,
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
            )
            .group_by(
                Redemption.company_id,
                bucket,
                Privilege.currency,
                Privilege.sponsor,
                Privilege.sponsor_share_percent,
            ),
            Redemption.company_id,
        )
    ):
        entry = fulfilled[index][company_id].setdefault(currency, Fulfilled())
        entry.count += number
        entry.value += Decimal(value)
        if sponsor and share:
            part = (Decimal(value) * share / 100).quantize(Decimal("0.01"))
            entry.sponsored[sponsor] = entry.sponsored.get(sponsor, Decimal("0")) + part

    sign_ins: list[dict] = [{} for _ in range(count)]
    bucket = _bucket(ActivityMonth.month, months)
    for company_id, index, days, people in session.execute(
        scoped(
            select(
                ActivityMonth.company_id,
                bucket,
                func.sum(ActivityMonth.sign_in_days),
                func.sum(ActivityMonth.people_signed_in),
            )
            .where(_within(ActivityMonth.month, months))
            .group_by(ActivityMonth.company_id, bucket),
            ActivityMonth.company_id,
        )
    ):
        sign_ins[index][company_id] = [int(days or 0), int(people or 0)]

    # Training as at each period's end: the row of its last month.
    training: list[dict] = [{} for _ in range(count)]
    last_months = {periods.add_months(p.following_start, -1): i for i, p in enumerate(wanted)}
    for company_id, month, staff, trained in session.execute(
        scoped(
            select(
                ActivityMonth.company_id,
                ActivityMonth.month,
                ActivityMonth.staff,
                ActivityMonth.trained,
            ).where(ActivityMonth.month.in_(list(last_months))),
            ActivityMonth.company_id,
        )
    ):
        training[last_months[month]][company_id] = [staff, trained]

    meetings: list[dict] = [{} for _ in range(count)]
    bucket = _bucket(Meeting.starts_at, moments)
    for company_id, index, registered, attended, no_shows in session.execute(
        scoped(
            select(
                Registration.company_id,
                bucket,
                func.count(Registration.id),
                func.sum(case((Registration.attendance == Attendance.ATTENDED, 1), else_=0)),
                func.sum(case((Registration.attendance == Attendance.NO_SHOW, 1), else_=0)),
            )
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(
                Registration.company_id.is_not(None),
                Registration.status == RegistrationStatus.REGISTERED,
                Meeting.status != MeetingStatus.CANCELLED,
                _within(Meeting.starts_at, moments),
            )
            .group_by(Registration.company_id, bucket),
            Registration.company_id,
        )
    ):
        meetings[index][company_id] = [registered, int(attended or 0), int(no_shows or 0)]

    wallets = {
        company_id: (available, pending)
        for company_id, available, pending in session.execute(
            scoped(select(Wallet.company_id, Wallet.available, Wallet.pending), Wallet.company_id)
        )
    }
    uplift = [
        (company_id, currency, Decimal(before), Decimal(after), complete_on)
        for company_id, currency, before, after, complete_on in session.execute(
            scoped(
                select(
                    Uplift.company_id,
                    Uplift.currency,
                    Uplift.before_total,
                    Uplift.after_total,
                    Uplift.complete_on,
                ),
                Uplift.company_id,
            )
        )
    ]
    nps: list[dict] = [{} for _ in range(count)]
    bucket = _bucket(SurveyAnswer.answered_at, moments)
    for company_id, index, answers, promoters, passives in session.execute(
        scoped(
            select(
                SurveyAnswer.company_id,
                bucket,
                func.count(SurveyAnswer.id),
                func.sum(case((SurveyAnswer.score >= PROMOTER_MIN, 1), else_=0)),
                func.sum(
                    case((SurveyAnswer.score.between(PASSIVE_MIN, PROMOTER_MIN - 1), 1), else_=0)
                ),
            )
            .where(
                SurveyAnswer.answered_at.is_not(None), _within(SurveyAnswer.answered_at, moments)
            )
            .group_by(SurveyAnswer.company_id, bucket),
            SurveyAnswer.company_id,
        )
    ):
        nps[index][company_id] = [answers, int(promoters or 0), int(passives or 0)]

    potentials: dict[int, dict[int, list]] = {p.year: {} for p in wanted}
    for company_id, year, amount, currency in session.execute(
        scoped(
            select(
                CompanyPotential.company_id,
                CompanyPotential.year,
                CompanyPotential.amount,
                CompanyPotential.currency,
            )
            .where(CompanyPotential.year.in_(list(potentials)))
            .order_by(CompanyPotential.company_id, CompanyPotential.currency),
            CompanyPotential.company_id,
        )
    ):
        potentials[year].setdefault(company_id, []).append((Decimal(amount), currency))

    return Facts(
        periods=list(wanted),
        companies=companies,
        tiers=tiers,
        managers=managers,
        sales=sales,
        points=points,
        sponsored_points=sponsored,
        fulfilled=fulfilled,
        sign_ins=sign_ins,
        meetings=meetings,
        training=training,
        wallets=wallets,
        nps=nps,
        potentials=potentials,
        uplift=uplift,
    )


def monthly_trend(
    session: Session, first: date, end: date, *, manager_id: int | None = None
) -> tuple[dict[date, dict[str, Decimal]], dict[date, int], dict[date, list[int]]]:
    """Per month from `first` to `end` (exclusive): net purchases by currency, companies
    that bought, and points [earned, spent, expired]."""
    company_filter = []
    if manager_id is not None:
        company_filter = [
            SalesMonth.company_id.in_(
                select(Company.id).where(Company.account_manager_id == manager_id)
            )
        ]
    net: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for month, currency, total in session.execute(
        select(SalesMonth.month, SalesMonth.currency, func.sum(SalesMonth.net_total))
        .where(SalesMonth.month >= first, SalesMonth.month < end, *company_filter)
        .group_by(SalesMonth.month, SalesMonth.currency)
    ):
        net[month][currency] = Decimal(total)
    buyers = dict(
        session.execute(
            select(SalesMonth.month, func.count(distinct(SalesMonth.company_id)))
            .where(
                SalesMonth.month >= first,
                SalesMonth.month < end,
                SalesMonth.invoices > 0,
                *company_filter,
            )
            .group_by(SalesMonth.month)
        ).all()
    )
    points_filter = []
    if manager_id is not None:
        points_filter = [
            PointsMonth.company_id.in_(
                select(Company.id).where(Company.account_manager_id == manager_id)
            )
        ]
    moved = {
        month: [int(earned or 0), int(spent or 0), int(expired or 0)]
        for month, earned, spent, expired in session.execute(
            select(
                PointsMonth.month,
                func.sum(PointsMonth.earned),
                func.sum(PointsMonth.spent),
                func.sum(PointsMonth.expired),
            )
            .where(PointsMonth.month >= first, PointsMonth.month < end, *points_filter)
            .group_by(PointsMonth.month)
        )
    }
    return net, buyers, moved


def months_of(period: Period) -> list[date]:
    """The 12 months up to the end of `period` (a trend's x axis)."""
    last = periods.add_months(period.following_start, -1)
    return [periods.add_months(last, -offset) for offset in range(11, -1, -1)]
