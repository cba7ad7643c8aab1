"""POST /api/v1/complaints and /api/v1/contracts at the edge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.api import services as tokens
from club.relations.models import Complaint

pytestmark = pytest.mark.one_database


@pytest.fixture
def post(client, db_session):
    _token, secret = tokens.create_token(db_session, name="CRM", scopes=["companies"])
    _other, wallets_only = tokens.create_token(db_session, name="Shop", scopes=["wallets"])
    db_session.commit()

    def send(path, json, secret=secret):
        return client.post(path, json=json, headers={"Authorization": f"Bearer {secret}"})

    send.wallets_only = wallets_only
    return send


def _complaint(club, **changes):
    return {
        "country": "pl",
        "tax_id": club.company.tax_id,
        "external_id": "RK/2026/1",
        "opened_on": "2026-11-02",
        "subject": "Damaged drums",
        **changes,
    }


def test_complaints_are_upserted_by_number(post, club, db_session):
    first = post("/api/v1/complaints", _complaint(club))
    assert first.status_code == 201, first.json
    assert first.json["outcome"] == "created" and first.json["key"] == "RK/2026/1"
    again = post("/api/v1/complaints", _complaint(club))
    assert (again.status_code, again.json["outcome"]) == (200, "unchanged")
    closed = post("/api/v1/complaints", _complaint(club, closed_on="2026-11-05"))
    assert (closed.json["outcome"], closed.json["id"]) == ("updated", first.json["id"])
    prefixed = post("/api/v1/complaints", _complaint(club, tax_id=f"PL {club.company.tax_id}"))
    assert prefixed.json["id"] == first.json["id"]
    assert db_session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_contracts_are_upserted_by_reference(post, club):
    body = {
        "country": "PL",
        "tax_id": club.company.tax_id,
        "reference": "U/1",
        "starts_on": "2025-01-01",
    }
    assert post("/api/v1/contracts", body).status_code == 201
    longer = post("/api/v1/contracts", body | {"ends_on": "2027-12-31"})
    assert (longer.status_code, longer.json["outcome"]) == (200, "updated")


def test_bad_input_is_refused_with_a_code_and_nothing_is_written(post, club, db_session):
    cases = [
        (_complaint(club, tax_id="5260000005"), 404, "unknown_company", None),
        (_complaint(club, country="XX"), 400, "invalid_request", "country"),
        (_complaint(club, opened_on="2026-02-30"), 400, "invalid_request", "opened_on"),
        (_complaint(club, opened_on="1999-01-01"), 400, None, "opened_on"),
        (_complaint(club, closed_on="2026-11-01"), 422, "invalid_record", "closed_on"),
        (_complaint(club, opened_on="2099-01-01"), 422, "invalid_record", "opened_on"),
        (_complaint(club, external_id="x" * 65), 400, None, "external_id"),
        (_complaint(club, subject="a\x00b"), 400, None, "subject"),
        (_complaint(club, subject=""), 400, None, "subject"),
    ]
    for body, status, code, field in cases:
        answer = post("/api/v1/complaints", body)
        assert answer.status_code == status, (body, answer.json)
        assert code is None or answer.json["error"]["code"] == code
        assert answer.json["error"]["field"] == field
    contract = {"country": "PL", "tax_id": club.company.tax_id, "reference": "U/1",
                "starts_on": "2026-01-01", "ends_on": "2025-12-31"}  # fmt: skip
    assert post("/api/v1/contracts", contract).status_code == 422
    assert post("/api/v1/complaints", _complaint(club), secret=post.wallets_only).status_code == 403
    assert db_session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_the_document_describes_them(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert paths["/complaints"]["post"]["operationId"] == "postComplaint"
    assert "201" in paths["/contracts"]["post"]["responses"]
