"""The club manager's webhook endpoints: register (the secret shown once), switch off
and on, replay a delivery. The URL checks guard against server-side request forgery:
in production only https, and never an address on this machine or a private network."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core import shared_cache
from club.core.clock import utcnow
from club.webhooks import outbox
from club.webhooks.errors import WebhookRefused
from club.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from club.webhooks.outbox import EVENT_TYPES

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, so people know what they hold)


def _setting(name: str, default: bool) -> bool:
    if not has_app_context():
        return default
    return bool(current_app.config.get(name, default))


def check_url(url: str) -> str:
    """The URL, cleaned, or WebhookRefused saying why not. Hosts are resolved: a name
    that points at loopback, a private or link-local range is refused unless
    WEBHOOK_ALLOW_PRIVATE (development and tests) allows it."""
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed = ("https",) if _setting("WEBHOOK_REQUIRE_HTTPS", True) else ("https", "http")
    if parts.scheme not in allowed:
        raise WebhookRefused(_("The address must start with https://."), field="url")
    if not parts.hostname or parts.username or parts.password:
        raise WebhookRefused(
            _("Write the address of a server, without a user name or password."), field="url"
        )
    try:
        port = parts.port
    except ValueError:
        raise WebhookRefused(_("The address has an invalid port."), field="url") from None
    check_host(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url


def check_host(host: str, port: int) -> str:
    """The address to call `host` at (the first it resolves to), or WebhookRefused for a
    host that resolves to nothing, or to any address the club must not call. The caller
    connects to this address and does not look the name up again: otherwise a name
    could resolve to a public address for the check and to a private one for the call
    (DNS rebinding)."""
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise WebhookRefused(
            _("The host %(host)s cannot be found.", host=host), field="url"
        ) from None
    addresses = [address[0] for *_rest, address in found]
    if not addresses:
        raise WebhookRefused(_("The host %(host)s cannot be found.", host=host), field="url")
    if _setting("WEBHOOK_ALLOW_PRIVATE", False):
        return addresses[0]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise WebhookRefused(
                _("%(host)s is a private or local address; the club does not call those.",
                  host=host),
                field="url",
            )  # fmt: skip
    return addresses[0]


def check_event_types(event_types: list[str]) -> list[str]:
    chosen = [kind for kind in EVENT_TYPES if kind in set(event_types)]
    if not chosen or len(chosen) != len(set(event_types)):
        raise WebhookRefused(_("Choose at least one event type."), field="event_types")
    return chosen


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())))


def register(
    session: Session,
    *,
    url: str,
    event_types: list[str],
    description: str = "",
    actor,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (the caller shows it once)."""
    now = now or utcnow()
    url = check_url(url)
    chosen = check_event_types(event_types)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=url,
        description=description.strip(),
        event_types=" ".join(chosen),
        secret=secret,
        is_active=True,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    shared_cache.drop(session, outbox.SUBSCRIPTIONS)
    audit.record(
        session, "webhook.registered", endpoint, actor=actor,
        after={"url": url, "event_types": chosen}, now=now,
    )  # fmt: skip
    return endpoint, secret


def set_active(
    session: Session, endpoint: WebhookEndpoint, active: bool, *, actor, now=None
) -> None:
    """Switch an endpoint off (no new deliveries; those waiting stay waiting) or on."""
    if endpoint.is_active == active:
        return
    endpoint.is_active = active
    session.flush()
    shared_cache.drop(session, outbox.SUBSCRIPTIONS)
    audit.record(
        session, "webhook.enabled" if active else "webhook.disabled", endpoint, actor=actor,
        after={"url": endpoint.url}, now=now,
    )  # fmt: skip


def deliveries(session: Session, endpoint: WebhookEndpoint, *, limit: int = 50):
    """The endpoint's latest deliveries, newest first, with their events."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def attempts(session: Session, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    found: dict[int, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    if delivery_ids:
        rows = session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id.desc())
        )
        for attempt in rows:
            found[attempt.delivery_id].append(attempt)
    return found


def replay(session: Session, delivery: WebhookDelivery, *, actor, now: datetime | None = None):
    """Send a delivery again on the scheduler's next run: a fresh round of attempts.
    Earlier attempts stay recorded. A delivery being sent right now is refused."""
    now = now or utcnow()
    session.refresh(delivery, with_for_update=True)
    if delivery.claimed_until is not None and delivery.claimed_until > now:
        raise WebhookRefused(_("This delivery is being sent right now; try again in a minute."))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.claim_token = None
    delivery.claimed_until = None
    session.flush()
    audit.record(
        session, "webhook.replayed", delivery, actor=actor,
        after={"endpoint": delivery.endpoint_id, "event": delivery.event_id}, now=now,
    )  # fmt: skip
