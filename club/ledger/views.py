"""Wallet pages: the balance, what expires next, and the statement (with CSV)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from club.core import periods
from club.core.access import requires
from club.core.csvfile import csv_response
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.ledger import services as ledger
from club.ledger.explain import KIND_LABELS, explain, kind_label, tier_split
from club.ledger.forms import AdjustForm
from club.ledger.models import EntryKind
from club.members.models import Company
from club.members.services import visible_company

bp = Blueprint("ledger", __name__)

PAGE_SIZE = 50
# Beyond any real statement; a larger page number would overflow the database's OFFSET.
LAST_PAGE = 1_000_000


def _filters() -> dict:
    """The kind and the period (a month as 2026-10, or a year) asked for; a period that
    cannot be read filters nothing."""
    kind = request.args.get("kind", "")
    text = request.args.get("period", "")[:7]
    return {
        "kind": EntryKind(kind) if kind in set(EntryKind) else None,
        "period": text,
        "within": periods.from_arg(text) or periods.ALL,
    }


def _statement(company: Company, *, own_only: bool):
    wallet = ledger.wallet_to_read(db.session, company.id)
    filters = _filters()
    query = ledger.statement_query(
        wallet,
        kind=filters["kind"],
        first=filters["within"].starts,
        last=filters["within"].ends,
        person_id=current_user.id if own_only else None,
    )
    return wallet, filters, query


def _render(company: Company, *, own_only: bool, endpoint: str, adjust_form=None, status=200):
    wallet, filters, query = _statement(company, own_only=own_only)
    page = db.paginate(
        query,
        page=min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    upcoming = ledger.next_expiry(db.session, wallet)
    return render_page_or_fragment(
        "ledger/wallet.html",
        "ledger/_statement.html",
        company=company,
        wallet=wallet,
        upcoming=upcoming,
        page=page,
        filters=filters,
        kinds=list(KIND_LABELS.items()),
        explain=explain,
        tier_split=tier_split,
        kind_label=kind_label,
        own_only=own_only,
        endpoint=endpoint,
        endpoint_args={"company_id": company.id} if endpoint.startswith("ledger.company") else {},
        adjust_form=adjust_form,
    ), status


@bp.get("/wallet")
@requires(Role.ACCOUNT_HOLDER, Role.PARTNER_STAFF)
def wallet():
    # Staff see the company's balance and their own entries; the holder sees all.
    return _render(
        current_user.company,
        own_only=current_user.role == Role.PARTNER_STAFF,
        endpoint="ledger.wallet",
    )


def _csv(company: Company, *, own_only: bool, filename: str) -> Response:
    query = _statement(company, own_only=own_only)[2]
    header = [
        _("Date"),
        _("Kind"),
        _("Description"),
        _("Available"),
        _("Pending"),
        _("Reserved"),
        _("Earned by"),
    ]
    rows = (
        [
            periods.local(entry.created_at).date().isoformat(),  # the club's calendar day
            kind_label(entry.kind),
            explain(entry),
            entry.available_delta,
            entry.pending_delta,
            entry.held_delta,
            entry.person.name if entry.person else "",
        ]
        for entry in db.session.scalars(query)
    )
    return csv_response(header, rows, filename)


@bp.get("/wallet/statement.csv")
@requires(Role.ACCOUNT_HOLDER, Role.PARTNER_STAFF)
def wallet_csv():
    return _csv(
        current_user.company,
        own_only=current_user.role == Role.PARTNER_STAFF,
        filename="statement.csv",
    )


def _visible_company_or_404(company_id: int) -> Company:
    return visible_company(db.session, current_user, company_id) or abort(404)


@bp.get("/manage/companies/<int:company_id>/wallet")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def company_wallet(company_id: int):
    company = _visible_company_or_404(company_id)
    form = AdjustForm() if current_user.role == Role.CLUB_MANAGER else None
    return _render(company, own_only=False, endpoint="ledger.company_wallet", adjust_form=form)


@bp.get("/manage/companies/<int:company_id>/wallet/statement.csv")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def company_wallet_csv(company_id: int):
    company = _visible_company_or_404(company_id)
    return _csv(company, own_only=False, filename=f"statement-{company.tax_id}.csv")


@bp.post("/manage/companies/<int:company_id>/wallet/adjust")
@requires(Role.CLUB_MANAGER)
def adjust(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = AdjustForm()

    def again(_error=None):
        return _render(
            company, own_only=False, endpoint="ledger.company_wallet", adjust_form=form, status=422
        )

    if not form.validate_on_submit():
        return again()
    on_refusal(again, form=form)
    wallet = ledger.wallet_for(db.session, company.id)
    ledger.adjust(db.session, wallet, form.points.data, reason=form.reason.data, actor=current_user)
    db.session.commit()
    flash(_("The correction is recorded."), "success")
    return redirect(url_for("ledger.company_wallet", company_id=company.id))


@home_card(order=10)
def points_card(user):
    """The member home's points card: balances and what expires next."""
    if not user.role.is_partner:
        return None
    wallet = ledger.wallet_to_read(db.session, user.company_id)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template(
            "ledger/_home_card.html", wallet=wallet, upcoming=ledger.next_expiry(db.session, wallet)
        )
    )
