"""POST /api/v1/events at the edge."""

from __future__ import annotations

import pytest

from club.api import services as tokens
from club.rules.models import RuleKind


@pytest.fixture
def post(client, db_session):
    _token, secret = tokens.create_token(db_session, name="Platform", scopes=["events"])
    db_session.commit()

    def send(json):
        return client.post(
            "/api/v1/events", json=json, headers={"Authorization": f"Bearer {secret}"}
        )

    return send


def _event(club, **changes):
    return {
        "country": "PL",
        "tax_id": club.company.tax_id,
        "type": "configurator_used",
        "occurred_at": "2026-03-10T10:00:00+01:00",
        "idempotency_key": "platform-1",
        **changes,
    }


def test_an_event_is_recorded_once_and_rewarded(post, club, configurator, make_rule):
    make_rule(RuleKind.FEATURE, event_type_id=configurator.id)
    first = post(_event(club))
    assert first.status_code == 201, first.json
    assert first.json["points"] == 10 and not first.json["replayed"]
    again = post(_event(club))
    assert again.status_code == 200 and again.json["replayed"]
    assert again.json["id"] == first.json["id"]


def test_bad_events_are_refused_with_a_code(post, club, configurator):
    assert post(_event(club, type="never_defined")).json["error"]["code"] == "unknown_event_type"
    assert post(_event(club, tax_id="5260000005")).status_code in (400, 404)
    no_zone = post(_event(club, occurred_at="2026-03-10T10:00:00"))
    assert no_zone.status_code in (400, 422) and no_zone.json["error"]["field"] == "occurred_at"
    assert post(_event(club, occurred_at="0001-01-01T00:00:00+14:00")).status_code in (400, 422)
