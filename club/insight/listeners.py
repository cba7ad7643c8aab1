"""Sign-ins, as the logins figure counts them: Flask-Login announces each one after the
sign-in view has committed, and a day per person is noted (club.insight.refresh)."""

from __future__ import annotations

from flask_login import user_logged_in
from sqlalchemy.exc import IntegrityError

from club.extensions import db
from club.insight.refresh import record_sign_in


@user_logged_in.connect
def _note_sign_in(_app, user, **_extra) -> None:
    try:
        if record_sign_in(db.session, user):
            # The sign-in view committed before login_user: this small row is its own.
            db.session.commit()
    except IntegrityError:  # the same person signing in twice at once: noted once
        db.session.rollback()
