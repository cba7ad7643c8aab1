"""What each row of an import would do, for the preview the club manager confirms: a new
invoice or credit note and its points, a payment recorded, or nothing (sent before)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.members.models import Company
from club.members.standing import tier_multipliers
from club.purchases.bulk import IN_LIST, batches
from club.purchases.earning_rule import RuleBook
from club.purchases.invoices import CREDIT_NOTE, NEW, InvoiceRow


class Outcome(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    UNCHANGED = "unchanged"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.INVOICE: _l("New invoice"),
    Outcome.CREDIT_NOTE: _l("New credit note"),
    Outcome.PAYMENT: _l("Payment recorded"),
    Outcome.UNCHANGED: _l("Sent before, unchanged"),
}


@dataclass(frozen=True)
class PreviewLine:
    row: InvoiceRow
    company: str
    outcome: Outcome
    # The points the line adds to its company's month (negative for a credit note): its
    # net amount over the month's rate, times the company's tier multiplier. A month
    # counts its total, so the month's points may differ from the sum by the rounding.
    points: int


@dataclass
class PreviewSummary:
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    points: int = 0
    companies: int = 0


def describe(
    session: Session, rows: list[InvoiceRow], accepted: dict[int, tuple]
) -> tuple[list[PreviewLine], PreviewSummary]:
    """Each accepted row (`accepted` as check_invoices fills it) with its company, what
    it does and its points; and their sums. A few queries, whatever the number of rows."""
    company_ids = list({accepted[row.line][0] for row in rows})
    names: dict[int, str] = {}
    for batch in batches(company_ids, IN_LIST):
        query = select(Company.id, Company.name).where(Company.id.in_(batch))
        names.update((id_, name) for id_, name in session.execute(query))
    multipliers = tier_multipliers(session, company_ids)
    rules = RuleBook(session)
    summary = PreviewSummary(companies=len(company_ids))
    lines = []
    for row in rows:
        company_id, paid_before, period = accepted[row.line]
        outcome, points = _outcome(row, paid_before), 0
        if outcome in (Outcome.INVOICE, Outcome.CREDIT_NOTE):
            points = _points(row, rules(period).rate_for(row.currency), multipliers[company_id])
        summary.counts[outcome] += 1
        summary.points += points
        lines.append(PreviewLine(row, names[company_id], outcome, points))
    return lines, summary


def _outcome(row: InvoiceRow, paid_before: date | str | None) -> Outcome:
    if paid_before == NEW:
        return Outcome.CREDIT_NOTE if row.kind == CREDIT_NOTE else Outcome.INVOICE
    if row.paid_date is not None and paid_before != row.paid_date:
        return Outcome.PAYMENT
    return Outcome.UNCHANGED


def _points(row: InvoiceRow, rate: int | None, multiplier: int) -> int:
    if not rate:
        return 0
    base = int(abs(row.net_amount) // rate) * multiplier // 100
    return -base if row.net_amount < 0 else base
