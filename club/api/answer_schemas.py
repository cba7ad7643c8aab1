"""What /api/v1 answers: the OpenAPI document's schemas of its responses (club.api.schemas
holds what it takes). Views build these models, so an answer cannot drift from its
schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from club.catalog import services as catalog
from club.catalog.models import Category, PrivilegeKind, RedemptionStatus
from club.ledger.models import EntryKind
from club.members.models import MembershipStatus


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, for programs: e.g. invalid_request.")
    message: str = Field(description="For people, in the language of Accept-Language.")
    field: str | None = Field(
        description="The refused input: a JSON field (dotted for nested ones), a query "
        "parameter or a header; null when the whole request is refused."
    )
    problems: dict[str, str] | None = Field(
        None, description="brief_incomplete only: the message for each question key."
    )
    rules_version: int | None = Field(
        None,
        description="rules_not_accepted only: the version of the club rules the account "
        "holder must accept (at /club-rules) before the company can redeem.",
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


class Rejected(BaseModel):
    index: int = Field(ge=0, description="The invoice's position in the request, from 0.")
    message: str
    field: str | None = Field(
        None, exclude_if=lambda value: value is None, description="The refused field, if any."
    )


class InvoiceReport(BaseModel):
    created: int = Field(ge=0)
    updated: int = Field(ge=0, description="Invoices sent before whose payment date changed.")
    unchanged: int = Field(ge=0)
    rejected: list[Rejected]


class Payment(BaseModel):
    number: str
    paid_date: date


class Event(BaseModel):
    id: int = Field(ge=1)
    type: str
    points: int = Field(ge=0, description="What the club's rules gave for it (0: nothing).")
    replayed: bool = Field(description="True: this key was sent before; nothing new recorded.")


class Company(BaseModel):
    tax_id: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    status: MembershipStatus
    joined_on: date | None
    tier: str | None = Field(
        description="The key of the company's tier (`silver`); null when it has none."
    )


MONEY = r"^[0-9]+\.[0-9]{2}$"


class Tier(BaseModel):
    key: str
    name: str = Field(description="In English.")
    position: int = Field(description="0 for the lowest tier.")
    threshold: int = Field(description="Confirmed base points over the last 12 months.")
    multiplier_percent: int = Field(description="Purchase points x this / 100.")


class TierDrop(BaseModel):
    to: Tier
    on: date = Field(description="The day of the drop, unless the figure recovers before.")
    points_to_keep: int
    amount_to_keep: str | None = Field(pattern=MONEY, description="In `currency`.")
    keep_by: date


class Standing(BaseModel):
    """A company's tier and its progress, as its home page shows it."""

    company: Company
    tier: Tier | None
    figure: int = Field(
        description="Confirmed base purchase points (before multipliers) of the last 12 "
        "whole months, in every currency."
    )
    next_tier: Tier | None
    points_to_next: int
    amount_to_next: str | None = Field(
        pattern=MONEY,
        description="What buying for this much more (in `currency`, paid on time) earns: "
        "points_to_next at this month's rate; null when the currency has no rate.",
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="The club's main currency.")
    reach_by: date = Field(description="The end of this month: the next requalification.")
    pending_drop: TierDrop | None


class Admission(BaseModel):
    """A company's membership and, for an applicant, its way to the entry threshold."""

    company: Company
    status_since: date | None = Field(description="The day the current status began.")
    is_pilot: bool = Field(description="In the pilot group.")
    points: int = Field(
        ge=0,
        description="Confirmed base purchase points (paid on time, before any tier bonus) "
        "over the window.",
    )
    threshold: int = Field(ge=1, description="Points that admit an applicant.")
    missing: int = Field(ge=0, description="Points still missing (0 once reached).")
    window_starts: date = Field(description="The first purchase month that counts.")
    window_ends: date = Field(description="The first month that does not count yet.")
    awaiting_approval: bool = Field(
        description="Reached the threshold; the club manager has yet to approve it."
    )
    points_forfeited_on: date | None = Field(
        description="Suspended or left: the day its frozen points are forfeited."
    )


class Expiry(BaseModel):
    points: int
    date: date


