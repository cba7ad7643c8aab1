"""One row of club settings (absent until the club manager first saves them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db

DEFAULT_PRIMARY = "#1d4e89"
DEFAULT_ACCENT = "#f2b233"
COLOUR_PATTERN = "^#[0-9a-f]{6}$"


class ClubSettings(db.Model):
    __tablename__ = "club_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("length(primary_colour) = 7", name="primary_colour_hex"),
        CheckConstraint("length(accent_colour) = 7", name="accent_colour_hex"),
        CheckConstraint("logo_png IS NULL OR length(logo_png) <= 1048576", name="logo_small"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Empty: the portal's own name, "Club", in the reader's language.
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    primary_colour: Mapped[str] = mapped_column(String(7), nullable=False, default=DEFAULT_PRIMARY)
    accent_colour: Mapped[str] = mapped_column(String(7), nullable=False, default=DEFAULT_ACCENT)
    # Who signs diplomas and certificates (a line and this name under it).
    signatory_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    signatory_title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    # The logo as uploaded, redrawn as PNG (no metadata, at most 600 px a side).
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<ClubSettings {self.name!r}>"
