"""Admission: the club's entry rules, each company's membership history, and the
admissions waiting for the club manager's approval."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, MembershipStatus, User, str_enum

# 1 point is 500 PLN net by default: 100 points over 12 months is 50,000 PLN a year paid
# on time, about 4,200 PLN a month, a small installer's regular account.
DEFAULT_THRESHOLD_POINTS = 100
DEFAULT_WINDOW_MONTHS = 12
DEFAULT_FORFEIT_AFTER_MONTHS = 6


class AdmissionRules(db.Model):
    """The one row of entry rules the club manager sets (defaults until first saved)."""

    __tablename__ = "admission_rules"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("threshold_points > 0", name="threshold_positive"),
        CheckConstraint("window_months BETWEEN 1 AND 36", name="window_in_range"),
        CheckConstraint("forfeit_after_months BETWEEN 0 AND 60", name="forfeit_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1, autoincrement=False)
    # Confirmed base purchase points (paid in time, before any tier bonus) over the
    # last `window_months` closed months that make an applicant a member.
    threshold_points: Mapped[int] = mapped_column(nullable=False, default=DEFAULT_THRESHOLD_POINTS)
    window_months: Mapped[int] = mapped_column(nullable=False, default=DEFAULT_WINDOW_MONTHS)
    needs_approval: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )
    # Months after a company is suspended or leaves when its frozen points are forfeited.
    forfeit_after_months: Mapped[int] = mapped_column(
        nullable=False, default=DEFAULT_FORFEIT_AFTER_MONTHS
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    def __repr__(self) -> str:
        return (
            f"<AdmissionRules {self.threshold_points} points / {self.window_months} months"
            f"{' approval' if self.needs_approval else ''}>"
        )


class MembershipChange(db.Model):
    """One step of a company's membership: from a status (None: registered) to another,
    on a club day, why, and by whom (None: the club's own job)."""

    __tablename__ = "membership_change"
    __table_args__ = (
        CheckConstraint("from_status IS NULL OR from_status <> to_status", name="status_changes"),
        Index("ix_membership_change_company", "company_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    from_status: Mapped[MembershipStatus | None] = mapped_column(
        str_enum(MembershipStatus, "membership_change_from"), nullable=True
    )
    to_status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_change_to"), nullable=False
    )
    changed_on: Mapped[date] = mapped_column(nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        before = self.from_status.value if self.from_status else "-"
        return f"<MembershipChange company={self.company_id} {before}->{self.to_status.value}>"


class ReviewStatus(enum.StrEnum):
    AWAITING = "awaiting"
    APPROVED = "approved"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(REVIEW_LABELS[self])


REVIEW_LABELS = {
    ReviewStatus.AWAITING: _l("Awaiting approval"),
    ReviewStatus.APPROVED: _l("Approved"),
    ReviewStatus.DECLINED: _l("Declined"),
}


class AdmissionReview(db.Model):
    """An applicant that reached the threshold while admission needs approval: one row per
    company (the unique key keeps two job runs from proposing it twice)."""

    __tablename__ = "admission_review"
    __table_args__ = (CheckConstraint("points >= 0", name="points_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, "admission_review_status"),
        nullable=False,
        default=ReviewStatus.AWAITING,
    )
    # The company's figure when it reached the threshold, and that club day.
    points: Mapped[int] = mapped_column(nullable=False)
    reached_on: Mapped[date] = mapped_column(nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    company: Mapped[Company] = relationship()
    decided_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AdmissionReview company={self.company_id} {self.status.value}>"
