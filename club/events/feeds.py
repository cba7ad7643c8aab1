"""A person's calendar feed: a secret address that calendar apps subscribe to, showing
their seats and waits (and meetings cancelled since, so that calendars remove them).
Only the address's hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.events.models import CalendarFeed, Meeting, MeetingStatus, Registration
from club.events.registration import LIVE
from club.members.models import User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(session: Session, user: User) -> str:
    """A new secret feed address for the person; the old one stops working."""
    token = secrets.token_urlsafe(24)
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=_hash(token))
        session.add(feed)
    else:
        feed.token_hash = _hash(token)
        feed.created_at = utcnow()
    audit.record(session, "calendar_feed.renewed", feed, actor=user)
    return token


def revoke_feed(session: Session, user: User) -> None:
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is not None:
        session.delete(feed)
        audit.record(
            session,
            "calendar_feed.revoked",
            None,
            actor=user,
            object_type="calendar_feed",
            object_id=str(user.id),
        )


def has_feed(session: Session, user: User) -> bool:
    return (
        session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user.id)) is not None
    )


def feed_owner(session: Session, token: str) -> User | None:
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def feed_registrations(session: Session, user: User) -> list[Registration]:
    """What a person's calendar shows: their seats and waits, and meetings they were
    registered for that were cancelled (so calendars remove them)."""
    return session.scalars(
        select(Registration)
        .join(Meeting, Registration.meeting_id == Meeting.id)
        .where(
            Registration.user_id == user.id,
            Meeting.status != MeetingStatus.DRAFT,
            Registration.status.in_(LIVE),
        )
        .order_by(Meeting.starts_at)
    ).all()
