"""Purchase figures that a company's standing is measured by.

(Admission's own function; the tiers work measures the same thing and the two merge.)
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.purchases.models import PurchaseMonth


def confirmed_points(
    session: Session, starts: date, ends: date, *, company_id: int | None = None
) -> dict[int, int]:
    """Confirmed base purchase points per company (company id: points) over the purchase
    months from `starts` up to, not including, `ends`: points confirmed by invoices paid
    in time, less what credit notes took back, before any tier bonus (each month's
    points divided by the multiplier it was closed with). Companies with none are left
    out. `company_id` narrows it to one company."""
    base = (
        (PurchaseMonth.confirmed - PurchaseMonth.clawed_back)
        * 100
        / (PurchaseMonth.multiplier_percent)
    )
    query = (
        select(PurchaseMonth.company_id, func.sum(base))
        .where(PurchaseMonth.period >= starts, PurchaseMonth.period < ends)
        .group_by(PurchaseMonth.company_id)
    )
    if company_id is not None:
        query = query.where(PurchaseMonth.company_id == company_id)
    return {cid: int(points) for cid, points in session.execute(query) if points}
