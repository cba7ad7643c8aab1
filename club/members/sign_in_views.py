"""Signing in and out, the language, and the pages behind one-time links."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from club.core.access import public, signed_in
from club.core.errors import InvalidToken
from club.core.refusals import on_refusal
from club.extensions import db
from club.members import services
from club.members.blueprint import bp, safe_next
from club.members.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from club.members.models import LinkPurpose, User


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("members.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        on_refusal(lambda error: _login_page(form, error.status_code), form=form)
        user = services.authenticate(
            db.session,
            email=form.email.data,
            password=form.password.data,
            ip=request.remote_addr or "unknown",
            language=session.get("language"),
        )
        _sign_in(user)
        return redirect(safe_next(form.next.data))
    return _login_page(form, 422 if form.is_submitted() else 200)


def _login_page(form: LoginForm, status: int):
    return render_template("members/login.html", form=form), status


def _sign_in(user: User) -> None:
    """Start a server-side session for this browser and a fresh cookie carrying its key:
    nothing carries over from the session before."""
    services.start_session(db.session, user)
    db.session.commit()
    session.clear()
    login_user(user)


@bp.post("/logout")
@signed_in
def logout():
    services.end_session(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("members.login"))


@bp.post("/language")
@public
def set_language():
    back = safe_next(request.form.get("next"))
    on_refusal(back)
    language = services.set_language(
        db.session,
        current_user if current_user.is_authenticated else None,
        request.form.get("language", ""),
    )
    db.session.commit()
    session["language"] = language
    return redirect(back)


def _set_password_page(token: str, purpose: LinkPurpose, template: str, accept):
    try:
        link = services.find_link(db.session, token, purpose)
    except InvalidToken as error:
        return _link_invalid(error)
    form = SetPasswordForm()

    def page(status: int):
        return render_template(template, form=form, user=link.user), status

    if form.validate_on_submit():
        on_refusal(lambda error: page(422), form=form)
        try:
            user = accept(db.session, token=token, password=form.password.data)
        except InvalidToken as error:  # used or expired meanwhile: the link's own page
            db.session.rollback()
            return _link_invalid(error)
        _sign_in(user)
        flash(_("Your password is set. Welcome to the club!"), "success")
        return redirect(url_for("members.home"))
    return page(422 if form.is_submitted() else 200)


def _link_invalid(error: InvalidToken):
    return render_template("members/link_invalid.html", message=error.message), 410


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_page(
        token,
        LinkPurpose.INVITATION,
        "members/accept_invitation.html",
        services.accept_invitation,
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_page(
        token,
        LinkPurpose.PASSWORD_RESET,
        "members/reset_password.html",
        services.reset_password,
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        on_refusal(lambda error: _forgot_page(form, error.status_code), form=form)
        services.request_password_reset(
            db.session, email=form.email.data, ip=request.remote_addr or "unknown"
        )
        db.session.commit()
        minutes = current_app.config["PASSWORD_RESET_LIFETIME_MINUTES"]
        flash(
            ngettext(
                "If an account uses this address, we have sent it a link to set a new "
                "password. The link works for %(num)d minute.",
                "If an account uses this address, we have sent it a link to set a new "
                "password. The link works for %(num)d minutes.",
                minutes,
            ),
            "info",
        )
        return redirect(url_for("members.login"))
    return _forgot_page(form, 422 if form.is_submitted() else 200)


def _forgot_page(form: ForgotPasswordForm, status: int):
    return render_template("members/forgot_password.html", form=form), status
