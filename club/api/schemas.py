"""What /api/v1 takes and answers, declared once: each model below both checks a request
(club.api.openapi validates with it before a view runs) and is the OpenAPI document's
schema for it, so the document cannot drift from the checks.

Every text field is bounded and refuses control characters (a NUL byte is not storable in
PostgreSQL); numbers have ranges; dates are real dates; codes are enums (ISO 3166-1
countries, ISO 4217 currencies). Each field carries `Says`, the message a caller reads when
the field is refused, in the caller's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import babel
import babel.numbers
from flask_babel import gettext as _
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SkipValidation,
    StringConstraints,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from club.catalog import services as catalog
from club.catalog.models import Category, RedemptionStatus
from club.leaderboard import services as boards
from club.ledger.models import EntryKind
from club.members.models import MembershipStatus
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

# Two-letter territories Babel names that ISO 3166-1 has not assigned: groupings (EU,
# EZ, UN, QO), pseudo-locales (XA, XB), user-assigned (XK Kosovo, ZZ unknown) and the
# exceptionally reserved (AC, CP, CQ, DG, EA, IC, TA). The 249 left are ISO 3166-1.
NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
COUNTRIES = tuple(
    sorted(
        code
        for code in babel.Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )
)
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


def _country_refusal(value) -> str:
    return _("country must be an ISO 3166-1 code of two letters, such as PL.")


def _currency_refusal(value) -> str:
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        return _("currency must be an ISO 4217 code, such as PLN or EUR.")
    return _("currency must be a three-letter code.")  # what the CSV import says too


# Named types: one schema each in the document, referred to where they are used.
Country = TypeAliasType(
    "Country",
    Annotated[
        Literal[COUNTRIES],  # type: ignore[valid-type]
        _code_in(COUNTRIES, says=_country_refusal),
        Field(description="ISO 3166-1 alpha-2, e.g. PL (any case is taken)."),
    ],
)
Currency = TypeAliasType(
    "Currency",
    Annotated[
        Literal[CURRENCIES],  # type: ignore[valid-type]
        _code_in(CURRENCIES, says=_currency_refusal),
        Field(description="ISO 4217, e.g. PLN (any case is taken)."),
    ],
)
# Where the field itself is missing or null, its message.
COUNTRY_SAYS = Says(lambda: _country_refusal(None))

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


def _is_date(name: str) -> Says:
    return Says(lambda: _("%(field)s must be a date like 2026-11-03.", field=name))


def _whole_number(name: str, low: int, high: int) -> Says:
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

# --- requests ---------------------------------------------------------------------------


class Input(BaseModel):
    """Unknown fields are ignored (a newer client may send more)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


TaxId = Annotated[str, text(40, min_length=1), Says(lambda: _("tax_id is required."))]
InvoiceNumber = Annotated[
    str,
    text(invoices.MAX_NUMBER_LENGTH, min_length=1),
    Says(lambda: _("number is required (up to 64 characters).")),
]


class Invoice(Input):
    """One invoice or credit note from the ERP."""

    number: InvoiceNumber
    tax_id: TaxId = Field(
        description="The company's tax id (NIP, INN, VAT number); separators are ignored."
    )
    country: Annotated[Country, COUNTRY_SAYS] = Field(
        description="The company's country: with the tax id, it names the company."
    )
    issue_date: Annotated[date, _is_date("issue_date")]
    due_date: Annotated[date, _is_date("due_date")]
    net_amount: Annotated[Amount, Says(lambda: _('net_amount must be a number like "1234.50".'))]
    currency: Currency | None = Field(
        None, description=f"ISO 4217; {invoices.DEFAULT_CURRENCY} when left out."
    )
    paid_date: Annotated[date | None, _is_date("paid_date")] = None
    kind: Annotated[
        Literal["invoice", "credit_note"], Says(lambda: _("kind must be invoice or credit_note."))
    ] = "invoice"


class InvoiceBatch(Input):
    """Each invoice is checked on its own (club.api.views): one that is refused is
    listed in the answer's `rejected` with its index, and the others are saved."""

    invoices: Annotated[
        list[SkipValidation[Invoice]],
        Field(min_length=1, max_length=1000),
        Says(lambda: _('Send 1 to %(count)d invoices in {"invoices": [ ... ]}.', count=1000)),
    ]


