"""Rules of club meetings: planning, seats and the waitlist, tickets, check-in, attendance.

Every change to a meeting's seats locks the meeting row first (FOR UPDATE on
PostgreSQL; on SQLite the transaction began IMMEDIATE), then counts seats under that
lock: many people registering at once can never overbook a meeting or a company's seat
limit. Lock order is always meeting, then wallet (attendance points).
"""

from __future__ import annotations

import calendar
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.database import holds_write_lock
from club.core.errors import ClubError, NotAllowed
from club.core.mail import queue_mail
from club.core.periods import club_zone
from club.core.roles import Role
from club.events.models import (
    Attendance,
    Audience,
    CalendarFeed,
    Meeting,
    MeetingFormat,
    MeetingInvitation,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Speaker,
)
from club.ledger import services as ledger
from club.members.models import Company, MembershipStatus, User
from club.members.standing import company_tier

LIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
# A copied meeting moves one quarter on, to the same weekday and hour.
COPY_SHIFT = timedelta(weeks=13)
MAX_SPEAKERS = 6


class MeetingError(ClubError):
    pass


class RegistrationRefused(MeetingError):
    pass


class TicketInvalid(MeetingError):
    status_code = 404


# --- reading ---------------------------------------------------------------------------


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


# --- quarters and the calendar ---------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def parse_quarter(value: str, *, today: date) -> tuple[int, int]:
    """'2026-Q3' -> (2026, 3); anything else -> the quarter of today."""
    try:
        year_text, quarter_text = value.upper().split("-Q")
        year, quarter = int(year_text), int(quarter_text)
        if 2000 <= year <= 2100 and 1 <= quarter <= 4:
            return year, quarter
    except ValueError:
        pass
    return quarter_of(today)


def shift_quarter(year: int, quarter: int, by: int) -> tuple[int, int]:
    index = year * 4 + quarter - 1 + by
    return index // 4, index % 4 + 1


@dataclass
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[tuple[date, list[Meeting]]]] = field(default_factory=list)


def quarter_calendar(session: Session, year: int, quarter: int) -> list[CalendarMonth]:
    """The quarter's three months as week rows, each day with its meetings (club zone)."""
    zone = club_zone()
    first_month = (quarter - 1) * 3 + 1
    start = datetime.combine(date(year, first_month, 1), time(), zone)
    end_year, end_month = (year + 1, 1) if quarter == 4 else (year, first_month + 3)
    end = datetime.combine(date(end_year, end_month, 1), time(), zone)
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(meeting.starts_at.astimezone(zone).date(), []).append(meeting)
    months = []
    weeks_of = calendar.Calendar(firstweekday=0).monthdatescalendar
    for month in range(first_month, first_month + 3):
        months.append(
            CalendarMonth(
                year,
                month,
                [[(day, by_day.get(day, [])) for day in week] for week in weeks_of(year, month)],
            )
        )
    return months


# --- planning (the club manager) -------------------------------------------------------


@dataclass
class MeetingData:
    """What the meeting form says; times are naive, in `timezone`."""

    title: str
    format: str
    theme: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    place: str
    online_url: str
    capacity: int
    seats_per_company: int | None
    audience: str
    min_tier: str | None
    invited_company_ids: list[int]
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    attendance_points: int
    speakers: list[tuple[str, str, str]]  # (name, role, bio)


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _check(data: MeetingData) -> None:
    if data.timezone not in available_timezones():
        raise MeetingError(_("Choose a time zone from the list."), field="timezone")
    if data.format not in set(MeetingFormat):
        raise MeetingError(_("Choose a format from the list."), field="format")
    if data.audience not in set(Audience):
        raise MeetingError(_("Choose who may register."), field="audience")
    if data.ends_at <= data.starts_at:
        raise MeetingError(_("The meeting must end after it starts."), field="ends_at")
    if data.capacity < 1:
        raise MeetingError(_("A meeting needs at least one seat."), field="capacity")
    if data.seats_per_company is not None and data.seats_per_company < 1:
        raise MeetingError(_("Seats per company must be at least one."), field="seats_per_company")
    if data.attendance_points < 0:
        raise MeetingError(_("Points cannot be negative."), field="attendance_points")
    if data.format == MeetingFormat.WEBINAR and not data.online_url:
        raise MeetingError(_("A webinar needs its online link."), field="online_url")
    if data.format != MeetingFormat.WEBINAR and not data.place and not data.online_url:
        raise MeetingError(_("Give the place or an online link."), field="place")
    if data.audience == Audience.TIER and not data.min_tier:
        raise MeetingError(_("Name the tier that may register."), field="min_tier")
    if data.audience == Audience.INVITED and not data.invited_company_ids:
        raise MeetingError(_("Invite at least one company."), field="invited_company_ids")
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and opens >= closes:
        raise MeetingError(
            _("Registration must open before it closes."), field="registration_closes_at"
        )
    if closes and closes > data.ends_at:
        raise MeetingError(
            _("Registration cannot close after the meeting ends."), field="registration_closes_at"
        )
    if len(data.speakers) > MAX_SPEAKERS:
        raise MeetingError(_("At most %(count)d speakers.", count=MAX_SPEAKERS), field="speakers")


