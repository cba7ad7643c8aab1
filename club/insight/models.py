"""The insight's own small tables: per-month summaries that the dashboard reads instead
of scanning invoices and the ledger (refreshed by the `refresh-insight` job), and a
record of the days each person signed in."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db


class SalesMonth(db.Model):
    """One company's invoices of one purchase month in one currency, summed."""

    __tablename__ = "insight_sales_month"
    __table_args__ = (
        CheckConstraint("invoices >= 0", name="invoices_not_negative"),
        CheckConstraint("due >= 0 AND due <= invoices", name="due_within_invoices"),
        CheckConstraint("on_time >= 0 AND on_time <= due", name="on_time_within_due"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
        # Clustered by month on SQLite: the dashboard reads ranges of months.
        {"sqlite_with_rowid": False},
    )

    # The first day of the purchase month (Invoice.period).
    month: Mapped[date] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    # Invoices (credit notes not counted) and the net total (credit notes deducted).
    invoices: Mapped[int] = mapped_column(nullable=False, default=0)
    net_total: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False, default=0)
    # Invoices paid or past their due date when refreshed, and those paid by the due date.
    due: Mapped[int] = mapped_column(nullable=False, default=0)
    on_time: Mapped[int] = mapped_column(nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<SalesMonth {self.company_id} {self.month:%Y-%m} {self.currency}>"


class PointsMonth(db.Model):
    """One company's points movements of one month (club time zone), by what they were;
    campaign points by the sponsor of their rule ('' for the supplier's own)."""

    __tablename__ = "insight_points_month"
    __table_args__ = (
        CheckConstraint(
            "earned >= 0 AND campaign >= 0 AND bonus >= 0 AND expired >= 0"
            " AND forfeited >= 0 AND spent >= 0",
            name="counters_not_negative",
        ),
        # Clustered by month on SQLite: the dashboard reads ranges of months.
        {"sqlite_with_rowid": False},
    )

    month: Mapped[date] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    sponsor: Mapped[str] = mapped_column(String(120), primary_key=True, default="")
    earned: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    campaign: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    bonus: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    expired: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    forfeited: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    spent: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<PointsMonth {self.company_id} {self.month:%Y-%m} {self.sponsor!r}>"


class Uplift(db.Model):
    """A company's purchases in the 12 whole months before its admission month and the 12
    after it, in one currency; `complete_on` is the first day after the second window."""

    __tablename__ = "insight_uplift"
    __table_args__ = (
        CheckConstraint("complete_on > admitted_on", name="complete_after_admission"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
    )

    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    admitted_on: Mapped[date] = mapped_column(nullable=False)
    complete_on: Mapped[date] = mapped_column(nullable=False, index=True)
    before_total: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False)
    after_total: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False)

    def __repr__(self) -> str:
        return f"<Uplift {self.company_id} {self.currency} {self.before_total}->{self.after_total}>"


