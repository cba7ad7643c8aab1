"""A member's referrals: invite a company, follow each invitation to its reward."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from club.core.access import public, requires
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.rules import referrals
from club.rules.forms import InvitationForm, JoinForm

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


def _page(form: InvitationForm, status: int = 200):
    company = current_user.company
    return render_template(
        "rules/referrals.html", form=form, referrals=referrals.referrals_of(db.session, company)
    ), status


@bp.route("", methods=["GET", "POST"])
@requires(Role.ACCOUNT_HOLDER)
def invite():
    form = InvitationForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    on_refusal(lambda _error: _page(form, 422), form=form)
    invitation = referrals.Invitation(
        name=form.name.data,
        country=form.country.data,
        tax_id=form.tax_id.data,
        contact_name=form.contact_name.data,
        contact_email=form.contact_email.data,
    )
    referrals.invite(db.session, current_user.company, invitation, by=current_user)
    db.session.commit()
    flash(
        _("The invitation is sent; you earn once the company joins and pays its first invoice."),
        "success",
    )
    return redirect(url_for(".invite"))


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def join(token: str):
    """The invitation mail's link: the invited company applies to join."""
    referral = referrals.invitation_for(db.session, token)
    if referral is None:
        return render_template("rules/join.html", referral=None, form=None), 404
    form = JoinForm()

    def page(status: int = 200):
        return render_template("rules/join.html", referral=referral, form=form), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    on_refusal(lambda _error: page(422), form=form)
    referrals.apply(
        db.session,
        referral,
        street=form.street.data,
        postal_code=form.postal_code.data,
        city=form.city.data,
    )
    db.session.commit()
    return render_template("rules/join.html", referral=referral, form=None, applied=True)
