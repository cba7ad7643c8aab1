"""The engine at its edges: versions, audience, caps mid-way, budget, the same event twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from club.ledger.explain import explain
from club.ledger.models import Entry
from club.rules import events, services
from club.rules.engine import Occurrence, award
from club.rules.errors import RulesError, UnknownEventType
from club.rules.models import Audience, CapPeriod, RuleKind

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _event(db_session, company, key, *, at=AT, email=None):
    return events.record_event(
        db_session,
        company,
        "configurator_used",
        occurred_at=at,
        idempotency_key=key,
        person_email=email,
        now=at,
    )


def test_an_event_earns_once_and_the_statement_names_the_rule(
    db_session, club, configurator, make_rule
):
    make_rule(event_type_id=configurator.id)
    first = _event(db_session, club.company, "k-1")
    again = _event(db_session, club.company, "k-1")
    assert (first.event.points, first.replayed) == (10, False)
    assert again.replayed and again.event.id == first.event.id
    entries = db_session.query(Entry).filter_by(source_type="bonus_rule").all()
    assert [entry.amount for entry in entries] == [10]
    assert explain(entries[0]) == "Configurator bonus (version 1): Used the configurator."


def test_an_unknown_event_type_and_a_future_event_are_refused(db_session, club, configurator):
    with pytest.raises(UnknownEventType):
        events.record_event(
            db_session, club.company, "never", occurred_at=AT, idempotency_key="k-x", now=AT
        )
    with pytest.raises(RulesError):
        events.record_event(
            db_session,
            club.company,
            "configurator_used",
            occurred_at=datetime(2026, 3, 12, tzinfo=UTC),
            idempotency_key="k-y",
            now=AT,
        )


def test_company_cap_is_reached_mid_way_and_resets_next_month(
    db_session, club, configurator, make_rule
):
    make_rule(event_type_id=configurator.id, cap_per_company=25, cap_period=CapPeriod.MONTH)
    points = [_event(db_session, club.company, f"k-{n}").event.points for n in range(4)]
    assert points == [10, 10, 5, 0]
    april = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    assert _event(db_session, club.company, "k-april", at=april).event.points == 10


def test_person_cap_and_budget(db_session, club, configurator, make_rule):
    rule = make_rule(event_type_id=configurator.id, cap_per_person=10, budget=25)
    assert _event(db_session, club.company, "p-1", email=club.staff.email).event.points == 10
    assert _event(db_session, club.company, "p-2", email=club.staff.email).event.points == 0
    assert _event(db_session, club.company, "p-3").event.points == 10
    assert _event(db_session, club.other_company, "p-4").event.points == 5
    assert _event(db_session, club.other_company, "p-5").event.points == 0
    assert rule.spent_points == 25


def test_a_rule_ending_mid_month_and_a_new_version(db_session, club, configurator, make_rule):
    rule = make_rule(event_type_id=configurator.id, ends_on=date(2026, 3, 15))
    assert _event(db_session, club.company, "e-1").event.points == 10
    after = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    assert _event(db_session, club.company, "e-2", at=after).event.points == 0
    data = services.RuleData(
        kind=rule.kind,
        name_en="Bonus v2",
        name_pl="Premia 2",
        name_ru="Бонус 2",
        effective_from=date(2026, 4, 1),
        points=30,
        event_type_id=configurator.id,
    )
    services.add_version(db_session, rule, data, actor=club.club_manager, now=AT)
    april = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    assert _event(db_session, club.company, "e-3", at=april).event.points == 30
    assert [earning.version.number for earning in _earnings(db_session)] == [1, 2]


def _earnings(db_session):
    from club.rules.models import Earning

    return db_session.query(Earning).order_by(Earning.id).all()


def test_audience_tier_pilot_and_listed_companies(db_session, club, configurator, make_rule):
    make_rule(event_type_id=configurator.id, audience=Audience.PILOT)
    assert _event(db_session, club.company, "a-1").event.points == 0
    club.company.is_pilot = True
    assert _event(db_session, club.company, "a-2").event.points == 10
    make_rule(
        event_type_id=configurator.id,
        audience=Audience.COMPANIES,
        company_ids=[club.other_company.id],
    )
    assert _event(db_session, club.other_company, "a-3").event.points == 10


def test_the_einvoice_switch_earns_once_whoever_reports_it(db_session, club, make_rule):
    make_rule(RuleKind.EINVOICE, points=50)
    assert events.switch_to_einvoice(db_session, club.company, now=AT).points == 50
    again = events.switch_to_einvoice(db_session, club.company, now=AT, actor=club.club_manager)
    assert again.points == 50 and events.is_einvoice_switched(db_session, club.company)
    assert sum(e.points for e in _earnings(db_session)) == 50


def test_rules_refuse_what_they_could_not_work_with(db_session, club, make_rule):
    with pytest.raises(RulesError) as refused:
        make_rule(RuleKind.FEATURE)
    assert refused.value.field == "event_type"
    with pytest.raises(RulesError):
        make_rule(RuleKind.PRODUCT_GROUP, product_group="inverters")
    with pytest.raises(RulesError):
        make_rule(RuleKind.EINVOICE, start=date(2025, 12, 1))


def test_preview_counts_last_quarter_events(db_session, club, configurator, make_rule):
    for n, company in enumerate([club.company, club.company, club.other_company]):
        _event(db_session, company, f"q-{n}", at=datetime(2025, 11, 5, 9, tzinfo=UTC))
    data = services.RuleData(
        kind=RuleKind.FEATURE,
        name_en="x",
        name_pl="x",
        name_ru="x",
        effective_from=date(2026, 1, 1),
        points=7,
        event_type_id=configurator.id,
        cap_per_company=10,
    )
    found = services.preview(db_session, data, now=datetime(2026, 1, 5, tzinfo=UTC))
    assert (found.points, found.companies) == (7 + 3 + 7, 2)  # the cap trims the second


def test_award_of_a_fact_outside_the_rules_dates_gives_nothing(db_session, club, make_rule):
    rule = make_rule(RuleKind.EINVOICE)
    fact = Occurrence(club.company.id, date(2025, 6, 1), "x", "doc")
    assert award(db_session, rule, fact, now=AT) is None


def test_budgets_near_their_end_are_found_in_one_query(db_session, club, configurator, make_rule):
    """On the club manager's to-do list: 80% or more given, still running."""
    nearly, half, unlimited = (
        make_rule(event_type_id=configurator.id, budget=budget) for budget in (100, 100, None)
    )
    ended = make_rule(event_type_id=configurator.id, budget=100, ends_on=date(2026, 2, 1))
    for rule, spent in ((nearly, 85), (half, 50), (ended, 99), (unlimited, 5_000)):
        rule.spent_points = spent
    db_session.flush()
    assert services.budgets_near_end(db_session, today=date(2026, 3, 10)) == [nearly]
