"""Ledger models. Entries are append-only; a lot is what is left of an earning.

Balances on the wallet are caches of the entries, updated in the same transaction:
available = sum(available_delta), pending = sum(pending_delta), held = sum(held_delta).
`flask club ledger verify` recomputes them all.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, User, str_enum


class EntryKind(enum.StrEnum):
    EARN = "earn"  # points earned, pending or at once available
    CONFIRM = "confirm"  # pending -> available
    FORFEIT = "forfeit"  # pending -> gone (not paid in time)
    HOLD = "hold"  # available -> held (a redemption in progress)
    CAPTURE = "capture"  # held -> spent
    RELEASE = "release"  # held -> available
    EXPIRE = "expire"  # available -> gone (lots past their date)
    ADJUST = "adjust"  # a manual correction, + or -
    CLAWBACK = "clawback"  # available -> gone (a credit note undid a purchase)
    SETTLE = "settle"  # new points paying off a carried clawback shortfall


class HoldStatus(enum.StrEnum):
    HELD = "held"
    CAPTURED = "captured"
    RELEASED = "released"


class Wallet(db.Model):
    """One per partner company."""

    __tablename__ = "wallet"
    __table_args__ = (
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("pending >= 0", name="pending_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("shortfall >= 0", name="shortfall_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    available: Mapped[int] = mapped_column(nullable=False, default=0)
    pending: Mapped[int] = mapped_column(nullable=False, default=0)
    held: Mapped[int] = mapped_column(nullable=False, default=0)
    # Clawed-back points that available could not cover; taken from later earnings.
    shortfall: Mapped[int] = mapped_column(nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    company: Mapped[Company] = relationship()

    def __repr__(self) -> str:
        return (
            f"<Wallet {self.id} company={self.company_id} available={self.available} "
            f"pending={self.pending} held={self.held}>"
        )


class Hold(db.Model):
    """Points reserved for a redemption in progress; captured or released once."""

    __tablename__ = "hold"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_hold_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_id: Mapped[int] = mapped_column(
        ForeignKey("wallet.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    points: Mapped[int] = mapped_column(nullable=False)
    status: Mapped[HoldStatus] = mapped_column(
        str_enum(HoldStatus, "hold_status"), nullable=False, default=HoldStatus.HELD
    )
    source_type: Mapped[str] = mapped_column(String(40), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    wallet: Mapped[Wallet] = relationship()

    def __repr__(self) -> str:
        return f"<Hold {self.id} wallet={self.wallet_id} {self.points} {self.status.value}>"


class Entry(db.Model):
    """One movement of points. Never updated, never deleted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint(
            "amount = available_delta + pending_delta + held_delta", name="amount_is_sum"
        ),
        Index("ix_ledger_entry_wallet_created", "wallet_id", "created_at", "id"),
        Index("ix_ledger_entry_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_id: Mapped[int] = mapped_column(
        ForeignKey("wallet.id", ondelete="RESTRICT"), nullable=False
    )
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind"), nullable=False)
    # The change to the company's points in all three balances together.
    amount: Mapped[int] = mapped_column(nullable=False)
    available_delta: Mapped[int] = mapped_column(nullable=False, default=0)
    pending_delta: Mapped[int] = mapped_column(nullable=False, default=0)
    held_delta: Mapped[int] = mapped_column(nullable=False, default=0)
    # The person who earned the points, if a person did (feeds the people boards).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    # What caused it: e.g. ("purchase_month", "12:2026-10"), ("quiz", "7"), ("hold", "3").
    source_type: Mapped[str] = mapped_column(String(40), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Facts for explaining the entry in words (invoice numbers, days late, ...).
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=True
    )
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("hold.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    wallet: Mapped[Wallet] = relationship()
    person: Mapped[User | None] = relationship(foreign_keys=[person_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.kind.value} {self.amount:+d} wallet={self.wallet_id}>"


class Lot(db.Model):
    """What is left of points that became available; spent soonest-expiring first."""

    __tablename__ = "lot"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_in_range"),
        # The expiry job and spending look for lots with something left, by date.
        Index(
            "ix_lot_open",
            "wallet_id",
            "expires_at",
            "entry_id",
            sqlite_where=text("remaining > 0"),
            postgresql_where=text("remaining > 0"),
        ),
    )

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_entry.id", ondelete="RESTRICT"), primary_key=True
    )
    wallet_id: Mapped[int] = mapped_column(
        ForeignKey("wallet.id", ondelete="RESTRICT"), nullable=False
    )
    points: Mapped[int] = mapped_column(nullable=False)
    remaining: Mapped[int] = mapped_column(nullable=False)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # When the account holder was told these points expire soon (once per lot).
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    entry: Mapped[Entry] = relationship()

    def __repr__(self) -> str:
        return f"<Lot {self.entry_id} {self.remaining}/{self.points} until {self.expires_at}>"


class Allocation(db.Model):
    """Which lot an entry took points from (negative: points a release gave back)."""

    __tablename__ = "allocation"
    __table_args__ = (CheckConstraint("points <> 0", name="points_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_entry.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    lot_id: Mapped[int] = mapped_column(
        ForeignKey("lot.entry_id", ondelete="RESTRICT"), nullable=False, index=True
    )
    points: Mapped[int] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<Allocation entry={self.entry_id} lot={self.lot_id} {self.points:+d}>"


# The database itself refuses to change or delete an entry, whatever the code does.
APPEND_ONLY_TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()",
    ],
    "sqlite": [
        "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
        "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
    ],
}
DROP_APPEND_ONLY_TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry",
        "DROP FUNCTION IF EXISTS ledger_entry_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS ledger_entry_no_update",
        "DROP TRIGGER IF EXISTS ledger_entry_no_delete",
    ],
}


@event.listens_for(Entry.__table__, "after_create")
def _create_append_only_triggers(table, connection, **kwargs) -> None:
    # For databases built by create_all() (tests); migrations create the same triggers.
    for statement in APPEND_ONLY_TRIGGERS.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
