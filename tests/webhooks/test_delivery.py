"""The outbox and its delivery to a real HTTP server on loopback: what is written with
the business change, the signature, retries with backoff, timeouts, replay, URL checks."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from club.api.webhook_schemas import EVENT_MODELS
from club.core.clock import utcnow
from club.events import services as events
from club.ledger import services as ledger
from club.members import admission
from club.members.models import MembershipStatus, Tier
from club.members.standing import set_company_tier
from club.webhooks import endpoints, outbox
from club.webhooks.delivery import RESPONSE_LIMIT, deliver_due, retry_delay
from club.webhooks.errors import WebhookRefused
from club.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.events.conftest import meeting_data

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


def _events(session, event_type=None) -> list[WebhookEvent]:
    query = select(WebhookEvent).order_by(WebhookEvent.id)
    if event_type:
        query = query.where(WebhookEvent.event_type == event_type)
    return list(session.scalars(query))


def _verify(secret: str, header: str, body: bytes) -> bool:
    """What the README tells integrators to do."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def hook(db_session, club, receiver):
    endpoint, secret = endpoints.register(
        db_session,
        url=receiver.url,
        event_types=["points.earned", "points.redeemed", "tier.changed"],
        actor=club.club_manager,
    )
    db_session.commit()
    return endpoint, secret


def _earn(session, company, points=120):
    wallet = ledger.wallet_for(session, company.id)
    return ledger.earn(session, wallet, points, source=ledger.Source("test", "one"))


