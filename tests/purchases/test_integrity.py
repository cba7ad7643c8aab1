"""Issue #22: an invoice line names its company by country and tax id, money stays in its
currency, and nothing is paid or invoiced in the future. Through the services the API
calls (record_invoices, record_payment), the CSV import and the manager's pages."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.config import ConfigError, load_config
from club.jobs import close_months, settle_payment_windows
from club.ledger import services as ledger
from club.ledger.explain import explain
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify
from club.purchases import line_checks
from club.purchases import services as purchases
from club.purchases.errors import PurchasesError
from club.purchases.invoices import InvoiceRow
from club.purchases.models import Invoice, PurchaseMonth
from club.rules.models import Rule, RuleKind, RuleRate, RuleVersion
from tests.conftest import login

OCTOBER = date(2026, 10, 1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def row(
    number: str,
    tax_id: str,
    amount: str = "1000.00",
    *,
    country: str | None = None,
    currency: str = "PLN",
    issued: date = date(2026, 10, 5),
    due: date = date(2026, 10, 20),
    paid: date | None = None,
    line: int = 2,
) -> InvoiceRow:
    return InvoiceRow(
        line, number, tax_id, issued, due, Decimal(amount), currency, paid, "invoice", country
    )


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def twins(db_session, club, make_company):
    """A German company registered first and a Polish one with the same tax id digits:
    matched by tax id alone, the Polish one (the last registered) took both's invoices."""
    german = make_company("Technik Handel GmbH", country="DE", tax_id="5260250274")
    polish = make_company("Hurtownia Bliźniak", country="PL", tax_id="5260250274")
    return german, polish


def rates(db_session, club, **by_currency):
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 9, 1),
        rates=by_currency,
        grace_days=7,
        actor=club.club_manager,
        now=at(date(2026, 9, 1)),
    )


# --- Points booked to the wrong company ---------------------------------------------------


def test_a_line_goes_to_the_company_of_its_country_never_to_a_twin(db_session, twins):
    german, polish = twins
    report = purchases.record_invoices(
        db_session,
        [
            row("FV/DE/1", "5260250274", country="DE", line=2),
            row("FV/PL/1", "5260250274", country="PL", line=3),
            row("FV/PL/2", "5260250274", line=4),  # no country: the default, PL
            row("FV/DE/2", "DE5260250274", line=5),  # the VAT prefix names it
        ],
        now=at(date(2026, 10, 6)),
    )
    assert report.rejected == [] and report.created == 4
    booked = dict(db_session.execute(select(Invoice.number, Invoice.company_id)).all())
    assert booked == {
        "FV/DE/1": german.id,
        "FV/PL/1": polish.id,
        "FV/PL/2": polish.id,
        "FV/DE/2": german.id,
    }


def test_a_line_that_matches_no_company_is_refused_with_its_row_and_reason(db_session, twins):
    report = purchases.record_invoices(
        db_session,
        [
            row("FV/RU/1", "5260250274", country="RU", line=7),
            row("FV/XX/1", "5260250274", country="EU", line=8),  # a region, not a country
            row("FV/CZ/1", "CZ5260250274", country="PL", line=9),  # prefix and country differ
            row("FV/OK/1", "5260250274", country="DE", line=10),
        ],
        now=at(date(2026, 10, 6)),
    )
    assert [line for line, _reason in report.rejected] == [7, 8, 9]
    (_, no_company), (_, not_country), (_, mismatch) = report.rejected
    assert "No company in RU has the tax id 5260250274" in no_company
    assert "DE, PL" in no_company  # where it is registered, so the manager can fix the line
    assert "“EU” is not a country code" in not_country
    assert "prefix of CZ" in mismatch and "PL" in mismatch
    assert count(db_session, Invoice) == 1
    # check_invoices (the preview) says the same and writes nothing.
    problems = purchases.check_invoices(
        db_session, [row("FV/RU/2", "5260250274", country="RU", line=3)], now=at(date(2026, 10, 6))
    )
    assert problems == [(3, no_company)]


