"""Tiers at the edges: the threshold, the rolling window, the grace period, edits taking
effect at the next requalification, running twice; tier and above for privileges and
meetings (members.standing, purchases.figures, the requalification job)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from club.catalog import services as catalog
from club.catalog.errors import PrivilegeUnavailable
from club.core.periods import last_months
from club.events.models import Audience, Meeting
from club.events.registration import may_register
from club.jobs import requalify_companies
from club.members import standing
from club.members.models import Company, TierChange, TierChangeReason
from club.members.tiers import TierData, TierError, ensure_default_tiers, save_tier
from club.purchases.figures import confirmed_base_points, tier_figures
from club.purchases.models import PurchaseMonth


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


@pytest.fixture
def ladder(db_session):
    tiers = ensure_default_tiers(db_session)  # Member 0, Silver 250 (x1.1), Gold 1000 (x1.25)
    db_session.commit()
    return {tier.code: tier for tier in tiers}


def month(db_session, company, period: date, base: int, *, multiplier=100, currency="PLN"):
    """A closed purchase month whose confirmed points are `base` before the multiplier."""
    points = base * multiplier // 100
    db_session.add(
        PurchaseMonth(
            company_id=company.id,
            period=period,
            currency=currency,
            rate=500,
            grace_days=7,
            multiplier_percent=multiplier,
            earned=points,
            confirmed=points,
            closed_at=at(period),
        )
    )
    db_session.flush()


def requalify(db_session, day: date) -> int:
    return requalify_companies(db_session, now=at(day))


def test_the_figure_is_confirmed_base_points_of_the_last_12_months_in_every_currency(
    db_session, club, ladder
):
    company = club.company
    month(db_session, company, date(2025, 11, 1), 50)  # 13 months back: outside
    month(db_session, company, date(2025, 12, 1), 40, multiplier=125)  # 50 points, base 40
    month(db_session, company, date(2026, 5, 1), 30, currency="EUR")
    month(db_session, company, date(2026, 12, 1), 99)  # this month: not yet in
    db_session.add(
        PurchaseMonth(
            company_id=company.id,
            period=date(2026, 6, 1),
            rate=500,
            grace_days=7,
            earned=20,
            confirmed=0,
            closed_at=at(date(2026, 7, 1)),
        )
    )  # fmt: skip  (pending points do not count)
    assert last_months(date(2026, 12, 7), 12) == (date(2025, 12, 1), date(2026, 12, 1))
    assert tier_figures(db_session, date(2026, 12, 7)) == {company.id: 70}
    window = (date(2025, 11, 1), date(2026, 1, 1))
    assert confirmed_base_points(db_session, window, [club.other_company.id]) == {}


@pytest.mark.parametrize(
    ("base", "expected"), [(249, "member"), (250, "silver"), (999, "silver"), (1000, "gold")]
)
def test_exactly_at_the_threshold_the_tier_is_reached(db_session, club, ladder, base, expected):
    month(db_session, club.company, date(2026, 3, 1), base)
    assert requalify(db_session, date(2026, 4, 1)) == 2  # both companies get a first tier
    assert club.company.tier.code == expected
    assert club.other_company.tier.code == "member"
    (change,) = standing.tier_history(db_session, club.company)
    assert (change.reason, change.figure, change.starts_on) == (
        TierChangeReason.FIRST,
        base,
        date(2026, 4, 1),
    )


def test_requalifying_twice_changes_nothing_the_second_time(db_session, club, ladder):
    month(db_session, club.company, date(2026, 3, 1), 1100)
    assert requalify(db_session, date(2026, 4, 1)) == 2
    db_session.commit()
    assert requalify(db_session, date(2026, 4, 1)) == 0
    assert requalify(db_session, date(2026, 4, 2)) == 0
    assert db_session.scalar(select(func.count()).select_from(TierChange)) == 2


def test_the_day_the_window_drops_a_big_month_a_drop_becomes_pending_then_happens(
    db_session, club, ladder, mailbox
):
    company = club.company
    month(db_session, company, date(2025, 4, 1), 900)  # the big month
    month(db_session, company, date(2025, 10, 1), 200)
    requalify(db_session, date(2026, 4, 30))  # window 2025-04..2026-03: 1,100
    assert company.tier.code == "gold"
    db_session.commit()

    requalify(db_session, date(2026, 5, 1))  # window 2025-05..2026-04: 200 only
    assert company.tier.code == "gold"  # kept during the grace period
    assert (company.tier_drop_to.code, company.tier_drop_on) == ("member", date(2026, 8, 1))
    db_session.commit()
    (warning,) = [m for m in mailbox.messages if m["To"] == club.holder.email]
    assert "Gold" in warning["Subject"]
    progress = standing.progress(
        db_session, company, 200, today=date(2026, 5, 1), currency="PLN", rate=500
    )
    assert (progress.points_to_keep, progress.keep_by) == (800, date(2026, 7, 31))
    assert progress.money(progress.points_to_keep) == 400_000

    requalify(db_session, date(2026, 6, 1))  # still below: no second warning
    db_session.commit()
    assert len([m for m in mailbox.messages if m["To"] == club.holder.email]) == 1
    requalify(db_session, date(2026, 7, 31))
    assert company.tier.code == "gold"
    requalify(db_session, date(2026, 8, 1))  # the grace period has ended
    assert company.tier.code == "member"
    assert company.tier_drop_on is None
    reasons = [change.reason for change in standing.tier_history(db_session, company)]
    assert reasons == [TierChangeReason.DOWN, TierChangeReason.FIRST]
    first = standing.tier_history(db_session, company)[1]
    assert first.ends_on == date(2026, 8, 1)


def test_a_pending_drop_is_lifted_when_the_figure_recovers_and_up_is_at_once(
    db_session, club, ladder
):
    company = club.company
    month(db_session, company, date(2025, 4, 1), 300)
    requalify(db_session, date(2026, 4, 1))
    assert company.tier.code == "silver"
    requalify(db_session, date(2026, 5, 1))
    assert company.tier_drop_to.code == "member"
    month(db_session, company, date(2026, 4, 1), 1000)
    requalify(db_session, date(2026, 5, 2))
    assert (company.tier.code, company.tier_drop_on) == ("gold", None)
    assert standing.tier_history(db_session, company)[0].reason == TierChangeReason.UP


def test_a_tier_edited_mid_year_takes_effect_at_the_next_requalification(db_session, club, ladder):
    company = club.company
    month(db_session, company, date(2026, 2, 1), 210)
    requalify(db_session, date(2026, 3, 1))
    assert company.tier.code == "member"
    silver = ladder["silver"]
    save_tier(
        db_session,
        silver,
        TierData("silver", "Silver", "Srebrny", "Серебряный", 200, 115, "#9ca3af"),
        actor=club.club_manager,
    )
    assert (silver.threshold, silver.next_threshold) == (250, 200)
    assert standing.tier_multiplier_percent(db_session, company.id, date(2026, 3, 1)) == 100
    assert company.tier.code == "member"  # nothing moves before the requalification
    requalify(db_session, date(2026, 4, 1))
    assert (company.tier.code, silver.threshold, silver.multiplier_percent) == ("silver", 200, 115)
    assert standing.tier_multiplier_percent(db_session, company.id, date(2026, 4, 1)) == 115


@pytest.mark.parametrize(
    ("code", "threshold", "multiplier", "field"),
    [("silver", 1200, 110, "threshold"), ("silver", 0, 110, "threshold"),
     ("silver", 200, 99, "multiplier_percent"), ("gold", 200, 110, "code")],
)  # fmt: skip
def test_tier_edits_keep_the_order_and_the_rules(
    db_session, club, ladder, code, threshold, multiplier, field
):
    silver = ladder["silver"]
    data = TierData(code, "S", "S", "S", threshold, multiplier, "#9ca3af")
    with pytest.raises(TierError) as refused:
        save_tier(db_session, silver, data, actor=club.club_manager)
    assert refused.value.field == field


def test_privileges_and_meetings_admit_the_named_tier_and_above(
    db_session, club, ladder, make_privilege, funded
):
    month(db_session, club.company, date(2026, 3, 1), 1100)
    requalify(db_session, date(2026, 4, 1))
    assert (club.company.tier.code, club.other_company.tier.code) == ("gold", "member")
    silver_only = make_privilege(points=100, min_tier_id=ladder["silver"].id)
    assert standing.reaches(db_session, club.company, ladder["silver"])
    assert not standing.reaches(db_session, club.other_company, ladder["silver"])
    catalog.redeem(db_session, silver_only, actor=club.holder, answers={})
    with pytest.raises(PrivilegeUnavailable, match="Silver and above"):
        catalog.redeem(db_session, silver_only, actor=club.other_holder, answers={})
    meeting = Meeting(audience=Audience.TIER, min_tier_id=ladder["silver"].id)
    meeting.min_tier = ladder["silver"]
    assert may_register(db_session, meeting, club.company)
    assert not may_register(db_session, meeting, club.other_company)


def test_a_member_never_requalified_holds_the_lowest_tier(db_session, club, ladder):
    assert standing.company_tier(db_session, club.company).code == "member"
    assert standing.company_tiers(db_session)[club.company.id].code == "member"
    assert db_session.get(Company, club.company.id).tier_id is None


def test_a_tier_the_manager_sets_holds_for_the_grace_period(db_session, club, ladder):
    company = club.company
    assert standing.set_company_tier(
        db_session, company, ladder["gold"], actor=club.club_manager, today=date(2026, 3, 10)
    )
    assert not standing.set_company_tier(
        db_session, company, ladder["gold"], actor=club.club_manager, today=date(2026, 3, 11)
    )
    (change,) = standing.tier_history(db_session, company)
    assert (change.reason, change.actor_id) == (TierChangeReason.MANAGER, club.club_manager.id)
    requalify(db_session, date(2026, 4, 1))  # figure 0: warned, kept until July
    assert (company.tier.code, company.tier_drop_on) == ("gold", date(2026, 7, 1))


def test_a_pilot_only_tier_is_reached_by_the_pilot_group_alone(db_session, club, ladder):
    """Gold tried in the pilot group first: a pilot company reaches it, another company
    with the same figure stops at Silver and is not shown Gold as its next step."""
    gold = ladder["gold"]
    data = TierData("gold", "Gold", "Złoty", "Золотой", 1000, 125, "#b8860b", is_pilot_only=True)
    save_tier(db_session, gold, data, actor=club.club_manager)
    club.company.is_pilot = True
    for company in (club.company, club.other_company):
        month(db_session, company, date(2026, 3, 1), 1100)
    requalify(db_session, date(2026, 4, 1))
    assert (club.company.tier.code, club.other_company.tier.code) == ("gold", "silver")
    outside = standing.progress(
        db_session, club.other_company, 1100, today=date(2026, 4, 2), currency="PLN", rate=500
    )
    assert outside.next_tier is None and outside.points_to_next == 0

    # Leaving the pilot group: Gold is no longer open, so the company drops after grace.
    club.company.is_pilot = False
    requalify(db_session, date(2026, 5, 1))
    assert (club.company.tier.code, club.company.tier_drop_to.code) == ("gold", "silver")


def test_the_lowest_tier_cannot_be_for_the_pilot_group_only(db_session, club, ladder):
    member = ladder["member"]
    data = TierData("member", "Member", "Członek", "Участник", 0, 100, "#6b7280", True)
    with pytest.raises(TierError) as refused:
        save_tier(db_session, member, data, actor=club.club_manager)
    assert refused.value.field == "is_pilot_only"
