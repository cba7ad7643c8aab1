"""The workspace's pages: the portfolio as the account manager's home, its filters and
CSV, a company's score and timeline, the settings page; who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from club.core.clock import utcnow
from club.core.periods import club_today
from club.jobs import score_portfolios
from club.portfolio.settings import SETTINGS
from club.relations.models import Complaint, ContactKind, ContactLog

pytestmark = pytest.mark.one_database


@pytest.fixture
def scored(db_session, club):
    """The first company has an open complaint and an overdue next step; both are scored."""
    today = club_today()
    db_session.add(
        Complaint(
            company_id=club.company.id,
            external_id="RK-1",
            opened_on=today - timedelta(days=3),
            subject="Broken cable drum",
        )
    )
    db_session.add(
        ContactLog(
            company_id=club.company.id,
            author_id=club.account_manager.id,
            kind=ContactKind.CALL,
            happened_on=today - timedelta(days=10),
            note="Unhappy with delivery times.",
            next_step="Visit with the sales lead",
            next_step_due=today - timedelta(days=2),
        )
    )
    club.other_company.name = "=HYPERLINK(1)"
    db_session.flush()
    score_portfolios(db_session, now=utcnow())
    db_session.commit()
    return club


def test_the_account_managers_home_is_their_portfolio(client, login_as, scored):
    login_as(scored.account_manager)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/portfolio")
    page = client.get("/portfolio").get_data(as_text=True)
    assert "Hurtownia Żak" in page and "HYPERLINK" not in page
    assert "1 complaints open, 1 opened in the last 90 days." in page
    assert 'id="overdue-next-steps"' in page and "Visit with the sales lead" in page
    fragment = client.get("/portfolio?band=risk", headers={"HX-Request": "true"})
    assert 'id="portfolio-results"' in fragment.get_data(as_text=True)
    assert "Hurtownia Żak" not in fragment.get_data(as_text=True)  # 70: healthy, just
    healthy = client.get("/portfolio?band=healthy&q=%C5%BCak").get_data(as_text=True)
    assert "Hurtownia Żak" in healthy


def test_a_company_page_shows_the_score_and_the_timeline(client, login_as, scored):
    login_as(scored.account_manager)
    page = client.get(f"/portfolio/companies/{scored.company.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="health"' in text and 'id="timeline"' in text
    assert "Complaint opened: Broken cable drum" in text
    assert "Unhappy with delivery times." in text
    assert client.get(f"/portfolio/companies/{scored.other_company.id}").status_code == 404
    fragment = client.get(
        f"/portfolio/companies/{scored.company.id}?page=1", headers={"HX-Request": "true"}
    )
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="timeline"')


def test_the_csv_lists_the_portfolio_formula_safe(client, login_as, scored):
    login_as(scored.account_manager)
    mine = client.get("/portfolio.csv")
    assert mine.mimetype == "text/csv"
    assert "Hurtownia Żak" in mine.get_data(as_text=True)
    assert "HYPERLINK" not in mine.get_data(as_text=True)
    client.post("/logout")
    login_as(scored.club_manager)
    everything = client.get("/portfolio.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in everything and "Hurtownia Żak" in everything


@pytest.mark.parametrize("who", ["holder", "staff"])
def test_partners_never_see_scores(client, login_as, scored, who):
    login_as(getattr(scored, who))
    for url in (
        "/portfolio",
        "/portfolio.csv",
        f"/portfolio/companies/{scored.company.id}",
        "/portfolio/settings",
    ):
        assert client.get(url).status_code == 403, url
    home = client.get("/").get_data(as_text=True)
    assert "complaints open" not in home and "Health" not in home


def test_the_club_manager_changes_the_settings(client, login_as, scored):
    login_as(scored.account_manager)
    assert client.get("/portfolio/settings").status_code == 403
    client.post("/logout")
    login_as(scored.club_manager)
    assert client.get("/portfolio/settings").status_code == 200
    form = {"weight_complaints": "40", "band_watch": "70", "band_risk": "40"}
    data = {setting.key: str(setting.default) for setting in SETTINGS} | form
    refused = client.post("/portfolio/settings", data=data | {"weight_complaints": "101"})
    assert refused.status_code == 422
    assert "between 0 and 100" in refused.get_data(as_text=True)
    saved = client.post("/portfolio/settings", data=data)
    assert saved.status_code == 302
    assert 'value="40"' in client.get("/portfolio/settings").get_data(as_text=True)
