"""Privileges, redemptions with their timeline, and staff wishes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
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
from club.ledger.models import Hold
from club.members.models import Company, Tier, User, str_enum


class Category(enum.StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    TRAINING = "training"
    TRAVEL = "travel"
    VOUCHERS = "vouchers"
    REBATES = "rebates"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.MARKETING: _l("Marketing"),
    Category.SALES: _l("Sales support"),
    Category.TRAINING: _l("Training"),
    Category.TRAVEL: _l("Trips and fairs"),
    Category.VOUCHERS: _l("Vouchers"),
    Category.REBATES: _l("Rebates"),
}


class PrivilegeKind(enum.StrEnum):
    SERVICE = "service"  # done for the partner, from a brief
    GOOD = "good"  # shipped to an address, tracked
    E_VOUCHER = "e_voucher"  # one code from the privilege's pool

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    PrivilegeKind.SERVICE: _l("Service"),
    PrivilegeKind.GOOD: _l("Goods"),
    PrivilegeKind.E_VOUCHER: _l("E-voucher"),
}


class RedemptionStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


STATUS_LABELS = {
    RedemptionStatus.REQUESTED: _l("Requested"),
    RedemptionStatus.APPROVED: _l("Approved"),
    RedemptionStatus.IN_PROGRESS: _l("In progress"),
    RedemptionStatus.FULFILLED: _l("Fulfilled"),
    RedemptionStatus.REJECTED: _l("Rejected"),
    RedemptionStatus.CANCELLED: _l("Cancelled"),
}
OPEN_STATUSES = frozenset(
    {RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED, RedemptionStatus.IN_PROGRESS}
)
# Redemptions that use up capacity or stock: everything but the two exits.
COUNTED_STATUSES = OPEN_STATUSES | {RedemptionStatus.FULFILLED}


class PrivilegeText(db.Model):
    """A privilege's title, summary and description in one language."""

    __tablename__ = "privilege_text"
    __table_args__ = (
        UniqueConstraint("privilege_id", "language", name="uq_privilege_text_language"),
        CheckConstraint("language IN ('en', 'pl', 'ru')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    privilege_id: Mapped[int] = mapped_column(
        ForeignKey("privilege.id", ondelete="CASCADE"), nullable=False
    )
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"<PrivilegeText {self.privilege_id} {self.language}>"


class Privilege(Translated, db.Model):
    """A service, a good or an e-voucher the supplier offers for points."""

    TEXT_FIELDS = ("title", "summary", "description")

    __tablename__ = "privilege"
    __table_args__ = (
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
        CheckConstraint("money_value >= 0", name="money_value_not_negative"),
        CheckConstraint(
            "sponsor_share_percent >= 0 AND sponsor_share_percent <= 100",
            name="sponsor_share_in_range",
        ),
        CheckConstraint(
            "capacity_per_quarter IS NULL OR capacity_per_quarter >= 0",
            name="capacity_not_negative",
        ),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        CheckConstraint(
            "pool_threshold IS NULL OR pool_threshold >= 0", name="pool_threshold_not_negative"
        ),
        CheckConstraint("weight_grams IS NULL OR weight_grams > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    # The club language's text (core/languages.py); `texts` has it in each language, and
    # `privilege.title` reads the viewer's.
    base_title: Mapped[str] = mapped_column("title", String(160), nullable=False)
    base_summary: Mapped[str] = mapped_column("summary", String(300), nullable=False, default="")
    # Markdown; sanitised when rendered.
    base_description: Mapped[str] = mapped_column("description", Text, nullable=False, default="")
    category: Mapped[Category] = mapped_column(
        str_enum(Category, "privilege_category"), nullable=False, index=True
    )
    kind: Mapped[PrivilegeKind] = mapped_column(
        str_enum(PrivilegeKind, "privilege_kind"),
        nullable=False,
        default=PrivilegeKind.SERVICE,
        server_default=PrivilegeKind.SERVICE.value,
    )
    points_cost: Mapped[int] = mapped_column(nullable=False)
    # What the privilege is worth in money, for the yearly tax report.
    money_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="PLN")
    # A producer that co-funds it, and the share of the value it pays.
    sponsor: Mapped[str | None] = mapped_column(String(120), nullable=True)
    sponsor_share_percent: Mapped[int] = mapped_column(nullable=False, default=0)
    # Only companies of this tier and above may redeem it; None means every member.
    min_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="RESTRICT"), nullable=True
    )
    # Only for the pilot group (Company.is_pilot): tried there before the full launch.
    is_pilot_only: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )
    capacity_per_quarter: Mapped[int | None] = mapped_column(nullable=True)
    stock: Mapped[int | None] = mapped_column(nullable=True)
    lead_time_days: Mapped[int] = mapped_column(nullable=False, default=14)
    active_from: Mapped[date | None] = mapped_column(nullable=True)
    active_until: Mapped[date | None] = mapped_column(nullable=True)
    image: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Goods: what the club tells its carrier (both optional).
    weight_grams: Mapped[int | None] = mapped_column(nullable=True)
    parcel_size: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # E-vouchers: a code is assigned on redeeming (no approval) rather than on approval.
    delivers_at_once: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )
    # The club manager is warned once when the codes left fall below this.
    pool_threshold: Mapped[int | None] = mapped_column(nullable=True)
    pool_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The questions a partner answers when redeeming:
    # [{"key": "site", "label": "Your web site", "type": "url", "required": true}, ...]
    brief: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    min_tier: Mapped[Tier | None] = relationship()
    variants: Mapped[list[Variant]] = relationship(
        back_populates="privilege", order_by="Variant.position, Variant.id"
    )
    texts: Mapped[list[PrivilegeText]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=PrivilegeText.language
    )

    title = translated("title")
    summary = translated("summary")
    description = translated("description")

    def __repr__(self) -> str:
        return f"<Privilege {self.slug} {self.points_cost} points>"