def test_a_line_that_matches_two_companies_is_refused_never_guessed(db_session, twins, monkeypatch):
    # The database allows one company per country and tax id; should two ever match
    # (a lookup by compacted ids), the line is refused rather than booked to either.
    german, polish = twins
    doubled = {("PL", "5260250274"): [polish.id, german.id]}
    monkeypatch.setattr(line_checks, "company_ids_by_country_and_tax_id", lambda _session: doubled)
    report = purchases.record_invoices(
        db_session, [row("FV/1", "5260250274", line=4)], now=at(date(2026, 10, 6))
    )
    assert report.created == 0
    ((line, reason),) = report.rejected
    assert line == 4 and "2 companies in PL have the tax id 5260250274" in reason


CSV_WITH_COUNTRY = (
    "numer;kraj;nip;data_wystawienia;termin_platnosci;kwota_netto;waluta;data_zaplaty\n"
    "FV/1;DE;5260250274;05.10.2026;20.10.2026;1 000,00;PLN;\n"
    "FV/2;PL;5260250274;05.10.2026;20.10.2026;1 000,00;PLN;\n"
    "FV/3;;5260250274;05.10.2026;20.10.2026;1 000,00;PLN;\n"
    "FV/4;RU;5260250274;05.10.2026;20.10.2026;1 000,00;PLN;\n"
    "FV/5;QO;5260250274;05.10.2026;20.10.2026;1 000,00;PLN;\n"
).encode("cp1250")


def test_the_csv_country_column_picks_the_company(db_session, twins):
    german, polish = twins
    _parsed, report = purchases.import_file(db_session, CSV_WITH_COUNTRY, now=at(date(2026, 11, 1)))
    booked = dict(db_session.execute(select(Invoice.number, Invoice.company_id)).all())
    assert booked == {"FV/1": german.id, "FV/2": polish.id, "FV/3": polish.id}
    assert [line for line, _reason in report.rejected] == [5, 6]
    assert "No company in RU" in report.rejected[0][1]
    assert "“QO” is not a country code" in report.rejected[1][1]


def test_without_a_country_column_the_configured_country_is_used(app, db_session, twins):
    german, _polish = twins
    data = (
        b"number;tax_id;issue_date;due_date;net_amount;paid_date\n"
        b"FV/1;5260250274;2026-10-05;2026-10-20;100.00;\n"
    )
    app.config["INVOICE_DEFAULT_COUNTRY"] = "DE"
    try:
        purchases.import_file(db_session, data, now=at(date(2026, 11, 1)))
    finally:
        app.config["INVOICE_DEFAULT_COUNTRY"] = "PL"
    assert db_session.scalar(select(Invoice.company_id)) == german.id


# --- Money in its currency ----------------------------------------------------------------


def test_each_currency_earns_at_its_own_rate_in_its_own_month(db_session, club):
    rates(db_session, club, PLN=500, EUR=120)
    tax_id = club.company.tax_id
    purchases.record_invoices(
        db_session,
        [
            row("FV/1", tax_id, "400.00", paid=date(2026, 10, 10)),
            row("FV/2", tax_id, "300.00", currency="EUR", paid=date(2026, 10, 10)),
        ],
        now=at(date(2026, 10, 10)),
    )
    close_months(db_session, now=at(date(2026, 11, 1)))
    months = {
        month.currency: month
        for month in db_session.scalars(select(PurchaseMonth).order_by(PurchaseMonth.currency))
    }
    assert sorted(months) == ["EUR", "PLN"]
    # 400 PLN is under 500: nothing; 300 EUR at 120: 2 points. Added up as one (700 at
    # 500) they made 1 point.
    assert (months["PLN"].net_total, months["PLN"].rate, months["PLN"].earned) == (
        Decimal("400.00"),
        500,
        0,
    )
    assert (months["EUR"].net_total, months["EUR"].rate, months["EUR"].earned) == (
        Decimal("300.00"),
        120,
        2,
    )
    wallet = ledger.wallet_for(db_session, club.company.id)
    db_session.refresh(wallet)
    assert wallet.available == 2
    # The statement names the currency with every amount.
    (earn,) = db_session.scalars(select(Entry).where(Entry.kind == EntryKind.EARN)).all()
    assert earn.details["currency"] == "EUR"
    assert "€300.00 net at 1 point per €120.00" in explain(earn)
    assert verify(db_session).problems == []


