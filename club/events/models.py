"""Club meetings, their speakers, registrations (seats and waitlist) and calendar feeds."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.languages import Translated, translated
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, Tier, User, str_enum


class MeetingFormat(enum.StrEnum):
    BUSINESS_BREAKFAST = "business_breakfast"
    CLUB_ACADEMY = "club_academy"
    CLUB_EVENING = "club_evening"
    WEBINAR = "webinar"

    @property
    def label(self) -> str:
        return str(FORMAT_LABELS[self])


FORMAT_LABELS = {
    MeetingFormat.BUSINESS_BREAKFAST: _l("Business breakfast"),
    MeetingFormat.CLUB_ACADEMY: _l("Club academy"),
    MeetingFormat.CLUB_EVENING: _l("Club evening"),
    MeetingFormat.WEBINAR: _l("Webinar"),
}


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(MEETING_STATUS_LABELS[self])


MEETING_STATUS_LABELS = {
    MeetingStatus.DRAFT: _l("Draft"),
    MeetingStatus.PUBLISHED: _l("Published"),
    MeetingStatus.CANCELLED: _l("Cancelled"),
    MeetingStatus.DONE: _l("Done"),
}


class Audience(enum.StrEnum):
    MEMBERS = "members"  # every member company
    TIER = "tier"  # member companies of `min_tier` and above
    INVITED = "invited"  # only the companies invited by name

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    Audience.MEMBERS: _l("All members"),
    Audience.TIER: _l("Members of a tier"),
    Audience.INVITED: _l("Invited companies"),
}


class Meeting(Translated, db.Model):
    __tablename__ = "meeting"
    TEXT_FIELDS = ("title", "theme", "description")
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint(
            "seats_per_company IS NULL OR seats_per_company >= 1", name="seats_per_company_positive"
        ),
        CheckConstraint("attendance_points >= 0", name="attendance_points_not_negative"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint(
            "registration_opens_at IS NULL OR registration_closes_at IS NULL"
            " OR registration_opens_at < registration_closes_at",
            name="registration_opens_before_close",
        ),
        CheckConstraint("audience <> 'tier' OR min_tier_id IS NOT NULL", name="tier_named"),
        Index("ix_meeting_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across edits: calendar apps match updates and cancellations by it.
    uid: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    # Rises with every change people's calendars should pick up (RFC 5545 SEQUENCE).
    sequence: Mapped[int] = mapped_column(nullable=False, default=0)
    # The club language's text (core/languages.py); `texts` has it in each language, and
    # `meeting.title` reads the viewer's.
    base_title: Mapped[str] = mapped_column("title", String(200), nullable=False)
    format: Mapped[MeetingFormat] = mapped_column(
        str_enum(MeetingFormat, "meeting_format"), nullable=False
    )
    base_theme: Mapped[str] = mapped_column("theme", String(200), nullable=False, default="")
    base_description: Mapped[str] = mapped_column("description", Text, nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The zone the meeting is held in (IANA name): the manager plans in it and the mails
    # write its times in it; pages show times in the club's zone, named.
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    place: Mapped[str] = mapped_column(Text, nullable=False, default="")
    online_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    capacity: Mapped[int] = mapped_column(nullable=False)
    seats_per_company: Mapped[int | None] = mapped_column(nullable=True)
    audience: Mapped[Audience] = mapped_column(
        str_enum(Audience, "meeting_audience"), nullable=False, default=Audience.MEMBERS
    )
    min_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="RESTRICT"), nullable=True
    )
    # Only for the pilot group (Company.is_pilot), whatever the audience says.
    is_pilot_only: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attendance_points: Mapped[int] = mapped_column(nullable=False, default=0)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus, "meeting_status"), nullable=False, default=MeetingStatus.DRAFT
    )
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    min_tier: Mapped[Tier | None] = relationship()
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="meeting",
        order_by="Speaker.position",
        cascade="all, delete-orphan",
    )
    invited_companies: Mapped[list[Company]] = relationship(
        secondary="meeting_invitation", order_by=Company.name
    )
    texts: Mapped[list[MeetingText]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MeetingText.language"
    )

    title = translated("title")
    theme = translated("theme")
    description = translated("description")

    @property
    def is_online(self) -> bool:
        return self.format == MeetingFormat.WEBINAR or (bool(self.online_url) and not self.place)


class Speaker(Translated, db.Model):
    """A speaker of a meeting: the name as written, the role and bio in each language."""

    __tablename__ = "meeting_speaker"
    TEXT_FIELDS = ("role", "bio")
    TEXT_REQUIRED = None  # a speaker may have neither: a language's row is kept if it has one

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # The club language's text; `texts` has it in each language, `speaker.role` the viewer's.
    base_role: Mapped[str] = mapped_column("role", String(200), nullable=False, default="")
    base_bio: Mapped[str] = mapped_column("bio", Text, nullable=False, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="speakers")
    texts: Mapped[list[SpeakerText]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SpeakerText.language"
    )

    role = translated("role")
    bio = translated("bio")

    @property
    def has_text(self) -> bool:
        """Whether the speaker has a role or a bio in any language (else no marker)."""
        return any(text.role or text.bio for text in self.texts) or bool(
            self.base_role or self.base_bio
        )


class SpeakerText(db.Model):
    """A speaker's role and bio in one language."""

    __tablename__ = "meeting_speaker_text"
    __table_args__ = (
        UniqueConstraint("speaker_id", "language", name="uq_meeting_speaker_text_language"),
        CheckConstraint("language IN ('en', 'pl', 'ru')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_speaker.id", ondelete="CASCADE"), nullable=False
    )
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    role: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    bio: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"<SpeakerText {self.speaker_id} {self.language}>"


