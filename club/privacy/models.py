"""The record that a person was erased (the person's row itself stays, pseudonymised)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db


class Erasure(db.Model):
    __tablename__ = "person_erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Once per person, whatever two managers do at the same moment.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    erased_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    def __repr__(self) -> str:
        return f"<Erasure user={self.user_id} at {self.erased_at}>"