def test_a_currency_without_a_rate_is_refused_and_nothing_is_written(db_session, club):
    rates(db_session, club, PLN=500, EUR=120)
    report = purchases.record_invoices(
        db_session,
        [
            row("FV/1", club.company.tax_id, "10000.00", currency="RUB", line=5),
            row("FV/2", club.company.tax_id, "10.00", currency="XTS", line=6),  # a test code
        ],
        now=at(date(2026, 10, 10)),
    )
    assert report.created == 0 and count(db_session, Invoice) == 0
    ((line, no_rate), (other_line, not_money)) = report.rejected
    assert line == 5 and "No earning rate is set for RUB in 2026-10" in no_rate
    assert other_line == 6 and "“XTS” is not a currency code" in not_money


def test_before_any_rule_only_the_main_currency_earns(db_session, club):
    report = purchases.record_invoices(
        db_session,
        [
            row("FV/1", club.company.tax_id, currency="PLN", line=2),
            row("FV/2", club.company.tax_id, currency="EUR", line=3),
        ],
        now=at(date(2026, 10, 10)),
    )
    assert report.created == 1 and [line for line, _ in report.rejected] == [3]
    assert purchases.rate_currencies(db_session) == ["PLN"]
    rates(db_session, club, PLN=500, EUR=120, RUB=10_000)
    assert purchases.rate_currencies(db_session) == ["EUR", "PLN", "RUB"]


def test_rates_are_per_currency_versioned_and_checked(db_session, club):
    rates(db_session, club, PLN=500, EUR=120)
    purchases.record_invoices(
        db_session,
        [
            row(
                "FV/1",
                club.company.tax_id,
                "240.00",
                currency="EUR",
                issued=date(2026, 12, 1),
                due=date(2026, 12, 15),
            )
        ],
        now=at(date(2026, 12, 1)),
    )

    def set_rule(start, **by_currency):
        return purchases.set_rule(
            db_session,
            effective_from=start,
            rates=by_currency,
            grace_days=7,
            actor=club.club_manager,
            now=at(date(2026, 12, 1)),
        )

    # December has EUR invoices: a rule for December must keep a rate for EUR.
    with pytest.raises(PurchasesError, match="Invoices in EUR are recorded"):
        set_rule(date(2026, 12, 1), PLN=400)
    with pytest.raises(PurchasesError, match="not a currency code"):
        set_rule(date(2027, 1, 1), PLN=400, EU=100)
    with pytest.raises(PurchasesError, match="above zero"):
        set_rule(date(2027, 1, 1), PLN=0)
    with pytest.raises(PurchasesError, match="at least one currency"):
        set_rule(date(2027, 1, 1))
    set_rule(date(2027, 1, 1), PLN=400, RUB=9_000)  # no EUR invoices from January on
    assert purchases.rule_for(db_session, date(2026, 12, 1)).rates == {"EUR": 120, "PLN": 500}
    assert purchases.rule_for(db_session, date(2027, 3, 1)).rates == {"PLN": 400, "RUB": 9_000}
    assert len(purchases.rule_history(db_session)) == 2 and count(db_session, RuleRate) == 4