class MeetingText(db.Model):
    """A meeting's title, theme and description in one language."""

    __tablename__ = "meeting_text"
    __table_args__ = (
        UniqueConstraint("meeting_id", "language", name="uq_meeting_text_language"),
        CheckConstraint("language IN ('en', 'pl', 'ru')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False
    )
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    theme: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"<MeetingText {self.meeting_id} {self.language}>"


class MeetingInvitation(db.Model):
    """A company invited to a meeting whose audience is 'invited companies'."""

    __tablename__ = "meeting_invitation"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"  # holds a seat
    WAITLISTED = "waitlisted"  # waits for a seat, in `queued_at` order
    CANCELLED = "cancelled"  # left the meeting or the waitlist

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.REGISTERED: _l("Registered"),
    RegistrationStatus.WAITLISTED: _l("On the waitlist"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_LABELS[self])


ATTENDANCE_LABELS = {
    Attendance.ATTENDED: _l("Attended"),
    Attendance.NO_SHOW: _l("No-show"),
}


class Registration(db.Model):
    """One person at one meeting: a seat or a place on the waitlist."""

    __tablename__ = "meeting_registration"
    __table_args__ = (
        # One live registration per person and meeting; cancelled ones stay as history.
        Index(
            "uq_meeting_registration_live",
            "meeting_id",
            "user_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_meeting_registration_queue", "meeting_id", "status", "queued_at", "id"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
        CheckConstraint(
            "checked_in_at IS NULL OR status = 'registered'", name="checked_in_holds_a_seat"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The person's company when they registered: the per-company seat limit counts it.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "registration_status"), nullable=False
    )
    # Waitlist order: when the person asked for a seat.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    seat_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A fresh secret per registration: a ticket of a cancelled registration stays dead.
    ticket_secret: Mapped[str] = mapped_column(String(32), nullable=False)
    is_walk_in: Mapped[bool] = mapped_column(nullable=False, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    attendance: Mapped[Attendance | None] = mapped_column(
        str_enum(Attendance, "attendance"), nullable=True
    )
    week_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    day_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rating: Mapped[int | None] = mapped_column(nullable=True)
    rating_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    company: Mapped[Company | None] = relationship()
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])


class CalendarFeed(db.Model):
    """A person's secret calendar address; a new one replaces (revokes) the old."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship()
