"""The pages: the home card answered with htmx and without, dismissed; the managers'
scores; potentials on the company page, who may see them, and the import."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.satisfaction import services as satisfaction
from club.satisfaction.models import CompanyPotential, Occasion, SurveyAnswer
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def asked(db_session, club):
    question = satisfaction.offer(db_session, club.holder, Occasion.REDEMPTION, 1)
    db_session.commit()
    return question


def test_the_card_is_answered_without_js_and_with_htmx(app, client, db_session, club, asked):
    login(client, club.holder)
    home = client.get("/").get_data(as_text=True)
    assert 'id="satisfaction-card"' in home and 'name="score"' in home
    url = f"/satisfaction/{asked.id}/answer"

    refused = client.post(url, data={"comment": "no score"})
    assert refused.status_code == 422 and "Choose a score from 0 to 10." in refused.get_data(
        as_text=True
    )
    fragment = client.post(url, data={"score": "11"}, headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert "Not a valid choice" in body  # htmx swaps only 2xx: the errors come with 200
    assert fragment.status_code == 200 and body.lstrip().startswith(
        '<section class="card nps-card" id="satisfaction-card"'
    )

    answered = client.post(url, data={"score": "9", "comment": " Fast delivery "}, headers=HTMX)
    assert answered.status_code == 200 and "Thank you" in answered.get_data(as_text=True)
    db_session.expire_all()
    assert (asked.score, asked.comment) == (9, "Fast delivery")
    assert 'id="satisfaction-card"' not in client.get("/").get_data(as_text=True)
    # Again (another tab): home, with the message; htmx is sent there too.
    again = client.post(url, data={"score": "3"})
    assert again.status_code == 302 and again.headers["Location"] == "/"
    assert client.post(url, data={"score": "3"}, headers=HTMX).headers["HX-Redirect"] == "/"
    db_session.expire_all()
    assert asked.score == 9

    # Someone else's question does not exist for them.
    other = app.test_client()
    login(other, club.staff)
    assert other.post(url, data={"score": "1"}).status_code == 404
    assert other.post(f"/satisfaction/{asked.id}/dismiss").status_code == 404


def test_the_card_is_dismissed_without_js(client, db_session, club, asked):
    login(client, club.holder)
    response = client.post(f"/satisfaction/{asked.id}/dismiss")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db_session.expire_all()
    assert asked.is_dismissed and asked.answered_at is None
    assert "We will not ask again this quarter." in client.get("/").get_data(as_text=True)


def test_managers_see_the_score_and_comments_of_their_companies(
    app, client, db_session, club, asked
):
    satisfaction.answer(db_session, club.holder, asked, score=10, comment="comment-of-A")
    other = satisfaction.offer(db_session, club.other_holder, Occasion.MEETING, 2)
    satisfaction.answer(db_session, club.other_holder, other, score=2, comment="comment-of-B")
    db_session.commit()

    login(client, club.club_manager)
    page = client.get("/manage/satisfaction")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "comment-of-A" in body and "comment-of-B" in body
    assert "<strong>0</strong>" in body  # (1 promoter - 1 detractor) / 2
    assert client.get("/manage/satisfaction?period=2031-Q1").status_code == 302  # not begun
    assert client.get("/manage/satisfaction?period=all").status_code == 302

    account_manager = app.test_client()
    login(account_manager, club.account_manager)
    body = account_manager.get("/manage/satisfaction").get_data(as_text=True)
    assert "comment-of-A" in body and "comment-of-B" not in body
    assert "<strong>100</strong>" in body

    partner = app.test_client()
    login(partner, club.holder)
    assert partner.get("/manage/satisfaction").status_code == 403


def test_account_managers_enter_potentials_of_their_portfolio_only(app, client, db_session, club):
    login(client, club.account_manager)
    company_page = client.get(f"/manage/companies/{club.company.id}").get_data(as_text=True)
    assert f'hx-get="/manage/companies/{club.company.id}/potential"' in company_page
    url = f"/manage/companies/{club.company.id}/potential"
    assert (
        client.get(url, headers=HTMX)
        .get_data(as_text=True)
        .lstrip()
        .startswith('<section class="card" id="potential"')
    )
    refused = client.post(url, data={"year": "2026", "currency": "ABC", "amount": "100"})
    assert refused.status_code == 422 and "ISO 4217" in refused.get_data(as_text=True)
    refused = client.post(url, data={"year": "2026", "currency": "PLN", "amount": "-1"})
    assert refused.status_code == 422
    in_place = client.post(
        url, data={"year": "1999", "currency": "PLN", "amount": "1"}, headers=HTMX
    )
    assert in_place.status_code == 200 and "field--invalid" in in_place.get_data(as_text=True)
    saved = client.post(
        url, data={"year": "2026", "currency": "pln", "amount": "1 250 000,50"}, headers=HTMX
    )
    assert saved.status_code == 200 and "The estimate is saved." in saved.get_data(as_text=True)
    assert satisfaction.potentials(db_session, [club.company.id], 2026) == {
        club.company.id: [(Decimal("1250000.50"), "PLN")]
    }
    withdrawn = client.post(f"{url}/withdraw", data={"year": "2026", "currency": "PLN"})
    assert withdrawn.status_code == 302
    assert satisfaction.potentials(db_session, [club.company.id], 2026) == {}

    # Another manager's company: not found; partners: never.
    other_url = f"/manage/companies/{club.other_company.id}/potential"
    assert client.get(other_url).status_code == 404
    data = {"year": "2026", "currency": "PLN", "amount": "5"}
    assert client.post(other_url, data=data).status_code == 404
    for person in (club.holder, club.staff):
        partner = app.test_client()
        login(partner, person)
        assert partner.get(url).status_code == 403
        assert partner.post(url, data=data).status_code == 403
        assert partner.get("/manage/potentials.csv").status_code == 403
        assert "1250000" not in partner.get("/").get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(CompanyPotential)) == 0


def test_the_club_manager_imports_and_exports_potentials(client, db_session, club):
    login(client, club.club_manager)
    assert client.get("/manage/potentials/import").status_code == 200
    bad = f"company_id;year;currency;amount\n{club.company.id};2026;PLN;100\n0;2026;PLN;5\n"
    response = client.post(
        "/manage/potentials/import",
        data={"file": (io.BytesIO(bad.encode()), "potentials.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Line 3" in body and "Nothing was imported" in body, (
        body[body.find("<main") :]
    )
    assert db_session.scalar(select(func.count()).select_from(CompanyPotential)) == 0

    good = f"company_id,year,currency,amount\n{club.company.id},2026,EUR,2500.5\n"
    response = client.post(
        "/manage/potentials/import",
        data={"file": (io.BytesIO(good.encode()), "potentials.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    export = client.get("/manage/potentials.csv?year=2026").get_data(as_text=True)
    assert "company_id,year,currency,amount,company" in export
    assert f"{club.company.id},2026,EUR,2500.50,Hurtownia Żak" in export
    assert f"{club.other_company.id},2026,,," in export  # no estimate: blank, not zero
    club.other_company.name = '=HYPERLINK("http://evil")'  # typed by people: never a formula
    db_session.commit()
    export = client.get("/manage/potentials.csv?year=2026").get_data(as_text=True)
    assert """'=HYPERLINK(""http://evil"")""" in export
    assert db_session.scalar(select(func.count()).select_from(SurveyAnswer)) == 0
