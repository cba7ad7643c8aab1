"""The dashboard's pages: who sees what, the charts beside their tables, the CSV files."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from club.insight import services
from club.insight.models import SignInDay

pytestmark = pytest.mark.one_database


def test_the_club_manager_reads_the_dashboard_and_its_exports(history, login_as, monkeypatch):
    client = login_as(history.club.club_manager)
    page = client.get("/insight/?period=2026-10&split=pilot")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for kpi in ("retention", "churned", "uplift", "wallet", "on_time", "cost", "liability", "nps"):
        assert f'id="kpi-{kpi}"' in html
    assert "Churned Co" in html and "Philips" in html and "Trade fair trip" in html
    assert "Pilot group" in html and "The rest" in html
    assert "segments as of 10 Nov 2026" in html  # the refresh the segments come from
    # Charts are SVG drawn on the server, each with a title; nothing inline for the CSP.
    assert html.count("<svg") >= 4 and 'role="img"' in html
    assert not re.search(r"\sstyle=", html) and "<script>" not in html
    assert "66,7%" not in html and "66.7%" in html  # English notation for English readers

    for name in ("kpis", "split", "trend", "churned"):
        answer = client.get(f"/insight/{name}.csv?period=2026-10&split=tier")
        assert answer.status_code == 200 and answer.mimetype == "text/csv"
    churned = client.get("/insight/churned.csv?period=2026-10").get_data(as_text=True)
    assert "Churned Co" in churned
    kpis = client.get("/insight/kpis.csv?period=2026-10").get_data(as_text=True)
    assert "Retention" in kpis and "66.7% (2 of 3)" in kpis
    # A long list: the page shows its first companies and says how many; the CSV all.
    monkeypatch.setattr(services, "CHURNED_SHOWN", 0)
    html = client.get("/insight/?period=2026-10").get_data(as_text=True)
    assert "Churned Co" not in html and "The first 0 of 1 by name" in html
    assert "Churned Co" in client.get("/insight/churned.csv?period=2026-10").get_data(as_text=True)


def test_an_account_manager_sees_the_portfolio_only(history, login_as):
    client = login_as(history.club.account_manager)
    html = client.get("/insight/?period=2026-10&split=manager").get_data(as_text=True)
    assert "Other Manager" not in html and "RUB" not in html and "Churned Co" not in html
    assert "Account Manager" in html


def test_refusals(club, login_as, client):
    login_as(club.club_manager)
    for period in ("all", "2026-13", "3026-01", "nonsense"):
        answer = client.get(f"/insight/?period={period}")
        assert answer.status_code == 302 and answer.location.endswith("/insight/")
    assert client.get("/insight/?split=nonsense").status_code == 200
    client.post("/logout")
    login_as(club.holder)
    assert client.get("/insight/").status_code == 403
    assert client.get("/insight/kpis.csv").status_code == 403


def test_a_sign_in_is_noted_once_a_day(club, login_as, db_session):
    login_as(club.staff)
    login_as(club.staff)
    days = db_session.scalars(select(SignInDay).where(SignInDay.user_id == club.staff.id)).all()
    assert len(days) == 1 and days[0].company_id == club.company.id
