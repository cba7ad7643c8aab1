"""Signing in: the login check with its throttling, and the sessions it starts and ends."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.errors import RateLimited
from club.extensions import rate_limiter
from club.members.errors import WrongCredentials
from club.members.models import User
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


def load_user_for_session(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the user only if active and the session is not stale."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_generation != int(generation):
        return None
    return user


def end_sessions(user: User) -> None:
    """Sign the person out everywhere: sessions of an older generation no longer load."""
    user.session_generation += 1
