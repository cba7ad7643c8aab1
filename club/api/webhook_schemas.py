"""The payloads of outbound webhooks (club/webhooks), as the OpenAPI document's
`webhooks` section describes them. Every delivery is an Event: its `type` says which
`data` it carries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class CompanyRef(BaseModel):
    """A company as the supplier's systems know it: by country and tax id."""

    id: int
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2")
    tax_id: str


class SourceRef(BaseModel):
    type: str = Field(description="What earned or spent the points, e.g. purchase_month, quiz, "
                      "meeting, privilege (what a redemption was for)")  # fmt: skip
    id: str


class PointsMoved(BaseModel):
    company: CompanyRef
    entry_id: int = Field(description="The ledger entry (GET /companies/.../entries lists it)")
    points: int = Field(ge=1)
    pending: bool = Field(
        description="points.earned only: true while the points wait for payment of invoices"
    )
    source: SourceRef
    person_id: int | None = Field(description="The person who earned them, when one did")
    earned_at: str | None


class TierChanged(BaseModel):
    company: CompanyRef
    from_tier: str | None = Field(description="The tier's key; null for the first tier")
    to_tier: str | None
    reason: Literal["first", "up", "down", "manager"]
    starts_on: date


class CompanyAdmitted(BaseModel):
    company: CompanyRef
    admitted_at: datetime


class MeetingRef(BaseModel):
    id: int
    title: str
    starts_at: datetime


class MeetingRegistration(BaseModel):
    company: CompanyRef
    registration_id: int
    status: Literal["registered", "waitlisted", "cancelled"]
    person_id: int
    meeting: MeetingRef


def _event(name: str, kind: str, data: type[BaseModel], about: str) -> type[BaseModel]:
    return type(
        name,
        (BaseModel,),
        {
            "__doc__": about,
            "__annotations__": {
                "id": str,
                "type": Literal[kind],  # type: ignore[valid-type]
                "created_at": datetime,
                "data": data,
            },
            "id": Field(
                description="evt_<number>: the same on every retry and replay; deduplicate on it"
            ),
        },
    )


# Event type: (schema name, payload model, what it means).
EVENTS = {
    "points.earned": ("PointsEarnedEvent", PointsMoved,
                      "A company earned points (pending until its invoices are paid, or "
                      "at once available)."),
    "points.redeemed": ("PointsRedeemedEvent", PointsMoved,
                        "Points were spent: a privilege was fulfilled."),
    "points.expired": ("PointsExpiredEvent", PointsMoved, "Points expired unspent."),
    "tier.changed": ("TierChangedEvent", TierChanged, "A company moved to another tier."),
    "company.admitted": ("CompanyAdmittedEvent", CompanyAdmitted,
                         "An applicant became a member of the club."),
    "meeting.registration": ("MeetingRegistrationEvent", MeetingRegistration,
                             "A registration for a club meeting was made (a seat or the "
                             "waitlist), moved up from the waitlist or cancelled."),
}  # fmt: skip

EVENT_MODELS = {
    kind: _event(name, kind, data, about) for kind, (name, data, about) in EVENTS.items()
}
