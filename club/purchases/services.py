"""Purchases earn points: invoices in, month close, payment windows, credit notes.

The rule book (DESIGN.md, "The points economy"): per company, calendar month and
currency, points = floor(net total / the currency's rate) x tier multiplier; an invoice
names its company by country and tax id. They are pending until the month's
invoices are paid: confirmed = floor(sum paid within the payment window / rate); what
is not paid in time is forfeited when the month's last window closes. Credit notes
lower the month's total; points already confirmed beyond it are clawed back.

The rules live in the modules named below; this module is what views, jobs and other
domains call:
- earning_rule: the rate per currency and the grace days from a month on;
- invoices: what an invoice line must be, its company, saving it once, payments;
- csv_import (csv_text, csv_rows): the ERP's CSV export read, previewed and imported;
- month_facts: what a month's invoices say and the points they are worth;
- settlement: what the ledger lacks for a month (earn, confirm, claw back, forfeit);
- month_close: closing and settling months, thousands at a time.
"""

from __future__ import annotations

# Months as dates are the club calendar's; callers that took them from here still can.
from club.core.periods import month_start, next_month
from club.purchases.csv_import import (
    ImportPreview,
    import_file,
    imports_with_rejections,
    preview_import,
)
from club.purchases.earning_rule import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_RATE,
    Rule,
    rate_currencies,
    rule_for,
    rule_history,
    set_rule,
)
from club.purchases.invoices import (
    ImportReport,
    InvoiceRow,
    check_invoices,
    record_invoices,
    record_payment,
    totals_by_currency,
)
from club.purchases.month_close import close_due_months, close_month, settle_open_months
from club.purchases.month_facts import MonthFacts, month_facts
from club.purchases.settlement import settle_month

__all__ = [
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_RATE",
    "ImportPreview",
    "ImportReport",
    "InvoiceRow",
    "MonthFacts",
    "Rule",
    "check_invoices",
    "close_due_months",
    "close_month",
    "import_file",
    "imports_with_rejections",
    "month_facts",
    "month_start",
    "next_month",
    "preview_import",
    "rate_currencies",
    "record_invoices",
    "record_payment",
    "rule_for",
    "rule_history",
    "set_rule",
    "settle_month",
    "settle_open_months",
    "totals_by_currency",
]
