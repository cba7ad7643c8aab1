"""The last run of each periodic job, kept so /healthz can say when the scheduler last
worked (it runs in its own process, so nothing but the database is shared with the web)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from club.core.types import UTCDateTime
from club.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_run"

    job_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    is_ok: Mapped[bool] = mapped_column(nullable=False)
    count: Mapped[int] = mapped_column(nullable=False, default=0)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"<JobRun {self.job_name} ok={self.is_ok} at {self.finished_at:%Y-%m-%d %H:%M}>"
