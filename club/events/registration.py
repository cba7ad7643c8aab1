"""Registering for a meeting: seats, each company's share of them, and the waitlist.

Seats are counted under the meeting's lock (see `club.events.meetings`); a seat freed by
a cancellation or a larger room goes to the first in line, who is e-mailed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.formatting import datetime_zoned
from club.core.roles import Role
from club.events.errors import RegistrationRefused
from club.events.mails import tell
from club.events.meetings import lock_meeting
from club.events.models import (
    Audience,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from club.events.signals import registration_changed
from club.members.models import Company, MembershipStatus, User
from club.members.standing import reaches

LIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


# --- seats and the waitlist, read -------------------------------------------------------


@dataclass(frozen=True)
class Seats:
    taken: int
    waiting: int
    capacity: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


def seats(session: Session, meeting: Meeting) -> Seats:
    return seats_by_meeting(session, [meeting.id])[meeting.id]


def seats_by_meeting(session: Session, meeting_ids: list[int]) -> dict[int, Seats]:
    """Seats of many meetings in one query (list pages)."""
    rows = session.execute(
        select(Registration.meeting_id, Registration.status, func.count())
        .where(Registration.meeting_id.in_(meeting_ids), Registration.status.in_(LIVE))
        .group_by(Registration.meeting_id, Registration.status)
    ).all()
    counts: dict[int, dict] = {}
    for meeting_id, status, count in rows:
        counts.setdefault(meeting_id, {})[status] = count
    capacities = dict(
        session.execute(
            select(Meeting.id, Meeting.capacity).where(Meeting.id.in_(meeting_ids))
        ).all()
    )
    return {
        meeting_id: Seats(
            taken=counts.get(meeting_id, {}).get(RegistrationStatus.REGISTERED, 0),
            waiting=counts.get(meeting_id, {}).get(RegistrationStatus.WAITLISTED, 0),
            capacity=capacities[meeting_id],
        )
        for meeting_id in meeting_ids
    }


def live_registration(session: Session, meeting: Meeting, user: User) -> Registration | None:
    return session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id,
            Registration.user_id == user.id,
            Registration.status.in_(LIVE),
        )
    )


def latest_registration(session: Session, meeting: Meeting, user: User) -> Registration | None:
    """The person's live registration, or their last cancelled one (history)."""
    return session.scalar(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.user_id == user.id)
        .order_by((Registration.status == RegistrationStatus.CANCELLED), Registration.id.desc())
        .limit(1)
    )


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.meeting_id == registration.meeting_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.queued_at < registration.queued_at)
            | (
                (Registration.queued_at == registration.queued_at)
                & (Registration.id < registration.id)
            ),
        )
    )
    return ahead + 1


def registrations(session: Session, meeting: Meeting, *, text: str = ""):
    """The meeting's live registrations: seats first (by name), then the waitlist in order."""
    waiting = Registration.status == RegistrationStatus.WAITLISTED
    query = (
        select(Registration)
        .join(User, Registration.user_id == User.id)
        .outerjoin(Company, Registration.company_id == Company.id)
        .where(Registration.meeting_id == meeting.id, Registration.status.in_(LIVE))
    )
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            func.lower(User.name).like(pattern)
            | func.lower(User.email).like(pattern)
            | func.lower(Company.name).like(pattern)
        )
    return query.order_by(
        waiting,
        case((waiting, Registration.queued_at), else_=None),
        func.lower(User.name),
        Registration.id,
    )


def company_registrations(session: Session, company_id: int):
    """Every registration of a company's people, newest meeting first (attendance view)."""
    return (
        select(Registration)
        .join(Meeting, Registration.meeting_id == Meeting.id)
        .join(User, Registration.user_id == User.id)
        .where(Registration.company_id == company_id, Meeting.status != MeetingStatus.DRAFT)
        .order_by(Meeting.starts_at.desc(), func.lower(User.name), Registration.id.desc())
    )


def my_registrations(session: Session, user: User):
    return (
        select(Registration)
        .join(Meeting, Registration.meeting_id == Meeting.id)
        .where(Registration.user_id == user.id, Registration.status.in_(LIVE))
        .order_by(Meeting.starts_at, Meeting.id)
    )


# --- who may register, and when -----------------------------------------------------------


def may_register(session: Session, meeting: Meeting, company: Company | None) -> bool:
    """Whether people of `company` belong to the meeting's audience."""
    if company is None or company.status != MembershipStatus.MEMBER:
        return False
    if meeting.is_pilot_only and not company.is_pilot:
        return False
    if meeting.audience == Audience.INVITED:
        return (
            session.get(MeetingInvitation, {"meeting_id": meeting.id, "company_id": company.id})
            is not None
        )
    if meeting.audience == Audience.TIER:
        return reaches(session, company, meeting.min_tier)
    return True


def registration_closed_reason(meeting: Meeting, now: datetime) -> str | None:
    if meeting.status == MeetingStatus.CANCELLED:
        return _("This meeting was cancelled.")
    if meeting.status != MeetingStatus.PUBLISHED:
        return _("Registration for this meeting is closed.")
    if meeting.registration_opens_at and now < meeting.registration_opens_at:
        return _(
            "Registration opens %(when)s.",
            when=datetime_zoned(meeting.registration_opens_at, "yyyy-MM-dd HH:mm"),
        )
    closes = meeting.registration_closes_at or meeting.starts_at
    if now >= closes:
        return _("Registration for this meeting is closed.")
    return None


