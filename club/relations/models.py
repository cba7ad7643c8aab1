"""Complaints and contracts (reported by the supplier's systems), the account manager's
contact log with its next steps, and the quarterly bonus budget with what it granted.

Contact notes are the supplier's staff's own: nothing partner-facing reads this module.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.ledger.models import Entry
from club.members.models import Company, User, str_enum


class Complaint(db.Model):
    """A partner's complaint in the supplier's system: open while `closed_on` is empty."""

    __tablename__ = "complaint"
    __table_args__ = (
        UniqueConstraint("company_id", "external_id", name="uq_complaint_company_external"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="closed_after_opened"),
        CheckConstraint("length(external_id) >= 1", name="external_id_not_empty"),
        Index("ix_complaint_company_opened", "company_id", "opened_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    # The supplier's complaint number.
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    opened_on: Mapped[date] = mapped_column(nullable=False)
    closed_on: Mapped[date | None] = mapped_column(nullable=True)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class Contract(db.Model):
    """A partner's contract with the supplier; `ends_on` empty: open-ended."""

    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("company_id", "reference", name="uq_contract_company_reference"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("length(reference) >= 1", name="reference_not_empty"),
        Index("ix_contract_company_ends", "company_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    starts_on: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[date | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()


class ContactKind(enum.StrEnum):
    CALL = "call"
    VISIT = "visit"
    MAIL = "mail"
    NOTE = "note"


class ContactLog(db.Model):
    """A contact the account manager (or club manager) had with a partner company, with
    an optional next step. Private to the supplier's staff."""

    __tablename__ = "contact_log"
    __table_args__ = (
        CheckConstraint("length(note) >= 1", name="note_not_empty"),
        CheckConstraint(
            "next_step_due IS NULL OR next_step IS NOT NULL", name="due_needs_next_step"
        ),
        CheckConstraint(
            "next_step_done_at IS NULL OR next_step IS NOT NULL", name="done_needs_next_step"
        ),
        Index("ix_contact_log_company_happened", "company_id", "happened_on"),
        Index("ix_contact_log_author_due", "author_id", "next_step_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    author_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False
    )
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"), nullable=False)
    happened_on: Mapped[date] = mapped_column(nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    next_step: Mapped[str | None] = mapped_column(String(300), nullable=True)
    next_step_due: Mapped[date | None] = mapped_column(nullable=True)
    next_step_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()
    author: Mapped[User] = relationship()

    @property
    def has_open_next_step(self) -> bool:
        return self.next_step is not None and self.next_step_done_at is None


class BonusBudget(db.Model):
    """What an account manager may grant as bonuses in one quarter. `spent` only grows,
    by a conditional UPDATE that never passes `points`."""

    __tablename__ = "bonus_budget"
    __table_args__ = (
        UniqueConstraint(
            "account_manager_id", "quarter_start", name="uq_bonus_budget_manager_quarter"
        ),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("spent >= 0", name="spent_not_negative"),
        CheckConstraint("spent <= points", name="within_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_manager_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False
    )
    # The first day of the club's quarter (club/core/periods.py).
    quarter_start: Mapped[date] = mapped_column(nullable=False)
    points: Mapped[int] = mapped_column(nullable=False)
    spent: Mapped[int] = mapped_column(nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    account_manager: Mapped[User] = relationship()

    @property
    def left(self) -> int:
        return self.points - self.spent


class BonusGrant(db.Model):
    """A bonus an account manager granted: a ledger entry charged to their budget."""

    __tablename__ = "bonus_grant"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("length(reason) >= 1", name="reason_not_empty"),
        Index("ix_bonus_grant_budget_created", "budget_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(
        ForeignKey("bonus_budget.id", ondelete="RESTRICT"), nullable=False
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=True
    )
    points: Mapped[int] = mapped_column(nullable=False)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    ledger_entry_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_entry.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    granted_by_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    budget: Mapped[BonusBudget] = relationship()
    company: Mapped[Company] = relationship()
    person: Mapped[User | None] = relationship(foreign_keys=[person_id])
    granted_by: Mapped[User] = relationship(foreign_keys=[granted_by_id])
    entry: Mapped[Entry] = relationship()