def test_months_close_and_settle_per_currency_and_payments_find_their_month(db_session, club):
    rates(db_session, club, PLN=500, EUR=100)
    tax_id = club.company.tax_id
    purchases.record_invoices(
        db_session,
        [
            row("FV/1", tax_id, "1000.00", due=date(2026, 10, 30)),
            row("FV/2", tax_id, "300.00", currency="EUR", due=date(2026, 10, 30)),
        ],
        now=at(date(2026, 10, 10)),
    )
    close_months(db_session, now=at(date(2026, 11, 1)))
    wallet = ledger.wallet_for(db_session, club.company.id)
    db_session.refresh(wallet)
    assert (wallet.available, wallet.pending) == (0, 5)  # 2 PLN + 3 EUR points pending
    purchases.record_payment(db_session, "FV/2", date(2026, 10, 20), now=at(date(2026, 11, 2)))
    db_session.refresh(wallet)
    assert (wallet.available, wallet.pending) == (3, 2)
    euro = db_session.scalar(select(PurchaseMonth).where(PurchaseMonth.currency == "EUR"))
    assert (euro.confirmed, euro.earned) == (3, 3)
    settle_payment_windows(db_session, now=at(date(2026, 11, 30)))
    db_session.refresh(wallet)
    assert (wallet.available, wallet.pending) == (3, 0)  # the PLN invoice was never paid
    assert verify(db_session).problems == []


def test_the_rules_page_sets_a_rate_per_currency(client, club, db_session):
    login(client, club.club_manager)
    page = client.get("/manage/rules").get_data(as_text=True)
    assert 'name="rates-0-currency"' in page and 'name="rates-1-currency"' in page
    start = datetime.now(UTC).date().replace(day=1)
    start = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    response = client.post(
        "/manage/rules",
        data={
            "effective_from": start.isoformat(),
            "rates-0-currency": "PLN",
            "rates-0-rate": "500",
            "rates-1-currency": "EUR",
            "rates-1-rate": "120",
            "rates-2-currency": "RUB",
            "rates-2-rate": "10000",
            "grace_days": "7",
        },
    )
    assert response.status_code == 302
    rule = db_session.scalar(
        select(RuleVersion).join(Rule).where(Rule.kind == RuleKind.PURCHASE_RATE)
    )
    assert {rate.currency: rate.rate for rate in rule.rates} == {
        "EUR": 120,
        "PLN": 500,
        "RUB": 10_000,
    }
    history = client.get("/manage/rules").get_data(as_text=True)
    assert "€120.00" in history and "RUB10,000.00" in history
    # A rate without its currency, or a currency twice, is answered on the form.
    for data in (
        {"rates-0-currency": "", "rates-0-rate": "500"},
        {
            "rates-0-currency": "EUR",
            "rates-0-rate": "100",
            "rates-1-currency": "EUR",
            "rates-1-rate": "120",
        },
        {"rates-0-currency": "XXX", "rates-0-rate": "100"},
    ):
        refused = client.post(
            "/manage/rules",
            data={"effective_from": start.isoformat(), "grace_days": "7", **data},
        )
        assert refused.status_code == 422, data
    assert count(db_session, RuleRate) == 3


