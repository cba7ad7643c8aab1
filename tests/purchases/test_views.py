"""The club manager's rules page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from club.core.clock import utcnow
from club.core.periods import club_today, month_start, next_month
from club.rules.models import Rule, RuleKind, RuleVersion
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def test_the_rules_page_shows_the_default_and_saves_a_change(client, club, db_session):
    login(client, club.club_manager)
    page = client.get("/manage/rules").get_data(as_text=True)
    assert "1 point for every PLN500.00 of net purchases" in page
    start = next_month(month_start(club_today(utcnow())))
    response = client.post(
        "/manage/rules",
        data={
            "effective_from": start.isoformat(),
            "rates-0-currency": "PLN",
            "rates-0-rate": "250",
            "rates-1-currency": "",
            "rates-1-rate": "",
            "grace_days": "10",
        },
    )
    assert response.status_code == 302
    rule = db_session.scalar(
        select(RuleVersion).join(Rule).where(Rule.kind == RuleKind.PURCHASE_RATE)
    )
    assert (rule.grace_days, rule.effective_from) == (10, start)
    assert {rate.currency: rate.rate for rate in rule.rates} == {"PLN": 250}


def test_a_rule_in_the_middle_of_a_month_is_refused(client, club, db_session):
    login(client, club.club_manager)
    start = next_month(month_start(club_today(utcnow())))
    response = client.post(
        "/manage/rules",
        data={
            "effective_from": start.replace(day=15).isoformat(),
            "rates-0-currency": "PLN",
            "rates-0-rate": "250",
            "grace_days": "7",
        },
    )
    assert response.status_code == 422
    assert "start of a month" in response.get_data(as_text=True)
    assert (
        db_session.scalar(select(RuleVersion).join(Rule).where(Rule.kind == RuleKind.PURCHASE_RATE))
        is None
    )


CSV = (
    "numer;nip;data_wystawienia;termin_platnosci;kwota_netto;waluta;data_zaplaty;rodzaj\n"
    "FV/1;{tax};01.10.2026;20.10.2026;1 234,50;PLN;15.10.2026;faktura\n"
    "FV/2;0000000000;01.10.2026;20.10.2026;500,00;PLN;;faktura\n"
    "FV/3;{tax};32.10.2026;20.10.2026;abc;PLN;;faktura\n"  # two problems, one row
).encode("cp1250")


def _upload(client, data, name="export.csv"):
    import io

    return client.post(
        "/manage/invoices/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_previews_then_saves_only_the_good_rows(client, club, db_session):
    from club.purchases.models import Invoice

    login(client, club.club_manager)
    preview = _upload(client, CSV.replace(b"{tax}", club.company.tax_id.encode()))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'id="valid-rows">1<' in body and 'id="rejected-rows">2<' in body
    assert "No company in PL has the tax id 0000000000" in body
    # The summary and the row that will be written, with its company, money and points.
    assert 'id="outcome-invoice">1<' in body and 'id="preview-points">2<' in body
    rows = re.search(r'id="rows-to-write".*?</section>', body, re.S).group(0)
    assert "FV/1" in rows and club.company.name in rows and "PLN1,234.50" in rows
    assert re.search(r"New invoice</td><td class=\"number\">2</td>", rows)
    assert db_session.scalar(select(Invoice)) is None  # nothing saved by the preview
    upload = re.search(r'name="upload" type="hidden" value="([0-9a-f]{32})"', body).group(1)
    done = client.post("/manage/invoices/import/confirm", data={"upload": upload})
    assert done.status_code == 302
    (invoice,) = db_session.scalars(select(Invoice)).all()
    assert (invoice.number, str(invoice.net_amount)) == ("FV/1", "1234.50")
    again = client.post("/manage/invoices/import/confirm", data={"upload": upload})
    assert "expired" in client.get(again.headers["Location"]).get_data(as_text=True)
    # Sent again, the row changes nothing and earns nothing.
    body = _upload(client, CSV.replace(b"{tax}", club.company.tax_id.encode())).get_data(
        as_text=True
    )
    assert 'id="outcome-unchanged">1<' in body and 'id="preview-points">0<' in body
    # The club manager's to-do list names the import that left rows out.
    home = client.get("/").get_data(as_text=True)
    todo = re.search(r'id="todo-imports".*?</section>', home, re.S).group(0)
    assert "2 rows rejected" in todo and "1 new invoice" in todo


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02binary", b"just;some;words\n1;2;3\n"])
def test_a_file_that_is_not_an_invoice_export_is_refused_whole(client, club, db_session, data):
    login(client, club.club_manager)
    response = _upload(client, data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "alert--error" in body and "Traceback" not in body
    assert "Import the valid rows" not in body


def test_a_forged_upload_name_is_refused(client, club):
    login(client, club.club_manager)
    response = client.post("/manage/invoices/import/confirm", data={"upload": "../../etc"})
    assert response.status_code == 302


def test_import_command(app, club, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(CSV.replace(b"{tax}", club.company.tax_id.encode()))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["club", "import-invoices", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "1 rows would be saved; 2 rows rejected" in dry.output
    result = runner.invoke(args=["club", "import-invoices", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and ":3:" in result.output
    again = runner.invoke(args=["club", "import-invoices", str(path)])
    assert "0 new" in again.output and "1 unchanged" in again.output
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"")
    assert runner.invoke(args=["club", "import-invoices", str(junk)]).exit_code == 1


def test_the_holder_lists_the_companys_invoices_with_filters(app, client, club, db_session):
    from decimal import Decimal

    from club.core.periods import add_months
    from club.purchases import services
    from club.purchases.invoices import InvoiceRow

    last = add_months(month_start(club_today(utcnow())), -1)
    before = add_months(last, -1)

    def row(line, number, company, issued, amount, paid):
        return InvoiceRow(
            line, number, company.tax_id, issued, issued.replace(day=10), Decimal(amount),
            "PLN", paid, "invoice", company.country,
        )  # fmt: skip

    services.record_invoices(
        db_session,
        [
            row(1, "FV/A", club.company, last, "1234.50", last.replace(day=5)),
            row(2, "FV/B", club.company, before, "600.00", None),
            row(3, "FV/OTHER", club.other_company, last, "900.00", None),
        ],
    )
    db_session.commit()
    login(client, club.holder)
    page = client.get("/my-company/invoices").get_data(as_text=True)
    assert 'href="/my-company/invoices"' in page  # in the holder's navigation
    assert "FV/A" in page and "FV/B" in page and "FV/OTHER" not in page
    assert "PLN1,234.50" in page and "PLN600.00" in page  # money with its currency
    assert re.search(r"PLN1,234.50</td>.*?<td class=\"number\">2<", page, re.S)
    paid = client.get("/my-company/invoices?paid=paid").get_data(as_text=True)
    assert "FV/A" in paid and "FV/B" not in paid
    unpaid = client.get("/my-company/invoices?paid=unpaid", headers={"HX-Request": "true"})
    body = unpaid.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="invoices"')  # the fragment htmx swaps
    assert "FV/B" in body and "overdue" in body and "FV/A" not in body
    month = client.get(f"/my-company/invoices?period={before:%Y-%m}").get_data(as_text=True)
    assert "FV/B" in month and "FV/A" not in month
    # A period not offered filters nothing; staff may not see the invoices.
    assert "FV/A" in client.get("/my-company/invoices?period=1999").get_data(as_text=True)
    staff = app.test_client()
    login(staff, club.staff)
    assert staff.get("/my-company/invoices").status_code == 403
