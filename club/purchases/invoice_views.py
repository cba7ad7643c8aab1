"""The account holder's invoices: what the company was invoiced, what it paid, and the
points each invoice brings, filtered by period and payment, a page at a time."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from club.core import periods
from club.core.access import requires
from club.core.formatting import period_label
from club.core.htmx import render_page_or_fragment
from club.core.roles import Role
from club.extensions import db
from club.purchases.statement import PAID, UNPAID, invoice_lines, invoices_query

bp = Blueprint("company_invoices", __name__, url_prefix="/my-company")

PAGE_SIZE = 25
LAST_PAGE = 1_000_000


def period_choices(today) -> list[tuple[str, str]]:
    """All time, this and last year, the last four quarters, the last twelve months."""
    year = periods.year_of(today)
    quarter = periods.quarter_of(today)
    month = periods.month_of(today)
    found = [periods.ALL, year, year.previous()]
    found += [quarter.shifted(-back) for back in range(4)]
    found += [month.shifted(-back) for back in range(12)]
    return [(period.arg, period_label(period)) for period in found]


@bp.get("/invoices")
@requires(Role.ACCOUNT_HOLDER)
def invoices():
    today = periods.club_today()
    choices = period_choices(today)
    chosen = request.args.get("period", "all")[:7]
    within = periods.from_arg(chosen) if chosen in dict(choices) else None
    if within is None:
        chosen, within = "all", periods.ALL
    paid = request.args.get("paid", "")
    paid = paid if paid in (PAID, UNPAID) else ""
    page = db.paginate(
        invoices_query(current_user.company_id, within=within, paid=paid or None),
        page=min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_page_or_fragment(
        "purchases/invoices.html",
        "purchases/_invoices.html",
        page=page,
        lines=invoice_lines(db.session, list(page.items), today=today),
        period_choices=choices,
        chosen=chosen,
        paid=paid,
    )
