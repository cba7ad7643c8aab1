"""Earning rules (campaigns), their versions, what they earned, the event types the
supplier's platform reports and the events it reported, and referrals.

A rule is what the club manager names and budgets; its versions say what it gives from
a date on. An earning keeps the version it was computed with, so a change never
rewrites history.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.languages import column_in
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, Tier, User, str_enum


class RuleKind(enum.StrEnum):
    PURCHASE_RATE = "purchase_rate"  # net amount per point, per currency, for a month
    TIER_MULTIPLIER = "tier_multiplier"  # purchase points x the company's tier's percent
    PRODUCT_GROUP = "product_group"  # extra points per amount of a product group
    EINVOICE = "einvoice"  # once per company, on switching to e-invoices
    REFERRAL = "referral"  # a member brought in a company that became a paying member
    FEATURE = "feature"  # using a feature of the supplier's platform (an event)
    CUSTOM_EVENT = "custom_event"  # any event type the club manager defined
    EARLY_PAYMENT = "early_payment"  # an invoice paid N days before its due date


# The club has one rule of each of these kinds, kept by its own page (the purchase rate
# under purchases, the tier multiplier with the tiers); they give no points themselves:
# the month close reads them. The others are campaigns the manager creates at will.
SINGLE_KINDS = (RuleKind.PURCHASE_RATE, RuleKind.TIER_MULTIPLIER)

# The kinds an event type triggers (the e-invoice switch may be reported as an event too).
EVENT_KINDS = (RuleKind.FEATURE, RuleKind.CUSTOM_EVENT, RuleKind.EINVOICE)


class Audience(enum.StrEnum):
    ALL = "all"
    TIER = "tier"  # the tier named and those above it
    PILOT = "pilot"
    COMPANIES = "companies"  # the companies listed


class CapPeriod(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class EventType(db.Model):
    """Something the supplier's platform reports ("configurator_used"): defined by the
    club manager, so new kinds of events need no code."""

    __tablename__ = "event_type"
    __table_args__ = (CheckConstraint("length(code) >= 2", name="code_not_short"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    name_pl: Mapped[str] = mapped_column(String(120), nullable=False)
    name_ru: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def name(self, language: str) -> str:
        return column_in(self, "name", language)


class Rule(db.Model):
    """A campaign: its kind, sponsor and total budget; what it gives is in its versions."""

    __tablename__ = "bonus_rule"
    __table_args__ = (
        CheckConstraint("budget_points IS NULL OR budget_points > 0", name="budget_positive"),
        CheckConstraint("spent_points >= 0", name="spent_not_negative"),
        CheckConstraint(
            "budget_points IS NULL OR spent_points <= budget_points", name="within_budget"
        ),
        # One purchase rate and one tier multiplier for the whole club.
        Index(
            "uq_bonus_rule_single_kind",
            "kind",
            unique=True,
            postgresql_where=text("kind IN ('purchase_rate', 'tier_multiplier')"),
            sqlite_where=text("kind IN ('purchase_rate', 'tier_multiplier')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RuleKind] = mapped_column(str_enum(RuleKind, "rule_kind"), nullable=False)
    # The producer who funds the points (feeds the sponsor report); None: the supplier.
    sponsor: Mapped[str | None] = mapped_column(String(120), nullable=True)
    budget_points: Mapped[int | None] = mapped_column(nullable=True)
    # What the rule has given so far: kept with every earning, under the rule's lock.
    spent_points: Mapped[int] = mapped_column(nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="rule", order_by="RuleVersion.number", lazy="selectin"
    )

    @property
    def latest(self) -> RuleVersion:
        return self.versions[-1]

    @property
    def is_single(self) -> bool:
        """The purchase rate or the tier multiplier: kept by its own page."""
        return self.kind in SINGLE_KINDS

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.kind.value}>"


rule_company = Table(
    "bonus_rule_company",
    db.metadata,
    Column("version_id", ForeignKey("bonus_rule_version.id", ondelete="CASCADE"), primary_key=True),
    Column("company_id", ForeignKey("company.id", ondelete="CASCADE"), primary_key=True),
)


class RuleVersion(db.Model):
    """What a rule gives from `effective_from` until the next version (or `ends_on`)."""

    __tablename__ = "bonus_rule_version"
    __table_args__ = (
        UniqueConstraint("rule_id", "number", name="uq_bonus_rule_version_number"),
        # Not unique by date: the tier multiplier may change twice in a day (a version is
        # recorded as the month close uses it); campaigns' versions start on later days
        # (rules.services checks).
        Index("ix_bonus_rule_version_from", "rule_id", "effective_from"),
        CheckConstraint("ends_on IS NULL OR ends_on >= effective_from", name="ends_after_start"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("per_amount IS NULL OR per_amount > 0", name="per_amount_positive"),
        CheckConstraint("days_early IS NULL OR days_early > 0", name="days_early_positive"),
        CheckConstraint("grace_days IS NULL OR grace_days >= 0", name="grace_not_negative"),
        CheckConstraint(
            "cap_per_company IS NULL OR cap_per_company > 0", name="company_cap_positive"
        ),
        CheckConstraint("cap_per_person IS NULL OR cap_per_person > 0", name="person_cap_positive"),
        CheckConstraint(
            "audience != 'tier' OR tier_id IS NOT NULL", name="tier_audience_names_tier"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("bonus_rule.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(nullable=False)
    effective_from: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[date | None] = mapped_column(nullable=True)
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    name_pl: Mapped[str] = mapped_column(String(120), nullable=False)
    name_ru: Mapped[str] = mapped_column(String(120), nullable=False)
    # Points per occurrence, or per `per_amount` of `currency` when that is set.
    points: Mapped[int] = mapped_column(nullable=False)
    per_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    product_group: Mapped[str | None] = mapped_column(String(40), nullable=True)
    event_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_type.id", ondelete="RESTRICT"), nullable=True
    )
    days_early: Mapped[int | None] = mapped_column(nullable=True)
    # A purchase rate's days after the due date within which a payment still confirms.
    grace_days: Mapped[int | None] = mapped_column(nullable=True)
    # A tier multiplier's percent per tier: [{"tier_id", "code", "percent"}, ...].
    tier_multipliers: Mapped[list | None] = mapped_column(JSON, nullable=True)
    audience: Mapped[Audience] = mapped_column(
        str_enum(Audience, "rule_audience"), nullable=False, default=Audience.ALL
    )
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="RESTRICT"), nullable=True
    )
    cap_per_company: Mapped[int | None] = mapped_column(nullable=True)
    cap_period: Mapped[CapPeriod] = mapped_column(
        str_enum(CapPeriod, "rule_cap_period"), nullable=False, default=CapPeriod.MONTH
    )
    cap_per_person: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    rule: Mapped[Rule] = relationship(back_populates="versions")
    event_type: Mapped[EventType | None] = relationship(lazy="joined")
    tier: Mapped[Tier | None] = relationship()
    companies: Mapped[list[Company]] = relationship(secondary=rule_company)
    created_by: Mapped[User | None] = relationship()
    # A purchase rate's net amount per point in each currency.
    rates: Mapped[list[RuleRate]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="RuleRate.currency",
        lazy="selectin",
    )

    def name(self, language: str) -> str:
        """In `language`; a missing one falls back to the club's language, as privileges
        and meetings do (the rule forms require all three)."""
        return column_in(self, "name", language)

    def __repr__(self) -> str:
        return f"<RuleVersion {self.rule_id} v{self.number} from {self.effective_from}>"


class RuleRate(db.Model):
    """A purchase-rate version's rate in one currency: net units per point, points =
    floor(net total / rate). An invoice in a currency its month's version has no rate for
    is refused."""

    __tablename__ = "bonus_rule_rate"
    __table_args__ = (
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
        UniqueConstraint("version_id", "currency", name="uq_bonus_rule_rate_currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("bonus_rule_version.id", ondelete="CASCADE"), nullable=False
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    rate: Mapped[int] = mapped_column(nullable=False)

    version: Mapped[RuleVersion] = relationship(back_populates="rates")

    def __repr__(self) -> str:
        return f"<RuleRate 1 point per {self.rate} {self.currency}>"


class Earning(db.Model):
    """Points a rule gave a company for one source (an event, an invoice, a referral):
    once per rule and source, with the version that computed them."""

    __tablename__ = "bonus_earning"
    __table_args__ = (
        UniqueConstraint("rule_id", "source_key", name="uq_bonus_earning_source"),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_bonus_earning_rule_company", "rule_id", "company_id", "earned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("bonus_rule.id", ondelete="RESTRICT"), nullable=False
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("bonus_rule_version.id", ondelete="RESTRICT"), nullable=False
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    points: Mapped[int] = mapped_column(nullable=False)
    source_key: Mapped[str] = mapped_column(String(160), nullable=False)
    earned_on: Mapped[date] = mapped_column(nullable=False)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_entry.id", ondelete="RESTRICT"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    version: Mapped[RuleVersion] = relationship()
    company: Mapped[Company] = relationship()


class ReportedEvent(db.Model):
    """An event the supplier's platform reported, once per idempotency key."""

    __tablename__ = "reported_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("event_type.id", ondelete="RESTRICT"), nullable=False
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    points: Mapped[int] = mapped_column(nullable=False, default=0)

    event_type: Mapped[EventType] = relationship()


class Referral(db.Model):
    """A member's invitation of a company (by tax id): the referrer earns once the invited
    company is admitted and its first invoice is paid. A company is invited once."""

    __tablename__ = "referral"
    __table_args__ = (
        UniqueConstraint("country", "tax_id", name="uq_referral_company"),
        Index("uq_referral_token_hash", "token_hash", unique=True),
        CheckConstraint("company_id IS NULL OR company_id != referrer_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    # Compact (no spaces, dots or dashes), as companies keep theirs.
    tax_id: Mapped[str] = mapped_column(String(40), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(120), nullable=False)
    contact_email: Mapped[str] = mapped_column(String(254), nullable=False)
    # The invited company, once admitted to the club.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The invitation mail's sign-up link (its SHA-256; the link itself is never stored),
    # cleared once the invited company has applied through it.
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    earned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    referrer: Mapped[Company] = relationship(foreign_keys=[referrer_id])
    company: Mapped[Company | None] = relationship(foreign_keys=[company_id])
