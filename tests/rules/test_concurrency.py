"""Two events at the same moment: the budget is never exceeded, the same key earns once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from club.extensions import db
from club.members.models import Company
from club.rules import events
from club.rules.models import Earning, Rule, RuleKind
from tests.race import race

pytestmark = pytest.mark.real_commits

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _report(company_id: int, key: str):
    company = db.session.get(Company, company_id)
    return events.record_event(
        db.session, company, "configurator_used", occurred_at=AT, idempotency_key=key, now=AT
    ).event.points


def test_concurrent_events_never_exceed_the_budget(app, db_session, club, configurator, make_rule):
    rule = make_rule(RuleKind.FEATURE, event_type_id=configurator.id, budget=15)
    db_session.commit()
    ids = [club.company.id, club.other_company.id]
    points = race(app, lambda n: _report(ids[n], f"b-{n}"), 2)
    assert sorted(points) == [5, 10]
    db_session.expire_all()
    assert db_session.get(Rule, rule.id).spent_points == 15


def test_the_same_event_sent_twice_at_once_earns_once(
    app, db_session, club, configurator, make_rule
):
    make_rule(RuleKind.FEATURE, event_type_id=configurator.id)
    db_session.commit()
    company_id = club.company.id
    race(app, lambda n: _report(company_id, "same"), 2)
    assert db_session.scalar(select(func.sum(Earning.points))) == 10
