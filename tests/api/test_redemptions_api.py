"""Redeeming through the API with an account holder's personal token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from club.api import services as tokens
from club.catalog.models import PrivilegeKind, Redemption
from tests.conftest import BRIEF, login

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


@pytest.fixture
def holder_token(db_session, club):
    _token, secret = tokens.create_token(
        db_session, name="Holder script", scopes=tokens.PERSONAL_SCOPES, user=club.holder
    )
    db_session.commit()
    return secret


def _post(client, secret, body, key="k-1"):
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/redemptions", json=body, headers=headers)


def test_list_privileges(client, holder_token, make_privilege):
    make_privilege("SEO", points=300, capacity_per_quarter=2)
    response = client.get("/api/v1/privileges", headers={"Authorization": f"Bearer {holder_token}"})
    (item,) = response.get_json()["privileges"]
    assert item["slug"] == "seo" and item["points_cost"] == 300
    assert item["left_this_quarter"] == 2 and item["available"] is True
    # A pilot-only privilege is not listed to a company outside the pilot group.
    make_privilege("Pilot audit", points=100, is_pilot_only=True)
    response = client.get("/api/v1/privileges", headers={"Authorization": f"Bearer {holder_token}"})
    assert [item["slug"] for item in response.get_json()["privileges"]] == ["seo"]


def test_redeem_and_replay(client, holder_token, funded, make_privilege, db_session):
    make_privilege("Copywriting", points=500, brief=BRIEF)
    body = {"privilege": "copywriting", "answers": {"site": "https://zak.example", "topic": "LED"}}
    first = _post(client, holder_token, body)
    assert first.status_code == 201 and first.get_json()["status"] == "requested"
    again = _post(client, holder_token, body)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    db_session.refresh(funded)
    assert (funded.available, funded.held) == (1500, 500)


@pytest.mark.parametrize(
    ("body", "key", "status", "code"),
    [
        ({"privilege": "copywriting", "answers": {}}, None, 400, "idempotency_key_required"),
        ({"privilege": "nope"}, "k", 404, "unknown_privilege"),
        ({"privilege": "copywriting", "answers": {"site": "x"}}, "k", 422, "brief_incomplete"),
        ({"privilege": "copywriting", "answers": []}, "k", 400, "invalid_request"),
    ],
)
def test_bad_requests_change_nothing(
    client, holder_token, funded, make_privilege, db_session, body, key, status, code
):
    make_privilege("Copywriting", points=500, brief=BRIEF)
    response = _post(client, holder_token, body, key=key)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 0
    db_session.refresh(funded)
    assert (funded.available, funded.held) == (2000, 0)


def test_not_enough_points_is_409(client, holder_token, funded, make_privilege):
    make_privilege("Trip", points=5000)
    response = _post(client, holder_token, {"privilege": "trip"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "insufficient_points"


def test_integration_tokens_cannot_redeem_and_personal_tokens_die_with_the_role(
    client, db_session, club, holder_token, funded, make_privilege
):
    make_privilege("SEO", points=300)
    _token, erp = tokens.create_token(db_session, name="ERP")
    db_session.commit()
    assert _post(client, erp, {"privilege": "seo"}).status_code == 403
    club.holder.role = club.holder.role.__class__("partner_staff")
    db_session.commit()
    assert _post(client, holder_token, {"privilege": "seo"}).status_code == 401


def test_the_holder_creates_and_revokes_a_personal_token(client, club, db_session):
    login(client, club.holder)
    page = client.post("/account/api-tokens/").get_data(as_text=True)
    secret = re.search(r'id="new-token">(club_[^<]+)<', page).group(1)
    assert (
        client.get("/api/v1/privileges", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    (token,) = tokens.tokens(db_session, user=club.holder)
    assert (
        client.post(f"/account/api-tokens/{token.id}/revoke", data={"confirmed": "1"}).status_code
        == 302
    )
    assert (
        client.get("/api/v1/privileges", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_fulfilled_rebates_are_exported_for_the_erp(
    client, db_session, club, funded, make_privilege
):
    from decimal import Decimal

    from club.catalog import services as catalog
    from club.catalog.models import RedemptionStatus

    rebate = make_privilege(
        "Rebate 500", points=1000, category="rebates", money_value=Decimal("500.00")
    )
    redemption = catalog.redeem(db_session, rebate, actor=club.holder, answers={})
    catalog.move(db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager)
    catalog.move(db_session, redemption, RedemptionStatus.FULFILLED, actor=club.club_manager)
    db_session.commit()
    _token, erp = tokens.create_token(db_session, name="ERP", scopes=["invoices"])
    db_session.commit()
    headers = {"Authorization": f"Bearer {erp}"}
    (item,) = client.get("/api/v1/rebates?since=2020-01-01", headers=headers).get_json()["rebates"]
    assert (item["tax_id"], item["amount"], item["points"]) == (club.company.tax_id, "500.00", 1000)
    assert client.get("/api/v1/rebates?since=2999-01-01", headers=headers).get_json() == {
        "rebates": []
    }
    assert client.get("/api/v1/rebates?since=yesterday", headers=headers).status_code == 400


def test_redeem_a_good_with_its_delivery(client, holder_token, funded, make_privilege):
    good = make_privilege("Polo", points=300, kind=PrivilegeKind.GOOD, variants=[("M", 3)])
    listed = client.get("/api/v1/privileges", headers={"Authorization": f"Bearer {holder_token}"})
    (item,) = listed.get_json()["privileges"]
    assert item["kind"] == "good" and item["variants"][0]["in_stock"] == 3
    refused = _post(client, holder_token, {"privilege": "polo"})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["problems"]) == {"address", "phone", "variant"}
    delivery = {"address": "ul. Prosta 1\nWarszawa", "phone": "+48 600 100 200"}
    body = {"privilege": "polo", "delivery": {**delivery, "variant": good.variants[0].id}}
    made = _post(client, holder_token, body, key="k-2")
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["kind"] == "good" and made.get_json()["tracking_number"] is None