def test_an_earning_is_delivered_signed(db_session, club, hook, receiver):
    _endpoint, secret = hook
    _earn(db_session, club.company)
    db_session.commit()

    assert deliver_due(db_session) == 1
    headers, body = receiver.received[0]
    assert _verify(secret, headers["Club-Signature"], body)
    assert not _verify(secret + "x", headers["Club-Signature"], body)
    payload = json.loads(body)
    EVENT_MODELS["points.earned"].model_validate(payload)  # as the OpenAPI document says
    assert payload["type"] == "points.earned" == headers["Club-Event-Type"]
    assert payload["id"] == headers["Club-Event-Id"]
    assert payload["data"]["points"] == 120
    assert payload["data"]["company"]["tax_id"] == club.company.tax_id
    delivery = db_session.scalar(select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.DELIVERED
    attempt = db_session.scalar(select(WebhookAttempt))
    assert (attempt.status_code, attempt.response) == (200, '{"ok": true}')
    assert deliver_due(db_session) == 0  # a second run sends nothing again


def test_the_outbox_rolls_back_with_the_business_change(db_session, club, hook):
    with db_session.begin_nested() as nested:
        _earn(db_session, club.company)
        assert len(_events(db_session)) == 1
        nested.rollback()
    assert _events(db_session) == []


def test_nothing_is_written_for_events_nobody_wants(db_session, club):
    _earn(db_session, club.company)
    endpoints.register(
        db_session, url="http://127.0.0.1:9/x", event_types=["points.expired"],
        actor=club.club_manager,
    )  # fmt: skip
    _earn(db_session, club.company)
    assert db_session.scalar(select(func.count(WebhookEvent.id))) == 0


def test_a_tier_change_is_announced(db_session, club, hook):
    silver = Tier(code="silver", position=1, name_en="Silver", name_pl="Srebrny",
                  name_ru="Серебряный", threshold=250)  # fmt: skip
    db_session.add(silver)
    db_session.flush()
    set_company_tier(db_session, club.company, silver, actor=club.club_manager, today=date.today())
    (event,) = _events(db_session, "tier.changed")
    assert event.data["to_tier"] == "silver"
    assert event.data["reason"] == "manager"
    assert event.data["company"]["id"] == club.company.id
    payload = {"id": "evt_1", "type": "tier.changed", "created_at": utcnow(), "data": event.data}
    EVENT_MODELS["tier.changed"].model_validate(payload)


def test_a_500_is_retried_with_backoff(db_session, club, hook, receiver):
    receiver.plan = [500]
    _earn(db_session, club.company)
    db_session.commit()
    now = utcnow()

    assert deliver_due(db_session, now=now) == 1
    delivery = db_session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == now + retry_delay(1)
    attempt = db_session.scalar(select(WebhookAttempt))
    assert attempt.status_code == 500 and len(attempt.response) == RESPONSE_LIMIT

    assert deliver_due(db_session, now=now + timedelta(seconds=30)) == 0  # not due yet
    assert deliver_due(db_session, now=now + retry_delay(1)) == 1
    db_session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    ids = {headers["Club-Event-Id"] for headers, _body in receiver.received}
    assert len(receiver.received) == 2 and len(ids) == 1  # the same event, twice


def test_retry_delays_double_up_to_a_limit():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay(30) == timedelta(hours=6)


def test_a_timeout_is_recorded_and_retried(app, db_session, club, hook, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 0.2)
    receiver.plan = ["hang"]
    _earn(db_session, club.company)
    db_session.commit()
    assert deliver_due(db_session) == 1
    receiver.release.set()
    attempt = db_session.scalar(select(WebhookAttempt))
    assert attempt.status_code is None and "timed out" in attempt.error
    assert db_session.scalar(select(WebhookDelivery)).status == DeliveryStatus.PENDING


def test_failed_after_the_last_attempt_then_replayed(
    app, db_session, club, hook, receiver, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    receiver.plan = [503, 500]
    _earn(db_session, club.company)
    db_session.commit()
    now = utcnow()
    deliver_due(db_session, now=now)
    deliver_due(db_session, now=now + timedelta(hours=1))
    delivery = db_session.scalar(select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.FAILED
    assert deliver_due(db_session, now=now + timedelta(days=1)) == 0

    endpoints.replay(db_session, delivery, actor=club.club_manager, now=now + timedelta(days=1))
    db_session.commit()
    assert deliver_due(db_session, now=now + timedelta(days=1)) == 1
    db_session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert db_session.scalar(select(func.count(WebhookAttempt.id))) == 3


def test_an_endpoint_rolled_back_is_never_remembered_as_a_subscriber(db_session, club):
    """Subscriptions are remembered by every worker; one read inside the transaction that
    registered an endpoint must not be, in case that transaction rolls back."""
    with db_session.begin_nested() as nested:
        endpoint, _secret = endpoints.register(
            db_session, url="http://127.0.0.1:9/x", event_types=["points.earned"],
            actor=club.club_manager,
        )  # fmt: skip
        assert outbox.subscribers(db_session, "points.earned") == [endpoint.id]
        nested.rollback()
    assert outbox.subscribers(db_session, "points.earned") == []
    _earn(db_session, club.company)  # no delivery to an endpoint that never was
    assert db_session.scalar(select(func.count(WebhookEvent.id))) == 0


def test_a_switched_off_endpoint_gets_nothing(db_session, club, hook, receiver):
    endpoint, _secret = hook
    _earn(db_session, club.company)
    endpoints.set_active(db_session, endpoint, False, actor=club.club_manager)
    db_session.commit()
    assert deliver_due(db_session) == 0
    _earn(db_session, club.company)  # and no new deliveries are written for it
    assert db_session.scalar(select(func.count(WebhookDelivery.id))) == 1


@pytest.mark.parametrize(
    ("url", "production_like"),
    [
        ("ftp://example.com/hooks", False),
        ("http://example.com/hooks", True),  # https only in production
        ("https://user:pw@example.com/hooks", False),
        ("https://127.0.0.1/hooks", True),  # loopback
        ("https://10.1.2.3/hooks", True),  # a private network
        ("https://169.254.169.254/latest", True),  # the cloud's metadata service
        ("https://[::1]/hooks", True),
        ("https://no-such-host.invalid/hooks", False),
    ],
)
def test_unsafe_urls_are_refused(app, url, production_like, monkeypatch):
    if production_like:
        monkeypatch.setitem(app.config, "WEBHOOK_REQUIRE_HTTPS", True)
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    with app.app_context(), pytest.raises(WebhookRefused):
        endpoints.check_url(url)


def test_loopback_is_allowed_in_development(app_ctx):
    assert endpoints.check_url(" http://127.0.0.1:8000/x ") == "http://127.0.0.1:8000/x"


def test_a_delivery_to_an_address_refused_since_is_not_sent(
    app, db_session, club, hook, receiver, monkeypatch
):
    _earn(db_session, club.company)
    db_session.commit()
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    deliver_due(db_session)
    assert receiver.received == []
    assert "private or local" in db_session.scalar(select(WebhookAttempt)).error


def test_event_types_must_be_known(db_session, club):
    with pytest.raises(WebhookRefused):
        endpoints.register(db_session, url="http://127.0.0.1/x", event_types=["points.stolen"],
                           actor=club.club_manager)  # fmt: skip


def test_a_redemption_fulfilled_is_announced_as_points_redeemed(db_session, club, hook):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 300, source=ledger.Source("test", "fund"))
    held = ledger.hold(db_session, wallet, 200, source=ledger.Source("redemption", "7"))
    ledger.capture(db_session, held)
    (event,) = _events(db_session, "points.redeemed")
    assert event.data["points"] == 200
    assert event.data["source"] == {"type": "redemption", "id": "7"}


def test_a_meeting_registration_is_announced(db_session, club):
    endpoints.register(db_session, url="http://127.0.0.1:9/x",
                       event_types=["meeting.registration"], actor=club.club_manager)  # fmt: skip
    meeting = events.save_meeting(db_session, None, meeting_data(), actor=club.club_manager)
    events.publish(db_session, meeting, actor=club.club_manager)
    registration = events.register(db_session, meeting, club.staff, actor=club.staff)
    events.cancel_registration(db_session, registration, actor=club.staff)
    found = _events(db_session, "meeting.registration")
    assert [event.data["status"] for event in found] == ["registered", "cancelled"]
    assert found[0].data["meeting"]["id"] == meeting.id


def test_an_admission_is_announced(db_session, club):
    endpoints.register(db_session, url="http://127.0.0.1:9/x",
                       event_types=["company.admitted"], actor=club.club_manager)  # fmt: skip
    club.company.status = MembershipStatus.APPLICANT
    db_session.flush()
    threshold = admission.rules(db_session).threshold_points
    assert admission.admit_due(db_session, {club.company.id: threshold}, date.today()) == 1
    (event,) = _events(db_session, "company.admitted")
    assert event.data["company"]["tax_id"] == club.company.tax_id


def test_the_call_goes_to_the_address_that_was_checked(db_session, club, receiver, monkeypatch):
    """DNS rebinding: a name that resolves to an allowed address for the check and to
    another one a moment later is called at the address checked, with its own name in
    the Host header (here both on loopback: 127.0.0.2 has no receiver)."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "127.0.0.1"])  # the registration's check, the delivery's

    def resolve(host, *args, **kwargs):
        if host == "hook.example":
            host = next(answers, "127.0.0.2")  # every later look-up: elsewhere
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    endpoints.register(
        db_session,
        url=f"http://hook.example:{port}/hooks",
        event_types=["points.earned"],
        actor=club.club_manager,
    )
    _earn(db_session, club.company)
    db_session.commit()

    assert deliver_due(db_session) == 1
    headers, _body = receiver.received[0]
    assert headers["Host"] == f"hook.example:{port}"
    assert db_session.scalar(select(WebhookAttempt.status_code)) == 200
