"""The one place the application asks what time it is; services take `now=` for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Timezone-aware UTC now."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def club_zone() -> ZoneInfo:
    """The club's own time zone (CLUB_TIMEZONE): its days, months and quarters."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def club_today(now: datetime) -> date:
    """Invoice dates, periods and deadlines are calendar dates in the club's time zone."""
    return now.astimezone(club_zone()).date()
