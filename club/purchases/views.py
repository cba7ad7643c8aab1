"""The club manager's purchase pages: the earning rule and the invoice import."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from club.core.access import requires
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.core.forms import show_error
from club.core.roles import Role
from club.extensions import db
from club.purchases import services
from club.purchases.forms import RuleForm
from club.purchases.models import EarningRule

bp = Blueprint("purchases", __name__, url_prefix="/manage")


@bp.route("/rules", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def rules():
    form = RuleForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.set_rule(
                db.session,
                effective_from=form.effective_from.data,
                rate=form.rate.data,
                grace_days=form.grace_days.data,
                actor=current_user,
            )
        except ClubError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("The rule is saved."), "success")
            return redirect(url_for("purchases.rules"))
    elif form.is_submitted():
        status = 422
    today = services.club_today(utcnow())
    current = services.rule_for(db.session, services.month_start(today))
    history = db.session.scalars(
        select(EarningRule).order_by(EarningRule.effective_from.desc())
    ).all()
    return render_template(
        "purchases/rules.html",
        form=form,
        current=current,
        history=history,
        today=today,
        default_rate=services.DEFAULT_RATE,
        default_grace=services.DEFAULT_GRACE_DAYS,
    ), status
