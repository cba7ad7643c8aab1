"""At the meeting and after: tickets, check-in (from the list, by ticket, or a walk-in),
closing the meeting with its attendance points, and ratings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.events.errors import MeetingError, TicketInvalid
from club.events.meetings import lock_meeting
from club.events.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from club.events.registration import live_registration
from club.events.signals import meeting_closed
from club.ledger import services as ledger
from club.members.models import User

# --- tickets ---------------------------------------------------------------------------


def _ticket_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="club.meeting-ticket")


def ticket_token(registration: Registration) -> str:
    return _ticket_serializer().dumps([registration.id, registration.ticket_secret])


def registration_of_ticket(session: Session, token: str) -> Registration:
    """The live registration a ticket stands for; a forged, cancelled or old ticket fails."""
    try:
        registration_id, secret = _ticket_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise TicketInvalid(_("This ticket is not valid.")) from None
    registration = (
        session.get(Registration, registration_id) if isinstance(registration_id, int) else None
    )
    if (
        registration is None
        or not isinstance(secret, str)
        or not secrets.compare_digest(secret, registration.ticket_secret)
    ):
        raise TicketInvalid(_("This ticket is not valid."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise TicketInvalid(_("This ticket is no longer valid: the registration was cancelled."))
    return registration


# --- check-in and attendance -----------------------------------------------------------


def check_in(
    session: Session, registration: Registration, *, actor: User, now: datetime | None = None
) -> bool:
    """Mark the person present; True if this call checked them in, False if already."""
    now = now or utcnow()
    meeting = lock_meeting(session, registration.meeting_id)
    session.refresh(registration)
    if meeting.status not in (MeetingStatus.PUBLISHED,):
        raise MeetingError(_("Check-in is possible only for a published meeting."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise MeetingError(_("%(name)s has no seat at this meeting.", name=registration.user.name))
    if registration.checked_in_at is not None:
        return False
    registration.checked_in_at = now
    registration.checked_in_by_id = actor.id
    audit.record(
        session,
        "meeting.checked_in",
        registration,
        actor=actor,
        company_id=registration.company_id,
    )
    return True


def walk_in(
    session: Session, meeting: Meeting, person: User, *, actor: User, now: datetime | None = None
) -> Registration:
    """Someone who came without a seat: registered and checked in at once. They are in the
    room already, so capacity and the company's seats do not apply; a waiting
    registration of theirs becomes the seat."""
    now = now or utcnow()
    meeting = lock_meeting(session, meeting.id)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise MeetingError(_("Check-in is possible only for a published meeting."))
    if not person.role.is_partner or person.company is None or not person.is_active:
        raise MeetingError(_("Only active staff of partner companies can be added."))
    registration = live_registration(session, meeting, person)
    if registration is None:
        registration = Registration(
            meeting_id=meeting.id,
            user_id=person.id,
            company_id=person.company_id,
            status=RegistrationStatus.REGISTERED,
            queued_at=now,
            seat_given_at=now,
            registered_by_id=actor.id,
            ticket_secret=secrets.token_hex(16),
            is_walk_in=True,
        )
        session.add(registration)
    elif registration.status == RegistrationStatus.WAITLISTED:
        registration.status = RegistrationStatus.REGISTERED
        registration.seat_given_at = now
        registration.is_walk_in = True
    session.flush()
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        registration.checked_in_by_id = actor.id
    audit.record(
        session,
        "meeting.walk_in",
        registration,
        actor=actor,
        company_id=registration.company_id,
    )
    return registration


@dataclass(frozen=True)
class Closing:
    attended: int
    no_shows: int
    points_awarded: int


def close_meeting(
    session: Session, meeting: Meeting, *, actor: User, now: datetime | None = None
) -> Closing:
    """Mark the meeting done: attendees earn its points once each, the rest are no-shows."""
    now = now or utcnow()
    meeting = lock_meeting(session, meeting.id)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise MeetingError(_("Only a published meeting can be closed."))
    if meeting.starts_at > now:
        raise MeetingError(_("A meeting can be closed once it has started."))
    seated = session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
        .order_by(Registration.id)
    ).all()
    attended = no_shows = awarded = 0
    present = []
    for registration in seated:
        if registration.checked_in_at is None:
            registration.attendance = Attendance.NO_SHOW
            no_shows += 1
            continue
        registration.attendance = Attendance.ATTENDED
        attended += 1
        present.append(registration)
        if meeting.attendance_points and registration.company_id is not None:
            ledger.earn(
                session,
                ledger.wallet_for(session, registration.company_id),
                meeting.attendance_points,
                source=ledger.Source("meeting", str(meeting.id)),
                person=registration.user,
                actor=actor,
                reason=f"Attended: {meeting.title}",
                details={"meeting": meeting.id, "title": meeting.title},
                earned_at=meeting.starts_at,
                idempotency_key=f"meeting:{meeting.id}:person:{registration.user_id}",
                now=now,
            )
            awarded += meeting.attendance_points
    meeting.status = MeetingStatus.DONE
    meeting.done_at = now
    audit.record(
        session,
        "meeting.closed",
        meeting,
        actor=actor,
        after={"attended": attended, "no_shows": no_shows, "points": awarded},
    )
    meeting_closed.send(session, meeting=meeting, attended=present, now=now)
    return Closing(attended, no_shows, awarded)


# --- ratings ---------------------------------------------------------------------------


def rate(
    session: Session,
    registration: Registration,
    *,
    person: User,
    rating: int,
    comment: str,
    now: datetime | None = None,
) -> Registration:
    if registration.user_id != person.id:
        raise NotAllowed(_("You can rate only meetings you attended."))
    if registration.attendance != Attendance.ATTENDED:
        raise MeetingError(_("You can rate a meeting after attending it."))
    if not 1 <= rating <= 5:
        raise MeetingError(_("Choose from 1 to 5 stars."), field="rating")
    registration.rating = rating
    registration.rating_comment = comment.strip()[:2000]
    registration.rated_at = now or utcnow()
    return registration


@dataclass(frozen=True)
class Ratings:
    count: int
    average: float | None


def ratings(session: Session, meeting_ids: list[int]) -> dict[int, Ratings]:
    rows = session.execute(
        select(
            Registration.meeting_id, func.count(Registration.rating), func.avg(Registration.rating)
        )
        .where(Registration.meeting_id.in_(meeting_ids), Registration.rating.is_not(None))
        .group_by(Registration.meeting_id)
    ).all()
    found = {row[0]: Ratings(row[1], float(row[2]) if row[2] is not None else None) for row in rows}
    return {mid: found.get(mid, Ratings(0, None)) for mid in meeting_ids}
