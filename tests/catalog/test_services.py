"""Redeeming and the redemption timeline: the rules and every bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from club.catalog import services as catalog
from club.catalog.errors import (
    AlreadyProposed,
    BriefIncomplete,
    CapacityReached,
    InvalidTransition,
    PrivilegeUnavailable,
)
from club.catalog.models import Redemption, RedemptionStatus, Wish, WishStatus
from club.core.errors import NotAllowed
from club.ledger.errors import IdempotencyConflict, InsufficientPoints
from club.ledger.models import Wallet
from club.ledger.verify import verify
from club.members.models import MembershipStatus
from club.members.tiers import ensure_default_tiers
from tests.conftest import BRIEF

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

ANSWERS = {"site": "https://zak.example", "topic": "LED lighting for warehouses"}


def balances(db_session, wallet):
    db_session.refresh(wallet)
    return wallet.available, wallet.held


def test_redeeming_holds_the_points_and_fulfilling_captures_them(
    db_session, club, funded, make_privilege, mailbox
):
    privilege = make_privilege(brief=BRIEF)
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers=ANSWERS)
    db_session.commit()
    assert balances(db_session, funded) == (1500, 500)
    assert redemption.answers == ANSWERS and redemption.status == RedemptionStatus.REQUESTED
    recipients = {message["To"] for message in mailbox.messages}
    assert club.holder.email in recipients and club.club_manager.email in recipients
    for step in (
        RedemptionStatus.APPROVED,
        RedemptionStatus.IN_PROGRESS,
        RedemptionStatus.FULFILLED,
    ):
        catalog.move(db_session, redemption, step, actor=club.club_manager, note="ok")
    db_session.commit()
    assert balances(db_session, funded) == (1500, 0)
    assert [event.status for event in redemption.events] == [
        RedemptionStatus.REQUESTED,
        RedemptionStatus.APPROVED,
        RedemptionStatus.IN_PROGRESS,
        RedemptionStatus.FULFILLED,
    ]
    assert verify(db_session).problems == []


def test_rejecting_needs_a_reason_and_returns_the_points(db_session, club, funded, make_privilege):
    redemption = catalog.redeem(db_session, make_privilege(), actor=club.holder, answers={})
    with pytest.raises(catalog.CatalogError, match="Say why"):
        catalog.move(db_session, redemption, RedemptionStatus.REJECTED, actor=club.club_manager)
    catalog.move(
        db_session,
        redemption,
        RedemptionStatus.REJECTED,
        actor=club.club_manager,
        note="We cannot write about competitors' products.",
    )
    db_session.commit()
    assert balances(db_session, funded) == (2000, 0)
    assert verify(db_session).problems == []


def test_the_holder_cancels_only_while_requested(db_session, club, funded, make_privilege):
    privilege = make_privilege()
    first = catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    catalog.move(db_session, first, RedemptionStatus.CANCELLED, actor=club.holder)
    assert balances(db_session, funded) == (2000, 0)
    second = catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    catalog.move(db_session, second, RedemptionStatus.APPROVED, actor=club.club_manager)
    with pytest.raises(InvalidTransition):
        catalog.move(db_session, second, RedemptionStatus.CANCELLED, actor=club.holder)
    with pytest.raises(NotAllowed):
        catalog.move(db_session, second, RedemptionStatus.FULFILLED, actor=club.holder)


def test_a_double_click_on_a_step_changes_nothing(db_session, club, funded, make_privilege):
    redemption = catalog.redeem(db_session, make_privilege(), actor=club.holder, answers={})
    catalog.move(db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager)
    catalog.move(db_session, redemption, RedemptionStatus.FULFILLED, actor=club.club_manager)
    catalog.move(db_session, redemption, RedemptionStatus.FULFILLED, actor=club.club_manager)
    assert len(redemption.events) == 3
    assert balances(db_session, funded) == (1500, 0)


# --- bad input: each leaves ledger and capacity exactly as they were -------------------


def _unchanged(db_session, wallet):
    db_session.rollback()
    assert balances(db_session, wallet) == (2000, 0)
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_not_enough_points(db_session, club, funded, make_privilege):
    with pytest.raises(InsufficientPoints):
        catalog.redeem(db_session, make_privilege(points=2001), actor=club.holder, answers={})
    _unchanged(db_session, funded)


def test_above_capacity(db_session, club, funded, make_privilege):
    privilege = make_privilege(capacity_per_quarter=1)
    catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    db_session.commit()
    with pytest.raises(CapacityReached, match="fully booked"):
        catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    db_session.rollback()
    assert balances(db_session, funded) == (1500, 500)


def test_out_of_stock_and_a_released_redemption_frees_stock(
    db_session, club, funded, make_privilege
):
    privilege = make_privilege(stock=1)
    first = catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    with pytest.raises(CapacityReached, match="out of stock"):
        catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    catalog.move(db_session, first, RedemptionStatus.CANCELLED, actor=club.holder)
    assert catalog.redeem(db_session, privilege, actor=club.holder, answers={})


def test_a_retired_privilege(db_session, club, funded, make_privilege):
    privilege = make_privilege()
    catalog.retire(db_session, privilege, actor=club.club_manager)
    with pytest.raises(PrivilegeUnavailable, match="retired"):
        catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    _unchanged(db_session, funded)


def test_outside_its_active_dates(db_session, club, funded, make_privilege):
    privilege = make_privilege(active_until=date(2026, 6, 30))
    with pytest.raises(PrivilegeUnavailable, match="until 2026-06-30"):
        catalog.redeem(
            db_session,
            privilege,
            actor=club.holder,
            answers={},
            now=datetime(2026, 7, 2, tzinfo=UTC),
        )
    _unchanged(db_session, funded)


def test_a_tier_restricted_privilege(db_session, club, funded, make_privilege):
    gold = ensure_default_tiers(db_session)[-1]  # a member never requalified holds the lowest
    with pytest.raises(PrivilegeUnavailable, match="Gold and above"):
        catalog.redeem(
            db_session, make_privilege(min_tier_id=gold.id), actor=club.holder, answers={}
        )
    _unchanged(db_session, funded)


@pytest.mark.parametrize("who", ["staff", "club_manager", "account_manager"])
def test_only_the_account_holder_redeems(db_session, club, funded, make_privilege, who):
    with pytest.raises(NotAllowed):
        catalog.redeem(db_session, make_privilege(), actor=getattr(club, who), answers={})
    _unchanged(db_session, funded)


def test_a_suspended_company_cannot_redeem(db_session, club, funded, make_privilege):
    club.company.status = MembershipStatus.SUSPENDED
    db_session.commit()
    with pytest.raises(NotAllowed, match="frozen"):
        catalog.redeem(db_session, make_privilege(), actor=club.holder, answers={})


def test_a_brief_with_missing_or_bad_answers(db_session, club, funded, make_privilege):
    privilege = make_privilege(brief=BRIEF)
    with pytest.raises(BriefIncomplete) as caught:
        catalog.redeem(
            db_session,
            privilege,
            actor=club.holder,
            answers={"site": "zak.example", "words": "many"},
        )
    assert set(caught.value.problems) == {"site", "topic", "words"}
    _unchanged(db_session, funded)


def test_a_replayed_request_redeems_once(db_session, club, funded, make_privilege):
    privilege = make_privilege()
    first = catalog.redeem(
        db_session, privilege, actor=club.holder, answers={}, idempotency_key="tab-1"
    )
    again = catalog.redeem(
        db_session, privilege, actor=club.holder, answers={}, idempotency_key="tab-1"
    )
    assert again.id == first.id and balances(db_session, funded) == (1500, 500)
    with pytest.raises(IdempotencyConflict):
        catalog.redeem(
            db_session,
            make_privilege(title="Other"),
            actor=club.holder,
            answers={},
            idempotency_key="tab-1",
        )


# --- wishes, catalogue, reports ------------------------------------------------------------


def test_staff_propose_and_the_holder_decides(db_session, club, funded, make_privilege, mailbox):
    privilege = make_privilege()
    wish = catalog.propose(db_session, privilege, actor=club.staff, note="For our new site")
    db_session.commit()
    assert [m["To"] for m in mailbox.messages] == [club.holder.email]
    with pytest.raises(NotAllowed):
        catalog.decide_wish(db_session, wish, actor=club.other_holder, redemption=None)
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    catalog.decide_wish(db_session, wish, actor=club.holder, redemption=redemption)
    assert wish.status == WishStatus.REDEEMED and wish.redemption_id == redemption.id


def test_a_company_proposes_a_privilege_once_while_it_is_open(db_session, club, make_privilege):
    privilege = make_privilege()
    wish = catalog.propose(db_session, privilege, actor=club.staff)
    with pytest.raises(AlreadyProposed):
        catalog.propose(db_session, privilege, actor=club.holder)
    catalog.decide_wish(db_session, wish, actor=club.holder, redemption=None)
    assert catalog.propose(db_session, privilege, actor=club.staff).id != wish.id
    # The database keeps the rule when two proposals race past the check.
    duplicate = Wish(
        privilege_id=privilege.id, company_id=club.company.id, proposed_by_id=club.staff.id
    )
    db_session.add(duplicate)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.flush()


def test_catalogue_filters_and_order(db_session, club, make_privilege):
    cheap = make_privilege("SEO audit", points=300, category="marketing")
    dear = make_privilege("Trade fair trip", points=9000, category="travel")
    catalog.move_in_catalogue(db_session, dear, up=True)
    titles = [p.title for p in db_session.scalars(catalog.catalogue(db_session))]
    assert titles == ["Trade fair trip", "SEO audit"]
    assert db_session.scalars(catalog.catalogue(db_session, affordable_for=500)).all() == [cheap]
    assert db_session.scalars(catalog.catalogue(db_session, text="FAIR")).all() == [dear]
    assert cheap.slug == "seo-audit"


def test_a_bad_brief_definition_is_refused(db_session, club):
    with pytest.raises(catalog.CatalogError):
        catalog.save_privilege(
            db_session,
            None,
            actor=club.club_manager,
            title="X",
            points_cost=1,
            category="sales",
            money_value=Decimal(1),
            brief=[{"key": "Bad Key", "label": ""}],
        )


def test_reports(db_session, club, funded, make_privilege):
    privilege = make_privilege(
        money_value=Decimal("1200.00"), sponsor="LuxLight", sponsor_share_percent=50
    )
    when = datetime(2026, 5, 10, tzinfo=UTC)
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers={}, now=when)
    catalog.move(
        db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager, now=when
    )
    catalog.move(
        db_session,
        redemption,
        RedemptionStatus.FULFILLED,
        actor=club.club_manager,
        now=when + timedelta(days=3),
    )
    db_session.commit()
    ((name, _country, _tax, count, value, *_kinds),) = catalog.tax_report(db_session, 2026)
    assert (name, count, value) == ("Hurtownia Żak", 1, Decimal("1200.00"))
    assert catalog.sponsor_report(db_session, 2026) == [
        ("LuxLight", "2026-Q2", 1, Decimal("1200.00"), Decimal("600.00"), 0, Decimal("0.00"), "PLN")
    ]
    cost = catalog.programme_cost(db_session, date(2026, 1, 1), date(2027, 1, 1))
    assert cost.fulfilled_value == Decimal("1200.00") and cost.percent is None
    assert db_session.scalar(select(Wallet.available)) == 1500


def test_a_year_ends_at_midnight_in_the_club_zone(db_session, club, funded, make_privilege):
    """Fulfilled at 23:30 on 31 December in Warsaw (22:30 UTC): that year and its fourth
    quarter. Fulfilled at 00:00 on 1 January in Warsaw (still 31 December in UTC): the
    next year's."""
    privilege = make_privilege(
        money_value=Decimal("1200.00"), sponsor="LuxLight", sponsor_share_percent=50
    )
    for fulfilled_at in (
        datetime(2026, 12, 31, 22, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    ):
        redemption = catalog.redeem(
            db_session, privilege, actor=club.holder, answers={}, now=fulfilled_at
        )
        for step in (RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED):
            catalog.move(db_session, redemption, step, actor=club.club_manager, now=fulfilled_at)
    db_session.commit()
    for year in (2026, 2027):
        ((name, _country, _tax, count, value, *_kinds),) = catalog.tax_report(db_session, year)
        assert (name, count, value) == ("Hurtownia Żak", 1, Decimal("1200.00"))
        cost = catalog.programme_cost(db_session, date(year, 1, 1), date(year + 1, 1, 1))
        assert cost.fulfilled_value == Decimal("1200.00")
    assert catalog.sponsor_report(db_session, 2026) == [
        ("LuxLight", "2026-Q4", 1, Decimal("1200.00"), Decimal("600.00"), 0, Decimal("0.00"), "PLN")
    ]
    assert catalog.sponsor_report(db_session, 2027) == [
        ("LuxLight", "2027-Q1", 1, Decimal("1200.00"), Decimal("600.00"), 0, Decimal("0.00"), "PLN")
    ]


def test_russian_titles_get_readable_slugs(db_session, club):
    privilege = catalog.save_privilege(
        db_session,
        None,
        actor=club.club_manager,
        title="Поездка на выставку",
        points_cost=10,
        category="travel",
        money_value=Decimal(1),
        brief=[],
    )
    assert privilege.slug == "poezdka-na-vystavku"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("points_cost", 0),
        ("money_value", Decimal(-1)),
        ("sponsor_share_percent", 101),
        ("stock", -1),
    ],
)
def test_privilege_limits_are_checked_by_the_service(db_session, club, field, value):
    fields = {
        "title": "X",
        "points_cost": 10,
        "category": "sales",
        "money_value": Decimal(1),
        "brief": [],
    }
    fields[field] = value
    with pytest.raises(catalog.CatalogError):
        catalog.save_privilege(db_session, None, actor=club.club_manager, **fields)


def test_the_waiting_queue_by_deadline(db_session, club, funded, make_privilege):
    """The club manager's to-do list: open redemptions, the soonest due first."""
    slow = make_privilege("Trade fair trip", points=100, lead_time_days=30)
    quick = make_privilege("SEO audit", points=100, lead_time_days=2)
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    old = catalog.redeem(db_session, slow, actor=club.holder, answers={}, now=now)
    late = catalog.redeem(db_session, quick, actor=club.holder, answers={}, now=now)
    done = catalog.redeem(db_session, quick, actor=club.holder, answers={}, now=now)
    catalog.move(db_session, done, RedemptionStatus.REJECTED, actor=club.club_manager, note="No")
    queue = catalog.waiting_queue(db_session, now=now + timedelta(days=5))
    assert (queue.count, queue.overdue) == (2, 1)
    assert [(item.redemption, item.is_overdue) for item in queue.first] == [
        (late, True),
        (old, False),
    ]
    assert queue.first[1].due == now + timedelta(days=30)