class PaymentIn(Input):
    paid_date: Annotated[date, _is_date("paid_date")]


def _none_is_empty(value):
    return "" if value is None else value


def _optional_text(name: str, max_length: int):
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


class CompanyIn(Input):
    """A partner company from the CRM; its tax id is in the path."""

    name: Annotated[
        str, text(200, min_length=1), Says(lambda: _("name is required (up to 200 characters)."))
    ]
    country: Annotated[Country, COUNTRY_SAYS]
    status: Annotated[
        MembershipStatus,
        Says(lambda: _("status must be one of: applicant, member, suspended, left.")),
    ] = MembershipStatus.APPLICANT
    joined_on: Annotated[date | None, _is_date("joined_on")] = Field(
        None, description="Left out or null: kept (a new member: the day it is admitted)."
    )
    street: _optional_text("street", 200) = ""
    postal_code: _optional_text("postal_code", 20) = ""
    city: _optional_text("city", 100) = ""
    account_manager_email: Annotated[
        EmailStr | None,
        Says(lambda: _("account_manager_email must be an account manager's e-mail address.")),
    ] = Field(None, description="Left out: kept; null: no account manager.")


BriefKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Answer = Annotated[str, StringConstraints(max_length=2000, pattern=LINES)]


class RedemptionIn(Input):
    privilege: Annotated[
        str,
        text(80, min_length=1),
        Says(lambda: _("privilege is required: a privilege's slug.")),
    ] = Field(description="The privilege's slug, as `GET /privileges` lists it.")
    answers: Annotated[
        dict[BriefKey, Answer],
        Field(max_length=50),
        Says(lambda: _("answers must be a JSON object of texts (up to 2000 characters each).")),
    ] = Field(
        default_factory=dict,
        description="The brief's answers by question key; the privilege's `brief` lists them.",
    )


class RedemptionHeaders(Input):
    idempotency_key: Annotated[
        str,
        text(150, min_length=1, pattern=r"^[\x20-\x7e]*$"),
        Says(
            lambda: _(
                "Send an Idempotency-Key header (up to 150 characters) so a "
                "retried request redeems once."
            ),
            code="idempotency_key_required",
        ),
    ] = Field(
        alias="Idempotency-Key",
        description="Printable ASCII, up to 150 characters: a request sent again with the "
        "same key redeems once.",
    )


MAX_PAGE = 2**31 - 1


class CompanyQuery(Input):
    country: Country | None = Field(
        None, description="Needed only when two countries use the same tax id."
    )


class EntriesQuery(CompanyQuery):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE), _whole_number("page", 1, MAX_PAGE)] = 1
    per_page: Annotated[int, Field(ge=1, le=500), _whole_number("per_page", 1, 500)] = 50


class RebatesQuery(Input):
    since: Annotated[
        date, Says(lambda: _("Send ?since=YYYY-MM-DD (rebates fulfilled from that day)."))
    ] = Field(description="Rebates fulfilled from this day (UTC) on.")


TOP = boards.TOP  # the most rows a board shows


class BoardQuery(Input):
    period: Annotated[
        str,
        text(10, pattern=r"^([0-9]{4}(-(0?[1-9]|1[0-2])|-[Qq][1-4])?|[Aa][Ll][Ll])?$"),
        Says(
            lambda: _("Choose a period like 2026-11 (a month), 2026-Q4 (a quarter), 2026 or all.")
        ),
    ] = Field(
        "",
        description="2026-11 (a month), 2026-Q4 (a quarter), 2026 (a year) or all; the "
        "current month when left out. Months are the club's calendar months (its time "
        "zone); years before 2000 and periods that have not started are refused.",
    )
    league: Annotated[
        str,
        text(40),
        Says(lambda: _("league must be a tier's name (up to 40 characters).")),
    ] = Field(
        "",
        description="Only companies of this tier (and their people); an unknown league is "
        "refused with `unknown_league`.",
    )
    limit: Annotated[
        int, Field(ge=1, le=TOP), Says(lambda: _("limit must be 1 to %(top)d.", top=TOP))
    ] = Field(TOP, description="How many rows of the top.")


