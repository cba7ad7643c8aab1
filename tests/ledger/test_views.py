"""Wallet pages: balances, the statement in words, filters, CSV, corrections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from club.ledger import services as ledger
from club.ledger.models import Entry
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

T0 = datetime(2026, 10, 5, 12, tzinfo=UTC)


@pytest.fixture
def wallet(db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(
        db_session, wallet, 40, source=ledger.Source("quiz", "1"), person=club.staff, now=T0
    )
    ledger.earn(
        db_session,
        wallet,
        300,
        source=ledger.Source("purchase_month", "1"),
        pending=True,
        details={"period": "2026-09", "net_total": "150000.00", "rate": 500},
        now=T0,
    )
    ledger.adjust(
        db_session, wallet, 25, reason="Welcome to the club", actor=club.club_manager, now=T0
    )
    db_session.commit()
    return wallet


def test_the_holder_sees_balances_and_every_entry_in_words(client, club, wallet):
    login(client, club.holder)
    body = client.get("/wallet").get_data(as_text=True)
    assert 'id="balance-available">65<' in body and 'id="balance-pending">300<' in body
    # Details without a currency were written when every month was in the main one.
    assert "Purchases in September 2026: PLN150,000.00 net at 1 point per PLN500.00" in body
    assert "Earned by Staff A for a passed quiz." in body
    assert "Correction by Club Manager: Welcome to the club" in body


def test_staff_see_only_what_they_earned(client, club, wallet):
    login(client, club.staff)
    body = client.get("/wallet").get_data(as_text=True)
    assert "Earned by Staff A" in body
    assert "Purchases in September 2026" not in body and "Welcome to the club" not in body


def test_statement_filters_by_kind_and_month_with_htmx(client, club, wallet):
    login(client, club.holder)
    fragment = client.get("/wallet?kind=adjust", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="statement"')
    assert "Welcome to the club" in body and "Purchases in" not in body
    empty = client.get("/wallet?period=2025-01").get_data(as_text=True)
    assert "No entries yet." in empty


def test_statement_csv_for_excel(client, club, wallet):
    login(client, club.holder)
    response = client.get("/wallet/statement.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffDate,Kind,Description")
    assert text.count("\n") == 4


def test_account_manager_sees_portfolio_wallets_only(client, club, wallet):
    login(client, club.account_manager)
    assert client.get(f"/manage/companies/{club.company.id}/wallet").status_code == 200
    assert client.get(f"/manage/companies/{club.other_company.id}/wallet").status_code == 404
    page = client.get(f"/manage/companies/{club.company.id}/wallet").get_data(as_text=True)
    assert "Manual correction" not in page


def test_club_manager_corrects_with_a_reason(client, club, wallet, db_session):
    login(client, club.club_manager)
    url = f"/manage/companies/{club.company.id}/wallet/adjust"
    before = db_session.scalar(select(func.count()).select_from(Entry))
    missing = client.post(url, data={"points": "10", "reason": ""})
    assert missing.status_code == 422
    too_much = client.post(url, data={"points": "-1000", "reason": "typo"})
    assert too_much.status_code == 422
    assert "Only 65 points are available" in too_much.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Entry)) == before
    done = client.post(url, data={"points": "-5", "reason": "Double booking"})
    assert done.status_code == 302
    db_session.refresh(wallet)
    assert wallet.available == 60


def test_a_new_company_sees_an_empty_wallet(client, club):
    login(client, club.other_holder)
    body = client.get("/wallet").get_data(as_text=True)
    assert 'id="balance-available">0<' in body and "No entries yet." in body


def test_member_home_shows_the_points_card(client, club, wallet, db_session):
    login(client, club.staff)
    body = client.get("/").get_data(as_text=True)
    assert 'id="points-card"' in body and ">65<" in body and ">300<" in body
    ledger.earn(db_session, wallet, 12_000, source=ledger.Source("quiz", "2"), person=club.staff)
    db_session.commit()
    body = client.get("/").get_data(as_text=True)
    assert ">12\u202f065<" in body  # thousands apart, as on the wallet and the boards
    client.post("/logout")
    login(client, club.club_manager)
    assert 'id="points-card"' not in client.get("/").get_data(as_text=True)


@pytest.fixture
def new_year(db_session, club):
    """Two corrections either side of midnight on New Year's Eve in Warsaw (UTC+1): the
    second is on 1 January there but still on 31 December in UTC."""
    wallet = ledger.wallet_for(db_session, club.company.id)
    for reason, moment in (
        ("Late on New Year's Eve", datetime(2025, 12, 31, 22, 30, tzinfo=UTC)),
        ("Just after midnight", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
    ):
        ledger.adjust(db_session, wallet, 5, reason=reason, actor=club.club_manager, now=moment)
    db_session.commit()


@pytest.mark.parametrize("who", ["holder", "club_manager"])
def test_statement_months_cut_at_the_clubs_midnight_on_the_page_and_in_the_csv(
    client, club, new_year, who
):
    login(client, getattr(club, who))
    page = "/wallet" if who == "holder" else f"/manage/companies/{club.company.id}/wallet"
    december = client.get(f"{page}?period=2025-12").get_data(as_text=True)
    assert "Late on New Year&#39;s Eve" in december and "Just after midnight" not in december
    january = client.get(f"{page}?period=2026-01").get_data(as_text=True)
    assert "Just after midnight" in january and "New Year&#39;s Eve" not in january
    rows = client.get(f"{page}/statement.csv?period=2025-12").get_data(as_text=True).splitlines()
    assert len(rows) == 2 and rows[1].startswith("2025-12-31,") and "New Year's Eve" in rows[1]
    rows = client.get(f"{page}/statement.csv?period=2026-01").get_data(as_text=True).splitlines()
    # Dated by the club's calendar too: 1 January, though 31 December in UTC.
    assert len(rows) == 2 and rows[1].startswith("2026-01-01,") and "midnight" in rows[1]
