"""purchases per currency: earning rates and purchase months per currency

Issue #22. Invoice amounts in different currencies were added up as one. From now on a
purchase month is per company, calendar month and currency, and the earning rule has a
rate per currency (earning_rate); an invoice in a currency without a rate is refused.

Existing data: each rule's rate becomes its rate in the club's main currency
(CLUB_CURRENCY, PLN by default), and each purchase month is in the main currency. No
invoice changes. Reported through Alembic's logger: the invoices in other currencies
(they earn nothing until a rule gives their currency a rate) and the months that added
several currencies up (settled again, such a month counts its main-currency invoices).

Revision ID: d3b5f2a8c6e4
Revises: c0a7e1d22b51
Create Date: 2026-12-06 22:20:00.000000

"""

import logging

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = "d3b5f2a8c6e4"
down_revision = "c0a7e1d22b51"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Months named one by one in the report; beyond that, a count.
LISTED = 200


def _setting(name: str, default: str) -> str:
    if not has_app_context():
        return default
    return str(current_app.config.get(name) or default).upper()


def upgrade():
    connection = op.get_bind()
    main = _setting("CLUB_CURRENCY", "PLN")
    report_currencies(connection, main)

    op.create_table(
        "earning_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_earning_rate_currency_iso4217")),
        sa.CheckConstraint("rate > 0", name=op.f("ck_earning_rate_rate_positive")),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["earning_rule.id"],
            name=op.f("fk_earning_rate_rule_id_earning_rule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earning_rate")),
        sa.UniqueConstraint("rule_id", "currency", name="uq_earning_rate_rule_currency"),
    )
    # Read first, inserted after: on SQLite the batch copy of earning_rule drops the old
    # table, which would cascade to earning_rate rows already there.
    rules = connection.execute(sa.text("SELECT id, rate FROM earning_rule ORDER BY id")).all()
    with op.batch_alter_table("earning_rule", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_earning_rule_rate_positive"), type_="check")
        batch_op.drop_column("rate")
    if rules:
        connection.execute(
            sa.text(
                "INSERT INTO earning_rate (rule_id, currency, rate) VALUES (:rule, :currency, :rate)"
            ),
            [{"rule": rule, "currency": main, "rate": rate} for rule, rate in rules],
        )

    with op.batch_alter_table("purchase_month", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="PLN", nullable=False)
        )
        batch_op.drop_constraint("uq_purchase_month_company_period", type_="unique")
        batch_op.create_unique_constraint(
            "uq_purchase_month_company_period_currency", ["company_id", "period", "currency"]
        )
    if main != "PLN":
        connection.execute(sa.text("UPDATE purchase_month SET currency = :main"), {"main": main})


def downgrade():
    # A month per currency cannot go back into one: this fails while a company has
    # months in two currencies. Rules keep their main-currency rate (500 without one).
    main = _setting("CLUB_CURRENCY", "PLN")
    with op.batch_alter_table("purchase_month", schema=None) as batch_op:
        batch_op.drop_constraint("uq_purchase_month_company_period_currency", type_="unique")
        batch_op.create_unique_constraint(
            "uq_purchase_month_company_period", ["company_id", "period"]
        )
        batch_op.drop_column("currency")

    # Read before the batch copy of earning_rule, which cascades to earning_rate on SQLite.
    connection = op.get_bind()
    rates = connection.execute(
        sa.text("SELECT rule_id, rate FROM earning_rate WHERE currency = :main"), {"main": main}
    ).all()
    with op.batch_alter_table("earning_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate", sa.Integer(), server_default="500", nullable=False))
        batch_op.create_check_constraint(batch_op.f("ck_earning_rule_rate_positive"), "rate > 0")
    if rates:
        connection.execute(
            sa.text("UPDATE earning_rule SET rate = :rate WHERE id = :rule"),
            [{"rule": rule, "rate": rate} for rule, rate in rates],
        )
    op.drop_table("earning_rate")


def report_currencies(connection, main: str) -> None:
    """Invoices in other currencies than the main one, and the months that added
    several currencies up."""
    others = connection.execute(
        sa.text(
            "SELECT currency, count(*) FROM invoice WHERE currency <> :main "
            "GROUP BY currency ORDER BY currency"
        ),
        {"main": main},
    ).all()
    for currency, count in others:
        log.warning(
            "%d invoices are in %s: they were added to the %s amounts; now a month in %s "
            "earns only under a rule with a rate for %s, and the rules of past months do "
            "not change: correct their points by hand (ledger adjustments) where they "
            "should earn.",
            count,
            currency,
            main,
            currency,
            currency,
        )
    mixed = connection.execute(
        sa.text(
            "SELECT purchase_month.company_id, purchase_month.period, count(DISTINCT "
            "invoice.currency) FROM purchase_month JOIN invoice ON invoice.company_id = "
            "purchase_month.company_id AND invoice.period = purchase_month.period "
            "GROUP BY purchase_month.company_id, purchase_month.period "
            "HAVING count(DISTINCT invoice.currency) > 1 "
            "ORDER BY purchase_month.period, purchase_month.company_id"
        )
    ).all()
    for company_id, period, count in mixed[:LISTED]:
        log.warning(
            "The purchase month %s of company %s added up invoices in %d currencies; it is "
            "now in %s and, settled again, counts only its %s invoices.",
            str(period)[:7],
            company_id,
            count,
            main,
            main,
        )
    if len(mixed) > LISTED:
        log.warning("... and %d more such months.", len(mixed) - LISTED)
