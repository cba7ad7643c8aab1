"""Quarterly bonus budgets and the bonuses granted from them (club.relations.bonus)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from club.core.periods import quarter
from club.ledger.models import Entry, EntryKind, Wallet
from club.relations import bonus
from club.relations.errors import BudgetExceeded, NoBudget, NotInPortfolio, RelationsError
from club.relations.models import BonusGrant

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
Q4 = quarter(2026, 4)


def _grant(db_session, club, points, **fields):
    fields.setdefault("reason", "Thanks for the big order")
    fields.setdefault("granted_by", club.account_manager)
    return bonus.grant(db_session, club.company, points, now=NOW, **fields)


def test_a_bonus_is_a_ledger_entry_charged_to_the_budget(db_session, club):
    budget = bonus.set_budget(
        db_session, club.account_manager, Q4, 500, actor=club.club_manager, now=NOW
    )
    granted = _grant(db_session, club, 200, person=club.staff)
    entry = db_session.get(Entry, granted.ledger_entry_id)
    assert (entry.kind, entry.amount, entry.available_delta) == (EntryKind.EARN, 200, 200)
    assert (entry.source_type, entry.person_id, entry.actor_id) == (
        "bonus", club.staff.id, club.account_manager.id)  # fmt: skip
    assert entry.reason == "Thanks for the big order"
    wallet = db_session.scalar(select(Wallet).where(Wallet.company_id == club.company.id))
    assert wallet.available == 200
    assert (budget.spent, budget.left) == (200, 300)
    with pytest.raises(BudgetExceeded):
        _grant(db_session, club, 301)
    _grant(db_session, club, 300)
    assert budget.left == 0
    line = next(line for line in bonus.overview(db_session, Q4) if line.budget)
    assert (line.account_manager.id, line.grants) == (club.account_manager.id, 2)
    assert len(bonus.grants_in(db_session, Q4, company_id=club.company.id)) == 2


def test_the_budget_is_per_quarter_and_never_below_what_was_granted(db_session, club):
    with pytest.raises(NoBudget):
        _grant(db_session, club, 10)
    bonus.set_budget(
        db_session, club.account_manager, Q4.next(), 1000, actor=club.club_manager, now=NOW
    )
    with pytest.raises(NoBudget):  # next quarter's budget is not this quarter's
        _grant(db_session, club, 10)
    budget = bonus.set_budget(
        db_session, club.account_manager, Q4, 100, actor=club.club_manager, now=NOW
    )
    _grant(db_session, club, 80)
    with pytest.raises(RelationsError):
        bonus.set_budget(db_session, club.account_manager, Q4, 79, actor=club.club_manager, now=NOW)
    bonus.set_budget(db_session, club.account_manager, Q4, 80, actor=club.club_manager, now=NOW)
    assert (budget.points, budget.spent) == (80, 80)
    with pytest.raises(RelationsError):
        bonus.set_budget(db_session, club.staff, Q4, 80, actor=club.club_manager, now=NOW)
    with pytest.raises(RelationsError):
        bonus.set_budget(db_session, club.account_manager, Q4, -1, actor=club.club_manager, now=NOW)


def test_only_for_the_granters_portfolio_and_its_people(db_session, club):
    bonus.set_budget(db_session, club.account_manager, Q4, 500, actor=club.club_manager, now=NOW)
    bonus.set_budget(
        db_session, club.other_account_manager, Q4, 500, actor=club.club_manager, now=NOW
    )
    with pytest.raises(NotInPortfolio):
        _grant(db_session, club, 10, granted_by=club.other_account_manager)
    with pytest.raises(NotInPortfolio):
        _grant(db_session, club, 10, granted_by=club.club_manager)
    with pytest.raises(RelationsError) as refused:
        _grant(db_session, club, 10, person=club.other_staff)
    assert refused.value.field == "person"
    with pytest.raises(RelationsError):
        _grant(db_session, club, 10, person=club.account_manager)
    for points in (0, -5, True, 2.5):
        with pytest.raises(RelationsError):
            _grant(db_session, club, points)
    with pytest.raises(RelationsError):
        _grant(db_session, club, 10, reason=" ")
    assert db_session.scalars(select(BonusGrant)).all() == []
