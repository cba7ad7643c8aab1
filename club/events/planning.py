"""Planning meetings (the club manager): a draft, its changes, a copy for next quarter,
publishing it to members and cancelling it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.core.languages import checked_texts, club_language, texts_text, write_texts
from club.events.errors import MeetingError
from club.events.mails import tell
from club.events.meetings import lock_meeting
from club.events.models import (
    Audience,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    MeetingText,
    Registration,
    Speaker,
    SpeakerText,
)
from club.events.registration import LIVE, promote_waiting
from club.members.models import Company, User

# A copied meeting moves one quarter on, to the same weekday and hour.
COPY_SHIFT = timedelta(weeks=13)
MAX_SPEAKERS = 6
SPEAKER_LIMITS = {"role": 200, "bio": 500}


@dataclass
class SpeakerData:
    """One speaker as the form gives it: the role and bio in the club language, and in
    the other languages `texts` ({"en": {"role": ..., "bio": ...}}; None: none)."""

    name: str
    role: str = ""
    bio: str = ""
    texts: dict[str, dict[str, str]] | None = None


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
    min_tier_id: int | None
    invited_company_ids: list[int]
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    attendance_points: int
    # SpeakerData, or (name, role, bio) in the club language only
    speakers: list[SpeakerData | tuple[str, str, str]]
    is_pilot_only: bool = False
    # The other club languages: {"pl": {"title": ..., "theme": ..., "description": ...}};
    # the fields above are the club language's. None leaves them as they are.
    texts: dict[str, dict[str, str]] | None = None


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
    if data.audience == Audience.TIER and not data.min_tier_id:
        raise MeetingError(_("Name the tier that may register."), field="min_tier_id")
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


def _speakers(data: MeetingData) -> list[Speaker]:
    """The speakers with a name, in order, each with its role and bio in each language
    (within SPEAKER_LIMITS); MeetingError names what is wrong."""
    speakers = []
    for given in data.speakers:
        if not isinstance(given, SpeakerData):
            given = SpeakerData(*given)
        name = given.name.strip()
        if not name:
            if (
                given.role.strip()
                or given.bio.strip()
                or any(
                    any(str(value or "").strip() for value in values.values())
                    for values in (given.texts or {}).values()
                )
            ):
                raise MeetingError(_("Each speaker needs a name."), field="speakers")
            continue
        if len(name) > 120:
            raise MeetingError(_("At most %(num)d characters.", num=120), field="speakers")
        written = {club_language(): {"role": given.role, "bio": given.bio}}
        for language, values in (given.texts or {}).items():
            written.setdefault(language, values)
        try:
            texts = checked_texts(written, SPEAKER_LIMITS, title_needed=False)
        except ClubError as error:
            raise MeetingError(f"{name}: {error.message}", field="speakers") from None
        base = texts.pop(club_language())
        speaker = Speaker(position=len(speakers), name=name, **base)
        write_texts(speaker, SpeakerText, texts)
        speakers.append(speaker)
    return speakers


# Changes that people's calendars must pick up.
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "place", "online_url", "description")


def _values(data: MeetingData) -> dict:
    """The meeting's columns as the form gives them, times in the meeting's zone."""
    zone = ZoneInfo(data.timezone)
    return {
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
        "min_tier_id": data.min_tier_id if data.audience == Audience.TIER else None,
        "registration_opens_at": _aware(data.registration_opens_at, zone),
        "registration_closes_at": _aware(data.registration_closes_at, zone),
        "attendance_points": data.attendance_points,
        "is_pilot_only": data.is_pilot_only,
    }


def _invited(session: Session, data: MeetingData) -> list[Company]:
    if data.audience != Audience.INVITED:
        return []
    ids = sorted(set(data.invited_company_ids))
    companies = session.scalars(select(Company).where(Company.id.in_(ids))).all()
    if len(companies) != len(ids):
        raise MeetingError(_("Some invited companies do not exist."), field="invited_company_ids")
    return list(companies)


def save_meeting(
    session: Session,
    meeting: Meeting | None,
    data: MeetingData,
    *,
    actor: User,
    now: datetime | None = None,
) -> Meeting:
    """Create a draft (meeting=None) or change a meeting that is not over. A new meeting,
    or a new start, lies in the future."""
    _check(data)
    texts = checked_texts(data.texts, TEXT_LIMITS) if data.texts is not None else None
    speakers = _speakers(data)
    if meeting is not None:
        meeting = lock_meeting(session, meeting.id)
        if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.DONE):
            raise MeetingError(_("A cancelled or finished meeting cannot be changed."))
    companies = _invited(session, data)
    values = _values(data)
    moved = meeting is None or meeting.starts_at != values["starts_at"]
    if moved and values["starts_at"] <= (now or utcnow()):
        raise MeetingError(_("The meeting must start in the future."), field="starts_at")
    if meeting is None:
        meeting = Meeting(uid=f"{uuid.uuid4()}@club", created_by_id=actor.id, **values)
        session.add(meeting)
        before = None
        grew = False
    else:
        before = {key: _plain(_stored(meeting, key)) for key in values}
        before["texts"] = texts_text(meeting)
        before["speakers"] = _speakers_text(meeting)
        calendar_changed = any(
            _plain(_stored(meeting, key)) != _plain(values[key]) for key in _CALENDAR_FIELDS
        )
        grew = data.capacity > meeting.capacity
        for key, value in values.items():
            setattr(meeting, key, value)
        if calendar_changed:
            meeting.sequence += 1
    meeting.invited_companies = companies
    meeting.speakers = speakers
    write_texts(meeting, MeetingText, texts)
    session.flush()
    after = {key: _plain(value) for key, value in values.items()}
    after["texts"] = texts_text(meeting)
    after["speakers"] = _speakers_text(meeting)
    audit.record(
        session,
        "meeting.created" if before is None else "meeting.changed",
        meeting,
        actor=actor,
        before=before,
        after=after,
    )
    if grew and meeting.status == MeetingStatus.PUBLISHED:
        promote_waiting(session, meeting)
    return meeting


TEXT_LIMITS = {"title": 200, "theme": 200, "description": 20_000}


def _speakers_text(meeting: Meeting) -> str:
    """What the audit log keeps of the speakers, in order: each one's name, role and bio
    in the club language, then the other languages' (texts_text)."""
    return "; ".join(
        " | ".join(
            part
            for part in (speaker.name, speaker.base_role, speaker.base_bio, texts_text(speaker))
            if part
        )
        for speaker in meeting.speakers
    )


