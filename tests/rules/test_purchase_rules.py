"""The purchase rate and the tier multiplier are rules: versioned, listed with the other
rules, and each purchase month keeps (and its statement names) the versions it was
closed with, however they change later."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from club.jobs import close_months
from club.ledger.explain import explain, tier_split
from club.ledger.models import Entry, EntryKind
from club.members.standing import apply_tier_edits
from club.members.tiers import ensure_default_tiers
from club.purchases import services as purchases
from club.purchases.models import PurchaseMonth
from club.rules import services
from club.rules.errors import RulesError
from club.rules.models import Rule, RuleKind
from tests.purchases.test_services import Row


def _month(db_session, company, period):
    return db_session.scalar(
        select(PurchaseMonth).where(
            PurchaseMonth.company_id == company.id, PurchaseMonth.period == period
        )
    )


def test_months_keep_the_rate_and_multiplier_versions_they_closed_with(db_session, club):
    gold = {tier.code: tier for tier in ensure_default_tiers(db_session)}["gold"]  # x1.25
    club.company.tier = gold
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 10, 1),
        rates={"PLN": 500},
        grace_days=7,
        actor=club.club_manager,
        now=datetime(2026, 9, 20, tzinfo=UTC),
    )
    for number, day in (("FV/10", date(2026, 10, 5)), ("FV/11", date(2026, 11, 5))):
        purchases.record_invoices(
            db_session,
            [Row(number, club.company.tax_id, day, day.replace(day=25), Decimal("6000.00"))],
            now=datetime(day.year, day.month, 6, tzinfo=UTC),
        )
    close_months(db_session, now=datetime(2026, 11, 1, 1, tzinfo=UTC))
    october = _month(db_session, club.company, date(2026, 10, 1))
    # November changes both: 250 PLN a point from December... and gold becomes x1.5.
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 11, 1),
        rates={"PLN": 250},
        grace_days=3,
        actor=club.club_manager,
        now=datetime(2026, 11, 2, tzinfo=UTC),
    )
    gold.pending_multiplier_percent = 150
    apply_tier_edits(db_session)
    close_months(db_session, now=datetime(2026, 12, 1, 1, tzinfo=UTC))
    november = _month(db_session, club.company, date(2026, 11, 1))

    rate_rule = db_session.scalar(select(Rule).where(Rule.kind == RuleKind.PURCHASE_RATE))
    tier_rule = db_session.scalar(select(Rule).where(Rule.kind == RuleKind.TIER_MULTIPLIER))
    assert [v.number for v in rate_rule.versions] == [1, 2]
    assert [v.effective_from for v in tier_rule.versions] == [date(2026, 11, 1), date(2026, 12, 1)]
    assert (october.rate, october.multiplier_percent, october.earned) == (500, 125, 15)
    assert (october.rate_version_id, october.multiplier_version_id) == (
        rate_rule.versions[0].id,
        tier_rule.versions[0].id,
    )
    assert (november.rate, november.grace_days, november.multiplier_percent) == (250, 3, 150)
    assert november.earned == 36  # 24 base points x 1.5
    assert (november.rate_version_id, november.multiplier_version_id) == (
        rate_rule.versions[1].id,
        tier_rule.versions[1].id,
    )
    assert tier_rule.versions[1].tier_multipliers[2] == {
        "tier_id": gold.id,
        "code": "gold",
        "percent": 150,
    }
    # The statement names the versions; base points and tier bonus stay two lines.
    earned = db_session.scalar(
        select(Entry).where(
            Entry.source_type == "purchase_month",
            Entry.source_id == str(october.id),
            Entry.kind == EntryKind.EARN,
        )
    )
    assert tier_split(earned) == (12, 3, 125)
    with force_locale("pl"):
        text = explain(earned)
    assert "Punkty za zakupy (wersja 1)" in text and "Mnożnik poziomu (wersja 1)" in text


def test_the_single_rules_are_not_made_on_the_campaign_form(db_session, club):
    data = services.RuleData(
        kind=RuleKind.PURCHASE_RATE,
        name_en="Rate",
        name_pl="Stawka",
        name_ru="Ставка",
        effective_from=date(2099, 1, 1),
        points=1,
    )
    with pytest.raises(RulesError, match="own page"):
        services.create_rule(db_session, data, actor=club.club_manager)


@pytest.mark.one_database
def test_the_rules_page_lists_the_purchase_rate_and_tier_multiplier(login_as, club, db_session):
    ensure_default_tiers(db_session)
    purchases.set_rule(
        db_session,
        effective_from=date(2099, 1, 1),
        rates={"PLN": 400, "EUR": 100},
        grace_days=5,
        actor=club.club_manager,
    )
    db_session.commit()
    client = login_as(club.club_manager)
    rate_rule = db_session.scalar(select(Rule).where(Rule.kind == RuleKind.PURCHASE_RATE))
    index = client.get("/manage/earning-rules").get_data(as_text=True)
    assert f"/manage/earning-rules/{rate_rule.id}" in index and "Purchase points" in index
    page = client.get(f"/manage/earning-rules/{rate_rule.id}")
    assert page.status_code == 200 and 'id="versions"' in page.get_data(as_text=True)
    assert "/manage/rules" in page.get_data(as_text=True)
    assert client.post(f"/manage/earning-rules/{rate_rule.id}", data={}).status_code == 302
