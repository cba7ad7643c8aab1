"""Passwords: the rules a new one must meet, hashing (argon2id) and checking."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from club.members.errors import MembersError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


def check_password_rules(password: str, *, email: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise MembersError(
            ngettext(
                "The password needs at least %(num)d character.",
                "The password needs at least %(num)d characters.",
                MIN_PASSWORD_LENGTH,
            ),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise MembersError(
            ngettext(
                "The password may have at most %(num)d character.",
                "The password may have at most %(num)d characters.",
                MAX_PASSWORD_LENGTH,
            ),
            field="password",
        )
    if email and password.strip().lower() == email.lower():
        raise MembersError(_("Your password cannot be your e-mail address."), field="password")


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("club_password_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        )  # argon2id is the library's default type
        current_app.extensions["club_password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker settings than the current ones."""
    return _hasher().check_needs_rehash(password_hash)


def _dummy_hash() -> str:
    dummy = current_app.extensions.get("club_dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["club_dummy_hash"] = hash_password(secrets.token_hex(16))
    return dummy


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash.

    Without a hash (an unknown e-mail, an account with no password yet) the answer is no,
    after verifying against a dummy hash: a miss then takes as long as a real one.
    """
    if password_hash is None:
        _matches(_dummy_hash(), password)
        return False
    return _matches(password_hash, password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
