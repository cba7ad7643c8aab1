"""The tier pages: the club manager defines tiers (audited); a member sees its tier and
what the next one needs; the company page shows the history; locked privileges say what
unlocks them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.jobs import requalify_companies
from club.members.models import Tier
from club.members.tiers import ensure_default_tiers
from club.purchases.models import PurchaseMonth
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

TIER = {
    "code": "platinum",
    "name_en": "Platinum",
    "name_pl": "Platynowy",
    "name_ru": "Платиновый",
    "threshold": "2000",
    "multiplier_percent": "150",
    "colour": "#334455",
}


@pytest.fixture
def ladder(db_session):
    tiers = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    db_session.commit()
    return tiers


def test_the_club_manager_adds_and_edits_tiers_audited(db_session, club, ladder, login_as):
    client = login_as(club.club_manager)
    assert client.get("/manage/tiers").status_code == 200
    bad = client.post("/manage/tiers", data={**TIER, "threshold": "100"})  # below Gold's
    assert bad.status_code == 422
    assert "must be above" in bad.get_data(as_text=True)
    assert db_session.scalar(select(Tier).where(Tier.code == "platinum")) is None
    assert client.post("/manage/tiers", data={**TIER, "is_pilot_only": "y"}).status_code == 302
    platinum = db_session.scalar(select(Tier).where(Tier.code == "platinum"))
    assert (platinum.position, platinum.threshold, platinum.multiplier_percent) == (3, 2000, 150)
    assert platinum.is_pilot_only
    edit_page = client.get(f"/manage/tiers/{platinum.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="is_pilot_only"', edit_page)

    gold = {
        **TIER,
        "code": "gold",
        "name_en": "Gold",
        "threshold": "1200",
        "multiplier_percent": "130",
    }
    assert client.post(f"/manage/tiers/{ladder['gold'].id}", data=gold).status_code == 302
    db_session.refresh(ladder["gold"])
    assert (ladder["gold"].threshold, ladder["gold"].pending_threshold) == (1000, 1200)
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["tier.created", "tier.edited"]
    css = client.get("/tiers.css").get_data(as_text=True)
    assert ".badge--tier-platinum { background: #334455;" in css


def test_partners_cannot_manage_tiers(club, ladder, login_as):
    client = login_as(club.holder)
    assert client.get("/manage/tiers").status_code == 403
    assert client.post("/manage/tiers", data=TIER).status_code == 403


def test_a_member_sees_its_tier_and_what_the_next_one_needs(
    app, db_session, club, ladder, login_as
):
    db_session.add(
        PurchaseMonth(
            company_id=club.company.id, period=date(2026, 10, 1), rate=500, grace_days=7,
            earned=300, confirmed=300, closed_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
    )  # fmt: skip
    requalify_companies(db_session, now=datetime(2026, 12, 1, 3, tzinfo=UTC))
    db_session.commit()
    home = login_as(club.staff).get("/").get_data(as_text=True)
    assert 'id="tier-card"' in home
    assert "Silver" in home
    assert "300 points" in home
    # Gold needs 1,000: 700 points more at 500 PLN a point.
    assert "350,000.00" in home and "to reach Gold" in home

    manager = app.test_client()
    assert login(manager, club.club_manager).status_code == 302
    page = manager.get(f"/manage/companies/{club.company.id}").get_data(as_text=True)
    assert 'id="tier-history"' in page and "First requalification" in page


def test_a_locked_privilege_says_what_unlocks_it(
    db_session, club, ladder, make_privilege, login_as
):
    make_privilege(title="Trade fair trip", min_tier_id=ladder["gold"].id)
    listing = login_as(club.holder).get("/privileges").get_data(as_text=True)
    assert "Gold and above" in listing
    assert "Locked: your company needs Gold or higher." in listing
