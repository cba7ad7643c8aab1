"""The club manager's webhook pages: register (the secret shown once, never again),
refusals on the form, deliveries with their attempts, replay, switch off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.ledger import services as ledger
from club.webhooks.delivery import deliver_due
from club.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def test_register_shows_the_secret_once_then_deliveries_and_replay(
    db_session, club, login_as, receiver
):
    client = login_as(club.club_manager)
    response = client.post(
        "/manage/webhooks/",
        data={"url": receiver.url, "description": "CRM", "event_types": ["points.earned"]},
    )
    assert response.status_code == 200
    endpoint = db_session.scalar(select(WebhookEndpoint))
    assert endpoint.secret in response.get_data(as_text=True)
    listing = client.get("/manage/webhooks/").get_data(as_text=True)
    assert endpoint.secret not in listing and endpoint.secret_hint in listing
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.registered"))

    receiver.plan = [500]
    ledger.earn(db_session, ledger.wallet_for(db_session, club.company.id), 50,
                source=ledger.Source("test", "x"))  # fmt: skip
    db_session.commit()
    deliver_due(db_session)
    page = client.get(f"/manage/webhooks/{endpoint.id}")
    assert page.status_code == 200 and "<strong>500</strong>" in page.get_data(as_text=True)

    delivery = db_session.scalar(select(WebhookDelivery))
    response = client.post(f"/manage/webhooks/deliveries/{delivery.id}/replay")
    assert response.status_code == 302
    db_session.refresh(delivery)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0

    client.post(f"/manage/webhooks/{endpoint.id}/active")
    db_session.refresh(endpoint)
    assert not endpoint.is_active


def test_a_refused_url_is_shown_on_the_form(db_session, club, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_REQUIRE_HTTPS", True)
    client = login_as(club.club_manager)
    response = client.post(
        "/manage/webhooks/", data={"url": "http://example.com/x", "event_types": ["tier.changed"]}
    )
    assert response.status_code == 422
    assert "https://" in response.get_data(as_text=True)
    response = client.post("/manage/webhooks/", data={"url": "https://127.0.0.1/x"})  # no events
    assert response.status_code == 422
    assert db_session.scalar(select(WebhookEndpoint)) is None


def test_partners_may_not_see_webhooks(club, login_as):
    assert login_as(club.holder).get("/manage/webhooks/").status_code == 403
