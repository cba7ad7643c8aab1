"""The club manager's API token page."""

from __future__ import annotations

import re

import pytest

from club.api import services as tokens
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def test_create_shows_the_secret_once_and_it_works(client, club, db_session):
    login(client, club.club_manager)
    response = client.post("/manage/api-tokens/", data={"name": "ERP", "scopes": ["wallets"]})
    body = response.get_data(as_text=True)
    secret = re.search(r'id="new-token">(club_[^<]+)<', body).group(1)
    listing = client.get("/manage/api-tokens/").get_data(as_text=True)
    assert secret not in listing and "ERP" in listing
    api = client.get(
        f"/api/v1/companies/{club.company.tax_id}/wallet",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status_code == 200


def test_revoke_stops_the_token_at_once(client, club, db_session):
    token, secret = tokens.create_token(db_session, name="CRM")
    db_session.commit()
    login(client, club.club_manager)
    assert (
        client.post(f"/manage/api-tokens/{token.id}/revoke", data={"confirmed": "1"}).status_code
        == 302
    )
    api = client.get(
        f"/api/v1/companies/{club.company.tax_id}/wallet",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status_code == 401


def test_a_token_needs_a_name(client, club):
    login(client, club.club_manager)
    response = client.post("/manage/api-tokens/", data={"name": "", "scopes": ["wallets"]})
    assert response.status_code == 422
    assert "club_" not in response.get_data(as_text=True).split("<main", 1)[1]