class CompanyBoardQuery(BoardQuery):
    view: Annotated[
        Literal["total", "activity"], Says(lambda: _("view must be total or activity."))
    ] = Field(
        "total",
        description="total: all points, purchases included; activity: all but purchases.",
    )


# --- answers ----------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, for programs: e.g. invalid_request.")
    message: str = Field(description="For people, in the language of Accept-Language.")
    field: str | None = Field(
        description="The refused input: a JSON field (dotted for nested ones), a query "
        "parameter or a header; null when the whole request is refused."
    )
    problems: dict[str, str] | None = Field(
        None, description="brief_incomplete only: the message for each question key."
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


class Rejected(BaseModel):
    index: int = Field(ge=0, description="The invoice's position in the request, from 0.")
    message: str
    field: str | None = Field(
        None, exclude_if=lambda value: value is None, description="The refused field, if any."
    )


class InvoiceReport(BaseModel):
    created: int = Field(ge=0)
    updated: int = Field(ge=0, description="Invoices sent before whose payment date changed.")
    unchanged: int = Field(ge=0)
    rejected: list[Rejected]


class Payment(BaseModel):
    number: str
    paid_date: date


class Company(BaseModel):
    tax_id: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    status: MembershipStatus
    joined_on: date | None


class Expiry(BaseModel):
    points: int
    date: date


class Wallet(BaseModel):
    company: Company
    available: int
    pending: int
    held: int
    next_expiry: Expiry | None = Field(description="The soonest points to expire, if any.")


class Source(BaseModel):
    type: str
    id: str


class Entry(BaseModel):
    id: int
    kind: EntryKind
    amount: int
    available: int
    pending: int
    held: int
    source: Source
    reason: str
    created_at: datetime
    earned_at: datetime


class EntryPage(BaseModel):
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=500)
    total: int = Field(ge=0)
    entries: list[Entry]


class BriefQuestion(BaseModel):
    key: str
    label: str
    type: Literal[catalog.QUESTION_TYPES]  # type: ignore[valid-type]
    required: bool


class Privilege(BaseModel):
    slug: str
    title: str
    summary: str
    category: Category
    points_cost: int
    lead_time_days: int
    left_this_quarter: int | None = Field(description="null: no quarterly capacity.")
    in_stock: int | None = Field(description="null: not counted.")
    brief: list[BriefQuestion]
    available: bool = Field(description="Redeemable today (its dates and stock allow it).")


class PrivilegeList(BaseModel):
    privileges: list[Privilege]


class Redemption(BaseModel):
    id: int
    privilege: str
    status: RedemptionStatus
    points: int
    answers: dict[str, str]
    created_at: datetime


class Rebate(BaseModel):
    redemption_id: int
    tax_id: str
    country: str
    company: str
    amount: str = Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Decimal: the credit.")
    currency: str
    points: int
    fulfilled_at: datetime
    note: str


class RebateList(BaseModel):
    rebates: list[Rebate]


class PeriodOut(BaseModel):
    key: str = Field(examples=["2026-Q4"])
    kind: Literal["month", "quarter", "year", "all"]
    starts: date | None
    ends: date | None


class BoardRow(BaseModel):
    rank: int = Field(ge=1, description="1 + the number of rows with more points.")
    name: str = Field(
        description="As its owner chose to be shown: a hidden name reads 'Member of "
        "<company>', 'Anonymous member' or 'Anonymous company'."
    )
    hidden: bool = Field(description="The name is a stand-in.")
    points: int


class PersonRow(BoardRow):
    company: str | None = Field(description="The person's company, when both show names.")


class CompanyRow(BoardRow):
    tax_id: str | None
    country: str | None


class PeopleBoard(BaseModel):
    board: Literal["people"]
    period: PeriodOut
    league: str | None
    rows: list[PersonRow]


class CompanyBoard(BaseModel):
    board: Literal["companies"]
    view: Literal["total", "activity"]
    period: PeriodOut
    league: str | None
    rows: list[CompanyRow]


def whole_request_refusal() -> str:
    return _("Send a JSON object in the request body.")


def field_refusal(name: str) -> str:
    return _("%(field)s is not valid.", field=name)


def _models(base: type[BaseModel]):
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


# The request models by name: a ValidationError names the model that raised it.
MODELS = {model.__name__: model for model in _models(Input)}
