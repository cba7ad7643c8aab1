"""The satisfaction question put to a person, and a company's yearly purchase potential."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, User, str_enum

MAX_COMMENT = 1000
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_AMOUNT = Decimal("999999999999.99")  # what Numeric(14, 2) holds


class Occasion(enum.StrEnum):
    """What the person had just done when they were asked."""

    REDEMPTION = "redemption"  # a redemption of their company was fulfilled
    MEETING = "meeting"  # they attended a meeting

    @property
    def label(self) -> str:
        return str(OCCASION_LABELS[self])

    @property
    def prompt(self) -> str:
        """What the card reminds the person of."""
        return str(OCCASION_PROMPTS[self])


OCCASION_LABELS = {
    Occasion.REDEMPTION: _l("Privilege received"),
    Occasion.MEETING: _l("Meeting attended"),
}
OCCASION_PROMPTS = {
    Occasion.REDEMPTION: _l("Your company recently received a privilege from the club."),
    Occasion.MEETING: _l("You recently attended a club meeting."),
}


class SurveyAnswer(db.Model):
    """The question put to one person after an occasion: open, answered or dismissed.

    A person is asked at most once per quarter of the club's calendar: the row exists
    from the moment the question is offered, and (user, quarter) is unique.
    """

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("user_id", "quarter", name="uq_survey_answer_user_quarter"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 10", name="score_in_range"),
        CheckConstraint(
            f"comment IS NULL OR length(comment) <= {MAX_COMMENT}", name="comment_not_long"
        ),
        CheckConstraint("(answered_at IS NULL) = (score IS NULL)", name="answered_with_score"),
        CheckConstraint("comment IS NULL OR score IS NOT NULL", name="comment_with_score"),
        CheckConstraint(
            "NOT (is_dismissed AND answered_at IS NOT NULL)", name="answered_or_dismissed"
        ),
        CheckConstraint("occasion_id > 0", name="occasion_id_positive"),
        # The dashboard's figure: answers in a period.
        Index("ix_survey_answer_answered_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the (user, quarter) unique constraint.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), nullable=False)
    # The person's company when asked.
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    occasion_kind: Mapped[Occasion] = mapped_column(
        str_enum(Occasion, "survey_occasion"), nullable=False
    )
    # The redemption's or the meeting's id (no foreign key: two tables).
    occasion_id: Mapped[int] = mapped_column(nullable=False)
    # "2026-Q4": the club-calendar quarter of asked_at, for the once-a-quarter rule.
    quarter: Mapped[str] = mapped_column(String(7), nullable=False)
    score: Mapped[int | None] = mapped_column(nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_dismissed: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )

    user: Mapped[User] = relationship()
    company: Mapped[Company] = relationship()

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and not self.is_dismissed

    def __repr__(self) -> str:
        state = "answered" if self.answered_at else "dismissed" if self.is_dismissed else "open"
        return f"<SurveyAnswer {self.id} user={self.user_id} {self.quarter} {state}>"


class CompanyPotential(db.Model):
    """An account manager's estimate of what a company could buy in a year, in one
    currency: the share-of-wallet denominator. A company without one has no potential
    (missing, never zero)."""

    __tablename__ = "company_potential"
    __table_args__ = (
        UniqueConstraint(
            "company_id", "year", "currency", name="uq_company_potential_company_year_currency"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_in_range"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    year: Mapped[int] = mapped_column(nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()
    entered_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CompanyPotential {self.company_id} {self.year} {self.amount} {self.currency}>"


class PotentialChange(db.Model):
    """Every estimate ever entered (or withdrawn: amount NULL), oldest first: the history
    behind the current CompanyPotential."""

    __tablename__ = "company_potential_change"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_in_range"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
        Index("ix_company_potential_change_company_year", "company_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    year: Mapped[int] = mapped_column(nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # None: the estimate was withdrawn.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    entered_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PotentialChange {self.company_id} {self.year} {self.amount} {self.currency}>"
