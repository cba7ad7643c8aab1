"""Meetings as members find them, and the lock that every change of a meeting takes.

Every change to a meeting's seats locks the meeting row first (FOR UPDATE on
PostgreSQL; on SQLite the transaction began IMMEDIATE), then counts seats under that
lock: many people registering at once can never overbook a meeting or a company's seat
limit. Lock order is always meeting, then wallet (attendance points).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.database import holds_write_lock
from club.events.errors import TicketInvalid
from club.events.models import Meeting, MeetingFormat, MeetingStatus


def zone_names() -> list[str]:
    return sorted(available_timezones())


def local(meeting: Meeting, moment: datetime | None = None) -> datetime:
    """A moment of the meeting (its start by default) in the meeting's own zone."""
    return (moment or meeting.starts_at).astimezone(ZoneInfo(meeting.timezone))


def upcoming(session: Session, *, now: datetime | None = None, format: str = ""):
    """Published meetings not yet over, soonest first (for members)."""
    query = (
        select(Meeting)
        .where(Meeting.status == MeetingStatus.PUBLISHED, Meeting.ends_at > (now or utcnow()))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if format in set(MeetingFormat):
        query = query.where(Meeting.format == MeetingFormat(format))
    return query


def past(session: Session, *, now: datetime | None = None, format: str = ""):
    """Meetings that took place (done, or published and over), latest first."""
    now = now or utcnow()
    query = (
        select(Meeting)
        .where(
            (Meeting.status == MeetingStatus.DONE)
            | ((Meeting.status == MeetingStatus.PUBLISHED) & (Meeting.ends_at <= now))
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    if format in set(MeetingFormat):
        query = query.where(Meeting.format == MeetingFormat(format))
    return query


def visible_to_members(meeting: Meeting) -> bool:
    return meeting.status != MeetingStatus.DRAFT


def lock_meeting(session: Session, meeting_id: int) -> Meeting:
    if not holds_write_lock(session):
        raise RuntimeError("meeting changes on SQLite need write_intent() (BEGIN IMMEDIATE)")
    meeting = session.execute(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if meeting is None:
        raise TicketInvalid(_("This meeting does not exist."))
    return meeting
