"""What the club's configuration says of invoices that leave something out: the main
currency (`CLUB_CURRENCY`) and the country of a line that names none
(`INVOICE_DEFAULT_COUNTRY`). Outside an application (a CSV file read in a script or a
unit test) they are the club's usual PLN and PL."""

from __future__ import annotations

from flask import current_app, has_app_context

MAIN_CURRENCY = "PLN"
COUNTRY = "PL"


def main_currency() -> str:
    """The club's main currency: earning rules before any is set, and invoice lines
    that name no currency, are in it."""
    if not has_app_context():
        return MAIN_CURRENCY
    return current_app.config.get("CLUB_CURRENCY", MAIN_CURRENCY)


def default_country() -> str:
    """The country of an invoice line that names none (an export without the column)."""
    if not has_app_context():
        return COUNTRY
    return current_app.config.get("INVOICE_DEFAULT_COUNTRY", COUNTRY)
