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
