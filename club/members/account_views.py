"""The member home and one's own account: profile, language, password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select

from club.core.access import signed_in
from club.core.home import cards_for
from club.core.periods import club_today
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members import admission, services
from club.members.blueprint import bp
from club.members.forms import ChangePasswordForm, ProfileForm
from club.members.models import MembershipStatus, User


@bp.get("/")
@signed_in
def home():
    if current_user.role.is_partner:
        company = current_user.company
        holder = services.company_account_holder(db.session, company)
        colleagues = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.company_id == company.id, User.is_active.is_(True))
        )
        return render_template(
            "members/home_partner.html",
            company=company,
            holder=holder,
            colleagues=colleagues,
            forfeit_on=admission.forfeit_on(db.session, company),
            today=club_today(),
            cards=cards_for(current_user),
        )
    if current_user.role == Role.ACCOUNT_MANAGER and "portfolio.home" in current_app.view_functions:
        # The account manager's home is their portfolio (club.portfolio, a feature above).
        return redirect(url_for("portfolio.home"))
    companies = services.visible_companies(current_user).subquery()
    by_status = dict(
        db.session.execute(
            select(companies.c.status, func.count()).group_by(companies.c.status)
        ).all()
    )
    return render_template(
        "members/home_supplier.html",
        by_status={status: by_status.get(status, 0) for status in MembershipStatus},
        cards=cards_for(current_user),  # the club manager's to-do list
    )


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    user = _signed_in_user()
    form = ProfileForm(obj=user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        services.update_profile(
            db.session,
            user,
            name=form.name.data,
            language=form.language.data,
            is_shown_on_boards=form.is_shown_on_boards.data,
        )
        db.session.commit()
        session["language"] = user.language
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("members.account"))
    status = 422 if form.is_submitted() and form.submit.data else 200
    return _account_page(form, password_form, status)


@bp.post("/account/password")
@signed_in
def change_password():
    user = _signed_in_user()
    form = ProfileForm(obj=user)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        on_refusal(lambda error: _account_page(form, password_form, 422), form=password_form)
        services.change_password(
            db.session,
            user,
            current=password_form.current_password.data,
            new=password_form.password.data,
        )
        db.session.commit()
        login_user(user)  # this browser's new session key goes into its cookie
        flash(_("Your password is changed. Other browsers have been signed out."), "success")
        return redirect(url_for("members.account"))
    return _account_page(form, password_form, 422)


def _signed_in_user() -> User:
    """The User row itself: services and audit records take it, not Flask-Login's proxy."""
    return current_user._get_current_object()


def _account_page(form: ProfileForm, password_form: ChangePasswordForm, status: int):
    return render_template("members/account.html", form=form, password_form=password_form), status
