"""The rules an invoice line is checked by once its values are read, whichever way it
came (club.purchases.invoices saves it): its company, named by country and tax id; its
currency's earning rate for its month; its dates against today in the club's time zone;
and again what each way in checks as it reads (kind, amount, dates in order), so that no
line the database would refuse gets that far.

A line without a country is in the country its tax id's VAT prefix names, else in the
configured default (INVOICE_DEFAULT_COUNTRY); a line that matches no company, or more
than one, is refused with the reason, never booked to a guess.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from club.core.countries import is_country
from club.core.currencies import is_currency
from club.core.formatting import date_
from club.core.periods import club_today, month_start
from club.members.tax_ids import company_ids_by_country_and_tax_id, split_tax_id
from club.purchases.defaults import default_country
from club.purchases.earning_rule import RuleBook
from club.purchases.invoice_writer import Converted

# The values of InvoiceKind as plain strings (the CSV reader works without the ORM), and
# the columns' limits; club.purchases.invoices names them for the ways in.
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
KINDS = (INVOICE, CREDIT_NOTE)
MAX_NUMBER_LENGTH = 64  # Invoice.number is String(64)
MAX_AMOUNT_DIGITS = 12  # Invoice.net_amount is Numeric(14, 2): 12 digits before the point


class LineChecks:
    """The rules a line is checked by once its values are read: its company (by country
    and tax id), its currency's rate for its month, its dates against today. What it
    looks up (companies, rules) is read once, and each company and month once."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.companies = company_ids_by_country_and_tax_id(session)
        self.default_country = default_country()
        self.rules = RuleBook(session)
        self.today = club_today(now)
        self.known: dict[tuple[str | None, str], tuple[int | None, str | None]] = {}
        self.rated: dict[tuple[date, str], str | None] = {}
        self.periods = Converted(month_start)
        self._countries_of: dict[str, list[str]] | None = None

    def __call__(self, row) -> tuple[int | None, str | None]:
        """(the line's company id, None), or (None, why the line cannot be saved)."""
        key = (row.country, row.tax_id)
        try:
            company_id, problem = self.known[key]
        except KeyError:
            company_id, problem = self.known[key] = self._company(*key)
        if problem is None and (problem := self._line(row)) is not None:
            return None, problem
        return company_id, problem

    def _company(self, country: str | None, tax_id: str) -> tuple[int | None, str | None]:
        prefixed, compact = split_tax_id(tax_id)
        if country is not None:
            country = country.strip().upper()
            if not is_country(country):
                return None, _(
                    "“%(value)s” is not a country code such as PL, DE or RU.", value=country[:40]
                )
        if not compact:
            return None, _("“%(value)s” is not a tax ID.", value=tax_id[:40])
        if prefixed is not None and country is not None and prefixed != country:
            return None, _(
                "The tax id %(tax_id)s has the prefix of %(prefix)s, but the line names "
                "the country %(country)s.",
                tax_id=tax_id[:40],
                prefix=prefixed,
                country=country,
            )
        country = country or prefixed or self.default_country
        found = self.companies.get((country, compact), ())
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _(
                "%(count)d companies in %(country)s have the tax id %(tax_id)s: the line "
                "is booked to none of them.",
                count=len(found),
                country=country,
                tax_id=compact,
            )
        elsewhere = self._countries_with(compact)
        if elsewhere:
            return None, _(
                "No company in %(country)s has the tax id %(tax_id)s; a company in "
                "%(countries)s does. Is the line's country right?",
                country=country,
                tax_id=compact,
                countries=", ".join(elsewhere),
            )
        return None, _(
            "No company in %(country)s has the tax id %(tax_id)s.",
            country=country,
            tax_id=compact,
        )

    def _countries_with(self, tax_id: str) -> list[str]:
        if self._countries_of is None:
            self._countries_of = {}
            for country, known_tax_id in sorted(self.companies):
                self._countries_of.setdefault(known_tax_id, []).append(country)
        return self._countries_of.get(tax_id, [])

    def _line(self, row) -> str | None:
        today = self.today
        if len(row.number) > MAX_NUMBER_LENGTH:
            return _("The number is longer than %(limit)d characters.", limit=MAX_NUMBER_LENGTH)
        if row.kind not in KINDS:
            return _(
                "“%(value)s” is not a kind of document; "
                "use invoice or credit_note (faktura or korekta).",
                value=str(row.kind)[:40],
            )
        amount = row.net_amount
        if not amount.is_finite() or (amount and amount.adjusted() >= MAX_AMOUNT_DIGITS):
            return _("“%(value)s” is too large for an amount.", value=str(amount)[:40])
        if row.due_date < row.issue_date:
            return _("The due date is before the issue date.")
        if (amount < 0) if row.kind == INVOICE else (amount > 0):
            if row.kind == INVOICE:
                return _("An invoice cannot have a negative amount. Is it a credit note?")
            return _("A credit note's amount cannot be above zero.")
        if row.issue_date > today:
            return _(
                "The invoice date %(date)s is after today (%(today)s).",
                date=date_(row.issue_date),
                today=date_(today),
            )
        paid = row.paid_date
        if paid is not None:
            if paid > today:
                return _(
                    "The payment date %(date)s is after today (%(today)s): record a "
                    "payment once the money has arrived.",
                    date=date_(paid),
                    today=date_(today),
                )
            if paid < row.issue_date:
                return _("The payment date is before the invoice date.")
        key = (self.periods[row.issue_date], row.currency)
        try:
            return self.rated[key]
        except KeyError:
            problem = self.rated[key] = self._rate_problem(*key)
            return problem

    def _rate_problem(self, period: date, currency: str) -> str | None:
        if not is_currency(currency):
            return _("“%(value)s” is not a currency code such as PLN or EUR.", value=currency[:40])
        if self.rules(period).rate_for(currency) is None:
            return _(
                "No earning rate is set for %(currency)s in %(month)s: the club manager "
                "sets one under Rules before invoices in %(currency)s can be imported.",
                currency=currency,
                month=f"{period:%Y-%m}",
            )
        return None
