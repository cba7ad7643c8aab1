"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Each operation is written once, with `_operation`: the error answers every endpoint
shares (400, 401, 403) and the JSON wrapping of bodies and answers are added here.
"""

from __future__ import annotations

VERSION = "1.0.0"

DESCRIPTION = (
    "Club: a loyalty club portal for a supplier's business partners. Integration API for "
    "the supplier's ERP and CRM. Authenticate with `Authorization: Bearer <token>`; tokens "
    "are created by the club manager (page 'API tokens' or `flask --app wsgi club "
    "api-token create --name NAME`)."
)

# --- building blocks ------------------------------------------------------------------

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}


def _ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def _object(properties: dict, *, required: list[str] | None = None) -> dict:
    schema: dict = {"type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    return schema


def _list_of(key: str, schema: str) -> dict:
    """An object with one array of `schema`, e.g. {"privileges": [...]}."""
    return _object({key: {"type": "array", "items": _ref(schema)}})


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _answer(description: str, schema: dict | str) -> dict:
    """A response with a JSON body: a schema, or the name of a component schema."""
    return {
        "description": description,
        "content": _json(_ref(schema) if isinstance(schema, str) else schema),
    }


def _error(description: str) -> dict:
    return _answer(description, "Error")


ERRORS = {
    "400": _error("The request is malformed; `error.code` says how."),
    "401": _error("No token, an unknown token or a revoked token."),
    "403": _error("The token lacks the scope this endpoint needs."),
}


def _param(
    name: str,
    where: str,
    schema: dict,
    *,
    required: bool | None = None,
    description: str | None = None,
) -> dict:
    parameter = {"name": name, "in": where}
    if required is not None:
        parameter["required"] = required
    parameter["schema"] = schema
    if description is not None:
        parameter["description"] = description
    return parameter


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    responses: dict,
    *,
    parameters: list[dict] | None = None,
    body: dict | str | None = None,
) -> dict:
    """One operation; `body` is the JSON request body's schema (or its component's name)."""
    operation = {"summary": summary, "description": description, "operationId": operation_id}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": _json(_ref(body) if isinstance(body, str) else body),
        }
    operation["responses"] = {**responses, **ERRORS}
    return operation


# --- parameters -----------------------------------------------------------------------

TAX_ID = _param(
    "tax_id",
    "path",
    STRING,
    required=True,
    description="The company's tax id (NIP, INN, VAT number); dashes and spaces are ignored.",
)
COUNTRY = _param(
    "country",
    "query",
    {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    required=False,
    description="Needed only when two countries use the same tax id.",
)
PERIOD = _param(
    "period",
    "query",
    {"type": "string", "pattern": r"^(\d{4}(-\d{2}|-[Qq][1-4])?|all)$"},
    required=False,
    description="2026-11 (a month), 2026-Q4 (a quarter), 2026 (a year) or all; "
    "the current month when left out. Months are the club's calendar months (its time "
    "zone); periods that have not started are refused.",
)
LEAGUE = _param(
    "league",
    "query",
    STRING,
    required=False,
    description="Only companies of this tier (and their people); unknown leagues are "
    "refused with `unknown_league`.",
)
LIMIT = _param(
    "limit",
    "query",
    {"type": "integer", "minimum": 1, "maximum": 50, "default": 50},
    required=False,
    description="How many rows of the top.",
)
BOARD_VIEW = _param(
    "view",
    "query",
    {"type": "string", "enum": ["total", "activity"], "default": "total"},
    required=False,
)
PAGE = _param("page", "query", {"type": "integer", "minimum": 1, "default": 1})
PER_PAGE = _param(
    "per_page", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}
)

# --- the paths ------------------------------------------------------------------------


def _board(operation_id: str, summary: str, description: str, schema: str, extra=()) -> dict:
    return {
        "get": _operation(
            operation_id,
            summary,
            description,
            {"200": _answer("The top of the board, best first.", schema)},
            parameters=[PERIOD, LEAGUE, LIMIT, *extra],
        )
    }


PATHS = {
    "/invoices": {
        "post": _operation(
            "postInvoices",
            "Send invoices and credit notes",
            "Creates new invoices; an invoice sent again updates its payment date and "
            "never counts twice. Rows that cannot be saved are listed in `rejected` with "
            "their index; the others are saved. Scope: invoices.",
            {
                "200": _answer("What was saved and what was rejected.", "InvoiceReport"),
                "413": _error("More than 1000 invoices in one request."),
            },
            body="InvoiceBatch",
        )
    },
    "/invoices/{number}/payment": {
        "post": _operation(
            "postPayment",
            "Record the payment of an invoice",
            "Scope: invoices.",
            {
                "200": _answer(
                    "The payment is recorded.", _object({"number": STRING, "paid_date": DATE})
                ),
                "404": _error("No such invoice."),
            },
            parameters=[_param("number", "path", STRING, required=True)],
            body=_object({"paid_date": DATE}, required=["paid_date"]),
        )
    },
    "/privileges": {
        "get": _operation(
            "getPrivileges",
            "The privilege catalogue",
            "Scope: privileges (an account holder's personal token).",
            {"200": _answer("Every privilege not retired.", _list_of("privileges", "Privilege"))},
        )
    },
    "/redemptions": {
        "post": _operation(
            "postRedemption",
            "Redeem a privilege",
            "Holds the points and puts the redemption in the club manager's queue. Needs "
            "an account holder's personal token (scope redemptions) and an Idempotency-Key "
            "header: a request sent again with the same key returns the first redemption "
            "(200) and holds nothing more.",
            {
                "200": _answer("A replay: the redemption made the first time.", "Redemption"),
                "201": _answer("Redeemed; the points are held.", "Redemption"),
                "404": _error("No such privilege."),
                "409": _error(
                    "Not enough points, fully booked, out of stock, not available, or the "
                    "key was used for something else."
                ),
                "422": _error("Missing or invalid answers; `error.problems` names each question."),
            },
            parameters=[
                _param(
                    "Idempotency-Key",
                    "header",
                    {"type": "string", "maxLength": 150},
                    required=True,
                )
            ],
            body=_object(
                {
                    "privilege": {"type": "string", "description": "The slug."},
                    "answers": {"type": "object", "additionalProperties": STRING},
                },
                required=["privilege"],
            ),
        )
    },
    "/rebates": {
        "get": _operation(
            "getRebates",
            "Post-sale rebates to credit",
            "Rebates fulfilled since a day, for the ERP to put on the partners' next "
            "invoices. Scope: invoices.",
            {"200": _answer("The rebates, oldest first.", _list_of("rebates", "Rebate"))},
            parameters=[_param("since", "query", DATE, required=True)],
        )
    },
    "/companies/{tax_id}": {
        "put": _operation(
            "putCompany",
            "Create or update a partner company",
            "From the supplier's CRM. Scope: companies.",
            {"200": _answer("Updated.", "Company"), "201": _answer("Created.", "Company")},
            parameters=[TAX_ID],
            body="CompanyIn",
        )
    },
    "/companies/{tax_id}/wallet": {
        "get": _operation(
            "getWallet",
            "A company's points",
            "Scope: wallets.",
            {
                "200": _answer("Balances and the next expiry.", "Wallet"),
                "404": _error("No such company."),
                "409": _error("The tax id is used in several countries."),
            },
            parameters=[TAX_ID, COUNTRY],
        )
    },
    "/companies/{tax_id}/entries": {
        "get": _operation(
            "getEntries",
            "A company's statement, newest first",
            "Scope: wallets.",
            {
                "200": _answer("One page of entries.", "EntryPage"),
                "404": _error("No such company."),
            },
            parameters=[TAX_ID, COUNTRY, PAGE, PER_PAGE],
        )
    },
    "/leaderboards/people": _board(
        "getPeopleBoard",
        "The people board",
        "Points people earned in the period (courses, meetings, other activity), best "
        "first; equal points share the rank and whoever got there first is listed first. "
        "Scope: leaderboards.",
        "PeopleBoard",
    ),
    "/leaderboards/companies": _board(
        "getCompanyBoard",
        "The company board",
        "Points companies earned in the period: all of them, purchases included "
        "(view=total), or everything but purchases (view=activity). Scope: leaderboards.",
        "CompanyBoard",
        extra=(BOARD_VIEW,),
    ),
}

# --- the schemas ----------------------------------------------------------------------


BOARD_ROW = {
    "rank": {
        "type": "integer",
        "description": "1 + the number of rows with more points: equal points share it.",
    },
    "name": {
        "type": "string",
        "description": "As its owner chose to be shown: a hidden name reads 'Member of "
        "<company>', 'Anonymous member' or 'Anonymous company'.",
    },
    "hidden": {"type": "boolean", "description": "The name is a stand-in."},
    "points": INTEGER,
}


def _board_schema(row: dict) -> dict:
    period = _object(
        {
            "key": {"type": "string", "examples": ["2026-Q4"]},
            "kind": {"type": "string", "enum": ["month", "quarter", "year", "all"]},
            "starts": DATE_OR_NULL,
            "ends": DATE_OR_NULL,
        }
    )
    return _object(
        {
            "board": {"type": "string", "enum": ["people", "companies"]},
            "view": {"type": "string", "enum": ["total", "activity"]},
            "period": period,
            "league": {"type": ["string", "null"]},
            "rows": {"type": "array", "items": _object({**BOARD_ROW, **row})},
        }
    )


ENTRY_KINDS = [
    "earn",
    "confirm",
    "forfeit",
    "hold",
    "capture",
    "release",
    "expire",
    "adjust",
    "clawback",
    "settle",
]
REDEMPTION_STATUSES = ["requested", "approved", "in_progress", "fulfilled", "rejected", "cancelled"]

SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "description": "Stable, for programs."},
                    "message": {"type": "string", "description": "For people."},
                },
                required=["code", "message"],
            )
        },
        required=["error"],
    ),
    "Invoice": _object(
        {
            "number": {"type": "string", "maxLength": 64},
            "tax_id": STRING,
            "issue_date": DATE,
            "due_date": DATE,
            "net_amount": {
                "type": "string",
                "pattern": r"^-?\d+(\.\d{1,2})?$",
                "description": "Decimal as a string; a credit note's amount is taken as negative.",
            },
            "currency": {"type": "string", "default": "PLN"},
            "paid_date": DATE_OR_NULL,
            "kind": {"type": "string", "enum": ["invoice", "credit_note"], "default": "invoice"},
        },
        required=["number", "tax_id", "issue_date", "due_date", "net_amount"],
    ),
    "InvoiceBatch": _object(
        {
            "invoices": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1000,
                "items": _ref("Invoice"),
            }
        },
        required=["invoices"],
    ),
    "InvoiceReport": _object(
        {
            "created": INTEGER,
            "updated": INTEGER,
            "unchanged": INTEGER,
            "rejected": {
                "type": "array",
                "items": _object({"index": INTEGER, "message": STRING}),
            },
        }
    ),
    "CompanyIn": _object(
        {
            "name": {"type": "string", "maxLength": 200},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "status": {"type": "string", "enum": ["applicant", "member", "suspended", "left"]},
            "joined_on": DATE_OR_NULL,
            "street": STRING,
            "postal_code": STRING,
            "city": STRING,
            "account_manager_email": {"type": "string", "format": "email"},
        },
        required=["name", "country"],
    ),
    "Company": _object(
        {
            "tax_id": STRING,
            "country": STRING,
            "name": STRING,
            "status": STRING,
            "joined_on": DATE_OR_NULL,
        }
    ),
    "Wallet": _object(
        {
            "company": _ref("Company"),
            "available": INTEGER,
            "pending": INTEGER,
            "held": INTEGER,
            "next_expiry": {
                "type": ["object", "null"],
                "properties": {"points": INTEGER, "date": DATE},
            },
        }
    ),
    "Entry": _object(
        {
            "id": INTEGER,
            "kind": {"type": "string", "enum": ENTRY_KINDS},
            "amount": INTEGER,
            "available": INTEGER,
            "pending": INTEGER,
            "held": INTEGER,
            "source": _object({"type": STRING, "id": STRING}),
            "reason": STRING,
            "created_at": DATE_TIME,
            "earned_at": DATE_TIME,
        }
    ),
    "Rebate": _object(
        {
            "redemption_id": INTEGER,
            "tax_id": STRING,
            "country": STRING,
            "company": STRING,
            "amount": {"type": "string", "description": "Decimal, the credit."},
            "currency": STRING,
            "points": INTEGER,
            "fulfilled_at": DATE_TIME,
            "note": STRING,
        }
    ),
    "Privilege": _object(
        {
            "slug": STRING,
            "title": STRING,
            "summary": STRING,
            "category": STRING,
            "points_cost": INTEGER,
            "lead_time_days": INTEGER,
            "left_this_quarter": {"type": ["integer", "null"]},
            "in_stock": {"type": ["integer", "null"]},
            "available": BOOLEAN,
            "brief": {
                "type": "array",
                "items": _object(
                    {"key": STRING, "label": STRING, "type": STRING, "required": BOOLEAN}
                ),
            },
        }
    ),
    "Redemption": _object(
        {
            "id": INTEGER,
            "privilege": STRING,
            "status": {"type": "string", "enum": REDEMPTION_STATUSES},
            "points": INTEGER,
            "answers": {"type": "object"},
            "created_at": DATE_TIME,
        }
    ),
    "PeopleBoard": _board_schema(
        {
            "company": {
                "type": ["string", "null"],
                "description": "The person's company, when both show their names.",
            }
        }
    ),
    "CompanyBoard": _board_schema(
        {"tax_id": {"type": ["string", "null"]}, "country": {"type": ["string", "null"]}}
    ),
    "EntryPage": _object(
        {
            "page": INTEGER,
            "per_page": INTEGER,
            "total": INTEGER,
            "entries": {"type": "array", "items": _ref("Entry")},
        }
    ),
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Club API", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