class Variant(db.Model):
    """A size or colour of a good, with its own stock."""

    __tablename__ = "privilege_variant"
    __table_args__ = (
        UniqueConstraint("privilege_id", "label", name="uq_privilege_variant_label"),
        CheckConstraint("stock >= 0", name="variant_stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    privilege_id: Mapped[int] = mapped_column(
        ForeignKey("privilege.id", ondelete="CASCADE"), nullable=False, index=True
    )
    label: Mapped[str] = mapped_column(String(80), nullable=False)
    # Units ever put on the shelf; what is left counts the redemptions that took one.
    stock: Mapped[int] = mapped_column(nullable=False, default=0)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    privilege: Mapped[Privilege] = relationship(back_populates="variants")

    def __repr__(self) -> str:
        return f"<Variant {self.privilege_id} {self.label} {self.stock}>"


class DeliveryAddress(db.Model):
    """Where a company's goods go: remembered from its last redemption, editable each time."""

    __tablename__ = "delivery_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    address: Mapped[str] = mapped_column(Text, nullable=False)
    phone: Mapped[str] = mapped_column(String(40), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<DeliveryAddress {self.company_id}>"


class VoucherCode(db.Model):
    """One e-voucher code of a privilege's pool. The code and PIN are sealed (encrypted
    with VOUCHER_KEY); `fingerprint` (a keyed hash) lets the database refuse the same code
    twice without holding it in the clear."""

    __tablename__ = "voucher_code"
    __table_args__ = (
        UniqueConstraint("privilege_id", "fingerprint", name="uq_voucher_code_fingerprint"),
        CheckConstraint("value >= 0", name="voucher_value_not_negative"),
        CheckConstraint(
            "redemption_id IS NULL OR withdrawn_at IS NULL", name="assigned_or_withdrawn"
        ),
        Index("ix_voucher_code_free", "privilege_id", "redemption_id", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    privilege_id: Mapped[int] = mapped_column(
        ForeignKey("privilege.id", ondelete="RESTRICT"), nullable=False
    )
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    sealed_code: Mapped[str] = mapped_column(Text, nullable=False)
    sealed_pin: Mapped[str | None] = mapped_column(Text, nullable=True)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    expires_on: Mapped[date | None] = mapped_column(nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemption.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:  # never the code
        return f"<VoucherCode {self.id} of {self.privilege_id}>"


class Redemption(db.Model):
    """An account holder spending points on a privilege."""

    __tablename__ = "redemption"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_redemption_status_created", "status", "created_at"),
        Index("ix_redemption_privilege_quarter", "privilege_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    privilege_id: Mapped[int] = mapped_column(
        ForeignKey("privilege.id", ondelete="RESTRICT"), nullable=False
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    hold_id: Mapped[int] = mapped_column(
        ForeignKey("hold.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    requested_by_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, "redemption_status"),
        nullable=False,
        default=RedemptionStatus.REQUESTED,
    )
    # Snapshots: later price changes do not touch what was agreed.
    points: Mapped[int] = mapped_column(nullable=False)
    money_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    # "2026-Q4": the quarter whose capacity it uses.
    quarter: Mapped[str] = mapped_column(String(7), nullable=False)
    answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # Goods: the variant taken, where it goes, and how it travels.
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("privilege_variant.id", ondelete="RESTRICT"), nullable=True
    )
    delivery_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    carrier: Mapped[str | None] = mapped_column(String(80), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # A good that came back: refunded to the wallet; restocked when it can be sold again.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_restocked: Mapped[bool] = mapped_column(
        nullable=False, default=False, server_default=false()
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    privilege: Mapped[Privilege] = relationship()
    company: Mapped[Company] = relationship()
    hold: Mapped[Hold] = relationship()
    requested_by: Mapped[User] = relationship()
    variant: Mapped[Variant | None] = relationship()
    voucher: Mapped[VoucherCode | None] = relationship(
        primaryjoin="VoucherCode.redemption_id == Redemption.id", viewonly=True, uselist=False
    )
    events: Mapped[list[RedemptionEvent]] = relationship(
        back_populates="redemption", order_by="RedemptionEvent.id"
    )

    def __repr__(self) -> str:
        return f"<Redemption {self.id} {self.status.value} {self.points} points>"


class RedemptionEvent(db.Model):
    """One step of a redemption's timeline: who moved it where, when, and why."""

    __tablename__ = "redemption_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(
        ForeignKey("redemption.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, "redemption_status"), nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    redemption: Mapped[Redemption] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RedemptionEvent {self.redemption_id} {self.status.value}>"


class WishStatus(enum.StrEnum):
    OPEN = "open"
    REDEEMED = "redeemed"
    DECLINED = "declined"


class Wish(db.Model):
    """A staff member proposes a privilege to their account holder."""

    __tablename__ = "wish"
    __table_args__ = (
        # A company proposes a privilege once at a time: a second open proposal of the
        # same privilege would only repeat the first one in the holder's list.
        Index(
            "uq_wish_open",
            "company_id",
            "privilege_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    privilege_id: Mapped[int] = mapped_column(
        ForeignKey("privilege.id", ondelete="RESTRICT"), nullable=False
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    proposed_by_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[WishStatus] = mapped_column(
        str_enum(WishStatus, "wish_status"), nullable=False, default=WishStatus.OPEN
    )
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemption.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    privilege: Mapped[Privilege] = relationship()
    proposed_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Wish {self.id} {self.status.value}>"
