"""What the portfolio and the health score read about companies, a query per fact for a
whole set of companies at once (never a query per company): the nightly job asks for
every company, a portfolio page for its own.

Each function takes `ids`, the companies wanted (None: every company), and answers a dict
by company id that leaves out companies with nothing to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.orm import Session

from club.core.periods import add_months, month_start, year_of
from club.core.roles import PARTNER_ROLES
from club.events.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from club.learning.models import CoursePass
from club.ledger.models import Lot, Wallet
from club.members.models import Company, Tier, User
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth

RECENT_MONTHS = 3  # the recent window judged against the baseline
BASELINE_MONTHS = 12  # the company's own baseline, the 12 months before the recent ones
NAMED_AT_MOST = 5_000  # company ids named in one statement (SQLite allows 32,766 in all)


def _only(query, column, ids):
    return query if ids is None else query.where(column.in_(list(ids)))


def in_chunks(read_some, ids: list[int], *args) -> dict:
    """`read_some(chunk, *args)` over `ids` a chunk at a time, merged:
    for readers that must name their companies (the relations' services)."""
    found: dict = {}
    for start in range(0, len(ids), NAMED_AT_MOST):
        found.update(read_some(ids[start : start + NAMED_AT_MOST], *args))
    return found


def _cents(column):
    """An amount in whole cents, exact on both databases (SQLite keeps NUMERIC as REAL)."""
    return cast(func.round(column * 100), BigInteger)


# --- payments ---------------------------------------------------------------------------


def payment_delays(session: Session, today: date, ids=None) -> dict[int, list[int | None]]:
    """Average days late of the invoices due in each of the last three whole months,
    oldest first (None for a month with no invoice due); unpaid ones count until today."""
    first = add_months(month_start(today), -RECENT_MONTHS)
    months = [add_months(first, index) for index in range(RECENT_MONTHS)]
    query = select(Invoice.company_id, Invoice.due_date, Invoice.paid_date).where(
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.due_date >= first,
        Invoice.due_date < month_start(today),
    )
    totals: dict[int, list[list[int]]] = {}
    for company_id, due, paid in session.execute(_only(query, Invoice.company_id, ids)):
        late = max(((paid or today) - due).days, 0)
        slot = months.index(month_start(due))
        sums = totals.setdefault(company_id, [[0, 0] for _month in months])
        sums[slot][0] += late
        sums[slot][1] += 1
    return {
        company_id: [round(total / count) if count else None for total, count in sums]
        for company_id, sums in totals.items()
    }


def forfeited_points(session: Session, today: date, months: int, ids=None) -> dict[int, int]:
    """Purchase points forfeited (not paid in time) in purchase months of the last
    `months` whole months and this one."""
    since = add_months(month_start(today), -months)
    query = (
        select(PurchaseMonth.company_id, func.sum(PurchaseMonth.forfeited))
        .where(PurchaseMonth.period >= since, PurchaseMonth.forfeited > 0)
        .group_by(PurchaseMonth.company_id)
    )
    rows = session.execute(_only(query, PurchaseMonth.company_id, ids))
    return {company_id: int(total) for company_id, total in rows if total}


# --- orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Orders:
    """Invoices of the company's main currency: the last three whole months against the
    twelve before them."""

    currency: str
    recent_count: int
    recent_cents: int
    baseline_count: int
    baseline_cents: int

    @property
    def recent_per_month(self) -> float:
        return self.recent_count / RECENT_MONTHS

    @property
    def baseline_per_month(self) -> float:
        return self.baseline_count / BASELINE_MONTHS

    @property
    def frequency_change(self) -> int | None:
        """Percent change of orders per month against the baseline (-40: down 40%)."""
        if not self.baseline_count:
            return None
        return round(100 * (self.recent_per_month / self.baseline_per_month - 1))

    @property
    def basket_change(self) -> int | None:
        """Percent change of the average order's value against the baseline."""
        if not self.baseline_count or not self.recent_count or self.baseline_cents <= 0:
            return None
        recent = self.recent_cents / self.recent_count
        baseline = self.baseline_cents / self.baseline_count
        return round(100 * (recent / baseline - 1))


def orders(session: Session, today: date, ids=None) -> dict[int, Orders]:
    this_month = month_start(today)
    recent_start = add_months(this_month, -RECENT_MONTHS)
    baseline_start = add_months(recent_start, -BASELINE_MONTHS)
    is_recent = case((Invoice.issue_date >= recent_start, 1), else_=0)
    query = (
        select(
            Invoice.company_id,
            Invoice.currency,
            is_recent,
            func.count(),
            func.sum(_cents(Invoice.net_amount)),
        )
        .where(
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.issue_date >= baseline_start,
            Invoice.issue_date < this_month,
        )
        .group_by(Invoice.company_id, Invoice.currency, is_recent)
    )
    by_currency: dict[tuple[int, str], list[int]] = {}
    for company_id, currency, recent, count, cents in session.execute(
        _only(query, Invoice.company_id, ids)
    ):
        figures = by_currency.setdefault((company_id, currency), [0, 0, 0, 0])
        offset = 0 if recent else 2
        figures[offset] += count
        figures[offset + 1] += int(cents or 0)
    found: dict[int, Orders] = {}
    for (company_id, currency), (rc, rcents, bc, bcents) in sorted(by_currency.items()):
        known = found.get(company_id)
        # The main currency: the one with the most orders over both windows.
        if known is None or rc + bc > known.recent_count + known.baseline_count:
            found[company_id] = Orders(currency, rc, rcents, bc, bcents)
    return found


def last_orders(session: Session, ids=None) -> dict[int, date]:
    query = (
        select(Invoice.company_id, func.max(Invoice.issue_date))
        .where(Invoice.kind == InvoiceKind.INVOICE)
        .group_by(Invoice.company_id)
    )
    return dict(session.execute(_only(query, Invoice.company_id, ids)).all())


# --- people -----------------------------------------------------------------------------


def last_logins(session: Session, ids=None) -> dict[int, datetime | None]:
    """The last sign-in of anyone of the company (None: its people never signed in)."""
    query = (
        select(User.company_id, func.max(User.last_login_at))
        .where(User.company_id.is_not(None), User.role.in_(PARTNER_ROLES))
        .group_by(User.company_id)
    )
    return dict(session.execute(_only(query, User.company_id, ids)).all())


@dataclass(frozen=True)
class Training:
    people: int  # active partner staff and the account holder
    passed: int  # of them, those with a passed quiz, ever
    last_pass: datetime | None  # anyone's, active or not

    @property
    def coverage(self) -> int | None:
        """Percent of the company's people with a passed quiz."""
        return round(100 * self.passed / self.people) if self.people else None


def training(session: Session, ids=None) -> dict[int, Training]:
    people = select(User.company_id, func.count()).where(
        User.company_id.is_not(None), User.is_active.is_(True)
    )
    people = _only(people, User.company_id, ids).group_by(User.company_id)
    passes = (
        select(
            User.company_id,
            func.count(func.distinct(case((User.is_active.is_(True), CoursePass.user_id)))),
            func.max(CoursePass.passed_at),
        )
        .join(User, User.id == CoursePass.user_id)
        .where(User.company_id.is_not(None))
    )
    passes = _only(passes, User.company_id, ids).group_by(User.company_id)
    counted = dict(session.execute(people).all())
    passed = {row[0]: row[1:] for row in session.execute(passes)}
    return {
        company_id: Training(
            counted.get(company_id, 0),
            *(passed.get(company_id) or (0, None)),
        )
        for company_id in set(counted) | set(passed)
    }


def passed_this_year(found: Training | None, today: date) -> bool:
    """Someone of the company passed a quiz in the club's current year."""
    start = year_of(today).bounds()[0]
    return found is not None and found.last_pass is not None and found.last_pass >= start


# --- points -----------------------------------------------------------------------------


def balances(session: Session, ids=None) -> dict[int, tuple[int, int]]:
    """(available, pending) of each company's wallet."""
    query = select(Wallet.company_id, Wallet.available, Wallet.pending)
    return {
        company_id: (available, pending)
        for company_id, available, pending in session.execute(_only(query, Wallet.company_id, ids))
    }


def expiring_points(session: Session, now: datetime, days: int, ids=None) -> dict[int, int]:
    """Points left in lots that expire within `days` from `now`."""
    query = (
        select(Wallet.company_id, func.sum(Lot.remaining))
        .join(Wallet, Wallet.id == Lot.wallet_id)
        .where(
            Lot.remaining > 0,
            Lot.expires_at >= now,
            Lot.expires_at < now + timedelta(days=days),
        )
        .group_by(Wallet.company_id)
    )
    rows = session.execute(_only(query, Wallet.company_id, ids))
    return {company_id: int(total) for company_id, total in rows if total}


# --- standing and meetings ----------------------------------------------------------------


@dataclass(frozen=True)
class TierDrop:
    tier: dict  # the tier's name in each language, {"en": ..., "pl": ..., "ru": ...}
    to: dict
    on: date


def tier_drops(session: Session, ids=None) -> dict[int, TierDrop]:
    """Companies whose tier drops after its grace period (members.standing decided it)."""
    current = Tier.__table__.alias("current_tier")
    lower = Tier.__table__.alias("lower_tier")
    query = (
        select(Company.id, current.c.id, lower.c.id, Company.tier_drop_on)
        .join(current, current.c.id == Company.tier_id)
        .join(lower, lower.c.id == Company.tier_drop_to_id)
        .where(Company.tier_drop_to_id.is_not(None))
    )
    rows = session.execute(_only(query, Company.id, ids)).all()
    # Names in every language: the signal is stored and worded in the reader's later.
    names = (
        {
            tier.id: {"en": tier.name_en, "pl": tier.name_pl, "ru": tier.name_ru}
            for tier in session.scalars(select(Tier))
        }
        if rows
        else {}
    )
    return {
        company_id: TierDrop(names[tier_id], names[lower_id], on)
        for company_id, tier_id, lower_id, on in rows
    }


@dataclass(frozen=True)
class NextMeeting:
    meeting_id: int
    title: str
    starts_at: datetime
    seats: int


def next_meetings(session: Session, now: datetime, ids=None) -> dict[int, NextMeeting]:
    """The next meeting someone of the company holds a seat at, and how many seats."""
    query = (
        select(Registration.company_id, Meeting.id, Meeting.title, Meeting.starts_at)
        .join(Meeting, Meeting.id == Registration.meeting_id)
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            Registration.company_id.is_not(None),
            Meeting.starts_at >= now,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    found: dict[int, NextMeeting] = {}
    for company_id, meeting_id, title, starts_at in session.execute(
        _only(query, Registration.company_id, ids)
    ):
        known = found.get(company_id)
        if known is None:
            found[company_id] = NextMeeting(meeting_id, title, starts_at, 1)
        elif known.meeting_id == meeting_id:
            found[company_id] = NextMeeting(meeting_id, title, starts_at, known.seats + 1)
    return found