def test_the_import_preview_totals_each_currency_apart(client, club, db_session):
    rates(db_session, club, PLN=500, EUR=120)
    login(client, club.club_manager)
    data = (
        "number;tax_id;issue_date;due_date;net_amount;currency;paid_date\n"
        f"FV/1;{club.company.tax_id};2026-10-05;2026-10-20;1000.00;PLN;\n"
        f"FV/2;{club.company.tax_id};2026-10-05;2026-10-20;250.00;EUR;\n"
        f"FV/3;{club.company.tax_id};2026-10-06;2026-10-20;50.00;EUR;\n"
        f"FV/4;{club.company.tax_id};2026-10-06;2026-10-20;50.00;RUB;\n"
    ).encode()
    response = client.post(
        "/manage/invoices/import",
        data={"file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "€300.00" in body and "PLN1,000.00" in body and "PLN1,300.00" not in body
    assert "No earning rate is set for RUB" in body


# --- Payments from the future -------------------------------------------------------------


def test_future_invoice_and_payment_dates_are_refused_with_row_and_reason(db_session, club):
    today = date(2026, 10, 10)
    report = purchases.record_invoices(
        db_session,
        [
            row("FV/1", club.company.tax_id, paid=date(2026, 10, 11), line=2),
            row(
                "FV/2",
                club.company.tax_id,
                issued=date(2026, 10, 11),
                due=date(2026, 10, 30),
                line=3,
            ),
            row("FV/3", club.company.tax_id, paid=today, line=4),
        ],
        now=at(today, 20),  # 22:00 in Warsaw: still the 10th
    )
    assert [line for line, _reason in report.rejected] == [2, 3]
    assert "payment date 11 Oct 2026 is after today (10 Oct 2026)" in report.rejected[0][1]
    assert "invoice date 11 Oct 2026 is after today" in report.rejected[1][1]
    assert db_session.scalars(select(Invoice.number)).all() == ["FV/3"]
    late_evening = datetime(2026, 10, 10, 22, 30, tzinfo=UTC)  # 00:30 on the 11th in Warsaw
    assert (
        purchases.record_invoices(
            db_session,
            [row("FV/1", club.company.tax_id, paid=date(2026, 10, 11))],
            now=late_evening,
        ).rejected
        == []
    )


def test_a_payment_recorded_for_tomorrow_is_refused(db_session, club):
    purchases.record_invoices(
        db_session, [row("FV/1", club.company.tax_id)], now=at(date(2026, 10, 10))
    )
    with pytest.raises(PurchasesError, match="after today") as refused:
        purchases.record_payment(db_session, "FV/1", date(2026, 10, 11), now=at(date(2026, 10, 10)))
    assert refused.value.field == "paid_date"
    assert db_session.scalar(select(Invoice.paid_date)) is None
    # A re-sent invoice with a future payment date is refused too; its row is named.
    report = purchases.record_invoices(
        db_session,
        [row("FV/1", club.company.tax_id, paid=date(2026, 10, 12), line=9)],
        now=at(date(2026, 10, 10)),
    )
    assert [line for line, _ in report.rejected] == [9] and report.updated == 0
    assert db_session.scalar(select(Invoice.paid_date)) is None


def test_the_manager_sees_future_dates_refused_in_the_import(client, club, db_session):
    login(client, club.club_manager)
    data = (
        "number;tax_id;issue_date;due_date;net_amount;paid_date\n"
        f"FV/1;{club.company.tax_id};2026-10-05;2026-10-20;100.00;2999-01-01\n"
        f"FV/2;{club.company.tax_id};2999-01-01;2999-01-20;100.00;\n"
    ).encode()
    response = client.post(
        "/manage/invoices/import",
        data={"file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert 'id="valid-rows">0<' in body and 'id="rejected-rows">2<' in body
    assert "payment date 1 Jan 2999 is after today" in body
    assert "invoice date 1 Jan 2999 is after today" in body
    assert count(db_session, Invoice) == 0


# --- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CLUB_CURRENCY", "XYZ", "CLUB_CURRENCY='XYZ' is not an ISO 4217 currency"),
        ("CLUB_CURRENCY", "RUR", "not an ISO 4217 currency in use"),  # withdrawn in 1998
        ("INVOICE_DEFAULT_COUNTRY", "EU", "INVOICE_DEFAULT_COUNTRY='EU' is not an ISO 3166-1"),
    ],
)
def test_the_configured_currency_and_country_are_checked(tmp_path, variable, value, message):
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, {variable: value})
    config = load_config(tmp_path, {"CLUB_CURRENCY": "eur", "INVOICE_DEFAULT_COUNTRY": "de"})
    assert (config["CLUB_CURRENCY"], config["INVOICE_DEFAULT_COUNTRY"]) == ("EUR", "DE")
    defaults = load_config(tmp_path, {})
    assert (defaults["CLUB_CURRENCY"], defaults["INVOICE_DEFAULT_COUNTRY"]) == ("PLN", "PL")
