"""Rollups: points per person and per company per period, kept in step with the ledger.

A board never sums the ledger: it reads these rows through an index on (period, points,
reached_at, id), scanned backwards for the most points and forwards within equal points
(where the earlier reached_at comes first). Plain ascending columns: SQLite does not
report DESC index columns back, so an index with them would never match its migration.

`club.leaderboard.rollups.record` updates them in the same transaction as the ledger
entries that change them; `flask club leaderboard rebuild`
recomputes them from the ledger and `flask club ledger verify` checks they agree.

Periods are keys: "M2026-11" (a month), "Q2026-4" (a quarter), "Y2026" (a year) and
"ALL" (all time), in the club's own time zone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from club.core.types import UTCDateTime
from club.extensions import db


class PersonTotal(db.Model):
    """Points a person earned in a period (entries that name the person)."""

    __tablename__ = "leaderboard_person"
    __table_args__ = (
        UniqueConstraint("period", "person_id", name="uq_leaderboard_person_period_person"),
        Index(
            "ix_leaderboard_person_rank",
            "period",
            "points",
            "reached_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    points: Mapped[int] = mapped_column(nullable=False, default=0)
    # When the row last rose (the newest entry that added to it); ties go to the earlier.
    # NULL only while nothing ever added to it (such a row has no points to show).
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<PersonTotal {self.period} person={self.person_id} {self.points}>"


class CompanyTotal(db.Model):
    """Points a company earned in a period: all of them, and activity only (everything
    but purchases), each with its own tie-break moment."""

    __tablename__ = "leaderboard_company"
    __table_args__ = (
        UniqueConstraint("period", "company_id", name="uq_leaderboard_company_period_company"),
        Index(
            "ix_leaderboard_company_rank",
            "period",
            "points",
            "reached_at",
            "id",
        ),
        Index(
            "ix_leaderboard_company_activity_rank",
            "period",
            "activity_points",
            "activity_reached_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), nullable=False, index=True
    )
    points: Mapped[int] = mapped_column(nullable=False, default=0)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    activity_points: Mapped[int] = mapped_column(nullable=False, default=0)
    activity_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<CompanyTotal {self.period} company={self.company_id} {self.points}>"


class ScoreCount(db.Model):
    """How many rows of a board hold a score in a period, as changes: each rollup change
    adds -1 at the old score and +1 at the new one (only scores above zero count). A
    rank is 1 + the sum of holders above the score, a few thousand rows at most instead
    of every row above. Rows are only ever inserted while posting (no shared row is
    updated, so concurrent posts never wait for each other here);
    `rollups.compact_scores` folds them into one row per score now and then."""

    __tablename__ = "leaderboard_score"
    __table_args__ = (
        CheckConstraint("board IN ('people', 'companies', 'activity')", name="board_known"),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_leaderboard_score_rank", "board", "period", "points", "holders"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board: Mapped[str] = mapped_column(String(10), nullable=False)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    points: Mapped[int] = mapped_column(nullable=False)
    holders: Mapped[int] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<ScoreCount {self.board} {self.period} {self.points}: {self.holders:+d}>"


# PostgreSQL: every post updates a few rollup rows (dead tuples, pages no longer all
# visible) and a new period inserts many; vacuum after a few thousand of either rather
# than a fifth of the table, so that the boards' reads stay index-only scans through a
# day of posts. The score counts' table has the same (its migration).
ROLLUP_AUTOVACUUM = (
    "(autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
    "autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000, "
    "autovacuum_analyze_scale_factor = 0.02)"
)


@event.listens_for(PersonTotal.__table__, "after_create")
@event.listens_for(CompanyTotal.__table__, "after_create")
def _vacuum_often(table, connection, **kwargs) -> None:
    # For databases built by create_all() (tests, benchmarks); a migration sets the same.
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ALTER TABLE {table.name} SET {ROLLUP_AUTOVACUUM}")
