"""Companies and users."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.roles import Role
from club.core.types import UTCDateTime
from club.extensions import db


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its lower-case value in a VARCHAR with a CHECK constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class MembershipStatus(enum.StrEnum):
    APPLICANT = "applicant"
    MEMBER = "member"
    SUSPENDED = "suspended"
    LEFT = "left"

    @property
    def label(self) -> str:
        return str(MEMBERSHIP_LABELS[self])


MEMBERSHIP_LABELS = {
    MembershipStatus.APPLICANT: _l("Applicant"),
    MembershipStatus.MEMBER: _l("Member"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.LEFT: _l("Left"),
}


class Tier(db.Model):
    """A level of membership (Member, Silver, Gold): reached by a company whose confirmed
    base purchase points over the last 12 months reach its threshold; it multiplies the
    company's purchase points and unlocks privileges and meetings of its rank and below.

    Threshold and multiplier edits wait in `pending_*` until the next requalification
    applies them (members.standing): a company is never judged by rules changed mid-month.
    """

    __tablename__ = "tier"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("position <> 0 OR threshold = 0", name="lowest_tier_free"),
        CheckConstraint("threshold >= 0", name="threshold_not_negative"),
        CheckConstraint("pending_threshold >= 0", name="pending_threshold_not_negative"),
        CheckConstraint("multiplier_percent BETWEEN 100 AND 1000", name="multiplier_at_least_x1"),
        CheckConstraint(
            "pending_multiplier_percent BETWEEN 100 AND 1000",
            name="pending_multiplier_at_least_x1",
        ),
        CheckConstraint("code = lower(code) AND length(code) >= 1", name="code_lowercase"),
        CheckConstraint("length(colour) = 7 AND colour LIKE '#%'", name="colour_hex"),
        UniqueConstraint("position", name="uq_tier_position"),
        UniqueConstraint("code", name="uq_tier_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable key for URLs, the API and leagues (the names change with the language).
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)
    name_en: Mapped[str] = mapped_column(String(40), nullable=False)
    name_pl: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ru: Mapped[str] = mapped_column(String(40), nullable=False)
    # Confirmed base purchase points over the last 12 months (points: the club's unit
    # across currencies).
    threshold: Mapped[int] = mapped_column(nullable=False)
    multiplier_percent: Mapped[int] = mapped_column(nullable=False, default=100)
    pending_threshold: Mapped[int | None] = mapped_column(nullable=True)
    pending_multiplier_percent: Mapped[int | None] = mapped_column(nullable=True)
    colour: Mapped[str] = mapped_column(String(7), nullable=False, default="#6b7280")
    # Reached only by companies of the pilot group (Company.is_pilot): a tier tried there
    # before the full launch. The lowest tier is everybody's (members.tiers checks).
    is_pilot_only: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def name(self) -> str:
        """The name in the reader's language (English outside a request)."""
        return getattr(self, f"name_{_language()}", None) or self.name_en

    @property
    def next_threshold(self) -> int:
        """The threshold from the next requalification on."""
        return self.threshold if self.pending_threshold is None else self.pending_threshold

    @property
    def next_multiplier_percent(self) -> int:
        if self.pending_multiplier_percent is None:
            return self.multiplier_percent
        return self.pending_multiplier_percent

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Tier {self.position} {self.code} {self.threshold} {self.multiplier_percent}%>"


def _language() -> str:
    locale = get_locale() if has_request_context() else None
    return locale.language if locale is not None else "en"


class TierChangeReason(enum.StrEnum):
    FIRST = "first"  # the first requalification gave the company its tier
    UP = "up"  # requalified up, at once
    DOWN = "down"  # dropped after the grace period
    MANAGER = "manager"  # set by the club manager

    @property
    def label(self) -> str:
        return str(TIER_CHANGE_LABELS[self])


TIER_CHANGE_LABELS = {
    TierChangeReason.FIRST: _l("First requalification"),
    TierChangeReason.UP: _l("Requalified up"),
    TierChangeReason.DOWN: _l("Dropped after the grace period"),
    TierChangeReason.MANAGER: _l("Set by the club manager"),
}


