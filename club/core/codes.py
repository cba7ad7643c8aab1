"""Verification codes of the club's certificates, once: course certificates, diplomas and
membership certificates all carry one, and anyone may check it on a public page.

A code is printed on paper and typed back by a stranger, so it is made of letters and
digits that cannot be mistaken for one another in print or read aloud (no 0/O, 1/I/L),
in two groups of five: ABCDE-FGHJK (about 49 bits, short enough for every code column).
Codes issued before there was one format still verify: course certificates had the same
shape with L allowed, diplomas and membership certificates three groups of four
(ABCD-EFGH-JKMN).
"""

from __future__ import annotations

import re
import secrets

from club.core.ratelimit import rate_limiter

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10
# What a typed code may hold: course certificates issued before also used L.
TYPED_LETTERS = frozenset(ALPHABET + "L")
# Characters of a code -> the size of its groups: today's shape (5-5, also the earlier
# course certificates') and the earlier diplomas' and membership certificates' (4-4-4).
GROUP_SIZES = {10: 5, 12: 4}
# One limit for every verify page, counted per address across them all: checking codes
# one after another is how someone would guess them.
VERIFY_LIMITS = "30/minute;300/hour"


def _grouped(letters: str) -> str:
    size = GROUP_SIZES[len(letters)]
    return "-".join(letters[start : start + size] for start in range(0, len(letters), size))


def new_code() -> str:
    """A fresh code, e.g. "7KQ2M-XW4PA"; the caller's unique column catches the rare twin."""
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalize_code(typed: str | None) -> str | None:
    """What a person typed ("7kq2m xw4pa", "abcd efgh-jkmn") as codes are stored, in
    today's format or an earlier one; None when it cannot be a code at all."""
    compact = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    if len(compact) not in GROUP_SIZES or not TYPED_LETTERS.issuperset(compact):
        return None
    return _grouped(compact)


def as_typed(typed: str | None) -> str:
    """Something typed that is not a code, safe to put in a link and show back: letters,
    digits and dashes, at most 20 of them."""
    return re.sub(r"[^A-Za-z0-9-]", "", typed or "")[:20]


def verify_allowed(address: str | None) -> bool:
    """Count one code checked from `address`; False once it has checked too many."""
    return rate_limiter.hit(VERIFY_LIMITS, "certificate-verify", address or "-")
