"""Purchases earn points: invoices in, month close, payment windows, credit notes.

The rule book (DESIGN.md, "The points economy"): per company and calendar month,
points = floor(net total / rate) x tier multiplier. They are pending until the month's
invoices are paid: confirmed = floor(sum paid within the payment window / rate); what
is not paid in time is forfeited when the month's last window closes. Credit notes
lower the month's total; points already confirmed beyond it are clawed back.

`settle_month` computes what the ledger should hold for a month from its invoices and
posts only the difference, so running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.ledger import services as ledger
from club.ledger.models import Entry
from club.members.models import Company
from club.purchases.errors import PurchasesError, UnknownInvoice
from club.purchases.models import EarningRule, Invoice, InvoiceKind, PurchaseMonth

DEFAULT_RATE = 500
DEFAULT_GRACE_DAYS = 7


# --- dates ----------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def club_today(now: datetime) -> date:
    """Invoice dates are calendar dates in the club's own time zone."""
    return now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _end_of_period(period: date) -> datetime:
    """Points of a month count as earned at its last moment (for expiry)."""
    return datetime.combine(next_month(period), datetime.min.time(), tzinfo=UTC) - timedelta(
        seconds=1
    )


# --- the earning rule -----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    rate: int
    grace_days: int
    effective_from: date | None


def rule_for(session: Session, period: date) -> Rule:
    rule = session.scalar(
        select(EarningRule)
        .where(EarningRule.effective_from <= period)
        .order_by(EarningRule.effective_from.desc())
        .limit(1)
    )
    if rule is None:
        return Rule(DEFAULT_RATE, DEFAULT_GRACE_DAYS, None)
    return Rule(rule.rate, rule.grace_days, rule.effective_from)


def set_rule(
    session: Session,
    *,
    effective_from: date,
    rate: int,
    grace_days: int,
    actor,
    now: datetime | None = None,
) -> EarningRule:
    """A new rate and grace period from a month on; months already closed keep theirs."""
    now = now or utcnow()
    if effective_from.day != 1:
        raise PurchasesError(
            _("Rules change at the start of a month: choose a 1st."), field="effective_from"
        )
    if effective_from < month_start(club_today(now)):
        raise PurchasesError(_("A rule cannot start in a past month."), field="effective_from")
    if rate <= 0:
        raise PurchasesError(_("The rate must be above zero."), field="rate")
    if grace_days < 0:
        raise PurchasesError(_("Grace days cannot be negative."), field="grace_days")
    rule = session.scalar(select(EarningRule).where(EarningRule.effective_from == effective_from))
    before = {"rate": rule.rate, "grace_days": rule.grace_days} if rule else None
    if rule is None:
        rule = EarningRule(effective_from=effective_from, created_at=now)
    rule.rate, rule.grace_days, rule.created_by_id = rate, grace_days, actor.id
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "earning_rule.set",
        rule,
        actor=actor,
        before=before,
        after={
            "effective_from": effective_from.isoformat(),
            "rate": rate,
            "grace_days": grace_days,
        },
        now=now,
    )
    return rule


def tier_multiplier_percent(session: Session, company_id: int, period: date) -> int:
    """The hook for tiers (a later issue): x1 until then."""
    return 100


# --- months ---------------------------------------------------------------------------


@dataclass
class MonthFacts:
    """What a month's invoices say, and the points they should be worth."""

    net_total: Decimal
    paid_in_time: Decimal
    points_earned: int
    points_confirmed: int
    windows_closed: bool
    late: list[dict] = field(default_factory=list)
    unpaid: list[dict] = field(default_factory=list)


def _points(amount: Decimal, month: PurchaseMonth) -> int:
    if amount <= 0:
        return 0
    return int(amount // month.rate) * month.multiplier_percent // 100


def month_facts(session: Session, month: PurchaseMonth, *, today: date) -> MonthFacts:
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.company_id == month.company_id, Invoice.period == month.period)
        .order_by(Invoice.issue_date, Invoice.number)
    ).all()
    grace = timedelta(days=month.grace_days)
    net_total = sum((invoice.net_amount for invoice in invoices), Decimal("0"))
    paid_in_time = Decimal("0")
    windows_closed = True
    late, unpaid = [], []
    for invoice in invoices:
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            continue  # it lowers the total; confirmed points are capped by the total below
        window_end = invoice.due_date + grace
        if invoice.paid_date is not None and invoice.paid_date <= window_end:
            paid_in_time += invoice.net_amount
            continue
        if today <= window_end:
            windows_closed = False
        elif invoice.paid_date is not None:
            late.append(
                {"number": invoice.number, "days_late": (invoice.paid_date - window_end).days}
            )
        else:
            unpaid.append({"number": invoice.number, "window_end": window_end.isoformat()})
    earned = _points(net_total, month)
    confirmed = min(_points(min(paid_in_time, net_total), month), earned)
    return MonthFacts(net_total, paid_in_time, earned, confirmed, windows_closed, late, unpaid)


