"""Delivering the outbox: the scheduler claims one due delivery at a time, sends it
signed, and records the attempt; failures come back with exponential backoff until
WEBHOOK_MAX_ATTEMPTS. No transaction is open while a request is on the wire, so a slow
endpoint holds no lock and no business transaction waits for it.

Two schedulers at once never send the same delivery twice: a delivery is claimed with a
compare-and-set UPDATE (only when nobody holds it), committed before sending; a claim
lapses after the timeout plus a margin, so a scheduler that died mid-send does not
strand it."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.errors import ClubError
from club.webhooks.endpoints import check_host
from club.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

SIGNATURE_HEADER = "Club-Signature"
RESPONSE_LIMIT = 1000  # characters of an answer kept per attempt
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
DEFAULTS = {"WEBHOOK_MAX_ATTEMPTS": 10, "WEBHOOK_TIMEOUT_SECONDS": 10.0}


def _config(name: str):
    if not has_app_context():
        return DEFAULTS[name]
    return current_app.config.get(name, DEFAULTS[name])


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" under the endpoint's secret>` (as Stripe signs)."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def body_of(event: WebhookEvent) -> bytes:
    payload = {
        "id": f"evt_{event.id}",
        "type": event.event_type,
        "created_at": event.created_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4 ... minutes, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


@dataclass(frozen=True)
class _Claimed:
    delivery_id: int
    token: str
    url: str
    secret: str
    event_type: str
    event_id: int
    body: bytes


@dataclass(frozen=True)
class _Answer:
    status_code: int | None
    response: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _claim(session: Session, now: datetime, lease: timedelta) -> _Claimed | None:
    """Claims the first due delivery nobody holds, and commits the claim."""
    free = or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)
    due = (
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        free,
    )
    for _try in range(5):  # another scheduler may take the one we saw; take the next
        delivery_id = session.scalar(
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(*due, WebhookEndpoint.is_active.is_(True))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
        )
        if delivery_id is None:
            session.commit()
            return None
        token = secrets.token_hex(16)
        taken = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, *due)
            .values(claim_token=token, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            delivery = session.get(WebhookDelivery, delivery_id)
            event, endpoint = delivery.event, delivery.endpoint
            claimed = _Claimed(
                delivery_id, token, endpoint.url, endpoint.secret,
                event.event_type, event.id, body_of(event),
            )  # fmt: skip
            session.commit()
            return claimed
        session.commit()
    return None


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, hostnames checked (tests trust their own)."""
    return ssl.create_default_context()


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to an address already checked (check_host), for the URL's host: the
    name is not looked up again between the check and the call (DNS rebinding), while
    the Host header still names the host. http.client follows no redirect: a redirect
    is an answer, not a place to go (it could lead to an address the checks refuse)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """_PinnedHTTP over TLS: the certificate is checked against the host's name (SNI and
    verification use the name, the TCP connection the checked address)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=tls_context())
        self.address = address

    def connect(self) -> None:
        connection = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(connection, server_hostname=self.host)


def _post(claimed: _Claimed, *, timestamp: int, timeout: float) -> _Answer:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(claimed.url)
    if parts.scheme not in ("http", "https"):  # registration allows no other; be sure
        return _Answer(None, "", f"refused: {parts.scheme} is not http(s)", took())
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    try:
        address = check_host(parts.hostname, port)
    except ClubError as refusal:
        return _Answer(None, "", refusal.message[:300], took())
    connection = (_PinnedHTTPS if https else _PinnedHTTP)(parts.hostname, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Club-Webhooks/1",
        "Club-Event-Type": claimed.event_type,
        "Club-Event-Id": f"evt_{claimed.event_id}",
        "Club-Delivery-Id": str(claimed.delivery_id),
        SIGNATURE_HEADER: sign(claimed.secret, timestamp, claimed.body),
    }
    try:
        connection.request("POST", path, body=claimed.body, headers=headers)
        answer = connection.getresponse()
        text = answer.read(RESPONSE_LIMIT * 4).decode("utf-8", "replace")
        return _Answer(answer.status, text[:RESPONSE_LIMIT], "", took())
    except TimeoutError:
        return _Answer(None, "", f"timed out after {timeout:g} s", took())
    except (OSError, http.client.HTTPException) as error:
        return _Answer(None, "", (str(error) or type(error).__name__)[:300], took())
    finally:
        connection.close()


def _record(session: Session, claimed: _Claimed, answer: _Answer, now: datetime) -> None:
    """The attempt, and the delivery's next state (only while our claim holds)."""
    delivery = session.get(WebhookDelivery, claimed.delivery_id, with_for_update=True)
    session.add(
        WebhookAttempt(
            delivery_id=claimed.delivery_id,
            attempted_at=now,
            status_code=answer.status_code,
            response=answer.response,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
    )
    if delivery is not None and delivery.claim_token == claimed.token:
        delivery.attempts += 1
        delivery.claim_token, delivery.claimed_until = None, None
        if answer.ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        elif delivery.attempts >= int(_config("WEBHOOK_MAX_ATTEMPTS")):
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    session.commit()


def deliver_due(session: Session, *, now: datetime | None = None, limit: int = 200) -> int:
    """Send what is due, one delivery at a time; returns the attempts made. Commits its
    own small transactions (claim, then record) so nothing is held during a send."""
    timeout = float(_config("WEBHOOK_TIMEOUT_SECONDS"))
    lease = timedelta(seconds=timeout + 60)
    session.commit()  # whatever the caller began must not hold the lock while we send
    made = 0
    while made < limit:
        moment = now or utcnow()
        claimed = _claim(session, moment, lease)
        if claimed is None:
            break
        answer = _post(claimed, timestamp=int(moment.timestamp()), timeout=timeout)
        _record(session, claimed, answer, now or utcnow())
        made += 1
    return made
