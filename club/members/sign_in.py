"""Signing in: the login check with its throttling, and the sessions it starts and ends.

Each signed-in browser has a server-side session (a UserSession row) whose random key
its cookie carries: logging out deletes the row. Ending every session of a person at
once (deactivation, role change, a new password) bumps their `session_generation`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.errors import RateLimited
from club.extensions import rate_limiter
from club.members.errors import WrongCredentials
from club.members.models import User, UserSession
from club.members.passwords import hash_password, needs_rehash, verify_password


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    language: str | None = None,
    now: datetime | None = None,
) -> User:
    """Check a login; the same message for every failure so no e-mail is revealed.

    A language picked on the sign-in page becomes the person's preference.
    """
    key = (email or "").strip().lower()[:254]
    config = current_app.config
    within_ip = rate_limiter.hit(config["LOGIN_IP_RATE_LIMITS"], "login-ip", ip)
    within_email = rate_limiter.hit(config["LOGIN_RATE_LIMITS"], "login-email", key)
    if not (within_ip and within_email):
        raise RateLimited(_("Too many sign-in attempts. Wait a few minutes and try again."))

    user = session.scalar(select(User).where(User.email == key)) if key else None
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password) or not user.is_active:
        raise WrongCredentials(_("Wrong e-mail or password."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if language in current_app.config["LANGUAGES"]:
        user.language = language
    user.last_login_at = now or utcnow()
    session.flush()
    return user


# A browser's session: a row per sign-in, its key in the cookie ------------------------

# Sign-ins a person keeps at once; a new one beyond this ends the oldest. Bounds the
# table, since most sessions end by closing the browser, not by logging out.
MAX_SESSIONS_PER_USER = 10
_KEY_BYTES = 32
_KEY_LENGTH = len(secrets.token_urlsafe(_KEY_BYTES))


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, *, now: datetime | None = None) -> str:
    """Sign a browser in: a new server-side session, whose key `user.get_id()` returns
    for Flask-Login to keep in the cookie.

    Sessions the person can no longer use (an older generation) are removed, and the
    oldest beyond MAX_SESSIONS_PER_USER end.
    """
    key = secrets.token_urlsafe(_KEY_BYTES)
    session.add(
        UserSession(
            user_id=user.id,
            key_hash=_key_hash(key),
            generation=user.session_generation,
            created_at=now or utcnow(),
        )
    )
    session.flush()
    stale = (
        select(UserSession.id)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.generation.desc(), UserSession.id.desc())
        .offset(MAX_SESSIONS_PER_USER)
    )
    session.execute(
        delete(UserSession)
        .where(
            UserSession.user_id == user.id,
            (UserSession.generation != user.session_generation)
            | UserSession.id.in_(stale.scalar_subquery()),
        )
        .execution_options(synchronize_session=False)
    )
    user.session_key = key
    return key


def load_user_for_session(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the user of the session whose key the cookie carries, if
    that session still exists, is of the user's current generation, and they are active.
    One lookup by the key's unique index."""
    if not session_id or len(session_id) != _KEY_LENGTH:
        return None
    found = session.execute(
        select(User, UserSession.generation)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key_hash == _key_hash(session_id))
    ).first()
    if found is None:
        return None
    user, generation = found
    if not user.is_active or generation != user.session_generation:
        return None
    user.session_key = session_id
    return user


def end_session(session: Session, user: User) -> None:
    """Log out this browser: its session row goes, so no copy of its cookie works."""
    if user.session_key is not None:
        session.execute(
            delete(UserSession).where(UserSession.key_hash == _key_hash(user.session_key))
        )
        user.session_key = None


def end_sessions(user: User) -> None:
    """Sign the person out everywhere: sessions of an older generation no longer load."""
    user.session_generation += 1
