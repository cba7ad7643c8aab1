"""Bad input to the API is answered 400 (or a rejected invoice line), never 500, with
{"error": {"code", "message", "field"}}; nothing is written. Each case was a 500 found by
the probe of issue #22 (or a write of what cannot be stored)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from club.api import services as tokens
from club.core.access import public
from club.core.converters import MAX_ID, Id
from club.members.models import Company
from club.purchases import services as purchases
from club.purchases.errors import PurchasesError
from club.purchases.models import Invoice
from tests.api.test_api import invoice
from tests.conftest import login

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


@pytest.fixture
def secret(db_session):
    _token, secret = tokens.create_token(db_session, name="ERP")
    db_session.commit()
    return secret


@pytest.fixture
def send(client, secret):
    def send(method, path, body=None, *, raw=None, headers=None):
        headers = {"Authorization": f"Bearer {secret}", **(headers or {})}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return client.open(f"/api/v1{path}", method=method, data=raw, headers=headers)
        return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)

    return send


def refused(response, field, code="invalid_request", status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    return error["message"]


def count(db_session, model) -> int:
    db_session.commit()  # a fresh snapshot
    return db_session.scalar(select(func.count()).select_from(model))


COMPANY = {"name": "Nowa Hurtownia", "country": "PL"}


def test_a_nul_byte_in_a_text_field_is_refused(send, club, db_session):
    response = send("PUT", "/companies/5260250274", {**COMPANY, "name": "Nowa\x00Hurtownia"})
    assert refused(response, "name") == "name is required (up to 200 characters)."
    refused(send("PUT", "/companies/5260250274", {**COMPANY, "city": "Łódź\x00"}), "city")
    refused(send("GET", "/leaderboards/people?league=Gold%00"), "league")
    body = {"invoices": [invoice(club.company, number="FV/\x00/1")]}
    report = send("POST", "/invoices", body).get_json()
    assert report["rejected"] == [
        {"index": 0, "message": "number is required (up to 64 characters).", "field": "number"}
    ]
    assert count(db_session, Company) == 2 and count(db_session, Invoice) == 0


@pytest.mark.parametrize("amount", ["1e30", "NaN", "Infinity", "-1e30", '"NaN"', '"1e30"'])
def test_an_amount_of_1e30_or_nan_is_refused(send, club, db_session, amount):
    line = json.dumps(invoice(club.company)).replace('"1000.00"', amount)
    response = send("POST", "/invoices", raw=f'{{"invoices": [{line}]}}')
    assert response.status_code == 200
    (rejected,) = response.get_json()["rejected"]
    assert rejected["field"] == "net_amount"
    assert count(db_session, Invoice) == 0


def test_a_three_letter_country_is_refused(send, club, db_session):
    message = refused(
        send("PUT", "/companies/5260250274", {**COMPANY, "country": "POL"}), "country"
    )
    assert "ISO 3166-1" in message
    refused(send("PUT", "/companies/5260250274", {**COMPANY, "country": "EU"}), "country")
    refused(send("GET", f"/companies/{club.company.tax_id}/wallet?country=POL"), "country")
    body = {"invoices": [invoice(club.company, country="POL")]}
    (rejected,) = send("POST", "/invoices", body).get_json()["rejected"]
    assert rejected["field"] == "country"
    assert count(db_session, Company) == 2 and count(db_session, Invoice) == 0
    # Any case is taken, and stored upper case.
    response = send("PUT", "/companies/5260250274", {**COMPANY, "country": "pl"})
    assert response.status_code == 201 and response.get_json()["country"] == "PL"


def test_a_country_is_required_on_each_invoice(send, club, db_session):
    line = invoice(club.company)
    del line["country"]
    (rejected,) = send("POST", "/invoices", {"invoices": [line]}).get_json()["rejected"]
    assert rejected["field"] == "country"
    assert count(db_session, Invoice) == 0


def test_a_currency_is_an_iso_4217_code(send, club, db_session):
    # The club earns on euro purchases too: the refusal below is about the code alone.
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 9, 1),
        rates={"PLN": 500, "EUR": 120},
        grace_days=7,
        actor=club.club_manager,
        now=datetime(2026, 9, 1, 8, tzinfo=UTC),
    )
    db_session.commit()
    lines = [
        invoice(club.company, number="FV/1", currency="XYZ"),
        invoice(club.company, number="FV/2", currency="eur"),
    ]
    report = send("POST", "/invoices", {"invoices": lines}).get_json()
    assert report["rejected"] == [
        {
            "index": 0,
            "message": "currency must be an ISO 4217 code, such as PLN or EUR.",
            "field": "currency",
        }
    ]
    assert db_session.scalar(select(Invoice.currency).where(Invoice.number == "FV/2")) == "EUR"


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "0000-01-01", "yesterday", 1e30])
def test_an_impossible_joined_on_is_refused(send, db_session, day):
    response = send("PUT", "/companies/5260250274", {**COMPANY, "joined_on": day})
    assert refused(response, "joined_on") == "joined_on must be a date like 2026-11-03."
    assert count(db_session, Company) == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"page={10**20}", "page"),
        ("page=0", "page"),
        ("per_page=501", "per_page"),
        ("page=1e3", "page"),
        (f"page={'9' * 5000}", "page"),
    ],
)
def test_a_page_beyond_the_range_is_refused(send, club, query, field):
    refused(send("GET", f"/companies/{club.company.tax_id}/entries?{query}"), field)


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("limit=100", "limit", "invalid_request"),
        ("limit=0", "limit", "invalid_request"),
        ("view=all", "view", "invalid_request"),
        ("period=2026-13", "period", "invalid_period"),
        ("period=0000", "period", "invalid_period"),
        ("period=9999-12", "period", "invalid_period"),
        (f"period={'2' * 11}", "period", "invalid_period"),
    ],
)
def test_board_queries_out_of_range_are_refused(send, query, field, code):
    refused(send("GET", f"/leaderboards/companies?{query}"), field, code)


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_deeply_nested_json_is_refused(send, db_session, depth):
    nested = "[" * depth + "]" * depth
    refused(send("POST", "/invoices", raw=nested), None, code="invalid_json")
    body = f'{{"invoices": [{nested}]}}'
    response = send("POST", "/invoices", raw=body)
    assert response.status_code in (200, 400), response.status_code
    refused(send("PUT", "/companies/5260250274", raw=f'{{"name": {nested}}}'), None, "invalid_json")
    assert count(db_session, Invoice) == 0 and count(db_session, Company) == 0


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", '"text"', "null", "{"])
def test_a_body_that_is_not_a_json_object_is_refused(send, body):
    refused(send("PUT", "/companies/5260250274", raw=body), None, code="invalid_json")


def test_a_form_body_is_refused_as_not_json(client, secret):
    response = client.put(
        "/api/v1/companies/5260250274",
        data={"name": "X", "country": "PL"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    refused(response, None, code="invalid_json")


@pytest.mark.parametrize("number", [str(MAX_ID + 1), str(2**63), str(2**64), "9" * 5000])
def test_an_id_beyond_what_the_database_holds_answers_404_on_pages(
    client, club, db_session, number
):
    token, _secret = tokens.create_token(db_session, name="CRM")
    db_session.commit()
    login(client, club.club_manager)
    assert client.post(f"/manage/api-tokens/{number}/revoke").status_code == 404
    assert client.post(f"/manage/api-tokens/{MAX_ID}/revoke").status_code == 404
    assert (
        client.post(f"/manage/api-tokens/{token.id}/revoke", data={"confirmed": "1"}).status_code
        == 302
    )


def test_every_int_route_answers_404_beyond_what_the_database_holds(app, client, club):
    """No `<int:...>` of the app reaches a view with an id the database cannot hold
    (PostgreSQL's INTEGER overflows at 2**31, SQLite's at 2**63), and the largest id it
    can hold is looked up, not a 500."""
    login(client, club.club_manager)
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [name for name, converter in rule._converters.items() if isinstance(converter, Id)]
        for name in ids:
            url = rule.build({**dict.fromkeys(rule.arguments, 1), name: MAX_ID})[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for number in (MAX_ID, MAX_ID + 1, 2**63, 2**64):
                    target = url.replace(str(MAX_ID), str(number))
                    status = client.open(target, method=method).status_code
                    assert status < 500, f"{method} {target}: {status}"
                    # Beyond MAX_ID no rule matches: not found (or, where another
                    # rule's path matches, not allowed for this method).
                    assert number == MAX_ID or status in (404, 405), f"{method} {target}: {status}"
                    checked += 1
    assert checked > 60


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(client, club, secret, scheme):
    response = client.get(
        f"/api/v1/companies/{club.company.tax_id}/wallet",
        headers={"Authorization": f"{scheme} {secret}"},
    )
    assert response.status_code == 200


def test_an_invoice_number_in_the_path_is_bounded(send):
    paid = {"paid_date": "2026-10-20"}
    assert send("POST", "/invoices/FV%001/payment", paid).status_code == 404
    assert send("POST", f"/invoices/{'9' * 65}/payment", paid).status_code == 404
    refused(send("POST", "/invoices/FV1/payment", {"paid_date": "2026-02-30"}), "paid_date")


def test_the_idempotency_key_is_bounded(client, db_session, club):
    _token, secret = tokens.create_token(
        db_session, name="Holder", scopes=tokens.PERSONAL_SCOPES, user=club.holder
    )
    db_session.commit()
    for key in ("x" * 151, "   "):
        response = client.post(
            "/api/v1/redemptions",
            json={"privilege": "seo"},
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key},
        )
        refused(response, "Idempotency-Key", code="idempotency_key_required")
    response = client.post(
        "/api/v1/redemptions",
        json={"privilege": "seo", "answers": {"topic": "LED\x00"}},
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "k"},
    )
    refused(response, "answers.topic")


def test_a_batch_the_purchases_rules_refuse_is_422(send, club, db_session, monkeypatch):
    """A currency the club has no earning rate for is the purchases rules' to refuse;
    when they refuse the batch, the API answers 422 with their code and saves nothing."""

    class NoEarningRate(PurchasesError):
        pass

    def refuse(session, rows, **kwargs):
        raise NoEarningRate("The club has no earning rate for USD.", field="currency")

    monkeypatch.setattr(purchases, "record_invoices", refuse)
    response = send("POST", "/invoices", {"invoices": [invoice(club.company, currency="USD")]})
    refused(response, "currency", code="no_earning_rate", status=422)
    assert count(db_session, Invoice) == 0


def test_the_document_lists_every_status_and_constraint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {
        operation["operationId"]: operation
        for path in document["paths"].values()
        for operation in path.values()
    }
    expected = {
        "postInvoices": {"200", "413", "422"},
        "postPayment": {"200", "404", "413"},
        "postEvent": {"200", "201", "404", "413", "422"},
        "putCompany": {"200", "201", "404", "413"},
        "getWallet": {"200", "404", "409"},
        "getAdmission": {"200", "404", "409"},
        "getEntries": {"200", "404", "409"},
        "getStanding": {"200", "404", "409"},
        "getRebates": {"200"},
        "getPrivileges": {"200"},
        "postRedemption": {"200", "201", "404", "409", "413", "422"},
        "getPeopleBoard": {"200"},
        "getCompanyBoard": {"200"},
        "postComplaint": {"200", "201", "404", "413", "422"},
        "postContract": {"200", "201", "404", "413", "422"},
    }
    assert set(operations) == set(expected)
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for name, operation in operations.items():
        responses = operation["responses"]
        assert set(responses) == expected[name] | {"400", "401", "403"}, name
        for status, response in responses.items():
            if status >= "400":
                assert response["content"]["application/json"]["schema"] == error_body
    schemas = document["components"]["schemas"]
    detail = schemas["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "field"}
    invoice = schemas["InvoiceBatch"]["properties"]["invoices"]
    assert (invoice["minItems"], invoice["maxItems"]) == (1, 1000)
    line = invoice["items"]["properties"]
    assert line["number"]["maxLength"] == 64 and "pattern" in line["number"]
    assert line["net_amount"]["pattern"] == r"^[+-]?0*[0-9]{1,12}(\.[0-9]{1,2}0*)?$"
    assert "country" in invoice["items"]["required"]
    company = schemas["CompanyIn"]["properties"]
    assert (company["name"]["minLength"], company["name"]["maxLength"]) == (1, 200)
    assert company["status"]["$ref"].endswith("/MembershipStatus")
    countries = schemas["Country"]["enum"]
    assert len(countries) == 249 and "PL" in countries and not {"EU", "XK", "ZZ"} & set(countries)
    assert {"PLN", "EUR", "RUB"} <= set(schemas["Currency"]["enum"])
    parameters = {
        (operation["operationId"], parameter["name"]): parameter
        for operation in operations.values()
        for parameter in operation["parameters"]
    }
    per_page = parameters["getEntries", "per_page"]["schema"]
    assert (per_page["minimum"], per_page["maximum"]) == (1, 500)
    assert parameters["getEntries", "page"]["schema"]["maximum"] == 2**31 - 1
    assert parameters["getWallet", "tax_id"]["schema"]["pattern"].startswith("^[0-9A-Za-z]")
    assert parameters["postPayment", "number"]["schema"]["maxLength"] == 64
    key = parameters["postRedemption", "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] and key["schema"]["maxLength"] == 150
    assert parameters["getCompanyBoard", "limit"]["schema"]["maximum"] == 50
    assert parameters["getCompanyBoard", "view"]["schema"]["enum"] == ["total", "activity"]


def test_an_empty_account_manager_email_clears_the_manager(send, club, db_session):
    body = {**COMPANY, "account_manager_email": club.account_manager.email}
    assert send("PUT", "/companies/5260250274", body).status_code == 201
    response = send("PUT", "/companies/5260250274", {**COMPANY, "account_manager_email": ""})
    assert response.status_code == 200
    db_session.commit()
    company = db_session.scalar(select(Company).where(Company.tax_id == "5260250274"))
    assert company.account_manager_id is None
    refused(
        send("PUT", "/companies/5260250274", {**COMPANY, "account_manager_email": "not mail"}),
        "account_manager_email",
    )


def test_a_body_over_the_limit_is_413_json(app, send, club, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200)
    response = send("POST", "/invoices", {"invoices": [invoice(club.company)] * 5})
    assert response.status_code == 413
    assert response.get_json()["error"]["field"] is None


def test_invoice_and_payment_dates_after_today_are_refused_with_the_reason(send, club, db_session):
    today = date.today()
    tomorrow = (today + timedelta(days=2)).isoformat()
    lines = [
        invoice(club.company, number="FV/9/1", issue_date=tomorrow, due_date=tomorrow),
        invoice(club.company, number="FV/9/2", paid_date=tomorrow),
    ]
    report = send("POST", "/invoices", {"invoices": lines}).get_json()
    assert [item["index"] for item in report["rejected"]] == [0, 1]
    assert "is after today" in report["rejected"][0]["message"]
    assert "is after today" in report["rejected"][1]["message"]
    assert count(db_session, Invoice) == 0
    send("POST", "/invoices", {"invoices": [invoice(club.company)]})
    payment = send("POST", "/invoices/FV/2026/10/0001/payment", {"paid_date": tomorrow})
    assert payment.status_code == 400
    assert "is after today" in payment.get_json()["error"]["message"]
    assert db_session.scalar(select(Invoice.paid_date)) is None


def test_an_unexpected_error_under_the_api_answers_json(app, send, monkeypatch):
    @public
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, "api.openapi", broken)
    response = send("GET", "/openapi.json")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
