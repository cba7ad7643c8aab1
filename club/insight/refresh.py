"""Refreshing the insight's per-month summaries from invoices and the ledger.

These per-company tables replace millions of ledger entries and invoices; the dashboard
reads the per-segment summaries made from them at the end of each refresh
(club.insight.segments), a few hundred rows whatever the number of companies.
The `refresh-insight` job rewrites the recent months every night (late payments change
the on-time counts of months back; a month's points are final once it is over); `flask
club insight refresh --months N` rewrites more after an import of old invoices. Each
refresh deletes the months it rewrites and inserts them again in one transaction, so it
is safe to run twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from club.core import periods
from club.core.clock import utcnow
from club.core.roles import Role
from club.insight.models import ActivityMonth, PointsMonth, SalesMonth, SignInDay, Uplift
from club.insight.segments import refresh_segments
from club.learning.models import CoursePass
from club.ledger.models import Entry, EntryKind, Wallet
from club.members.models import Company, User
from club.purchases.models import Invoice, InvoiceKind
from club.rules.models import Rule

# The night's refresh rewrites this many months back (the current one included): enough
# for late payments and for the 12 months after an admission to be read from it.
NIGHTLY_MONTHS = 14
PURCHASE_SOURCE = "purchase_month"
CAMPAIGN_SOURCE = "bonus_rule"


def refresh(session: Session, *, months: int = NIGHTLY_MONTHS, now: datetime | None = None) -> int:
    """Rewrite the last `months` months of sales and points, then every uplift, then the
    per-segment summaries the dashboard reads (club.insight.segments: from the start of
    the first month's year). Returns the number of summary rows written."""
    now = now or utcnow()
    today = periods.club_today(now)
    first = periods.add_months(periods.month_start(today), -(months - 1))
    end = periods.next_month(today)
    written = refresh_sales(session, first, end, today=today)
    written += refresh_points(session, first, end)
    written += refresh_activity(session, first, end, today=today)
    written += refresh_uplift(session, today=today)
    written += refresh_segments(session, first, end, today=today)
    return written


def _month_starts(first: date, today: date) -> list[date]:
    found, month = [], first
    while month <= today:
        found.append(month)
        month = periods.next_month(month)
    return found


def refresh_sales(session: Session, first: date, end: date, *, today: date) -> int:
    """Invoices of the purchase months [first, end), per company, month and currency."""
    session.execute(delete(SalesMonth).where(SalesMonth.month >= first, SalesMonth.month < end))
    is_invoice = Invoice.kind == InvoiceKind.INVOICE
    is_due = and_(is_invoice, or_(Invoice.paid_date.is_not(None), Invoice.due_date < today))
    on_time = and_(
        is_invoice, Invoice.paid_date.is_not(None), Invoice.paid_date <= Invoice.due_date
    )
    rows = (
        select(
            Invoice.company_id,
            Invoice.period,
            Invoice.currency,
            func.sum(case((is_invoice, 1), else_=0)),
            func.sum(Invoice.net_amount),
            func.sum(case((is_due, 1), else_=0)),
            func.sum(case((on_time, 1), else_=0)),
        )
        .where(Invoice.period >= first, Invoice.period < end)
        .group_by(Invoice.company_id, Invoice.period, Invoice.currency)
    )
    session.execute(
        insert(SalesMonth).from_select(
            ["company_id", "month", "currency", "invoices", "net_total", "due", "on_time"], rows
        )
    )
    # Counted, not the driver's rowcount (psycopg gives -1 for INSERT ... SELECT here).
    return session.scalar(
        select(func.count()).where(SalesMonth.month >= first, SalesMonth.month < end)
    )


def refresh_points(session: Session, first: date, end: date) -> int:
    """The ledger's movements of the months [first, end) (club time zone), per company,
    month and sponsor: one pass over the entries of those months."""
    session.execute(delete(PointsMonth).where(PointsMonth.month >= first, PointsMonth.month < end))
    months = _month_starts(first, periods.add_months(end, -1))
    bounds = [periods.month_of(month).bounds() for month in months]
    kind, source = Entry.kind, Entry.source_type
    month = case(
        *[
            (and_(Entry.created_at >= start, Entry.created_at < stop), literal(day))
            for day, (start, stop) in zip(months, bounds, strict=True)
        ],
        else_=None,
    )

    def points(condition, sign: int = 1):
        return func.coalesce(func.sum(case((condition, sign * Entry.amount), else_=0)), 0)

    is_earning = kind == EntryKind.EARN
    sponsor = func.coalesce(Rule.sponsor, "")
    rows = (
        select(
            Wallet.company_id,
            month,
            sponsor,
            points(is_earning),
            points(and_(is_earning, source == CAMPAIGN_SOURCE)),
            points(
                or_(
                    and_(is_earning, source.not_in((PURCHASE_SOURCE, CAMPAIGN_SOURCE))),
                    and_(kind == EntryKind.ADJUST, Entry.amount > 0),
                )
            ),
            points(kind == EntryKind.EXPIRE, -1),
            points(and_(kind == EntryKind.FORFEIT, source == PURCHASE_SOURCE), -1),
            points(kind == EntryKind.CAPTURE, -1),
        )
        .join(Wallet, Wallet.id == Entry.wallet_id)
        .outerjoin(Rule, and_(source == CAMPAIGN_SOURCE, Entry.source_id == cast(Rule.id, String)))
        .where(Entry.created_at >= bounds[0][0], Entry.created_at < bounds[-1][1])
        .group_by(Wallet.company_id, month, sponsor)
    )
    session.execute(
        insert(PointsMonth).from_select(
            [
                "company_id",
                "month",
                "sponsor",
                "earned",
                "campaign",
                "bonus",
                "expired",
                "forfeited",
                "spent",
            ],
            rows,
        )
    )
    return session.scalar(
        select(func.count()).where(PointsMonth.month >= first, PointsMonth.month < end)
    )


def refresh_activity(session: Session, first: date, end: date, *, today: date) -> int:
    """Sign-ins per company and month, and each month's staff and trained staff (active
    partner people now; trained: a first course pass before the month's end)."""
    session.execute(
        delete(ActivityMonth).where(ActivityMonth.month >= first, ActivityMonth.month < end)
    )
    months = _month_starts(first, periods.add_months(end, -1))
    month = case(
        *[
            (and_(SignInDay.day >= day, SignInDay.day < periods.next_month(day)), literal(day))
            for day in months
        ],
        else_=None,
    )
    found: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for company_id, day, days, people in session.execute(
        select(SignInDay.company_id, month, func.count(), func.count(distinct(SignInDay.user_id)))
        .where(SignInDay.company_id.is_not(None), SignInDay.day >= first, SignInDay.day < end)
        .group_by(SignInDay.company_id, month)
    ):
        found[(company_id, day)][0:2] = [days, people]
    partners = (User.role.in_((Role.PARTNER_STAFF, Role.ACCOUNT_HOLDER)), User.is_active.is_(True))
    staff = dict(
        session.execute(
            select(User.company_id, func.count(User.id)).where(*partners).group_by(User.company_id)
        ).all()
    )
    first_passes = (
        select(CoursePass.user_id, func.min(CoursePass.passed_at).label("passed_at"))
        .group_by(CoursePass.user_id)
        .subquery()
    )
    passes = session.execute(
        select(User.company_id, first_passes.c.passed_at)
        .join(first_passes, first_passes.c.user_id == User.id)
        .where(*partners)
    ).all()
    ends = [(day, periods.month_of(day).bounds()[1]) for day in months if day <= today]
    for company_id, people in staff.items():
        for day, _end in ends:
            found[(company_id, day)][2] = people
    for company_id, passed_at in passes:
        for day, month_end in ends:
            if passed_at < month_end:
                found[(company_id, day)][3] += 1
    rows = [
        {
            "company_id": company_id,
            "month": day,
            "sign_in_days": days,
            "people_signed_in": people,
            "staff": max(everyone, trained),
            "trained": trained,
        }
        for (company_id, day), (days, people, everyone, trained) in found.items()
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(ActivityMonth), rows[start : start + 5000])
    return len(rows)


def refresh_uplift(session: Session, *, today: date) -> int:
    """Each admitted company's purchases in the 12 whole months before its admission
    month and in the 12 after it, read from the sales summary (so refresh it first)."""
    session.execute(delete(Uplift))
    admitted = dict(
        session.execute(
            select(Company.id, Company.joined_on).where(Company.joined_on.is_not(None))
        ).all()
    )
    if not admitted:
        return 0
    earliest = periods.add_months(periods.month_start(min(admitted.values())), -12)
    totals: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    rows = session.execute(
        select(SalesMonth.company_id, SalesMonth.month, SalesMonth.currency, SalesMonth.net_total)
        .join(Company, Company.id == SalesMonth.company_id)
        .where(Company.joined_on.is_not(None), SalesMonth.month >= earliest)
    )
    for company_id, month, currency, net in rows:
        offset = periods.months_between(admitted[company_id], month)
        if -12 <= offset <= -1:
            totals[(company_id, currency)][0] += net
        elif 1 <= offset <= 12:
            totals[(company_id, currency)][1] += net
    written = 0
    for (company_id, currency), (before, after) in sorted(totals.items()):
        admitted_on = admitted[company_id]
        session.add(
            Uplift(
                company_id=company_id,
                currency=currency,
                admitted_on=admitted_on,
                complete_on=periods.add_months(periods.month_start(admitted_on), 13),
                before_total=before,
                after_total=after,
            )
        )
        written += 1
    session.flush()
    return written


def record_sign_in(session: Session, user: User, *, now: datetime | None = None) -> bool:
    """Note that `user` signed in today (club day); False when already noted."""
    day = periods.club_today(now)
    if session.get(SignInDay, (user.id, day)) is not None:
        return False
    session.add(SignInDay(user_id=user.id, day=day, company_id=user.company_id))
    session.flush()
    return True