def _stored(meeting: Meeting, key: str):
    """A field as stored: the club language's text, not the reader's."""
    return getattr(meeting, f"base_{key}" if key in Meeting.TEXT_FIELDS else key)


def _plain(value):
    if isinstance(value, datetime):  # one instant, one text, whatever its zone
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
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
        title=original.base_title,
        format=original.format,
        theme=original.base_theme,
        description=original.base_description,
        starts_at=_shifted(original, original.starts_at),
        ends_at=_shifted(original, original.ends_at),
        timezone=original.timezone,
        place=original.place,
        online_url=original.online_url,
        capacity=original.capacity,
        seats_per_company=original.seats_per_company,
        audience=original.audience,
        min_tier_id=original.min_tier_id,
        is_pilot_only=original.is_pilot_only,
        registration_opens_at=None,
        registration_closes_at=None,
        attendance_points=original.attendance_points,
        copied_from_id=original.id,
        created_by_id=actor.id,
    )
    copy.speakers = [
        Speaker(
            position=s.position,
            name=s.name,
            role=s.base_role,
            bio=s.base_bio,
            texts=[SpeakerText(language=t.language, role=t.role, bio=t.bio) for t in s.texts],
        )
        for s in original.speakers
    ]
    copy.invited_companies = list(original.invited_companies)
    copy.texts = [
        MeetingText(
            language=text.language, title=text.title, theme=text.theme, description=text.description
        )
        for text in original.texts
    ]
    session.add(copy)
    session.flush()
    audit.record(session, "meeting.copied", copy, actor=actor, after={"from": original.id})
    return copy


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
        tell(session, registration, "meeting_cancelled")
        told += 1
    audit.record(session, "meeting.cancelled", meeting, actor=actor, after={"told": told})
    return told