def _check_person(person: User, actor: User) -> None:
    """The actor registers themselves or, as account holder, their own staff; only active
    people of member companies take seats."""
    if actor.id != person.id and not (
        actor.role == Role.ACCOUNT_HOLDER
        and person.company_id is not None
        and person.company_id == actor.company_id
    ):
        raise NotAllowed(_("You can register only yourself or your own company's staff."))
    if (
        not person.role.is_partner
        or person.company is None
        or not person.is_active
        or person.company.status != MembershipStatus.MEMBER
    ):
        raise RegistrationRefused(_("Only active staff of member companies can register."))


def _check_company_seats(session: Session, meeting: Meeting, person: User) -> None:
    """A company may hold `seats_per_company` live registrations (waiting ones count)."""
    if meeting.seats_per_company is None:
        return
    company_live = session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.company_id == person.company_id,
            Registration.status.in_(LIVE),
        )
    )
    if company_live >= meeting.seats_per_company:
        raise RegistrationRefused(
            _(
                "%(company)s already has all its %(seats)d seats at this meeting "
                "(the waitlist counts too).",
                company=person.company.name,
                seats=meeting.seats_per_company,
            )
        )


# --- registering and cancelling -----------------------------------------------------------


def register(
    session: Session,
    meeting: Meeting,
    person: User,
    *,
    actor: User,
    now: datetime | None = None,
) -> Registration:
    """A seat if one is free and nobody waits; otherwise a place on the waitlist."""
    now = now or utcnow()
    meeting = lock_meeting(session, meeting.id)
    _check_person(person, actor)
    if reason := registration_closed_reason(meeting, now):
        raise RegistrationRefused(reason)
    if not may_register(session, meeting, person.company):
        raise RegistrationRefused(
            _("This meeting is not open to %(company)s.", company=person.company.name)
        )
    if live_registration(session, meeting, person) is not None:
        raise RegistrationRefused(
            _("%(name)s is already registered for this meeting.", name=person.name)
        )
    _check_company_seats(session, meeting, person)
    count = seats(session, meeting)
    seat_free = count.taken < meeting.capacity and count.waiting == 0
    registration = Registration(
        meeting_id=meeting.id,
        user_id=person.id,
        company_id=person.company_id,
        status=RegistrationStatus.REGISTERED if seat_free else RegistrationStatus.WAITLISTED,
        queued_at=now,
        seat_given_at=now if seat_free else None,
        registered_by_id=actor.id,
        ticket_secret=secrets.token_hex(16),
    )
    session.add(registration)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # The unique index caught a second registration the check above could not see.
        raise RegistrationRefused(
            _("%(name)s is already registered for this meeting.", name=person.name)
        ) from None
    audit.record(
        session,
        "meeting.registered" if seat_free else "meeting.waitlisted",
        registration,
        actor=actor,
        company_id=person.company_id,
        after={"meeting": meeting.id, "person": person.id},
    )
    registration_changed.send(session, registration=registration, now=now)
    return registration


def cancel_registration(
    session: Session, registration: Registration, *, actor: User, now: datetime | None = None
) -> Registration:
    """Give up a seat or leave the waitlist; a freed seat goes to the first in line."""
    now = now or utcnow()
    meeting = lock_meeting(session, registration.meeting_id)
    session.refresh(registration)
    if not (
        actor.id == registration.user_id
        or actor.role == Role.CLUB_MANAGER
        or (actor.role == Role.ACCOUNT_HOLDER and actor.company_id == registration.company_id)
    ):
        raise NotAllowed(_("You cannot change this registration."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationRefused(_("This registration is already cancelled."))
    if meeting.status != MeetingStatus.PUBLISHED or meeting.starts_at <= now:
        raise RegistrationRefused(_("This meeting has started or is closed; nothing to cancel."))
    if registration.checked_in_at is not None:
        raise RegistrationRefused(_("This person has already been checked in."))
    had_seat = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    session.flush()
    audit.record(
        session,
        "meeting.registration_cancelled",
        registration,
        actor=actor,
        company_id=registration.company_id,
        after={"had_seat": had_seat},
    )
    registration_changed.send(session, registration=registration, now=now)
    if had_seat:
        promote_waiting(session, meeting, now=now)
    return registration


def promote_waiting(session: Session, meeting: Meeting, *, now: datetime | None = None) -> int:
    """Give free seats to the waitlist in order (the meeting must be locked)."""
    now = now or utcnow()
    if meeting.status != MeetingStatus.PUBLISHED or meeting.starts_at <= now:
        return 0
    free = seats(session, meeting).free
    if free <= 0:
        return 0
    waiting = session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .options(joinedload(Registration.user))  # each is e-mailed
        .order_by(Registration.queued_at, Registration.id)
        .limit(free)
    ).all()
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.seat_given_at = now
        audit.record(
            session,
            "meeting.seat_given",
            registration,
            company_id=registration.company_id,
            after={"meeting": meeting.id, "person": registration.user_id},
        )
        tell(session, registration, "meeting_seat_freed")
    session.flush()
    for registration in waiting:
        registration_changed.send(session, registration=registration, now=now)
    return len(waiting)


@dataclass(frozen=True)
class WeekMeeting:
    meeting: Meeting
    seats: Seats


def meetings_between(session: Session, start: datetime, end: datetime) -> list[WeekMeeting]:
    """Published meetings starting in [start, end), with their seats: two queries."""
    found = session.scalars(
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.PUBLISHED,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    counts = seats_by_meeting(session, [meeting.id for meeting in found])
    return [WeekMeeting(meeting, counts[meeting.id]) for meeting in found]
