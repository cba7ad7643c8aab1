"""The outbox: each event integrators may subscribe to is written, with one delivery per
endpoint that wants it, in the transaction of the business change. Nothing is sent
here; the scheduler delivers (club/webhooks/delivery.py), so a slow or broken endpoint
never delays or rolls back a redemption or an import."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from club.core import shared_cache
from club.core.clock import utcnow
from club.ledger.models import Wallet
from club.members.models import Company
from club.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

POINTS_EARNED = "points.earned"
POINTS_REDEEMED = "points.redeemed"
POINTS_EXPIRED = "points.expired"
TIER_CHANGED = "tier.changed"
COMPANY_ADMITTED = "company.admitted"
MEETING_REGISTRATION = "meeting.registration"

EVENT_TYPES = {
    POINTS_EARNED: _l("Points earned (pending or at once available)"),
    POINTS_REDEEMED: _l("Points redeemed (a privilege fulfilled)"),
    POINTS_EXPIRED: _l("Points expired"),
    TIER_CHANGED: _l("Tier changed"),
    COMPANY_ADMITTED: _l("Company admitted to the club"),
    MEETING_REGISTRATION: _l("Meeting registration made, moved up or cancelled"),
}


# Which active endpoints want which event type, remembered by every worker (core's
# shared cache) so that a ledger post with nobody subscribed costs no query: the post is
# one statement on PostgreSQL. Registering or switching an endpoint drops it.
SUBSCRIPTIONS = "webhook-subscriptions"
SUBSCRIPTIONS_SECONDS = 60


def subscriptions(session: Session) -> dict[str, list[int]]:
    """Event type: the ids of the active endpoints that want it."""
    cached = shared_cache.cache().get(SUBSCRIPTIONS, "active")
    if cached is not None:
        return cached
    found: dict[str, list[int]] = {}
    rows = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.event_types)
        .where(WebhookEndpoint.is_active.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    for endpoint_id, types in rows:
        for event_type in types.split():
            found.setdefault(event_type, []).append(endpoint_id)
    if not shared_cache.dropping(session, SUBSCRIPTIONS):
        shared_cache.cache().set(SUBSCRIPTIONS, "active", found, SUBSCRIPTIONS_SECONDS)
    return found


def subscribers(session: Session, event_type: str) -> list[int]:
    """The active endpoints that want this event type (ids)."""
    return subscriptions(session).get(event_type, [])


def record(
    session: Session, event_type: str, items: Iterable[dict], *, now: datetime | None = None
) -> int:
    """Write one event per item's data and its deliveries; nothing when no endpoint
    wants the type (the common case costs one query). Returns the events written."""
    endpoint_ids = subscribers(session, event_type)
    if not endpoint_ids:
        return 0
    now = now or utcnow()
    written = 0
    for data in items:
        event = WebhookEvent(event_type=event_type, data=data, created_at=now)
        session.add(event)
        session.flush()
        session.execute(
            insert(WebhookDelivery),
            [
                {
                    "endpoint_id": endpoint_id,
                    "event_id": event.id,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for endpoint_id in endpoint_ids
            ],
        )
        written += 1
    return written


def company_refs(session: Session, company_ids: Iterable[int]) -> dict[int, dict]:
    """How payloads name a company: as the supplier's systems do (country and tax id)."""
    ids = sorted(set(company_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Company.id, Company.name, Company.country, Company.tax_id).where(Company.id.in_(ids))
    )
    return {
        company_id: {"id": company_id, "name": name, "country": country, "tax_id": tax_id}
        for company_id, name, country, tax_id in rows
    }


def wallet_companies(session: Session, wallet_ids: Iterable[int]) -> dict[int, int]:
    """Wallet id: company id."""
    ids = sorted(set(wallet_ids))
    if not ids:
        return {}
    rows = session.execute(select(Wallet.id, Wallet.company_id).where(Wallet.id.in_(ids)))
    return {wallet_id: company_id for wallet_id, company_id in rows}