# Changes that people's calendars must pick up.
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "place", "online_url", "description")


def save_meeting(
    session: Session, meeting: Meeting | None, data: MeetingData, *, actor: User
) -> Meeting:
    """Create a draft (meeting=None) or change a meeting that is not over."""
    _check(data)
    zone = ZoneInfo(data.timezone)
    if meeting is not None:
        meeting = lock_meeting(session, meeting.id)
        if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.DONE):
            raise MeetingError(_("A cancelled or finished meeting cannot be changed."))
    companies = []
    if data.audience == Audience.INVITED:
        ids = sorted(set(data.invited_company_ids))
        companies = session.scalars(select(Company).where(Company.id.in_(ids))).all()
        if len(companies) != len(ids):
            raise MeetingError(
                _("Some invited companies do not exist."), field="invited_company_ids"
            )
    values = {
        "title": data.title.strip(),
        "format": MeetingFormat(data.format),
        "theme": data.theme.strip(),
        "description": data.description.strip(),
        "starts_at": _aware(data.starts_at, zone),
        "ends_at": _aware(data.ends_at, zone),
        "timezone": data.timezone,
        "place": data.place.strip(),
        "online_url": data.online_url.strip(),
        "capacity": data.capacity,
        "seats_per_company": data.seats_per_company,
        "audience": Audience(data.audience),
        "min_tier": data.min_tier if data.audience == Audience.TIER else None,
        "registration_opens_at": _aware(data.registration_opens_at, zone),
        "registration_closes_at": _aware(data.registration_closes_at, zone),
        "attendance_points": data.attendance_points,
    }
    if meeting is None:
        meeting = Meeting(uid=f"{uuid.uuid4()}@club", created_by_id=actor.id, **values)
        session.add(meeting)
        before = None
        grew = False
    else:
        before = {key: _plain(getattr(meeting, key)) for key in values}
        calendar_changed = any(
            _plain(getattr(meeting, key)) != _plain(values[key]) for key in _CALENDAR_FIELDS
        )
        grew = data.capacity > meeting.capacity
        for key, value in values.items():
            setattr(meeting, key, value)
        if calendar_changed:
            meeting.sequence += 1
    meeting.invited_companies = list(companies)
    meeting.speakers = [
        Speaker(position=index, name=name.strip(), role=role.strip(), bio=bio.strip())
        for index, (name, role, bio) in enumerate(data.speakers)
        if name.strip()
    ]
    session.flush()
    audit.record(
        session,
        "meeting.created" if before is None else "meeting.changed",
        meeting,
        actor=actor,
        before=before,
        after={key: _plain(value) for key, value in values.items()},
    )
    if grew and meeting.status == MeetingStatus.PUBLISHED:
        promote_waiting(session, meeting)
    return meeting


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, MeetingFormat | Audience):
        return value.value
    return value


def _shifted(meeting: Meeting, moment: datetime) -> datetime:
    """One quarter later at the same local time, across a change of daylight saving."""
    zone = ZoneInfo(meeting.timezone)
    wall_clock = moment.astimezone(zone).replace(tzinfo=None) + COPY_SHIFT
    return wall_clock.replace(tzinfo=zone)


def copy_meeting(session: Session, original: Meeting, *, actor: User) -> Meeting:
    """A new draft like `original`, one quarter later, same weekday and time."""
    copy = Meeting(
        uid=f"{uuid.uuid4()}@club",
        title=original.title,
        format=original.format,
        theme=original.theme,
        description=original.description,
        starts_at=_shifted(original, original.starts_at),
        ends_at=_shifted(original, original.ends_at),
        timezone=original.timezone,
        place=original.place,
        online_url=original.online_url,
        capacity=original.capacity,
        seats_per_company=original.seats_per_company,
        audience=original.audience,
        min_tier=original.min_tier,
        registration_opens_at=None,
        registration_closes_at=None,
        attendance_points=original.attendance_points,
        copied_from_id=original.id,
        created_by_id=actor.id,
    )
    copy.speakers = [
        Speaker(position=s.position, name=s.name, role=s.role, bio=s.bio) for s in original.speakers
    ]
    copy.invited_companies = list(original.invited_companies)
    session.add(copy)
    session.flush()
    audit.record(session, "meeting.copied", copy, actor=actor, after={"from": original.id})
    return copy


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


