"""An account holder's personal API tokens: redeem from their own scripts or tools."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from club.api import services
from club.api.manage_views import REVOKE
from club.api.models import ApiToken
from club.core.access import requires
from club.core.confirm import confirmation_page
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members.forms import ConfirmForm

bp = Blueprint("personal_tokens", __name__, url_prefix="/account/api-tokens")


@bp.route("/", methods=["GET", "POST"])
@requires(Role.ACCOUNT_HOLDER)
def tokens():
    secret = None
    if ConfirmForm().validate_on_submit():
        on_refusal(lambda error: _tokens_page(None))
        _token, secret = services.create_token(
            db.session,
            name=_("Personal token of %(name)s", name=current_user.name),
            scopes=services.PERSONAL_SCOPES,
            actor=current_user,
            user=current_user,
        )
        db.session.commit()
    return _tokens_page(secret)


def _tokens_page(secret: str | None):
    return render_template(
        "api/personal_tokens.html",
        secret=secret,
        form=ConfirmForm(),
        tokens=services.tokens(db.session, user=current_user),
    )


@bp.post("/<int:token_id>/revoke")
@requires(Role.ACCOUNT_HOLDER)
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ask = confirmation_page(REVOKE, back=url_for("personal_tokens.tokens"), name=token.name)
    if ask is not None:
        return ask
    services.revoke_token(db.session, token, actor=current_user)
    db.session.commit()
    flash(_("The token is revoked; it stops working at once."), "success")
    return redirect(url_for("personal_tokens.tokens"))
