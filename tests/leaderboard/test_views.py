"""The boards page (full and htmx), bad input, the company switch, the home card, the
API endpoints."""

from __future__ import annotations

import pytest

from club.api import services as tokens
from club.core import shared_cache
from club.core.clock import utcnow
from club.members.models import Company
from tests.leaderboard.conftest import at, earn

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


@pytest.fixture
def october(db_session, club):
    club.other_staff.is_shown_on_boards = False
    earn(db_session, club.staff, 30, at(2026, 10, 3))
    earn(db_session, club.other_staff, 20, at(2026, 10, 4))
    earn(db_session, club.company, 5, at(2026, 10, 5), source=("purchase_month", "1"))
    db_session.commit()


def test_the_page_shows_the_board_and_htmx_gets_the_board_alone(client, login_as, club, october):
    login_as(club.staff)
    page = client.get("/leaderboards/?period=2026-10").get_data(as_text=True)
    assert "<html" in page and 'id="board"' in page
    assert "Staff A" in page and "Member of ООО «Другая»" in page and "Staff B" not in page
    assert 'id="board-me"' in page
    fragment = client.get(
        "/leaderboards/?board=activity&period=2026-10", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="board"')
    assert "Companies by activity, October 2026" in fragment
    assert "League" not in fragment  # no tiers yet: no league picker


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("period=2026-Q5", "A quarter is Q1 to Q4"),
        ("period=garbage", "Choose a period like"),
        ("board=nonsense", "There is no such board"),
        ("league=Gold", "There is no league Gold"),
    ],
)
def test_bad_input_on_the_page_falls_back_with_a_note(client, login_as, club, query, note):
    login_as(club.staff)
    response = client.get(f"/leaderboards/?{query}")
    assert response.status_code == 200
    assert note in response.get_data(as_text=True)


def test_the_account_holder_hides_and_shows_the_company(
    client, login_as, db_session, club, october
):
    login_as(club.other_holder)
    page = client.get("/leaderboards/?board=companies&period=2026-10").get_data(as_text=True)
    assert "Hide the company name" in page
    response = client.post("/leaderboards/company-visibility", data={"shown": "0"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Company, club.other_company.id).is_shown_on_boards is False
    page = client.get("/leaderboards/?board=companies&period=2026-10").get_data(as_text=True)
    assert "ООО «Другая»" in page  # its own people still see it named
    client.post("/logout")
    login_as(club.staff)
    page = client.get("/leaderboards/?board=companies&period=2026-10").get_data(as_text=True)
    assert "Anonymous company" in page and "ООО «Другая»" not in page
    page = client.get("/leaderboards/?period=2026-10").get_data(as_text=True)
    assert "Anonymous member" in page


def test_only_the_account_holder_switches_the_company(client, login_as, club):
    login_as(club.staff)
    assert client.post("/leaderboards/company-visibility", data={"shown": "0"}).status_code == 403


def test_the_member_home_shows_my_standing(client, login_as, db_session, club):
    earn(db_session, club.staff, 12, utcnow())
    db_session.commit()
    login_as(club.staff)
    page = client.get("/").get_data(as_text=True)
    assert "My standing" in page and "you lead the board" in page
    client.post("/logout")
    login_as(club.club_manager)
    assert "My standing" not in client.get("/").get_data(as_text=True)


# --- the API ---------------------------------------------------------------------------


@pytest.fixture
def bearer(db_session):
    _token, secret = tokens.create_token(db_session, name="CRM", scopes=["leaderboards"])
    db_session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_lists_the_boards(client, club, october, bearer):
    response = client.get("/api/v1/leaderboards/people?period=2026-Q4", headers=bearer)
    assert response.status_code == 200
    assert response.get_json() == {
        "board": "people",
        "period": {
            "key": "2026-Q4",
            "kind": "quarter",
            "starts": "2026-10-01",
            "ends": "2026-12-31",
        },
        "league": None,
        "rows": [
            {
                "rank": 1,
                "name": "Staff A",
                "hidden": False,
                "points": 30,
                "company": "Hurtownia Żak",
            },
            {
                "rank": 2,
                "name": "Member of ООО «Другая»",
                "hidden": True,
                "points": 20,
                "company": None,
            },
        ],
    }
    body = client.get(
        "/api/v1/leaderboards/companies?period=2026-10&view=activity&limit=1", headers=bearer
    ).get_json()
    assert body["view"] == "activity" and body["board"] == "companies"
    assert body["rows"] == [
        {
            "rank": 1,
            "name": "Hurtownia Żak",
            "hidden": False,
            "points": 30,
            "tax_id": club.company.tax_id,
            "country": "PL",
        }
    ]
    total = client.get("/api/v1/leaderboards/companies?period=2026", headers=bearer).get_json()
    assert [(row["name"], row["points"]) for row in total["rows"]] == [
        ("Hurtownia Żak", 35),
        ("ООО «Другая»", 20),
    ]


def test_the_api_needs_a_token_with_the_leaderboards_scope(client, db_session):
    assert client.get("/api/v1/leaderboards/people").status_code == 401
    _token, secret = tokens.create_token(db_session, name="ERP", scopes=["wallets"])
    db_session.commit()
    response = client.get(
        "/api/v1/leaderboards/companies", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden_scope"


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ("people?period=2026-Q5", "invalid_period", "A quarter is Q1 to Q4"),
        ("people?period=garbage", "invalid_period", "Choose a period like 2026-11"),
        ("people?period=2999", "invalid_period", "has not started"),
        ("companies?league=Gold", "unknown_league", "There is no league Gold"),
        ("companies?view=everything", "invalid_request", "view must be total or activity"),
        ("people?limit=0", "invalid_request", "limit must be 1 to 50"),
        ("people?limit=x", "invalid_request", "limit must be 1 to 50"),
    ],
)
def test_the_api_refuses_bad_input_clearly(client, bearer, query, code, message):
    response = client.get(f"/api/v1/leaderboards/{query}", headers=bearer)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and message in error["message"]


def test_a_top_from_the_cache_says_how_old_it_is(app, monkeypatch, client, login_as, club, october):
    monkeypatch.setitem(app.config, "BOARD_CACHE_SECONDS", 5)
    monkeypatch.setitem(app.extensions, shared_cache.EXTENSION_KEY, shared_cache.SharedCache(None))
    login_as(club.staff)
    assert "Top updated" not in client.get("/leaderboards/?period=2026-10").get_data(as_text=True)
    page = client.get("/leaderboards/?period=2026-10").get_data(as_text=True)
    assert "Top updated 0 seconds ago." in page or "Top updated 1 second ago." in page
