"""The building blocks of the API's schemas (club.api.schemas): bounded text without
control characters (a NUL byte is not storable in PostgreSQL), ISO 3166-1 countries and
ISO 4217 currencies, amounts as the invoice rules take them, and `Says`, the message a
caller reads when a field is refused, in the caller's language.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import babel
import babel.numbers
from flask_babel import gettext as _
from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema, WrapValidator
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from club.core.countries import ISO_COUNTRIES
from club.purchases import invoices

# --- messages ---------------------------------------------------------------------------


class Says:
    """The message for a refused field: `text` is called at refusal time (a translation
    in the caller's language); `code` replaces the error code `invalid_request`."""

    def __init__(self, text: Callable[[], str], *, code: str | None = None) -> None:
        self.text, self.code = text, code


def refused(message: str) -> PydanticCustomError:
    """A refusal whose message is already worded for people (a validator's own)."""
    return PydanticCustomError("club_refusal", "{message}", {"message": message})


# --- codes ------------------------------------------------------------------------------

# ISO 3166-1 alpha-2, the one list of countries (club/core/countries.py).
COUNTRIES = tuple(sorted(ISO_COUNTRIES))
# ISO 4217 as Babel knows it; whether the club takes a currency (has an earning rate for
# it) is the purchases rule's to say.
CURRENCIES = tuple(sorted(babel.numbers.list_currencies()))


def _code_in(codes: tuple[str, ...], *, says: Callable[[Any], str]):
    """A code from `codes`, in any case (answered upper case); the JSON schema lists them."""

    def check(value, handler):
        if isinstance(value, str):
            value = value.strip().upper()
        if value not in codes:
            raise refused(says(value))
        return handler(value)

    return WrapValidator(check)


def country_refusal(value) -> str:
    return _("country must be an ISO 3166-1 code of two letters, such as PL.")


def currency_refusal(value) -> str:
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        return _("currency must be an ISO 4217 code, such as PLN or EUR.")
    return _("currency must be a three-letter code.")  # what the CSV import says too


# Named types: one schema each in the document, referred to where they are used.
Country = TypeAliasType(
    "Country",
    Annotated[
        Literal[COUNTRIES],  # type: ignore[valid-type]
        _code_in(COUNTRIES, says=country_refusal),
        Field(description="ISO 3166-1 alpha-2, e.g. PL (any case is taken)."),
    ],
)
Currency = TypeAliasType(
    "Currency",
    Annotated[
        Literal[CURRENCIES],  # type: ignore[valid-type]
        _code_in(CURRENCIES, says=currency_refusal),
        Field(description="ISO 4217, e.g. PLN (any case is taken)."),
    ],
)
# Where the field itself is missing or null, its message.
COUNTRY_SAYS = Says(lambda: country_refusal(None))

# --- text -------------------------------------------------------------------------------

# One line: no control characters. Several lines: tab, line feed and carriage return too.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def text(max_length: int, *, min_length: int = 0, lines: bool = False, pattern: str = ""):
    """A string up to `max_length` characters (after stripping), without control
    characters, or matching `pattern`."""
    return StringConstraints(
        strip_whitespace=True,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern or (LINES if lines else ONE_LINE),
    )


def is_date(name: str) -> Says:
    return Says(lambda: _("%(field)s must be a date like 2026-11-03.", field=name))


def whole_number(name: str, low: int, high: int) -> Says:
    return Says(
        lambda: _(
            "%(field)s must be a whole number from %(low)d to %(high)d.",
            field=name,
            low=low,
            high=high,
        )
    )


# --- amounts ----------------------------------------------------------------------------

# What invoices.in_cents takes: at most 12 digits before the point, cents, then only zeros.
AMOUNT_PATTERN = r"^[+-]?0*[0-9]{1,12}(\.[0-9]{1,2}0*)?$"


def _amount(value) -> Decimal:
    """A decimal, from a string or (as ERPs send them too) a JSON number; the invoice
    rules' refusals worded for the API."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) and len(value) <= 40 else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise refused(_('net_amount must be a number like "1234.50".'))
    try:
        return invoices.in_cents(amount)
    except invoices.InvalidLine as invalid:
        if invalid.problem is invoices.Problem.AMOUNT_TOO_LARGE:
            raise refused(_("“%(value)s” is too large for an amount.", value=value)) from None
        raise refused(_("net_amount must have at most two decimal places.")) from None


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "maxLength": 40,
            "description": "Net, as a decimal string: at most 12 digits before the point "
            "and 2 after (zeros beyond cents are ignored). A credit note's amount is taken "
            "as negative however it is written; an invoice's is never negative.",
            "examples": ["1234.50"],
        }
    ),
]


def _none_is_empty(value):
    return "" if value is None else value


def optional_text(name: str, max_length: int):
    return Annotated[
        str,
        BeforeValidator(_none_is_empty),
        text(max_length),
        Says(
            lambda: _(
                "%(field)s: up to %(count)d characters, without control characters.",
                field=name,
                count=max_length,
            )
        ),
    ]


def whole_request_refusal() -> str:
    return _("Send a JSON object in the request body.")


def field_refusal(name: str) -> str:
    return _("%(field)s is not valid.", field=name)
