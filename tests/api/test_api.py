"""The integration API: tokens, invoices, payments, companies, wallets, errors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from club.api import services as tokens
from club.core.access import TokenAccess, access_of
from club.core.periods import add_months, club_today, month_start
from club.jobs import close_months, requalify_companies
from club.members import admission
from club.members.models import Company, MembershipStatus
from club.members.tiers import ensure_default_tiers
from club.purchases.models import Invoice, PurchaseMonth

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


@pytest.fixture
def token(db_session):
    _token, secret = tokens.create_token(db_session, name="ERP")
    db_session.commit()
    return secret


@pytest.fixture
def api(client, token):
    class Api:
        def get(self, path, **kw):
            return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kw)

        def post(self, path, json, **kw):
            return client.post(
                f"/api/v1{path}", json=json, headers={"Authorization": f"Bearer {token}"}, **kw
            )

        def put(self, path, json):
            return client.put(
                f"/api/v1{path}", json=json, headers={"Authorization": f"Bearer {token}"}
            )

    return Api()


def invoice(company, number="FV/2026/10/0001", amount="1000.00", **extra):
    return {
        "number": number,
        "tax_id": company.tax_id,
        "issue_date": "2026-10-05",
        "due_date": "2026-10-20",
        "net_amount": amount,
        "currency": "PLN",
        "country": company.country,
        **extra,
    }


def test_the_openapi_document_is_valid_and_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    documented = {
        (f"/api/v1{path}", method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    for rule in app.url_map.iter_rules():
        if isinstance(access_of(app.view_functions[rule.endpoint]), TokenAccess):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented


def test_no_token_wrong_token_revoked_token_get_401(client, db_session, club, token):
    path = f"/api/v1/companies/{club.company.tax_id}/wallet"
    assert client.get(path).status_code == 401
    response = client.get(path, headers={"Authorization": "Bearer club_wrong"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    (stored,) = tokens.tokens(db_session)
    tokens.revoke_token(db_session, stored)
    db_session.commit()
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_outside_its_scope_gets_403(client, db_session, club):
    _token, secret = tokens.create_token(db_session, name="CRM", scopes=["companies"])
    db_session.commit()
    response = client.get(
        f"/api/v1/companies/{club.company.tax_id}/wallet",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden_scope"


def test_tokens_are_stored_hashed(db_session, token):
    (stored,) = tokens.tokens(db_session)
    assert token not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64


def test_invoices_in_with_bad_rows_reported_and_good_rows_saved(api, club, db_session):
    response = api.post(
        "/invoices",
        {
            "invoices": [
                invoice(club.company),
                invoice(club.company, number="FV/2", amount="-5"),
                invoice(club.company, number="FV/3", issue_date="03.10.2026"),
                {**invoice(club.company, number="FV/4"), "tax_id": "1111111111"},
                invoice(club.company, number="KOR/1", amount="200", kind="credit_note"),
            ]
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["created"] == 2
    assert [item["index"] for item in body["rejected"]] == [1, 2, 3]
    assert "credit_note" in body["rejected"][0]["message"]
    credit = db_session.scalar(select(Invoice).where(Invoice.number == "KOR/1"))
    assert str(credit.net_amount) == "-200.00"


def test_invoices_in_follow_the_rules_the_csv_import_follows(api, club, db_session):
    response = api.post(
        "/invoices",
        {
            "invoices": [
                invoice(club.company, number="FV/1", amount="1000000000000.00"),
                invoice(club.company, number="FV/2", amount="1234.500"),
                invoice(club.company, number="FV/3", currency="ZŁO"),
                invoice(club.company, number="FV/4", amount="1234.505"),
            ]
        },
    )
    body = response.get_json()
    # Too large for the column (it failed on PostgreSQL), and not a currency code.
    assert [item["index"] for item in body["rejected"]] == [0, 2, 3]
    assert "too large" in body["rejected"][0]["message"]
    assert body["rejected"][1]["message"] == "currency must be a three-letter code."
    assert body["rejected"][2]["message"] == "net_amount must have at most two decimal places."
    # Zeros beyond cents change nothing, as in an export.
    saved = db_session.scalar(select(Invoice).where(Invoice.number == "FV/2"))
    assert str(saved.net_amount) == "1234.50"


def test_invoices_name_their_company_by_tax_id_as_the_csv_import_does(api, club, db_session):
    tax_id = club.company.tax_id
    written = f"{tax_id[:3]}-{tax_id[3:6]}-{tax_id[6:8]}-{tax_id[8:]}"
    response = api.post(
        "/invoices",
        {
            "invoices": [
                {**invoice(club.company, number="FV/1"), "tax_id": written},
                # A VAT prefix names the country (issue #22).
                {**invoice(club.company, number="FV/2"), "tax_id": f"PL{tax_id}"},
                {
                    **invoice(club.company, number="FV/3"),
                    "tax_id": f"DE{tax_id}",
                    "country": "DE",
                },
            ]
        },
    )
    body = response.get_json()
    assert body["created"] == 2
    assert body["rejected"] == [
        {
            "index": 2,
            "message": f"No company in DE has the tax id {tax_id}; a company in PL "
            "does. Is the line's country right?",
        }
    ]


def test_sending_an_invoice_twice_counts_once_and_updates_payment(api, club, db_session):
    api.post("/invoices", {"invoices": [invoice(club.company)]})
    response = api.post("/invoices", {"invoices": [invoice(club.company, paid_date="2026-10-19")]})
    assert response.get_json() == {"created": 0, "updated": 1, "unchanged": 0, "rejected": []}
    assert db_session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_payment_endpoint_and_wallet(api, club, db_session):
    api.post(
        "/invoices", {"invoices": [invoice(club.company, amount="1500", due_date="2026-10-31")]}
    )
    close_months(db_session, now=datetime(2026, 11, 1, 12, tzinfo=UTC))
    db_session.commit()
    wallet = api.get(f"/companies/{club.company.tax_id}/wallet").get_json()
    assert (wallet["available"], wallet["pending"]) == (0, 3)
    response = api.post("/invoices/FV/2026/10/0001/payment", {"paid_date": "2026-10-20"})
    assert response.status_code == 200
    wallet = api.get(f"/companies/{club.company.tax_id}/wallet").get_json()
    assert (wallet["available"], wallet["pending"]) == (3, 0)
    assert wallet["next_expiry"] == {"points": 3, "date": "2028-10-31"}
    entries = api.get(f"/companies/{club.company.tax_id}/entries?per_page=1").get_json()
    assert entries["total"] == 2 and len(entries["entries"]) == 1
    assert entries["entries"][0]["kind"] == "confirm"


def test_payment_for_an_unknown_invoice_is_404(api):
    response = api.post("/invoices/NOPE/payment", {"paid_date": "2026-10-20"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_invoice"


def test_put_company_creates_then_updates(api, club, db_session):
    body = {
        "name": "Nowa Hurtownia",
        "country": "PL",
        "status": "member",
        "account_manager_email": club.account_manager.email,
        "city": "Poznań",
    }
    response = api.put("/companies/526-025-02-74", body)
    assert response.status_code == 201
    assert response.get_json()["tax_id"] == "5260250274"
    response = api.put("/companies/5260250274", {**body, "status": "suspended"})
    assert response.status_code == 200
    company = db_session.scalar(select(Company).where(Company.tax_id == "5260250274"))
    assert company.status == MembershipStatus.SUSPENDED
    assert company.account_manager_id == club.account_manager.id
    assert company.joined_on == date.today() or company.joined_on is not None
    # Left out, the status is kept; the steps are the company's membership history.
    assert api.put("/companies/5260250274", {"name": "Nowa", "country": "PL"}).status_code == 200
    db_session.expire_all()
    assert company.status == MembershipStatus.SUSPENDED
    assert [step.to_status for step in admission.history(db_session, company)] == [
        MembershipStatus.SUSPENDED,
        MembershipStatus.MEMBER,
    ]


def test_a_company_s_admission_progress(api, club, db_session):
    club.company.status = MembershipStatus.APPLICANT
    db_session.commit()
    answer = api.get(f"/companies/{club.company.tax_id}/admission").get_json()
    assert answer["company"]["status"] == "applicant"
    assert (answer["points"], answer["threshold"], answer["missing"]) == (0, 100, 100)
    assert answer["awaiting_approval"] is False and answer["points_forfeited_on"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "X", "country": "PL"}, "invalid_tax_id"),
        ({"name": "", "country": "PL"}, "invalid_request"),
        ({"name": "X", "country": "PL", "status": "vip"}, "invalid_request"),
        (
            {"name": "X", "country": "PL", "account_manager_email": "no@one.pl"},
            "unknown_account_manager",
        ),
    ],
)
def test_put_company_bad_input(api, db_session, body, code):
    tax_id = "1234567890" if code == "invalid_tax_id" else "5260250274"
    response = api.put(f"/companies/{tax_id}", body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert db_session.scalar(select(func.count()).select_from(Company)) == 0


@pytest.mark.parametrize("payload", [None, [], {"invoices": "nope"}, {"invoices": []}])
def test_malformed_bodies_get_400_json(api, payload):
    response = api.post("/invoices", payload)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_unknown_endpoint_and_company_are_json_404(api):
    assert api.get("/nothing-here").get_json()["error"]["code"] == "not_found"
    response = api.get("/companies/0000000000/wallet")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_company"


def test_api_token_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["club", "api-token", "create", "--name", "ERP", "--scope", "invoices"]
    )
    assert result.exit_code == 0 and "club_" in result.output
    # The id the command printed: ids are not reset between tests (sequences on
    # PostgreSQL survive the rollback), so it is not necessarily 1.
    token_id = re.match(r"token (\d+) ", result.output).group(1)
    listing = runner.invoke(args=["club", "api-token", "list"])
    assert "ERP" in listing.output and "active" in listing.output
    assert "club_" not in listing.output.replace(listing.output.split()[1], "")
    revoked = runner.invoke(args=["club", "api-token", "revoke", token_id])
    assert revoked.exit_code == 0
    bad = runner.invoke(args=["club", "api-token", "create", "--name", "X", "--scope", "all"])
    assert bad.exit_code != 0


def test_a_company_standing_shows_its_tier_and_progress(api, club, db_session):
    ensure_default_tiers(db_session)
    period = add_months(month_start(club_today()), -2)
    db_session.add(
        PurchaseMonth(
            company_id=club.company.id, period=period, rate=500, grace_days=7,
            earned=300, confirmed=300, closed_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )  # fmt: skip
    requalify_companies(db_session)
    db_session.commit()
    found = api.get(f"/companies/{club.company.tax_id}/standing").get_json()
    assert found["company"]["tier"] == "silver"
    assert (found["tier"]["key"], found["figure"], found["next_tier"]["key"]) == (
        "silver",
        300,
        "gold",
    )
    assert (found["points_to_next"], found["amount_to_next"], found["currency"]) == (
        700,
        "350000.00",
        "PLN",
    )
    assert found["pending_drop"] is None
