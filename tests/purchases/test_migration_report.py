"""The issue #22 migrations on a database with data: they report the invoice lines whose
company the matching by country and tax id would change (and change none), and give the
existing rules and months the club's main currency."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from club.extensions import db
from tests.conftest import PG_ADMIN_URL, make_test_app

BEFORE = "a15b8acd2345"  # the last revision before issue #22
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'report.sqlite3'}"
        return
    request.getfixturevalue("postgres_database")  # skips or fails as the suite decides
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql")
    name = f"club_report_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _company(connection, name: str, country: str, tax_id: str) -> int:
    # Plain SQL: the model's later columns (and their defaults) are not in the old schema.
    return connection.execute(
        text(
            "INSERT INTO company (name, country, tax_id, street, postal_code, city, status, "
            "is_shown_on_boards, created_at) VALUES (:name, :country, :tax_id, '', '', '', "
            "'member', :shown, :now) RETURNING id"
        ),
        {"name": name, "country": country, "tax_id": tax_id, "shown": True, "now": NOW},
    ).scalar_one()


def _invoice(connection, number: str, company_id: int, amount: str, currency: str) -> None:
    invoice = db.metadata.tables["invoice"]
    connection.execute(
        invoice.insert().values(
            number=number,
            company_id=company_id,
            kind="invoice",
            issue_date=date(2026, 10, 5),
            period=date(2026, 10, 1),
            due_date=date(2026, 10, 20),
            net_amount=Decimal(amount),
            currency=currency,
            created_at=NOW,
            updated_at=NOW,
        )
    )


def test_the_migrations_report_what_would_move_and_keep_every_line(empty_database_url, capfd):
    app = make_test_app(empty_database_url, None)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            # The same digits in Germany (registered first) and Poland: matched by tax id
            # alone, the lines of both went to one of them, here to the German one.
            german = _company(connection, "Technik Handel GmbH", "DE", "5260250274")
            polish = _company(connection, "Hurtownia Bliźniak", "PL", "5260250274")
            russian = _company(connection, "ООО «Ромашка»", "RU", "7707083893")
            _invoice(connection, "FV/1", german, "1000.00", "PLN")
            _invoice(connection, "FV/2", polish, "1000.00", "PLN")
            _invoice(connection, "FV/3", russian, "1000.00", "PLN")
            _invoice(connection, "FV/4", polish, "250.00", "EUR")
            connection.execute(
                text(
                    "INSERT INTO earning_rule (effective_from, rate, grace_days, created_at) "
                    "VALUES (:start, 250, 7, :now)"
                ),
                {"start": date(2026, 9, 1), "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO purchase_month (company_id, period, rate, grace_days, "
                    "multiplier_percent, net_total, earned, confirmed, forfeited, "
                    "clawed_back, closed_at) VALUES (:company, :period, 250, 7, 100, "
                    "1250.00, 5, 0, 0, 0, :now)"
                ),
                {"company": polish, "period": date(2026, 10, 1), "now": NOW},
            )
        capfd.readouterr()
        upgrade()
        log = capfd.readouterr().err

        # The German company's line would go to the Polish one; the others stay.
        assert "Invoice FV/1 is booked to Technik Handel GmbH (DE 5260250274)" in log
        assert "would go to Hurtownia Bliźniak (PL 5260250274)" in log
        assert "FV/2" not in log and "FV/3" not in log
        assert "1 invoice lines are booked to companies in RU" in log
        assert "1 existing invoice lines would change company" in log
        # Money: the EUR invoice and the month that added it to PLN are named.
        assert "1 invoices are in EUR" in log
        assert f"The purchase month 2026-10 of company {polish} added up invoices in 2" in log

        with db.engine.connect() as connection:
            booked = dict(connection.execute(text("SELECT number, company_id FROM invoice")).all())
            assert booked == {"FV/1": german, "FV/2": polish, "FV/3": russian, "FV/4": polish}
            # The earning rule is now version 1 of the purchase rate rule (issue #16), and
            # the month names the version it was closed with.
            rates = connection.execute(
                text(
                    "SELECT v.id, v.number, v.effective_from, v.grace_days, r.currency, r.rate "
                    "FROM bonus_rule_rate r JOIN bonus_rule_version v ON v.id = r.version_id"
                )
            ).all()
            ((version_id, *rate),) = rates
            assert str(rate[1]) == "2026-09-01"
            assert (rate[0], rate[2], rate[3], rate[4]) == (1, 7, "PLN", 250)
            months = connection.execute(
                text("SELECT company_id, currency, rate_version_id FROM purchase_month")
            )
            assert [tuple(month) for month in months] == [(polish, "PLN", version_id)]
            kinds = connection.execute(text("SELECT kind FROM bonus_rule ORDER BY kind"))
            assert [kind for (kind,) in kinds] == ["purchase_rate", "tier_multiplier"]
        # And back: the rule keeps its rate.
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT rate FROM earning_rule")).scalar_one() == 250
        db.engine.dispose()
