"""/dev/mail: the last mails this process sent, so a newcomer can follow an invitation.

Registered only in development (`DEV_MAIL`); in production the route does not exist.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from club.core.access import requires
from club.core.mail import kept_mails
from club.core.roles import Role

bp = Blueprint("devtools", __name__)


@bp.get("/dev/mail")
@requires(Role.CLUB_MANAGER)
def mail():
    return render_template("devtools/mail.html", mails=kept_mails())
