"""Invoices and credit notes, the earning rule, and each company's purchase months."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, str_enum


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Invoice(db.Model):
    """An invoice (net amount >= 0) or a credit note (net amount <= 0) from the ERP."""

    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'invoice' AND net_amount >= 0) OR (kind = 'credit_note' AND net_amount <= 0)",
            name="sign_matches_kind",
        ),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        # With the currency: the month close finds the months to close (each company,
        # period and currency with invoices) from this index alone.
        Index("ix_invoice_company_period_currency", "company_id", "period", "currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind, "invoice_kind"), nullable=False)
    issue_date: Mapped[date] = mapped_column(nullable=False)
    # The first day of the issue month: the purchase month the invoice counts in.
    period: Mapped[date] = mapped_column(nullable=False)
    due_date: Mapped[date] = mapped_column(nullable=False)
    net_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    paid_date: Mapped[date | None] = mapped_column(nullable=True)
    # The product group of the invoice's line (lower case), for promotions (club.rules).
    product_group: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()

    def __repr__(self) -> str:
        return f"<Invoice {self.number} {self.kind.value} {self.net_amount} {self.currency}>"


class PurchaseMonth(db.Model):
    """One company's purchases in one calendar month and one currency, once the month
    has closed: amounts in different currencies are never added up.

    The counters record what the ledger has been told so far, so settling the month
    again posts only the difference (and nothing when nothing changed).
    """

    __tablename__ = "purchase_month"
    __table_args__ = (
        UniqueConstraint(
            "company_id", "period", "currency", name="uq_purchase_month_company_period_currency"
        ),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("multiplier_percent > 0", name="multiplier_positive"),
        CheckConstraint(
            "earned >= 0 AND confirmed >= 0 AND forfeited >= 0 AND clawed_back >= 0",
            name="counters_not_negative",
        ),
        CheckConstraint("earned - confirmed - forfeited >= 0", name="pending_not_negative"),
        CheckConstraint("confirmed - clawed_back >= 0", name="kept_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    period: Mapped[date] = mapped_column(nullable=False)
    # The invoices' currency (ISO 4217): net_total and the rate are in it.
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="PLN")
    rate: Mapped[int] = mapped_column(nullable=False)
    grace_days: Mapped[int] = mapped_column(nullable=False)
    # The tier multiplier in percent (100 = x1), of the tier held as the month closed.
    multiplier_percent: Mapped[int] = mapped_column(nullable=False, default=100)
    # The versions of the purchase rate and the tier multiplier rules it was closed with
    # (club.rules; None: the default rate, or a month closed before they were rules).
    rate_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("bonus_rule_version.id", ondelete="RESTRICT"), nullable=True
    )
    multiplier_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("bonus_rule_version.id", ondelete="RESTRICT"), nullable=True
    )
    net_total: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False, default=0)
    earned: Mapped[int] = mapped_column(nullable=False, default=0)
    confirmed: Mapped[int] = mapped_column(nullable=False, default=0)
    forfeited: Mapped[int] = mapped_column(nullable=False, default=0)
    clawed_back: Mapped[int] = mapped_column(nullable=False, default=0)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Set once every payment window of the month has closed and the month is final.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    company: Mapped[Company] = relationship()

    @property
    def pending(self) -> int:
        return self.earned - self.confirmed - self.forfeited

    @property
    def kept(self) -> int:
        return self.confirmed - self.clawed_back

    def __repr__(self) -> str:
        return f"<PurchaseMonth company={self.company_id} {self.period:%Y-%m} {self.currency}>"


class PaymentReminder(db.Model):
    """An account holder was reminded that a payment window closes: once per company and
    closing day, however often the reminder job runs (the unique key says so)."""

    __tablename__ = "payment_reminder"
    __table_args__ = (
        UniqueConstraint("company_id", "closes_on", name="uq_payment_reminder_company_day"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), nullable=False
    )
    # The last day a payment counts (an invoice's due date plus the month's grace days).
    closes_on: Mapped[date] = mapped_column(nullable=False)
    points: Mapped[int] = mapped_column(nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<PaymentReminder company={self.company_id} {self.closes_on} {self.points}>"
