"""Leaderboard pages: the boards (a full page, or the board alone for htmx), the account
holder's switch for showing the company, and the member home's "my standing" card."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from club.core.access import requires, signed_in
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.leaderboard import services
from club.members.forms import ConfirmForm
from club.members.models import Company

bp = Blueprint("leaderboard", __name__, url_prefix="/leaderboards")

BOARD_LABELS = {
    "people": _l("People"),
    "companies": _l("Companies"),
    "activity": _l("Companies by activity"),
}


def _choices() -> tuple[str, services.Period, str | None, list[str]]:
    """The board, period and league asked for; anything unknown falls back to the
    default, with a note saying so."""
    notes = []
    board = request.args.get("board", "people")
    if board not in services.BOARDS:
        notes.append(_("There is no such board; here are the people."))
        board = "people"
    try:
        period = services.parse_period(request.args.get("period"))
    except services.InvalidPeriod as error:
        notes.append(error.message + " " + _("Showing this month."))
        period = services.this_month()
    league = request.args.get("league", "").strip() or None
    if league is not None:
        try:
            services.league_companies(db.session, league)
        except services.UnknownLeague as error:
            notes.append(error.message + " " + _("Showing the whole club."))
            league = None
    return board, period, league, notes


@bp.get("/")
@signed_in
def boards():
    board, period, league, notes = _choices()
    result = services.board(db.session, board, period, viewer=current_user, league=league)
    company = form = None
    if current_user.role == Role.ACCOUNT_HOLDER:  # the switch for showing the company
        company = db.session.get(Company, current_user.company_id)
        form = ConfirmForm()
    return render_page_or_fragment(
        "leaderboard/boards.html",
        "leaderboard/_board.html",
        result=result,
        notes=notes,
        boards=[(name, BOARD_LABELS[name]) for name in services.BOARDS],
        period_groups=services.period_choices(),
        leagues=services.leagues(db.session),
        company=company,
        form=form,
    )


@bp.post("/company-visibility")
@requires(Role.ACCOUNT_HOLDER)
def company_visibility():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    company = db.session.get(Company, current_user.company_id)
    shown = request.form.get("shown") == "1"
    on_refusal(url_for(".boards", board="companies"))
    services.set_company_shown(db.session, company, shown, actor=current_user)
    db.session.commit()
    flash(
        _("Boards show your company's name.")
        if shown
        else _("Boards show your company as an anonymous company."),
        "success",
    )
    return redirect(url_for(".boards", board="companies"))


@home_card(order=20)
def standing_card(user):
    """The member home's card: rank this month, change since last month, points to the
    next place."""
    if not user.role.is_partner:
        return None
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template("leaderboard/_home_card.html", standing=services.standing(db.session, user))
    )