class Wallet(BaseModel):
    company: Company
    available: int
    pending: int
    held: int
    next_expiry: Expiry | None = Field(description="The soonest points to expire, if any.")


class Source(BaseModel):
    type: str
    id: str


class Entry(BaseModel):
    id: int
    kind: EntryKind
    amount: int
    available: int
    pending: int
    held: int
    source: Source
    reason: str
    created_at: datetime
    earned_at: datetime


class EntryPage(BaseModel):
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=500)
    total: int = Field(ge=0)
    entries: list[Entry]


Language = Literal["en", "pl", "ru"]


class BriefQuestion(BaseModel):
    key: str = Field(description="Names the answer in `answers` when redeeming.")
    label: str = Field(description="In `language`.")
    language: Language = Field(
        description="The language of `label`: the request's (Accept-Language) when the "
        "question is written in it, else the club's language (CLUB_LANGUAGE)."
    )
    type: Literal[catalog.QUESTION_TYPES]  # type: ignore[valid-type]
    required: bool


class Variant(BaseModel):
    id: int
    label: str
    in_stock: int


class Privilege(BaseModel):
    slug: str
    title: str = Field(description="In `language`.")
    summary: str = Field(description="In `language`.")
    language: Language = Field(
        description="The language of `title` and `summary`: the best match of the request's "
        "Accept-Language among en, pl and ru when the privilege is written in it, else the "
        "club's language (CLUB_LANGUAGE)."
    )
    category: Category
    kind: PrivilegeKind = Field(
        description="service (done from the brief), good (shipped: send `delivery`) or "
        "e_voucher (a code, shown only in the portal and by mail to the account holder)."
    )
    variants: list[Variant] = Field(description="A good's sizes or colours; empty otherwise.")
    points_cost: int
    lead_time_days: int
    left_this_quarter: int | None = Field(description="null: no quarterly capacity.")
    in_stock: int | None = Field(description="null: not counted.")
    brief: list[BriefQuestion]
    available: bool = Field(description="Redeemable today (its dates and stock allow it).")


class PrivilegeList(BaseModel):
    privileges: list[Privilege]


class Redemption(BaseModel):
    id: int
    privilege: str
    kind: PrivilegeKind
    status: RedemptionStatus
    carrier: str | None = Field(description="A shipped good's carrier.")
    tracking_number: str | None = Field(description="A shipped good's tracking number.")
    points: int
    answers: dict[str, str]
    created_at: datetime


class Rebate(BaseModel):
    redemption_id: int
    tax_id: str
    country: str
    company: str
    amount: str = Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Decimal: the credit.")
    currency: str
    points: int
    fulfilled_at: datetime
    note: str


class RebateList(BaseModel):
    rebates: list[Rebate]


class PeriodOut(BaseModel):
    key: str = Field(examples=["2026-Q4"])
    kind: Literal["month", "quarter", "year", "all"]
    starts: date | None
    ends: date | None


class BoardRow(BaseModel):
    rank: int = Field(ge=1, description="1 + the number of rows with more points.")
    name: str = Field(
        description="As its owner chose to be shown: a hidden name reads 'Member of "
        "<company>', 'Anonymous member' or 'Anonymous company'."
    )
    hidden: bool = Field(description="The name is a stand-in.")
    points: int


class PersonRow(BoardRow):
    company: str | None = Field(description="The person's company, when both show names.")


class CompanyRow(BoardRow):
    tax_id: str | None
    country: str | None


class PeopleBoard(BaseModel):
    board: Literal["people"]
    period: PeriodOut
    league: str | None
    rows: list[PersonRow]


class CompanyBoard(BaseModel):
    board: Literal["companies"]
    view: Literal["total", "activity"]
    period: PeriodOut
    league: str | None
    rows: list[CompanyRow]


class StoredRecord(BaseModel):
    """A complaint or contract as stored, and what sending it did."""

    id: int = Field(ge=1)
    key: str = Field(description="The external_id of a complaint, the reference of a contract.")
    outcome: Literal["created", "updated", "unchanged"] = Field(
        description="created (201), updated or unchanged (200): sending it again is harmless."
    )
