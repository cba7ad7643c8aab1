"""Many redemptions at the same moment: never above capacity, never above the wallet."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.catalog import services as catalog
from club.catalog.errors import CapacityReached
from club.catalog.models import Privilege, Redemption
from club.core.roles import Role
from club.extensions import db
from club.ledger import services as ledger
from club.ledger.errors import InsufficientPoints
from club.ledger.verify import verify
from club.members.models import User
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits


def test_capacity_is_never_oversold(app, db_session, make_company, make_user, make_privilege):
    privilege_id = make_privilege(points=100, capacity_per_quarter=3).id
    holder_ids = []
    for number in range(8):
        company = make_company(f"Racer {number}")
        holder_ids.append(make_user(Role.ACCOUNT_HOLDER, company).id)
        wallet = ledger.wallet_for(db_session, company.id)
        ledger.earn(db_session, wallet, 1000, source=ledger.Source("test", str(number)))
    db_session.commit()

    def redeem(index):
        holder = db.session.get(User, holder_ids[index])
        try:
            catalog.redeem(
                db.session, db.session.get(Privilege, privilege_id), actor=holder, answers={}
            )
        except CapacityReached:
            db.session.rollback()
            return 0
        db.session.commit()
        return 1

    assert sum(race(app, redeem, 8)) == 3
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 3
    assert verify(db_session).problems == []


def test_two_tabs_cannot_spend_the_same_points(app, db_session, club, funded, make_privilege):
    # 2,000 points, eight tabs redeeming 600 each: three succeed.
    privilege_id = make_privilege(points=600).id
    holder_id = club.holder.id

    def redeem(index):
        try:
            catalog.redeem(
                db.session,
                db.session.get(Privilege, privilege_id),
                actor=db.session.get(User, holder_id),
                answers={},
                idempotency_key=f"tab-{index}",
            )
        except InsufficientPoints:
            db.session.rollback()
            return 0
        db.session.commit()
        return 1

    assert sum(race(app, redeem, 8)) == 3
    db_session.refresh(funded)
    assert (funded.available, funded.held) == (200, 1800)
    assert verify(db_session).problems == []


def test_a_replayed_request_racing_itself_redeems_once(
    app, db_session, club, funded, make_privilege
):
    privilege_id = make_privilege(points=100).id
    holder_id = club.holder.id

    def redeem(index):
        redemption = catalog.redeem(
            db.session,
            db.session.get(Privilege, privilege_id),
            actor=db.session.get(User, holder_id),
            answers={},
            idempotency_key="same-click",
        )
        db.session.commit()
        return redemption.id

    assert len(set(race(app, redeem, 6))) == 1
    db_session.refresh(funded)
    assert (funded.available, funded.held) == (1900, 100)