class ActivityMonth(db.Model):
    """One company's people in one month: days they signed in, how many signed in, and
    (as at the month's end) its active partner staff and those with a passed course."""

    __tablename__ = "insight_activity_month"
    __table_args__ = (
        CheckConstraint(
            "sign_in_days >= people_signed_in AND people_signed_in >= 0",
            name="people_within_days",
        ),
        CheckConstraint("trained >= 0 AND trained <= staff", name="trained_within_staff"),
        # Clustered by month on SQLite: the dashboard reads ranges of months.
        {"sqlite_with_rowid": False},
    )

    month: Mapped[date] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    sign_in_days: Mapped[int] = mapped_column(nullable=False, default=0)
    people_signed_in: Mapped[int] = mapped_column(nullable=False, default=0)
    staff: Mapped[int] = mapped_column(nullable=False, default=0)
    trained: Mapped[int] = mapped_column(nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<ActivityMonth {self.company_id} {self.month:%Y-%m}>"


class SignInDay(db.Model):
    """A person signed in on a club day (once a day, however often): the logins figure.
    Nothing else about sign-ins is kept (User.last_login_at holds only the last one)."""

    __tablename__ = "insight_sign_in_day"
    __table_args__ = (Index("ix_insight_sign_in_day_day", "day", "company_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    # The person's company then (None: supplier staff).
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<SignInDay {self.user_id} {self.day}>"


# --- per-segment summaries ----------------------------------------------------------------
# What the dashboard reads: the per-company summaries above added up per segment, i.e. per
# combination of the split dimensions (tier, country, account manager, pilot flag) as the
# companies had them when the refresh summarised the row (`refreshed_on`). A request then
# reads a few hundred rows whatever the number of companies. Rewritten by the same job
# (club.insight.segments); rows are unique per month (or period) and dimensions by
# construction: the refresh deletes what it rewrites and inserts one row per group.

PERIOD_KINDS = ("month", "quarter", "year")


class SegmentColumns:
    """The split dimensions of the companies a row sums, and when they were read."""

    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="SET NULL"), nullable=True
    )
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    is_pilot: Mapped[bool] = mapped_column(nullable=False)
    refreshed_on: Mapped[date] = mapped_column(nullable=False)


class SegmentSales(SegmentColumns, db.Model):
    """A segment's sales of one purchase month in one currency (SalesMonth summed), and
    the net of its companies that have a potential for that year in that currency."""

    __tablename__ = "insight_segment_sales"
    __table_args__ = (
        CheckConstraint("invoices >= 0", name="invoices_not_negative"),
        CheckConstraint("due >= 0 AND due <= invoices", name="due_within_invoices"),
        CheckConstraint("on_time >= 0 AND on_time <= due", name="on_time_within_due"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    invoices: Mapped[int] = mapped_column(nullable=False)
    net_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    due: Mapped[int] = mapped_column(nullable=False)
    on_time: Mapped[int] = mapped_column(nullable=False)
    potential_net: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class SegmentPoints(SegmentColumns, db.Model):
    """A segment's points movements of one month per sponsor (PointsMonth summed)."""

    __tablename__ = "insight_segment_points"
    __table_args__ = (
        CheckConstraint(
            "earned >= 0 AND campaign >= 0 AND bonus >= 0 AND expired >= 0"
            " AND forfeited >= 0 AND spent >= 0",
            name="counters_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(nullable=False, index=True)
    sponsor: Mapped[str] = mapped_column(String(120), nullable=False)
    earned: Mapped[int] = mapped_column(BigInteger, nullable=False)
    campaign: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bonus: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expired: Mapped[int] = mapped_column(BigInteger, nullable=False)
    forfeited: Mapped[int] = mapped_column(BigInteger, nullable=False)
    spent: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SegmentActivity(SegmentColumns, db.Model):
    """A segment's sign-ins of one month and its staff and trained staff at the month's
    end (ActivityMonth summed)."""

    __tablename__ = "insight_segment_activity"
    __table_args__ = (
        CheckConstraint(
            "sign_in_days >= people_signed_in AND people_signed_in >= 0",
            name="people_within_days",
        ),
        CheckConstraint("trained >= 0 AND trained <= staff", name="trained_within_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(nullable=False, index=True)
    sign_in_days: Mapped[int] = mapped_column(nullable=False)
    people_signed_in: Mapped[int] = mapped_column(nullable=False)
    staff: Mapped[int] = mapped_column(nullable=False)
    trained: Mapped[int] = mapped_column(nullable=False)


class SegmentBuyers(SegmentColumns, db.Model):
    """A segment's buying companies in one month, quarter or year (`starts` its first
    day): those that bought in it, those that bought in the period before (`base`) and
    those that bought in both (`retained`). Counted per company over the whole period by
    the refresh, not added up from months (a company buying in two months of a quarter
    is one buyer of the quarter). `currency` '' counts a company whatever it bought in."""

    __tablename__ = "insight_segment_buyers"
    __table_args__ = (
        CheckConstraint("kind IN ('month', 'quarter', 'year')", name="kind_known"),
        CheckConstraint("currency = '' OR length(currency) = 3", name="currency_iso4217"),
        CheckConstraint(
            "retained >= 0 AND retained <= buyers AND retained <= base", name="retained_within"
        ),
        Index("ix_insight_segment_buyers_period", "kind", "starts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(7), nullable=False)
    starts: Mapped[date] = mapped_column(nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    buyers: Mapped[int] = mapped_column(nullable=False)
    retained: Mapped[int] = mapped_column(nullable=False)
    base: Mapped[int] = mapped_column(nullable=False)


class SegmentPotential(SegmentColumns, db.Model):
    """The account managers' yearly potentials of a segment's companies, per currency."""

    __tablename__ = "insight_segment_potential"
    __table_args__ = (
        CheckConstraint("companies > 0 AND potential > 0", name="potential_positive"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    potential: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    companies: Mapped[int] = mapped_column(nullable=False)


class SegmentUplift(SegmentColumns, db.Model):
    """Uplift summed over a segment's companies that bought before their admission, by
    the day their year after admission is complete (Uplift summed)."""

    __tablename__ = "insight_segment_uplift"
    __table_args__ = (
        CheckConstraint("companies > 0", name="companies_positive"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complete_on: Mapped[date] = mapped_column(nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    before_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    after_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    companies: Mapped[int] = mapped_column(nullable=False)


class SegmentCompanies(SegmentColumns, db.Model):
    """A segment's companies as the refresh found them: the members, the points they owe
    (available and pending) and the members without a potential for `year` (a row per
    year refreshed; members and points are the same in each, the day's snapshot)."""

    __tablename__ = "insight_segment_companies"
    __table_args__ = (
        CheckConstraint(
            "members >= 0 AND without_potential >= 0 AND without_potential <= members",
            name="counts_within_members",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(nullable=False, index=True)
    members: Mapped[int] = mapped_column(nullable=False)
    without_potential: Mapped[int] = mapped_column(nullable=False)
    owed_points: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Churned(db.Model):
    """A company that bought in the period before a month, quarter or year (`starts` its
    first day) and not in it: the dashboard's list, written by the refresh, with the
    company's account manager then (whose portfolio lists it, as the figures count it)."""

    __tablename__ = "insight_churned"
    __table_args__ = (
        CheckConstraint("kind IN ('month', 'quarter', 'year')", name="kind_known"),
        {"sqlite_with_rowid": False},
    )

    kind: Mapped[str] = mapped_column(String(7), primary_key=True)
    starts: Mapped[date] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
