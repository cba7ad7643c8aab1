"""Health scores kept as history, the score's settings and the digests sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db


class HealthScore(db.Model):
    """A company's health score on a club day (0 = leaving, 100 = healthy) and the signals
    that lowered it, each {"code", "weight", "values"}: the reason is worded when shown,
    in the reader's language. One row per company and day; the nightly job rewrites the
    day's row, so running it twice changes nothing."""

    __tablename__ = "health_score"
    __table_args__ = (
        UniqueConstraint("company_id", "day", name="uq_health_score_company_day"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_in_range"),
        Index("ix_health_score_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(nullable=False)
    score: Mapped[int] = mapped_column(nullable=False)
    signals: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<HealthScore company={self.company_id} {self.day} {self.score}>"


class ScoreSetting(db.Model):
    """A weight or threshold of the health score that the club manager changed; a key
    without a row takes its default from the code (club.portfolio.settings)."""

    __tablename__ = "score_setting"
    __table_args__ = (CheckConstraint("value >= 0", name="value_not_negative"),)

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    def __repr__(self) -> str:
        return f"<ScoreSetting {self.key}={self.value}>"


class ScoreDigest(db.Model):
    """The weekly digest sent to an account manager for a week (its Monday): once."""

    __tablename__ = "score_digest"
    __table_args__ = (
        UniqueConstraint("account_manager_id", "week_of", name="uq_score_digest_manager_week"),
        CheckConstraint("companies >= 0", name="companies_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_manager_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    week_of: Mapped[date] = mapped_column(nullable=False)
    companies: Mapped[int] = mapped_column(nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<ScoreDigest manager={self.account_manager_id} {self.week_of}>"
