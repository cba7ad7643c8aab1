"""invoice lines by country and tax id: report lines whose company would change

Issue #22. The invoice import matched a line to a company by tax id alone; from now on a
line names its company by country and tax id, and a line without a country is in
INVOICE_DEFAULT_COUNTRY (PL by default). Lines carried no country before, so this
migration reports, through Alembic's logger, the existing invoice lines whose company
would change under the new matching (booked to a company outside the default country
while a company of the default country has the same tax id), and how many lines of
companies in other countries need the country from now on. It changes no data.

Revision ID: c0a7e1d22b51
Revises: 487116e373ec
Create Date: 2026-12-06 22:10:00.000000

"""

import logging

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = "c0a7e1d22b51"
down_revision = "487116e373ec"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Lines named one by one in the report; beyond that, a count.
LISTED = 200


def _setting(name: str, default: str) -> str:
    if not has_app_context():
        return default
    return str(current_app.config.get(name) or default).upper()


def upgrade():
    report_company_changes(op.get_bind(), _setting("INVOICE_DEFAULT_COUNTRY", "PL"))


def downgrade():
    pass  # nothing was changed


def report_company_changes(connection, default_country: str) -> None:
    """Invoice lines whose company the matching by country and tax id would change.

    Lines carried no country before (the CSV had no such column, the API took none), so
    under the new matching an old line is in the default country: a line booked to a
    company of another country moves to the default country's company with the same tax
    id, if there is one, and is refused otherwise (unless the ERP names its country)."""
    moved = connection.execute(
        sa.text(
            "SELECT invoice.number, booked.name, booked.country, booked.tax_id, twin.name "
            "FROM invoice "
            "JOIN company booked ON booked.id = invoice.company_id "
            "JOIN company twin ON twin.tax_id = booked.tax_id AND twin.country = :country "
            "WHERE booked.country <> :country "
            "ORDER BY booked.tax_id, invoice.number"
        ),
        {"country": default_country},
    ).all()
    for number, name, country, tax_id, twin in moved[:LISTED]:
        log.warning(
            "Invoice %s is booked to %s (%s %s); matched by country and tax id, a line "
            "without a country would go to %s (%s %s). Check which company it belongs to.",
            number,
            name,
            country,
            tax_id,
            twin,
            default_country,
            tax_id,
        )
    if len(moved) > LISTED:
        log.warning("... and %d more such invoice lines.", len(moved) - LISTED)
    foreign = connection.execute(
        sa.text(
            "SELECT booked.country, count(*) FROM invoice "
            "JOIN company booked ON booked.id = invoice.company_id "
            "WHERE booked.country <> :country AND NOT EXISTS (SELECT 1 FROM company twin "
            "WHERE twin.tax_id = booked.tax_id AND twin.country = :country) "
            "GROUP BY booked.country ORDER BY booked.country"
        ),
        {"country": default_country},
    ).all()
    for country, count in foreign:
        log.info(
            "%d invoice lines are booked to companies in %s: sent again, they need the "
            "country column (or a VAT prefix on the tax id); without one they are taken "
            "for %s and refused.",
            count,
            country,
            default_country,
        )
    log.info(
        "Matching by country and tax id: %d existing invoice lines would change company.",
        len(moved),
    )
