"""Bonuses granted at the same moment from one budget never take it below zero; a
complaint sent twice at once is stored once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from club.extensions import db
from club.ledger.models import Wallet
from club.members.models import Company, User
from club.relations import bonus, records
from club.relations.errors import BudgetExceeded, RelationsError
from club.relations.models import BonusBudget, BonusGrant, Complaint
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits


def test_simultaneous_grants_stop_at_the_budget(app, db_session, club):
    budget = bonus.set_budget(
        db_session, club.account_manager, bonus.current_quarter(), 250, actor=club.club_manager
    )
    db_session.commit()
    manager_id, company_id = club.account_manager.id, club.company.id

    def grant(index):
        try:
            bonus.grant(
                db.session,
                db.session.get(Company, company_id),
                100,
                reason=f"race {index}",
                granted_by=db.session.get(User, manager_id),
            )
        except BudgetExceeded:
            db.session.rollback()
            return "refused"
        return "granted"

    outcomes = race(app, grant, 5)
    assert sorted(outcomes) == ["granted", "granted", "refused", "refused", "refused"]
    db_session.expire_all()
    assert db_session.get(BonusBudget, budget.id).spent == 200
    assert db_session.scalar(select(func.count()).select_from(BonusGrant)) == 2
    wallet = db_session.scalar(select(Wallet).where(Wallet.company_id == company_id))
    assert wallet.available == 200


def test_a_budget_lowered_while_bonuses_are_granted_still_covers_them(app, db_session, club):
    quarter = bonus.current_quarter()
    budget = bonus.set_budget(
        db_session, club.account_manager, quarter, 400, actor=club.club_manager
    )
    db_session.commit()
    ids = club.account_manager.id, club.company.id, club.club_manager.id

    def act(index):
        manager, company, club_manager = (db.session.get(User, ids[0]),
            db.session.get(Company, ids[1]), db.session.get(User, ids[2]))  # fmt: skip
        try:
            if index == 0:
                bonus.set_budget(db.session, manager, quarter, 150, actor=club_manager)
            else:
                bonus.grant(db.session, company, 100, reason="race", granted_by=manager)
        except RelationsError:
            db.session.rollback()
            return "refused"
        return "done"

    race(app, act, 4)
    db_session.expire_all()
    final = db_session.get(BonusBudget, budget.id)
    granted = db_session.scalar(select(func.coalesce(func.sum(BonusGrant.points), 0)))
    assert final.spent == granted <= final.points
    assert final.points in (150, 400)


def test_the_same_new_complaint_sent_at_once_is_stored_once(app, db_session, club):
    company_id = club.company.id
    data = records.ComplaintData("RK/RACE", date(2026, 11, 2), None, "Sent twice by the CRM")

    def send(index):
        company = db.session.get(Company, company_id)
        _row, outcome = records.upsert_complaint(db.session, company, data)
        return outcome

    outcomes = race(app, send, 4)
    assert sorted(outcomes).count(records.Outcome.CREATED) == 1
    assert db_session.scalar(select(func.count()).select_from(Complaint)) == 1
