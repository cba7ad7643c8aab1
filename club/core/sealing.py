"""Secrets kept in the database, such as e-voucher codes, sealed so that a dump alone does
not give them away: Fernet (AES-128-CBC with an HMAC) under VOUCHER_KEY from the
configuration. A keyed fingerprint (HMAC-SHA256) of each secret lets a unique index
refuse the same code twice without the code in the clear."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class SealBroken(RuntimeError):
    """A sealed value does not open with the configured key (the key was changed)."""


def _key() -> bytes:
    return current_app.config["VOUCHER_KEY"].encode()


def seal(text: str) -> str:
    return Fernet(_key()).encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    try:
        return Fernet(_key()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SealBroken("A sealed value does not open with VOUCHER_KEY.") from None


def fingerprint(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def is_key(value: str) -> bool:
    try:
        Fernet(value.encode())
    except ValueError:
        return False
    return True


def new_key() -> str:
    return Fernet.generate_key().decode()
