"""The quarter's best partners (their distinctions and diplomas) and membership
certificates.

A quarter's award is a list the club manager may revise until it is finalised; from then
on the list is fixed and its diplomas can be downloaded and verified. A membership
certificate is issued once per member company, the first time it is asked for.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, User

MAX_PLACES = 10
CODE_LENGTH = 14  # "ABCD-EFGH-JKMN": twelve characters of a 31-letter alphabet, ~59 bits


class QuarterAward(db.Model):
    """The best partners of one calendar quarter (in the club's time zone)."""

    __tablename__ = "quarter_award"
    __table_args__ = (
        UniqueConstraint("year", "quarter", name="uq_quarter_award_year_quarter"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_in_range"),
        CheckConstraint(
            "(finalised_at IS NULL) = (finalised_by_id IS NULL)", name="finalised_with_actor"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(nullable=False)
    quarter: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Once set, the list is fixed: its diplomas are issued on this date.
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finalised_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=True
    )

    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])
    distinctions: Mapped[list[Distinction]] = relationship(
        back_populates="award", order_by="Distinction.place", cascade="all, delete-orphan"
    )

    @property
    def is_finalised(self) -> bool:
        return self.finalised_at is not None

    def __repr__(self) -> str:
        state = "final" if self.is_finalised else "draft"
        return f"<QuarterAward {self.id} {self.year}-Q{self.quarter} {state}>"


class Distinction(db.Model):
    """One company's place among a quarter's best partners: what its diploma says."""

    __tablename__ = "distinction"
    __table_args__ = (
        UniqueConstraint("award_id", "company_id", name="uq_distinction_award_company"),
        UniqueConstraint("award_id", "place", name="uq_distinction_award_place"),
        CheckConstraint(f"place BETWEEN 1 AND {MAX_PLACES}", name="place_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(
        ForeignKey("quarter_award.id", ondelete="CASCADE"), nullable=False
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    place: Mapped[int] = mapped_column(nullable=False)
    # Points the company earned in the quarter when the manager chose it (a snapshot).
    points: Mapped[int] = mapped_column(nullable=False)
    citation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), nullable=False, unique=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    chosen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=True
    )

    award: Mapped[QuarterAward] = relationship(back_populates="distinctions")
    company: Mapped[Company] = relationship()
    chosen_by: Mapped[User | None] = relationship(foreign_keys=[chosen_by_id])

    @property
    def year(self) -> int:
        return self.award.year

    @property
    def quarter(self) -> int:
        return self.award.quarter

    def __repr__(self) -> str:
        return (
            f"<Distinction {self.id} award={self.award_id} #{self.place} company={self.company_id}>"
        )


class MembershipCertificate(db.Model):
    """A member company's certificate: numbered "2026/0007" in order of issue per year."""

    __tablename__ = "membership_certificate"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_membership_certificate_number"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    year: Mapped[int] = mapped_column(nullable=False)
    sequence: Mapped[int] = mapped_column(nullable=False)
    member_since: Mapped[date] = mapped_column(nullable=False)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()

    @property
    def number(self) -> str:
        return f"{self.year}/{self.sequence:04d}"

    def __repr__(self) -> str:
        return f"<MembershipCertificate {self.number} company={self.company_id}>"