class TierChange(db.Model):
    """A company's tier from a day to a day (open while it holds): the tier history."""

    __tablename__ = "tier_change"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        # One open row per company, whatever runs at once.
        Index(
            "uq_tier_change_one_open",
            "company_id",
            unique=True,
            sqlite_where=text("ends_on IS NULL"),
            postgresql_where=text("ends_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id", ondelete="RESTRICT"), nullable=False)
    previous_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="RESTRICT"), nullable=True
    )
    starts_on: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[date | None] = mapped_column(nullable=True)
    reason: Mapped[TierChangeReason] = mapped_column(
        str_enum(TierChangeReason, "tier_change_reason"), nullable=False
    )
    # The company's 12-month figure (base points) when it changed.
    figure: Mapped[int | None] = mapped_column(nullable=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    tier: Mapped[Tier] = relationship(foreign_keys=[tier_id])
    previous_tier: Mapped[Tier | None] = relationship(foreign_keys=[previous_tier_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"<TierChange company={self.company_id} tier={self.tier_id} from {self.starts_on}>"


class Company(db.Model):
    """A partner company: it has one wallet (later), staff and one account holder."""

    __tablename__ = "company"
    __table_args__ = (
        UniqueConstraint("country", "tax_id", name="uq_company_country_tax_id"),
        CheckConstraint("length(country) = 2", name="country_iso2"),
        CheckConstraint(
            "(tier_drop_to_id IS NULL) = (tier_drop_on IS NULL)", name="tier_drop_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # Stored normalised (digits only for PL and RU) so the same company is found once.
    tax_id: Mapped[str] = mapped_column(String(32), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    street: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"),
        nullable=False,
        default=MembershipStatus.APPLICANT,
        index=True,
    )
    joined_on: Mapped[date | None] = mapped_column(nullable=True)
    # The club day the current status began: a suspended or left company's points are
    # frozen from it and forfeited the admission rules' months later.
    status_since: Mapped[date | None] = mapped_column(nullable=True)
    # In the pilot group: pilot-only privileges and meetings are open to it.
    is_pilot: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false(), index=True
    )
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL", use_alter=True), nullable=True, index=True
    )
    # When off, people boards show its staff who hide their names as "Anonymous member"
    # and company boards show it as "Anonymous company" (set by the account holder).
    is_shown_on_boards: Mapped[bool] = mapped_column(
        nullable=False, default=True, server_default=true()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The tier the last requalification gave it (members.standing); None until then.
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    # A drop waiting out its grace period: to which tier, and on which day.
    tier_drop_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="RESTRICT"), nullable=True
    )
    tier_drop_on: Mapped[date | None] = mapped_column(nullable=True)

    account_manager: Mapped[User | None] = relationship(foreign_keys=[account_manager_id])
    tier: Mapped[Tier | None] = relationship(foreign_keys=[tier_id])
    tier_drop_to: Mapped[Tier | None] = relationship(foreign_keys=[tier_drop_to_id])
    users: Mapped[list[User]] = relationship(
        back_populates="company", foreign_keys="User.company_id", order_by="User.name"
    )

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.street, self.postal_code, self.city) if part)

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r} {self.status.value}>"


class User(UserMixin, db.Model):
    """A person who signs in: partner staff, account holder or supplier staff."""

    __tablename__ = "user"
    __table_args__ = (
        # Case-insensitive uniqueness: e-mails are stored lower-cased, and the database
        # refuses anything else.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        # Partner roles belong to a company; supplier staff to none.
        CheckConstraint(
            "(role IN ('partner_staff', 'account_holder') AND company_id IS NOT NULL)"
            " OR (role IN ('account_manager', 'club_manager') AND company_id IS NULL)",
            name="role_matches_company",
        ),
        CheckConstraint("session_generation >= 1", name="session_generation_positive"),
        # At most one account holder per company, whatever the code does.
        Index(
            "uq_user_one_account_holder",
            "company_id",
            unique=True,
            sqlite_where=text("role = 'account_holder'"),
            postgresql_where=text("role = 'account_holder'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # None until the invitee sets a password through their invitation link.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), nullable=False, index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="en")
    is_shown_on_boards: Mapped[bool] = mapped_column(nullable=False, default=True)
    is_active: Mapped[bool] = mapped_column(nullable=False, default=True)
    # Bumped on deactivation, role change and password change: every session started
    # under an older number (UserSession.generation) is signed out on its next request.
    session_generation: Mapped[int] = mapped_column(nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    company: Mapped[Company | None] = relationship(
        back_populates="users", foreign_keys=[company_id]
    )

    # The key of the server-side session this object was signed in or loaded through
    # (not a column: set by sign_in.start_session and load_user_for_session).
    session_key = None

    @property
    def is_invited(self) -> bool:
        """Invited but has not set a password yet."""
        return self.password_hash is None

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the key of this browser's UserSession."""
        if self.session_key is None:
            raise RuntimeError("start a session (sign_in.start_session) before login_user")
        return self.session_key

    # Rows compare as rows: UserMixin compares get_id(), which is now one browser's key.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class UserSession(db.Model):
    """One signed-in browser. Its cookie carries a random key; only the key's hash is
    stored, so a leaked database holds no usable session.

    Logging out deletes the row, so a copy of the cookie no longer signs anyone in; a
    session started under an older `User.session_generation` no longer loads either.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    generation: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} generation={self.generation}>"


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class OneTimeLink(db.Model):
    """A single-use, expiring link sent by e-mail: an invitation or a password reset.

    Only a hash of the token is stored, so a leaked database holds no usable links.
    """

    __tablename__ = "one_time_link"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[LinkPurpose] = mapped_column(
        str_enum(LinkPurpose, "link_purpose"), nullable=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<OneTimeLink {self.id} {self.purpose.value} user={self.user_id}>"
