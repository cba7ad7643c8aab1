"""Currencies as ISO 4217 codes: which codes are money in use today.

A currency is one some country tenders today, by the Unicode CLDR's territory currencies
(through Babel): "PLN", "EUR", "RUB", "XOF"; not a withdrawn one ("DEM", "RUR"), a
fund or metal code ("XAU", "XDR") or a test code ("XTS", "XXX").
"""

from __future__ import annotations

from functools import cache

from babel.core import get_global


@cache
def currencies_in_use() -> frozenset[str]:
    """Every currency some territory tenders today."""
    return frozenset(
        code
        for held in get_global("territory_currencies").values()
        for code, _start, end, tender in held
        if end is None and tender
    )


def is_currency(code: object) -> bool:
    """Whether `code` is an ISO 4217 code of money in use, as stored: upper case."""
    return isinstance(code, str) and code in currencies_in_use()
