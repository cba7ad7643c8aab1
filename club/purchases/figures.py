"""Figures of a company's purchases that its standing is judged by: confirmed base points
(before the tier multiplier) of its purchase months in a window, summed across
currencies. Points are the club's common unit: 500 PLN, 120 EUR or 10,000 RUB each make a
point, so a company buying in two currencies is judged on one scale.

A month counts what its invoices confirmed (paid within the window) less what credit
notes took back; pending and forfeited points do not count. Tiers read the last 12 whole
months (`tier_figures`); admission reads its own period (`confirmed_points`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core.periods import last_months, month_start
from club.members.models import Company
from club.members.standing import Progress, progress
from club.purchases.defaults import main_currency
from club.purchases.earning_rule import rule_for
from club.purchases.models import PurchaseMonth

TIER_WINDOW_MONTHS = 12


def _base_points():
    """A month's kept points without its multiplier: the smallest base b with
    b * multiplier // 100 = kept (exact for what a month earned at one multiplier)."""
    kept = PurchaseMonth.confirmed - PurchaseMonth.clawed_back
    multiplier = PurchaseMonth.multiplier_percent
    return (kept * 100 + multiplier - 1) // multiplier


def confirmed_base_points(
    session: Session, window: tuple[date, date], company_ids: list[int] | None = None
) -> dict[int, int]:
    """Company id: confirmed base points of its purchase months from window[0] (a
    month's start) to before window[1]; companies without any are left out."""
    query = (
        select(PurchaseMonth.company_id, func.sum(_base_points()))
        .where(PurchaseMonth.period >= window[0], PurchaseMonth.period < window[1])
        .group_by(PurchaseMonth.company_id)
    )
    if company_ids is not None:
        query = query.where(PurchaseMonth.company_id.in_(company_ids))
    return {company_id: int(total) for company_id, total in session.execute(query) if total}


def confirmed_points(
    session: Session, starts: date, ends: date, *, company_id: int | None = None
) -> dict[int, int]:
    """`confirmed_base_points` as admission asks for it: the months from `starts` up to,
    not including, `ends`; `company_id` narrows it to one company."""
    return confirmed_base_points(
        session, (starts, ends), None if company_id is None else [company_id]
    )


def tier_figures(session: Session, today: date) -> dict[int, int]:
    """Every company's figure for requalification on `today`: its last 12 whole months."""
    return confirmed_base_points(session, last_months(today, TIER_WINDOW_MONTHS))


def tier_figure(session: Session, company_id: int, today: date) -> int:
    """One company's figure, as `tier_figures` gives it."""
    window = last_months(today, TIER_WINDOW_MONTHS)
    return confirmed_base_points(session, window, [company_id]).get(company_id, 0)


def company_progress(session: Session, company: Company, today: date) -> Progress:
    """What the company's home page shows of its tier: its figure, and what more it needs
    in the club's main currency (points at this month's rate)."""
    currency = main_currency()
    rate = rule_for(session, month_start(today)).rate_for(currency)
    return progress(
        session,
        company,
        tier_figure(session, company.id, today),
        today=today,
        currency=currency,
        rate=rate,
    )
