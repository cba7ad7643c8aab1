"""The satisfaction card on a partner's home (answer or dismiss, with htmx or without),
the managers' page of scores and comments, and purchase potentials on the company page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from club.core import periods
from club.core.access import requires
from club.core.clock import utcnow
from club.core.csvfile import csv_response
from club.core.formatting import plain_amount
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment, wants_fragment
from club.core.refusals import on_refusal
from club.core.roles import PARTNER_ROLES, Role
from club.extensions import db
from club.members.companies import visible_company
from club.purchases.defaults import main_currency
from club.satisfaction import potential_import, services
from club.satisfaction.forms import (
    AnswerForm,
    DismissForm,
    ImportForm,
    PotentialForm,
    WithdrawForm,
)

bp = Blueprint("satisfaction", __name__)

SUPPLIER = (Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)

# --- the card ---------------------------------------------------------------------------


def _card(question, form=None) -> str:
    return render_template(
        "satisfaction/_card.html",
        question=question,
        form=form or AnswerForm(formdata=None),
        dismiss_form=DismissForm(formdata=None),
    )


@home_card(order=1)
def satisfaction_card(user) -> Markup | None:
    """The question waiting for the person, near the top of the partner home."""
    question = services.open_question(db.session, user)
    if question is None:
        return None
    return Markup(_card(question))  # noqa: S704  (a rendered template, escaped by Jinja)


def _done(message: str):
    """htmx swaps the card for a thank-you; without JS, back home with the message."""
    if wants_fragment():
        return render_template("satisfaction/_card_done.html", message=message)
    flash(message, "success")
    return redirect(url_for("members.home"))


def _refused(error):
    """Answered in another tab: home, with the message (htmx navigates there too)."""
    home = url_for("members.home")
    return ("", 204, {"HX-Redirect": home}) if wants_fragment() else redirect(home)


def _question_or_404(question_id: int):
    return services.question_of(db.session, current_user, question_id) or abort(404)


@bp.post("/satisfaction/<int:question_id>/answer")
@requires(*PARTNER_ROLES)
def answer(question_id: int):
    question = _question_or_404(question_id)
    form = AnswerForm()
    on_refusal(_refused)
    if not form.validate_on_submit():
        card = _card(question, form)
        if wants_fragment():  # htmx swaps only 2xx answers: the errors replace the card
            return card, 200
        return render_template("satisfaction/answer.html", card=Markup(card)), 422  # noqa: S704
    services.answer(
        db.session, current_user, question, score=form.score.data, comment=form.comment.data
    )
    db.session.commit()
    return _done(_("Thank you for your answer."))


@bp.post("/satisfaction/<int:question_id>/dismiss")
@requires(*PARTNER_ROLES)
def dismiss(question_id: int):
    question = _question_or_404(question_id)
    if not DismissForm().validate_on_submit():
        abort(400)
    on_refusal(_refused)
    services.dismiss(db.session, current_user, question)
    db.session.commit()
    return _done(_("We will not ask again this quarter."))


# --- the managers' page -------------------------------------------------------------------


def _period_choices(now):
    """The last eight quarters, the last twelve months and this year and the last."""
    quarter, month = periods.this_quarter(now), periods.this_month(now)
    this_year = periods.this_year(now)
    return (
        (_("Quarters"), [quarter.shifted(-back) for back in range(8)]),
        (_("Months"), [month.shifted(-back) for back in range(12)]),
        (_("Years"), [this_year, this_year.shifted(-1)]),
    )


@bp.get("/manage/satisfaction")
@requires(*SUPPLIER)
def scores():
    now = utcnow()
    on_refusal(url_for(".scores"))
    period = periods.parse(request.args.get("period"), now=now, default=periods.this_quarter(now))
    if period.kind == "all":
        return redirect(url_for(".scores"))
    company_ids = services.portfolio_ids(db.session, current_user)
    summary = services.nps_summary(db.session, *period.bounds(), company_ids=company_ids)
    previous = services.nps_summary(
        db.session, *period.previous().bounds(), company_ids=company_ids
    )
    return render_template(
        "satisfaction/scores.html",
        period=period,
        summary=summary,
        previous=previous,
        choices=_period_choices(now),
    )


# --- potentials ---------------------------------------------------------------------------


def _company_or_404(company_id: int):
    return visible_company(db.session, current_user, company_id) or abort(404)


def _potential_page(company, form, status: int = 200, *, saved: str | None = None):
    if wants_fragment():  # htmx swaps only 2xx answers: the errors replace the section
        status = 200
    return render_page_or_fragment(
        "satisfaction/potential.html",
        "satisfaction/_potential.html",
        company=company,
        form=form,
        withdraw_form=WithdrawForm(formdata=None),
        current=services.company_potentials(db.session, company),
        history=services.potential_history(db.session, company),
        saved=saved,
    ), status


@bp.route("/manage/companies/<int:company_id>/potential", methods=["GET", "POST"])
@requires(*SUPPLIER)
def potential(company_id: int):
    company = _company_or_404(company_id)
    form = PotentialForm()
    if request.method == "GET":
        latest = services.company_potentials(db.session, company)
        form = PotentialForm(
            formdata=None,
            year=periods.this_year().year,
            currency=latest[0].currency if latest else main_currency(),
        )
        return _potential_page(company, form)
    if not form.validate_on_submit():
        return _potential_page(company, form, 422)
    on_refusal(lambda error: _potential_page(company, form, error.status_code), form=form)
    services.set_potential(
        db.session,
        company,
        year=form.year.data,
        currency=form.currency.data,
        amount=form.amount.data,
        actor=current_user,
    )
    db.session.commit()
    message = _("The estimate is saved.")
    if wants_fragment():
        fresh = PotentialForm(formdata=None, year=form.year.data, currency=form.currency.data)
        return _potential_page(company, fresh, saved=message)
    flash(message, "success")
    return redirect(url_for(".potential", company_id=company.id))


@bp.post("/manage/companies/<int:company_id>/potential/withdraw")
@requires(*SUPPLIER)
def withdraw_potential(company_id: int):
    company = _company_or_404(company_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(url_for(".potential", company_id=company.id))
    year = request.form.get("year", type=int)
    services.set_potential(
        db.session,
        company,
        year=year,
        currency=request.form.get("currency", ""),
        amount=None,
        actor=current_user,
    )
    db.session.commit()
    flash(_("The estimate is withdrawn."), "success")
    return redirect(url_for(".potential", company_id=company.id))


# --- the club manager's import and export --------------------------------------------------


@bp.route("/manage/potentials/import", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def import_potentials():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        data = form.file.data.read(potential_import.MAX_BYTES + 1)
        result = potential_import.import_potentials(db.session, data, actor=current_user)
        if result.problems:
            db.session.rollback()
            problems = result.problems
        else:
            db.session.commit()
            flash(
                ngettext("%(num)d estimate imported.", "%(num)d estimates imported.", result.saved),
                "success",
            )
            return redirect(url_for(".import_potentials"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "satisfaction/import.html", form=form, problems=problems, year=periods.this_year().year
    ), status


@bp.get("/manage/potentials.csv")
@requires(Role.CLUB_MANAGER)
def export_potentials():
    year = request.args.get("year", type=int) or periods.this_year().year
    rows = potential_import.export_rows(db.session, year)
    return csv_response(
        [*potential_import.COLUMNS, "company"],
        (
            [company_id, year, currency or "", plain_amount(amount) if amount else "", name]
            for company_id, name, currency, amount in rows
        ),
        f"potentials-{year}.csv",
    )