def close_month(
    session: Session, company_id: int, period: date, *, now: datetime | None = None
) -> PurchaseMonth:
    """Turn a finished month's purchases into pending points (and settle what is paid)."""
    now = now or utcnow()
    if period >= month_start(club_today(now)):
        raise PurchasesError(_("A month closes only after it has ended."))
    month = session.scalar(
        select(PurchaseMonth).where(
            PurchaseMonth.company_id == company_id, PurchaseMonth.period == period
        )
    )
    if month is None:
        rule = rule_for(session, period)
        month = PurchaseMonth(
            company_id=company_id,
            period=period,
            rate=rule.rate,
            grace_days=rule.grace_days,
            multiplier_percent=tier_multiplier_percent(session, company_id, period),
            closed_at=now,
        )
        session.add(month)
        session.flush()
    settle_month(session, month, now=now)
    return month


def settle_month(
    session: Session, month: PurchaseMonth, *, now: datetime | None = None
) -> list[Entry]:
    """Bring the ledger in line with the month's invoices; post only the difference."""
    now = now or utcnow()
    month = session.execute(
        select(PurchaseMonth)
        .where(PurchaseMonth.id == month.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    facts = month_facts(session, month, today=club_today(now))
    month.net_total = facts.net_total
    wallet = ledger.wallet_for(session, month.company_id)
    source = ledger.Source("purchase_month", str(month.id))
    earned_at = _end_of_period(month.period)
    about = {
        "period": f"{month.period:%Y-%m}",
        "net_total": str(facts.net_total),
        "rate": month.rate,
    }
    posted: list[Entry] = []
    claim = month.pending + month.kept
    # Until the month is final its claim is the whole total (what is not paid in time is
    # then forfeited, visibly); afterwards only a late-recorded in-time payment adds to it.
    needed = facts.points_earned if month.settled_at is None else facts.points_confirmed

    if claim < needed:  # new invoices, or an in-time payment recorded late
        points = needed - claim
        posted.append(
            ledger.earn(
                session,
                wallet,
                points,
                source=source,
                pending=True,
                earned_at=earned_at,
                details=about,
                now=now,
            )
        )
        month.earned += points
    if month.kept < facts.points_confirmed:  # paid within the window
        points = facts.points_confirmed - month.kept
        posted.append(
            ledger.confirm(
                session,
                wallet,
                points,
                source=source,
                earned_at=earned_at,
                details={**about, "paid_in_time": str(facts.paid_in_time)},
                now=now,
            )
        )
        month.confirmed += points
    elif month.kept > facts.points_confirmed:  # a credit note lowered the month
        points = month.kept - facts.points_confirmed
        posted.append(
            ledger.clawback(
                session,
                wallet,
                points,
                source=source,
                details={**about, "credit_note": True},
                now=now,
            )
        )
        month.clawed_back += points
    target = facts.points_confirmed if facts.windows_closed else facts.points_earned
    surplus = month.pending + month.kept - target
    if surplus > 0:  # not paid in time, or the total went down
        why = "late_or_unpaid" if facts.windows_closed else "credit_note"
        posted.append(
            ledger.forfeit(
                session,
                wallet,
                surplus,
                source=source,
                details={**about, "why": why, "late": facts.late, "unpaid": facts.unpaid},
                now=now,
            )
        )
        month.forfeited += surplus
    if facts.windows_closed and month.settled_at is None:
        month.settled_at = now
    session.flush()
    return posted


def close_due_months(session: Session, *, now: datetime | None = None) -> int:
    """Close every finished month that has invoices but was never closed (catch-up)."""
    now = now or utcnow()
    current = month_start(club_today(now))
    due = session.execute(
        select(Invoice.company_id, Invoice.period)
        .where(Invoice.period < current)
        .where(
            ~select(PurchaseMonth.id)
            .where(
                PurchaseMonth.company_id == Invoice.company_id,
                PurchaseMonth.period == Invoice.period,
            )
            .exists()
        )
        .distinct()
        .order_by(Invoice.period, Invoice.company_id)
    ).all()
    for company_id, period in due:
        close_month(session, company_id, period, now=now)
    return len(due)


def settle_open_months(session: Session, *, now: datetime | None = None) -> int:
    """Confirm and forfeit as payment windows pass, for every month not yet final."""
    now = now or utcnow()
    months = session.scalars(
        select(PurchaseMonth)
        .where(PurchaseMonth.settled_at.is_(None))
        .order_by(PurchaseMonth.period, PurchaseMonth.company_id)
    ).all()
    moved = 0
    for month in months:
        moved += len(settle_month(session, month, now=now))
    return moved


# --- invoices in ------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int | None, str]] = field(default_factory=list)
    months_settled: int = 0


def _compact_tax_id(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def _problem_with(session: Session, row, companies: dict[str, int]) -> str | None:
    """Why a parsed row cannot be saved, or None (read-only: used by the preview too)."""
    company_id = companies.get(_compact_tax_id(row.tax_id))
    if company_id is None:
        return _("No company with tax id %(tax_id)s is registered.", tax_id=row.tax_id)
    invoice = session.scalar(select(Invoice).where(Invoice.number == row.number))
    if invoice is not None and not (
        invoice.company_id == company_id
        and invoice.kind == InvoiceKind(row.kind)
        and invoice.issue_date == row.issue_date
        and invoice.due_date == row.due_date
        and invoice.net_amount == row.net_amount
        and invoice.currency == row.currency
    ):
        return _(
            "Invoice %(number)s was sent before with other details; only its payment "
            "date can change. Send a credit note to correct it.",
            number=row.number,
        )
    return None


def _companies_by_tax_id(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Company.tax_id, Company.id)).all())


def check_invoices(session: Session, rows) -> list[tuple[int | None, str]]:
    """The rows that record_invoices would refuse, with reasons; writes nothing."""
    companies = _companies_by_tax_id(session)
    problems = []
    for row in rows:
        if (problem := _problem_with(session, row, companies)) is not None:
            problems.append((row.line, problem))
    return problems


def record_invoices(session: Session, rows, *, now: datetime | None = None) -> ImportReport:
    """Save parsed invoice rows; a re-sent invoice updates its payment date only.

    `rows` are club.purchases.csv_import.InvoiceRow (or anything with the same fields).
    Rows that cannot be saved are reported with their line and reason; the rest go in.
    Closed months that the rows touch are settled again at once.
    """
    now = now or utcnow()
    report = ImportReport()
    companies = _companies_by_tax_id(session)
    touched: set[tuple[int, date]] = set()
    for row in rows:
        if (problem := _problem_with(session, row, companies)) is not None:
            report.rejected.append((row.line, problem))
            continue
        company_id = companies[_compact_tax_id(row.tax_id)]
        outcome = _save_invoice(session, row, company_id, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            touched.add((company_id, month_start(row.issue_date)))
    session.flush()
    for company_id, period in sorted(touched):
        month = session.scalar(
            select(PurchaseMonth).where(
                PurchaseMonth.company_id == company_id, PurchaseMonth.period == period
            )
        )
        if month is not None:
            settle_month(session, month, now=now)
            report.months_settled += 1
    return report


def _save_invoice(session: Session, row, company_id: int, now: datetime) -> str:
    """ "created", "updated" or "unchanged" (the row was checked by _problem_with)."""
    invoice = session.scalar(select(Invoice).where(Invoice.number == row.number))
    if invoice is None:
        session.add(
            Invoice(
                number=row.number,
                company_id=company_id,
                kind=InvoiceKind(row.kind),
                issue_date=row.issue_date,
                period=month_start(row.issue_date),
                due_date=row.due_date,
                net_amount=row.net_amount,
                currency=row.currency,
                paid_date=row.paid_date,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()  # a later row of the same batch must see it
        return "created"
    if invoice.paid_date == row.paid_date or row.paid_date is None:
        return "unchanged"
    invoice.paid_date = row.paid_date
    invoice.updated_at = now
    return "updated"


def import_file(
    session: Session, data: bytes, *, actor=None, filename: str = "", now: datetime | None = None
):
    """Parse an ERP export and save its good rows; the import is audited."""
    from club.purchases.csv_import import parse_invoices

    now = now or utcnow()
    parsed = parse_invoices(data)
    report = record_invoices(session, parsed.rows, now=now)
    report.rejected = sorted(
        [(error.line, str(error.message)) for error in parsed.errors] + report.rejected,
        key=lambda item: item[0] or 0,
    )
    audit.record(
        session,
        "invoices.imported",
        None,
        actor=actor,
        object_type="file",
        object_id=filename[:64] or "-",
        after={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.rejected),
        },
        now=now,
    )
    return parsed, report


def record_payment(
    session: Session, number: str, paid_date: date, *, now: datetime | None = None
) -> Invoice:
    """A payment recorded later; the month is settled again if it has closed."""
    now = now or utcnow()
    invoice = session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        raise UnknownInvoice(_("There is no invoice %(number)s.", number=number))
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise PurchasesError(_("A credit note is not paid."))
    if paid_date < invoice.issue_date:
        raise PurchasesError(_("The payment date is before the invoice date."), field="paid_date")
    if invoice.paid_date != paid_date:
        invoice.paid_date = paid_date
        invoice.updated_at = now
        session.flush()
        month = session.scalar(
            select(PurchaseMonth).where(
                PurchaseMonth.company_id == invoice.company_id,
                PurchaseMonth.period == invoice.period,
            )
        )
        if month is not None:
            settle_month(session, month, now=now)
    return invoice


def month_summary(session: Session, company_id: int):
    return session.scalars(
        select(PurchaseMonth)
        .where(PurchaseMonth.company_id == company_id)
        .order_by(PurchaseMonth.period.desc())
    ).all()


def invoice_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Invoice))
