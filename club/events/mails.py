"""What meetings e-mail: reminders a week and a day ahead, and the notes other rules send
(a seat freed from the waitlist, a cancelled meeting)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.events.meetings import local
from club.events.models import Meeting, MeetingStatus, Registration, RegistrationStatus


def tell(session: Session, registration: Registration, template: str, **context) -> None:
    """Queue the mail `template` to the registered person, in their language."""
    user = registration.user
    if not user.is_active:
        return
    meeting = registration.meeting
    queue_mail(
        session,
        to=user.email,
        template=template,
        locale=user.language,
        user=user,
        meeting=meeting,
        registration=registration,
        starts=local(meeting),
        **context,
    )


def send_reminders(session: Session, *, now: datetime | None = None) -> int:
    """E-mail seated people a week and a day before. Each reminder is claimed by a
    conditional UPDATE, so two runs at once still send it once."""
    now = now or utcnow()
    sent = 0
    for column, ahead, earliest in (
        (Registration.day_reminder_at, timedelta(days=1), timedelta(0)),
        # The week's reminder is pointless once the day's is due.
        (Registration.week_reminder_at, timedelta(days=7), timedelta(days=1)),
    ):
        due = session.scalars(
            select(Registration)
            .join(Meeting, Registration.meeting_id == Meeting.id)
            .options(joinedload(Registration.user), joinedload(Registration.meeting))
            .where(
                Meeting.status == MeetingStatus.PUBLISHED,
                Meeting.starts_at > now + earliest,
                Meeting.starts_at <= now + ahead,
                Registration.status == RegistrationStatus.REGISTERED,
                column.is_(None),
            )
            .order_by(Registration.id)
        ).all()
        for registration in due:
            if _claim(session, registration, column, now):
                tell(
                    session,
                    registration,
                    "meeting_reminder",
                    days=max((registration.meeting.starts_at - now).days, 0),
                )
                sent += 1
    return sent


def _claim(session: Session, registration: Registration, column, now: datetime) -> bool:
    """Mark the reminder sent, unless another run did first."""
    claimed = session.execute(
        update(Registration)
        .where(Registration.id == registration.id, column.is_(None))
        .values({column.key: now})
    ).rowcount
    if claimed and column is Registration.day_reminder_at:
        # Someone who got the day's reminder needs no week reminder any more.
        session.execute(
            update(Registration)
            .where(Registration.id == registration.id, Registration.week_reminder_at.is_(None))
            .values(week_reminder_at=now)
        )
    return bool(claimed)
