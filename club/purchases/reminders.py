"""Keeping partners informed about payment windows: which unpaid invoices keep how many
pending points if paid by when (the account holder's home), and the reminder mail
PAYMENT_REMINDER_DAYS before a window closes (once per company and closing day).

A month's pending points are confirmed by what is paid within its windows (an invoice's
due date plus the month's grace days); the points an invoice keeps come from the same
rule the settlement applies (`confirmed_if_paid`), so the promise and the outcome agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.core.periods import club_today
from club.core.roles import Role
from club.members.models import Company, User
from club.purchases.models import Invoice, InvoiceKind, PaymentReminder, PurchaseMonth
from club.purchases.month_facts import confirmed_if_paid, month_facts

DEFAULT_REMINDER_DAYS = 5


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    net_amount: Decimal
    currency: str
    due_date: date
    period: date


@dataclass(frozen=True)
class Deadline:
    """Pay `invoices` by `closes_on` (inclusive) and `points` pending points are kept."""

    closes_on: date
    points: int
    invoices: tuple[OpenInvoice, ...]


def reminder_days() -> int:
    if not has_app_context():
        return DEFAULT_REMINDER_DAYS
    return int(current_app.config.get("PAYMENT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def _open_invoices(session: Session, month: PurchaseMonth, today: date) -> list[OpenInvoice]:
    """The month's unpaid invoices whose window is still open, soonest to close first."""
    grace = timedelta(days=month.grace_days)
    rows = session.execute(
        select(Invoice.number, Invoice.net_amount, Invoice.due_date)
        .where(
            Invoice.company_id == month.company_id,
            Invoice.period == month.period,
            Invoice.currency == month.currency,
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.paid_date.is_(None),
            Invoice.due_date >= today - grace,
        )
        .order_by(Invoice.due_date, Invoice.number)
    )
    return [
        OpenInvoice(number, amount, month.currency, due_date, month.period)
        for number, amount, due_date in rows
    ]


def _month_deadlines(session: Session, month: PurchaseMonth, today: date):
    """(closes_on, points, invoices) of one month: the points each closing day's
    invoices add to what is confirmed already and by the invoices closing before them."""
    invoices = _open_invoices(session, month, today)
    if not invoices:
        return
    facts = month_facts(session, month, today=today)
    by_day: dict[date, list[OpenInvoice]] = defaultdict(list)
    for invoice in invoices:
        by_day[invoice.due_date + timedelta(days=month.grace_days)].append(invoice)
    more = Decimal("0")
    before = confirmed_if_paid(month, facts, more)
    for closes_on in sorted(by_day):
        more += sum((invoice.net_amount for invoice in by_day[closes_on]), Decimal("0"))
        after = confirmed_if_paid(month, facts, more)
        yield closes_on, after - before, by_day[closes_on]
        before = after


def payment_deadlines(
    session: Session, company_id: int, *, today: date | None = None
) -> list[Deadline]:
    """The company's closing days with pending points at stake, soonest first (a day
    whose invoices keep no point, e.g. a remainder below the rate, is left out)."""
    today = today or club_today()
    months = session.scalars(
        select(PurchaseMonth)
        .where(PurchaseMonth.company_id == company_id, PurchaseMonth.settled_at.is_(None))
        .order_by(PurchaseMonth.period, PurchaseMonth.currency)
    ).all()
    points: dict[date, int] = defaultdict(int)
    invoices: dict[date, list[OpenInvoice]] = defaultdict(list)
    for month in months:
        for closes_on, kept, found in _month_deadlines(session, month, today):
            points[closes_on] += kept
            invoices[closes_on].extend(found)
    return [
        Deadline(closes_on, points[closes_on], tuple(invoices[closes_on]))
        for closes_on in sorted(points)
        if points[closes_on] > 0
    ]


def _companies_with_windows_closing(session: Session, today: date, last_day: date) -> list[int]:
    """Companies with an unpaid invoice of an open month whose window may close by
    `last_day` (a cheap first cut; payment_deadlines decides)."""
    longest_grace = session.scalar(
        select(func.max(PurchaseMonth.grace_days)).where(PurchaseMonth.settled_at.is_(None))
    )
    if longest_grace is None:
        return []
    return list(
        session.scalars(
            select(PurchaseMonth.company_id)
            .join(
                Invoice,
                (Invoice.company_id == PurchaseMonth.company_id)
                & (Invoice.period == PurchaseMonth.period)
                & (Invoice.currency == PurchaseMonth.currency),
            )
            .where(
                PurchaseMonth.settled_at.is_(None),
                Invoice.kind == InvoiceKind.INVOICE,
                Invoice.paid_date.is_(None),
                Invoice.due_date >= today - timedelta(days=longest_grace),
                Invoice.due_date <= last_day,
            )
            .distinct()
            .order_by(PurchaseMonth.company_id)
        )
    )


def _claim(session: Session, company_id: int, deadline: Deadline, now: datetime) -> bool:
    """Records the reminder; False when one was recorded already (by an earlier run or
    a scheduler racing this one: the unique key decides)."""
    try:
        with session.begin_nested():
            session.add(
                PaymentReminder(
                    company_id=company_id,
                    closes_on=deadline.closes_on,
                    points=deadline.points,
                    sent_at=now,
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def remind_payment_windows(session: Session, *, now: datetime | None = None) -> int:
    """E-mail each account holder whose company has pending points at stake in a window
    closing within PAYMENT_REMINDER_DAYS: once per company and closing day. Returns the
    mails queued."""
    now = now or utcnow()
    today = club_today(now)
    last_day = today + timedelta(days=reminder_days())
    reminded = set(
        session.execute(
            select(PaymentReminder.company_id, PaymentReminder.closes_on).where(
                PaymentReminder.closes_on >= today
            )
        ).all()
    )
    sent = 0
    for company_id in _companies_with_windows_closing(session, today, last_day):
        due = [
            deadline
            for deadline in payment_deadlines(session, company_id, today=today)
            if deadline.closes_on <= last_day and (company_id, deadline.closes_on) not in reminded
        ]
        due = [deadline for deadline in due if _claim(session, company_id, deadline, now)]
        if not due:
            continue
        holder = session.scalar(
            select(User).where(
                User.company_id == company_id,
                User.role == Role.ACCOUNT_HOLDER,
                User.is_active.is_(True),
            )
        )
        if holder is None or holder.is_invited:
            continue  # nobody to tell; the home page shows it to the holder to come
        queue_mail(
            session,
            to=holder.email,
            template="payment_reminder",
            locale=holder.language,
            user=holder,
            company=session.get(Company, company_id),
            deadlines=due,
        )
        sent += 1
    return sent
