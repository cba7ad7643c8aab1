"""Two schedulers delivering at once: every delivery is sent exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.extensions import db
from club.ledger import services as ledger
from club.webhooks import endpoints
from club.webhooks.delivery import deliver_due
from club.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.race import race

# The schedulers' connections must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits

EVENTS = 12


def test_two_schedulers_send_each_delivery_once(app, db_session, club, receiver):
    endpoints.register(
        db_session, url=receiver.url, event_types=["points.earned"], actor=club.club_manager
    )
    wallet = ledger.wallet_for(db_session, club.company.id)
    for number in range(EVENTS):
        ledger.earn(db_session, wallet, 10, source=ledger.Source("test", str(number)))
    db_session.commit()

    sent = race(app, lambda _index: deliver_due(db.session), 2)

    assert sum(sent) == EVENTS
    event_ids = [headers["Club-Event-Id"] for headers, _body in receiver.received]
    assert len(event_ids) == len(set(event_ids)) == EVENTS
    statuses = db_session.scalars(select(WebhookDelivery.status)).all()
    assert statuses == [DeliveryStatus.DELIVERED] * EVENTS
