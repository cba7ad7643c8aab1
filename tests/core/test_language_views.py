"""The manager writes a privilege in two languages; readers see theirs or the club's,
marked; the edit form shows each language as written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.api import services as tokens
from club.catalog import services as catalog
from club.catalog.models import Privilege
from tests.catalog.test_manage_views import GOOD
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def test_a_privilege_in_two_languages_reads_in_each_and_falls_back_marked(client, club, db_session):
    login(client, club.club_manager)
    form = {
        **GOOD,
        "title_pl": "Sesja zdjęciowa produktów",
        "summary_pl": "Zdjęcia Twojego sklepu do katalogu",
        "description_pl": "**Dwie godziny** z fotografem.",
    }
    response = client.post("/manage/privileges/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    privilege = db_session.scalar(select(Privilege))
    assert privilege.base_title == "Product photography"  # the club language (en in tests)

    edit = client.get(f"/manage/privileges/{privilege.id}/edit").get_data(as_text=True)
    assert '<details class="lang-fieldset" id="texts-pl" open>' in edit
    assert '<details class="lang-fieldset" id="texts-ru">' in edit
    assert 'value="Sesja zdjęciowa produktów"' in edit and 'value="Product photography"' in edit

    login(client, club.holder)
    client.post("/language", data={"language": "pl"})
    page = client.get(f"/privileges/{privilege.slug}").get_data(as_text=True)
    assert "<h1>Sesja zdjęciowa produktów</h1>" in page and "lang-marker" not in page
    assert "<strong>Dwie godziny</strong>" in page
    found = client.get("/privileges?q=sesja").get_data(as_text=True)
    assert "Sesja zdjęciowa produktów" in found  # searched in the language it is read in

    login(client, club.staff)
    client.post("/language", data={"language": "ru"})
    listing = client.get("/privileges").get_data(as_text=True)
    assert '<h2 lang="en"><a' in listing and "Product photography" in listing
    assert "показано на языке: английский" in listing


def test_the_api_answers_in_the_language_asked_for_else_the_clubs(
    client, club, db_session, make_privilege
):
    privilege = make_privilege("SEO audit")
    catalog.save_privilege(
        db_session,
        privilege,
        actor=club.club_manager,
        texts={"pl": {"title": "Audyt SEO", "summary": "Krótko"}},
    )
    _token, secret = tokens.create_token(
        db_session, name="Holder script", scopes=tokens.PERSONAL_SCOPES, user=club.holder
    )
    db_session.commit()

    def listed(language: str) -> dict:
        headers = {"Authorization": f"Bearer {secret}", "Accept-Language": language}
        (item,) = client.get("/api/v1/privileges", headers=headers).get_json()["privileges"]
        return {key: item[key] for key in ("title", "summary", "language")}

    assert listed("pl-PL,pl;q=0.9") == {"title": "Audyt SEO", "summary": "Krótko", "language": "pl"}
    assert listed("ru") == {"title": "SEO audit", "summary": "", "language": "en"}
