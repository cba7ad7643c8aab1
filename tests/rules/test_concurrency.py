"""Two events at the same moment: the budget is never exceeded, the same key earns once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.extensions import db
from club.members.models import Company
from club.purchases.models import Invoice, InvoiceKind
from club.purchases.rewards import award_invoice_rules
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


def test_two_award_runs_at_once_give_each_invoice_once_within_the_budget(
    app, db_session, club, make_rule
):
    """The hourly job and a manual `run-jobs` at the same moment: the rule's lock makes
    the second wait, re-read what the first gave, and give nothing twice."""
    rule = make_rule(RuleKind.EARLY_PAYMENT, days_early=5, points=10, budget=25)
    for n in range(3):
        db_session.add(
            Invoice(
                number=f"E/{n}",
                company_id=club.company.id,
                kind=InvoiceKind.INVOICE,
                issue_date=date(2026, 2, 1),
                period=date(2026, 2, 1),
                due_date=date(2026, 3, 1),
                net_amount=Decimal("100.00"),
                currency="PLN",
                paid_date=date(2026, 2, 10),
            )
        )
    db_session.commit()
    made = race(app, lambda n: award_invoice_rules(db.session, now=AT), 2)
    assert sorted(made) == [0, 3]
    db_session.expire_all()
    assert db_session.get(Rule, rule.id).spent_points == 25
    assert db_session.scalar(select(func.count()).select_from(Earning)) == 3


def test_two_award_runs_at_once_without_limits_give_each_invoice_once(
    app, db_session, club, make_rule
):
    """A promotion with no cap and no budget (nothing would stop a second award but the
    lock): the run that waits reads the invoices after the first run committed, so it
    finds nothing left (the job gives award_many no look-up of its sources)."""
    make_rule(
        RuleKind.PRODUCT_GROUP,
        product_group="inverters",
        per_amount=Decimal("100"),
        currency="PLN",
        points=1,
        start=date(2026, 2, 1),
    )
    for n in range(3):
        db_session.add(
            Invoice(
                number=f"G/{n}",
                company_id=club.company.id,
                kind=InvoiceKind.INVOICE,
                issue_date=date(2026, 2, 2),
                period=date(2026, 2, 1),
                due_date=date(2026, 3, 1),
                net_amount=Decimal("1000.00"),
                currency="PLN",
                paid_date=date(2026, 2, 10),
                product_group="inverters",
            )
        )
    db_session.commit()
    made = race(app, lambda n: award_invoice_rules(db.session, now=AT), 2)
    assert sorted(made) == [0, 3]
    db_session.expire_all()
    assert db_session.scalars(select(Earning.points)).all() == [10, 10, 10]
