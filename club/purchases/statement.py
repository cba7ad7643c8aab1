"""A company's invoices as its account holder reads them: number, dates, amount with its
currency, whether and when paid, and the points each brings, filtered by period and by
payment, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from club.core.periods import Period
from club.members.standing import tier_multipliers
from club.purchases.earning_rule import RuleBook
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth

PAID, UNPAID = "paid", "unpaid"


def invoices_query(company_id: int, *, within: Period, paid: str | None = None) -> Select:
    """The company's invoices and credit notes issued within the period (by the club's
    calendar), optionally only the paid or the unpaid ones, the latest first."""
    query = select(Invoice).where(Invoice.company_id == company_id)
    if within.kind != "all":
        query = query.where(Invoice.issue_date >= within.starts, Invoice.issue_date <= within.ends)
    if paid == PAID:
        query = query.where(Invoice.paid_date.is_not(None))
    elif paid == UNPAID:
        query = query.where(Invoice.paid_date.is_(None))
    return query.order_by(Invoice.issue_date.desc(), Invoice.id.desc())


@dataclass(frozen=True)
class InvoiceLine:
    invoice: Invoice
    # What the invoice adds to its month's points (negative for a credit note): its net
    # amount over the month's rate, times the tier multiplier; a month counts its total,
    # so its points may differ from the sum of its invoices by the rounding.
    points: int
    is_settled: bool  # its month is closed: rate and multiplier are final
    is_overdue: bool


def invoice_lines(session: Session, invoices: list[Invoice], *, today: date) -> list[InvoiceLine]:
    """`invoices` (one company's page) with their points: the closed month's own rate and
    multiplier where it is closed, else the rule in force and the company's tier now."""
    if not invoices:
        return []
    keys = {(i.company_id, i.period, i.currency) for i in invoices}
    months = {
        (m.company_id, m.period, m.currency): m
        for m in session.scalars(
            select(PurchaseMonth).where(
                PurchaseMonth.company_id.in_({key[0] for key in keys}),
                PurchaseMonth.period.in_({key[1] for key in keys}),
            )
        )
    }
    rules = RuleBook(session)
    multipliers = tier_multipliers(session, list({key[0] for key in keys}))
    lines = []
    for invoice in invoices:
        month = months.get((invoice.company_id, invoice.period, invoice.currency))
        if month is not None:
            rate, multiplier = month.rate, month.multiplier_percent
        else:
            rate = rules(invoice.period).rate_for(invoice.currency)
            multiplier = multipliers.get(invoice.company_id, 100)
        base = int(abs(invoice.net_amount) // rate) * multiplier // 100 if rate else 0
        negative = invoice.kind == InvoiceKind.CREDIT_NOTE or invoice.net_amount < 0
        lines.append(
            InvoiceLine(
                invoice,
                -base if negative else base,
                is_settled=month is not None,
                is_overdue=not negative and invoice.paid_date is None and invoice.due_date < today,
            )
        )
    return lines
