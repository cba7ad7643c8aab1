"""Many redemptions at the same moment: never above capacity, never above the wallet."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.catalog import services as catalog
from club.catalog.errors import CapacityReached
from club.catalog.models import (
    Privilege,
    PrivilegeKind,
    Redemption,
    RedemptionStatus,
    VoucherCode,
)
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


def _holders_with_points(db_session, make_company, make_user, count):
    holder_ids = []
    for number in range(count):
        company = make_company(f"Rewards racer {number}")
        holder_ids.append(make_user(Role.ACCOUNT_HOLDER, company).id)
        wallet = ledger.wallet_for(db_session, company.id)
        ledger.earn(db_session, wallet, 1000, source=ledger.Source("test", f"r{number}"))
    db_session.commit()
    return holder_ids


def test_parallel_approvals_never_share_a_code(
    app, db_session, club, make_company, make_user, make_privilege
):
    privilege = make_privilege("Gift card", points=100, kind=PrivilegeKind.E_VOUCHER)
    catalog.load_pool(
        db_session, privilege, b"code,value\nC1,50\nC2,50\nC3,50\n", actor=club.club_manager
    )
    redemption_ids = [
        catalog.redeem(db_session, privilege, actor=db_session.get(User, holder_id), answers={}).id
        for holder_id in _holders_with_points(db_session, make_company, make_user, 6)
    ]
    db_session.commit()
    manager_id = club.club_manager.id

    def approve(index):
        redemption = catalog.move(
            db.session,
            db.session.get(Redemption, redemption_ids[index]),
            RedemptionStatus.APPROVED,
            actor=db.session.get(User, manager_id),
        )
        db.session.commit()
        return redemption.status

    statuses = race(app, approve, 6)
    assert sorted(statuses) == [RedemptionStatus.APPROVED] * 3 + [RedemptionStatus.FULFILLED] * 3
    assigned = db_session.scalars(
        select(VoucherCode.redemption_id).where(VoucherCode.redemption_id.is_not(None))
    ).all()
    assert len(assigned) == len(set(assigned)) == 3
    assert verify(db_session).problems == []


def test_a_variant_is_never_oversold(
    app, db_session, club, make_company, make_user, make_privilege
):
    privilege = make_privilege(
        "Fleece", points=100, kind=PrivilegeKind.GOOD, variants=[("XL", 2), ("S", 5)]
    )
    variant_id, privilege_id = privilege.variants[0].id, privilege.id
    holder_ids = _holders_with_points(db_session, make_company, make_user, 6)

    def redeem(index):
        try:
            catalog.redeem(
                db.session,
                db.session.get(Privilege, privilege_id),
                actor=db.session.get(User, holder_ids[index]),
                answers={},
                delivery=catalog.Delivery("ul. Prosta 1, Warszawa", "+48 600 100 200", variant_id),
            )
        except CapacityReached:
            db.session.rollback()
            return 0
        db.session.commit()
        return 1

    assert sum(race(app, redeem, 6)) == 2
    assert verify(db_session).problems == []
