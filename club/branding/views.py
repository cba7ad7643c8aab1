"""The club manager's settings page, and the colours and logo every page asks for."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from club.branding import services
from club.branding.forms import SettingsForm
from club.core.access import public, requires
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db

bp = Blueprint("branding", __name__)

# Served with a version in the query (?v=...), so a year's caching is safe.
LONG_CACHE = "public, max-age=31536000, immutable"


@bp.get("/club.css")
@public
def styles():
    """The club's colours as CSS custom properties (the CSP allows no inline style)."""
    response = Response(services.styles(services.brand(db.session)), mimetype="text/css")
    response.headers["Cache-Control"] = LONG_CACHE
    return response


@bp.get("/club/logo.png")
@public
def logo():
    current = services.brand(db.session)
    if not current.has_logo:
        abort(404)
    # Always PNG: the upload was decoded and drawn anew (services.clean_logo).
    response = Response(current.logo_png, mimetype="image/png")
    response.headers["Cache-Control"] = LONG_CACHE
    response.headers["Content-Disposition"] = 'inline; filename="logo.png"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _page(form: SettingsForm, status: int = 200):
    return render_template(
        "branding/settings.html", form=form, current=services.brand(db.session)
    ), status


@bp.route("/manage/club", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def settings():
    form = SettingsForm()
    if not form.is_submitted():
        current = services.brand(db.session)
        form.name.data = current.name
        form.primary_colour.data = current.primary
        form.accent_colour.data = current.accent
        form.signatory_name.data = current.signatory_name
        form.signatory_title.data = current.signatory_title
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    on_refusal(lambda _error: _page(form, 422), form=form)
    services.save_settings(db.session, form.settings_data(), actor=current_user)
    db.session.commit()
    flash(_("The club settings are saved."), "success")
    return redirect(url_for(".settings"))