def publish(session: Session, meeting: Meeting, *, actor: User, now: datetime | None = None):
    now = now or utcnow()
    meeting = lock_meeting(session, meeting.id)
    if meeting.status != MeetingStatus.DRAFT:
        raise MeetingError(_("Only a draft can be published."))
    if meeting.starts_at <= now:
        raise MeetingError(_("This meeting's start is in the past; change its date first."))
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = now
    audit.record(session, "meeting.published", meeting, actor=actor)
    return meeting


def cancel_meeting(
    session: Session, meeting: Meeting, *, actor: User, now: datetime | None = None
) -> int:
    """Cancel a published meeting; every registered or waiting person is told. Returns
    how many were told."""
    now = now or utcnow()
    meeting = lock_meeting(session, meeting.id)
    if meeting.status == MeetingStatus.DRAFT:
        raise MeetingError(_("A draft is not announced; edit or leave it instead."))
    if meeting.status != MeetingStatus.PUBLISHED:
        raise MeetingError(_("Only a published meeting can be cancelled."))
    if meeting.ends_at <= now:
        raise MeetingError(_("This meeting is over; close it instead."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.sequence += 1
    told = 0
    for registration in session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))  # each is e-mailed
        .where(Registration.meeting_id == meeting.id, Registration.status.in_(LIVE))
    ):
        # Registrations stay as they were: the history shows who had planned to come.
        _tell(session, registration, "meeting_cancelled")
        told += 1
    audit.record(session, "meeting.cancelled", meeting, actor=actor, after={"told": told})
    return told


def _tell(session: Session, registration: Registration, template: str, **context) -> None:
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


# --- registering -----------------------------------------------------------------------


def may_register(session: Session, meeting: Meeting, company: Company | None) -> bool:
    """Whether people of `company` belong to the meeting's audience."""
    if company is None or company.status != MembershipStatus.MEMBER:
        return False
    if meeting.audience == Audience.INVITED:
        return (
            session.get(MeetingInvitation, {"meeting_id": meeting.id, "company_id": company.id})
            is not None
        )
    if meeting.audience == Audience.TIER:
        return company_tier(session, company) == meeting.min_tier
    return True


def registration_closed_reason(meeting: Meeting, now: datetime) -> str | None:
    if meeting.status == MeetingStatus.CANCELLED:
        return _("This meeting was cancelled.")
    if meeting.status != MeetingStatus.PUBLISHED:
        return _("Registration for this meeting is closed.")
    if meeting.registration_opens_at and now < meeting.registration_opens_at:
        return _(
            "Registration opens %(when)s.",
            when=local(meeting, meeting.registration_opens_at).strftime("%Y-%m-%d %H:%M"),
        )
    closes = meeting.registration_closes_at or meeting.starts_at
    if now >= closes:
        return _("Registration for this meeting is closed.")
    return None


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
    if meeting.seats_per_company is not None:
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
        _tell(session, registration, "meeting_seat_freed")
    session.flush()
    return len(waiting)


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
    for registration in seated:
        if registration.checked_in_at is None:
            registration.attendance = Attendance.NO_SHOW
            no_shows += 1
            continue
        registration.attendance = Attendance.ATTENDED
        attended += 1
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
    return Closing(attended, no_shows, awarded)


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


# --- reminders -------------------------------------------------------------------------


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
            claimed = session.execute(
                update(Registration)
                .where(Registration.id == registration.id, column.is_(None))
                .values({column.key: now})
            ).rowcount
            if claimed:
                if column is Registration.day_reminder_at:
                    # Someone who got the day's reminder needs no week reminder any more.
                    session.execute(
                        update(Registration)
                        .where(
                            Registration.id == registration.id,
                            Registration.week_reminder_at.is_(None),
                        )
                        .values(week_reminder_at=now)
                    )
                _tell(
                    session,
                    registration,
                    "meeting_reminder",
                    days=max((registration.meeting.starts_at - now).days, 0),
                )
                sent += 1
    return sent


# --- calendar feeds --------------------------------------------------------------------


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
