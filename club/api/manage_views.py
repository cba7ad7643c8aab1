"""The club manager's page for API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from club.api import services
from club.api.forms import TokenForm
from club.api.models import ApiToken
from club.core.access import requires
from club.core.confirm import confirmation_page, question
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members.forms import ConfirmForm

bp = Blueprint("api_tokens", __name__, url_prefix="/manage/api-tokens")


@bp.route("/", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def tokens():
    form = TokenForm()
    if form.validate_on_submit():
        on_refusal(lambda error: _tokens_page(form, None, 422), form=form)
        _token, secret = services.create_token(
            db.session, name=form.name.data, scopes=form.scopes.data, actor=current_user
        )
        db.session.commit()
        return _tokens_page(TokenForm(formdata=None), secret, 200)
    return _tokens_page(form, None, 422 if form.is_submitted() else 200)


def _tokens_page(form: TokenForm, secret: str | None, status: int):
    # The secret is shown in this response only; it is never stored or shown again.
    return render_template(
        "api/tokens.html",
        form=form,
        secret=secret,
        tokens=services.tokens(db.session),
        revoke_form=ConfirmForm(),
    ), status


REVOKE = question(
    "api.revoke",
    title=_l("Revoke this token?"),
    consequence=_l(
        "Token “%(name)s” stops working at once: every program that uses it is refused "
        "from now on. A revoked token cannot be restored; make a new one."
    ),
    action=_l("Revoke the token"),
)


@bp.post("/<int:token_id>/revoke")
@requires(Role.CLUB_MANAGER)
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ask = confirmation_page(REVOKE, back=url_for("api_tokens.tokens"), name=token.name)
    if ask is not None:
        return ask
    services.revoke_token(db.session, token, actor=current_user)
    db.session.commit()
    flash(_("Token “%(name)s” is revoked; it stops working at once.", name=token.name), "success")
    return redirect(url_for("api_tokens.tokens"))
