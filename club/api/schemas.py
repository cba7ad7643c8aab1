"""What /api/v1 takes, declared once: each model below both checks a request
(club.api.openapi validates with it before a view runs) and is the OpenAPI document's
schema for it, so the document cannot drift from the checks. What it answers is in
club.api.answers.

Every text field is bounded and refuses control characters; numbers have ranges; dates
are real dates; codes are enums (ISO 3166-1 countries, ISO 4217 currencies). Each field
carries `Says` (club.api.fields), the message a caller reads when it is refused.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SkipValidation,
    StringConstraints,
)

from club.api.fields import (
    COUNTRY_SAYS,
    LINES,
    Amount,
    Country,
    Currency,
    Says,
    is_date,
    optional_text,
    refused,
    text,
    whole_number,
)
from club.leaderboard import services as boards
from club.members.models import MembershipStatus
from club.purchases import invoices

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


MAX_INVOICES_PER_REQUEST = 1000
EXAMPLE_TAX_ID = "5260250274"
INVOICE_EXAMPLE = {
    "number": "FV/2026/10/0001",
    "tax_id": EXAMPLE_TAX_ID,
    "country": "PL",
    "issue_date": "2026-10-05",
    "due_date": "2026-10-20",
    "net_amount": "1234.50",
    "currency": "PLN",
}


class Invoice(Input):
    """One invoice or credit note from the ERP."""

    model_config = ConfigDict(json_schema_extra={"examples": [INVOICE_EXAMPLE]})

    number: InvoiceNumber
    tax_id: TaxId = Field(
        description="The company's tax id (NIP, INN, VAT number); separators are ignored."
    )
    country: Annotated[Country, COUNTRY_SAYS] = Field(
        description="The company's country: with the tax id, it names the company."
    )
    issue_date: Annotated[date, is_date("issue_date")]
    due_date: Annotated[date, is_date("due_date")]
    net_amount: Annotated[Amount, Says(lambda: _('net_amount must be a number like "1234.50".'))]
    currency: Currency | None = Field(
        None, description=f"ISO 4217; {invoices.DEFAULT_CURRENCY} when left out."
    )
    paid_date: Annotated[date | None, is_date("paid_date")] = None
    kind: Annotated[
        Literal["invoice", "credit_note"], Says(lambda: _("kind must be invoice or credit_note."))
    ] = "invoice"
    product_group: optional_text("product_group", invoices.MAX_PRODUCT_GROUP_LENGTH) = Field(
        "", description="The line's product group, for promotions (any case; left out: none)."
    )


class InvoiceBatch(Input):
    """Each invoice is checked on its own (club.api.views): one that is refused is
    listed in the answer's `rejected` with its index, and the others are saved."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"invoices": [INVOICE_EXAMPLE]}]})

    invoices: Annotated[
        list[SkipValidation[Invoice]],
        Field(min_length=1, max_length=MAX_INVOICES_PER_REQUEST),
        Says(
            lambda: _(
                'Send 1 to %(count)d invoices in {"invoices": [ ... ]}.',
                count=MAX_INVOICES_PER_REQUEST,
            )
        ),
    ]


class PaymentIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"paid_date": "2026-10-20"}]})

    paid_date: Annotated[date, is_date("paid_date")]


class CompanyIn(Input):
    """A partner company from the CRM; its tax id is in the path."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Hurtownia Żak", "country": "PL", "status": "member", "city": "Łódź"}
            ]
        }
    )

    name: Annotated[
        str, text(200, min_length=1), Says(lambda: _("name is required (up to 200 characters)."))
    ]
    country: Annotated[Country, COUNTRY_SAYS]
    status: Annotated[
        MembershipStatus,
        Says(lambda: _("status must be one of: applicant, member, suspended, left.")),
    ] = Field(
        MembershipStatus.APPLICANT,
        description="Left out: kept (a new company: applicant). A change is a step of the "
        "membership history; applicant to member admits the company.",
    )
    joined_on: Annotated[date | None, is_date("joined_on")] = Field(
        None, description="Left out or null: kept (a new member: the day it is admitted)."
    )
    street: optional_text("street", 200) = ""
    postal_code: optional_text("postal_code", 20) = ""
    city: optional_text("city", 100) = ""
    account_manager_email: Annotated[
        EmailStr | None,
        BeforeValidator(lambda value: None if value == "" else value),  # "" as null, as before
        Says(lambda: _("account_manager_email must be an account manager's e-mail address.")),
    ] = Field(None, description="Left out: kept; null (or empty): no account manager.")


def _reasonable_moment(value: datetime) -> datetime:
    """Years 2000 to 2100: beyond, a typo (and not storable everywhere)."""
    if not 2000 <= value.year <= 2100:
        raise refused(_("occurred_at must be a moment between 2000 and 2100."))
    return value


class EventIn(Input):
    """Something a partner company did on the supplier's platform."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "country": "PL",
                    "tax_id": "5260250274",
                    "type": "configurator_used",
                    "occurred_at": "2026-11-03T10:15:00+01:00",
                    "idempotency_key": "platform-4711",
                    "person_email": "anna@zak.example",
                }
            ]
        }
    )

    country: Annotated[Country, COUNTRY_SAYS]
    tax_id: TaxId
    type: Annotated[
        str,
        text(60, min_length=2, pattern=r"^[a-z][a-z0-9_.-]{1,59}$"),
        Says(lambda: _("type must be the key of an event type the club manager defined.")),
    ] = Field(description="The key of an event type defined by the club manager.")
    occurred_at: Annotated[
        AwareDatetime,
        AfterValidator(_reasonable_moment),
        Says(lambda: _("occurred_at must be a moment with its time zone, in ISO 8601.")),
    ] = Field(
        description="When it happened (ISO 8601 with an offset); the rules of that day apply."
    )
    idempotency_key: Annotated[
        str,
        text(100, min_length=1, pattern=r"^[\x21-\x7e]*$"),
        Says(lambda: _("idempotency_key is required: up to 100 printable characters.")),
    ] = Field(description="Unique per event: the same key again is recorded and rewarded once.")
    person_email: Annotated[
        EmailStr | None,
        Says(lambda: _("person_email must be an e-mail address.")),
    ] = Field(None, description="The company's person who did it, if known (per-person caps).")


BriefKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Answer = Annotated[str, StringConstraints(max_length=2000, pattern=LINES)]


class DeliveryIn(Input):
    address: Annotated[
        str,
        text(500, min_length=1, lines=True),
        Says(lambda: _("delivery.address is required (up to 500 characters).")),
    ] = Field(description="Where the good goes: lines of a postal address.")
    phone: Annotated[
        str,
        text(40, min_length=1),
        Says(lambda: _("delivery.phone is required: a number the courier can call.")),
    ] = Field(description="A phone number the courier can call.")
    variant: Annotated[
        int | None,
        Field(ge=1, le=2**31 - 1),
        Says(lambda: _("delivery.variant must be the id of one of the privilege's variants.")),
    ] = Field(default=None, description="The variant's id, as `GET /privileges` lists them.")


class RedemptionIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"privilege": "seo-audit", "answers": {"site": "https://zak.example"}}]
        }
    )

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
    delivery: DeliveryIn | None = Field(
        default=None,
        description="Goods only (`kind` good): the address, a phone and the variant. "
        "422 `brief_incomplete` when a good is redeemed without it.",
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
    page: Annotated[int, Field(ge=1, le=MAX_PAGE), whole_number("page", 1, MAX_PAGE)] = 1
    per_page: Annotated[int, Field(ge=1, le=500), whole_number("per_page", 1, 500)] = 50


class RebatesQuery(Input):
    since: Annotated[
        date, Says(lambda: _("Send ?since=YYYY-MM-DD (rebates fulfilled from that day)."))
    ] = Field(description="Rebates fulfilled from this day (UTC) on.")


TOP = boards.TOP  # the most rows a board shows


class BoardQuery(Input):
    period: Annotated[
        str,
        # The shape here; the month's and quarter's ranges, the first year and "not
        # begun" are the calendar's (club.core.periods), which says which one is wrong.
        text(10, pattern=r"^([0-9]{4}(-[0-9]{1,2}|-[Qq][0-9]{1,2})?|[Aa][Ll][Ll])?$"),
        Says(
            lambda: _("Choose a period like 2026-11 (a month), 2026-Q4 (a quarter), 2026 or all."),
            code="invalid_period",
        ),
    ] = Field(
        "",
        description="2026-11 (a month, 01 to 12), 2026-Q4 (a quarter, Q1 to Q4), 2026 (a "
        "year) or all; the current month when left out. Months are the club's calendar "
        "months (its time zone); years before 2000 and periods that have not started are "
        "refused with `invalid_period`.",
    )
    league: Annotated[
        str,
        text(40),
        Says(lambda: _("league must be a tier's key (up to 40 characters).")),
    ] = Field(
        "",
        description="Only companies of this tier, by its key (`silver`), and their people; "
        "an unknown league is refused with `unknown_league`.",
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


# --- complaints and contracts from the CRM (club.relations) ---------------------------


def _reasonable_day(value: date) -> date:
    """Years 2000 to 2100: beyond, a typo."""
    if not 2000 <= value.year <= 2100:
        raise refused(_("Dates must be between 2000 and 2100."))
    return value


Day = Annotated[date, AfterValidator(_reasonable_day)]
RecordKey = Annotated[str, text(64, min_length=1)]


class ComplaintIn(Input):
    """A partner's complaint in the supplier's system, sent when it is opened, changed
    or closed: stored once per company and `external_id`, updated when sent again."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "country": "PL",
                    "tax_id": EXAMPLE_TAX_ID,
                    "external_id": "RK/2026/0113",
                    "opened_on": "2026-11-03",
                    "closed_on": None,
                    "subject": "Damaged cable drums in delivery 4471",
                }
            ]
        }
    )

    country: Annotated[Country, COUNTRY_SAYS]
    tax_id: TaxId
    external_id: Annotated[
        RecordKey, Says(lambda: _("external_id is required: up to 64 characters."))
    ] = Field(description="The supplier's complaint number.")
    opened_on: Annotated[Day, is_date("opened_on")]
    closed_on: Annotated[Day | None, is_date("closed_on")] = Field(
        None, description="Null (or left out) while the complaint is open."
    )
    subject: Annotated[
        str, text(200, min_length=1), Says(lambda: _("subject is required: up to 200 characters."))
    ]


class ContractIn(Input):
    """A partner's contract with the supplier: stored once per company and `reference`,
    updated when sent again (a prolonged end date)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "country": "PL",
                    "tax_id": EXAMPLE_TAX_ID,
                    "reference": "UM/2025/017",
                    "starts_on": "2025-03-01",
                    "ends_on": "2027-02-28",
                }
            ]
        }
    )

    country: Annotated[Country, COUNTRY_SAYS]
    tax_id: TaxId
    reference: Annotated[
        RecordKey, Says(lambda: _("reference is required: up to 64 characters."))
    ] = Field(description="The supplier's contract number.")
    starts_on: Annotated[Day, is_date("starts_on")]
    ends_on: Annotated[Day | None, is_date("ends_on")] = Field(
        None, description="Null (or left out) for an open-ended contract."
    )


def _models(base: type[BaseModel]):
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


# The request models by name: a ValidationError names the model that raised it.
MODELS = {model.__name__: model for model in _models(Input)}
