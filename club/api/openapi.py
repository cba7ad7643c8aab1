"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from club import __doc__ as _club_doc

VERSION = "1.0.0"


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


ERRORS = {
    "400": _error("The request is malformed; `error.code` says how."),
    "401": _error("No token, an unknown token or a revoked token."),
    "403": _error("The token lacks the scope this endpoint needs."),
}

TAX_ID = {
    "name": "tax_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The company's tax id (NIP, INN, VAT number); dashes and spaces are ignored.",
}
COUNTRY = {
    "name": "country",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    "description": "Needed only when two countries use the same tax id.",
}


PERIOD = {
    "name": "period",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "pattern": r"^(\d{4}(-\d{2}|-[Qq][1-4])?|all)$"},
    "description": "2026-11 (a month), 2026-Q4 (a quarter), 2026 (a year) or all; "
    "the current month when left out. Months are the club's calendar months (its time "
    "zone); periods that have not started are refused.",
}
LEAGUE = {
    "name": "league",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Only companies of this tier (and their people); unknown leagues are "
    "refused with `unknown_league`.",
}
LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 50},
    "description": "How many rows of the top.",
}


def _board_path(summary: str, description: str, operation: str, schema: str, extra=()):
    return {
        "get": {
            "summary": summary,
            "description": description,
            "operationId": operation,
            "parameters": [PERIOD, LEAGUE, LIMIT, *extra],
            "responses": {
                "200": {
                    "description": "The top of the board, best first.",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                    },
                },
                **ERRORS,
            },
        }
    }


def _board_schema(row: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "board": {"type": "string", "enum": ["people", "companies"]},
            "view": {"type": "string", "enum": ["total", "activity"]},
            "period": {
                "type": "object",
                "properties": {
                    "key": {"type": "string", "examples": ["2026-Q4"]},
                    "kind": {"type": "string", "enum": ["month", "quarter", "year", "all"]},
                    "starts": {"type": ["string", "null"], "format": "date"},
                    "ends": {"type": ["string", "null"], "format": "date"},
                },
            },
            "league": {"type": ["string", "null"]},
            "rows": {"type": "array", "items": row},
        },
    }


_BOARD_ROW = {
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
    "points": {"type": "integer"},
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Club API",
            "version": VERSION,
            "description": (_club_doc or "") + " Integration API for the supplier's ERP "
            "and CRM. Authenticate with `Authorization: Bearer <token>`; tokens are "
            "created by the club manager (page 'API tokens' or `flask --app wsgi club "
            "api-token create --name NAME`).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/invoices": {
                "post": {
                    "summary": "Send invoices and credit notes",
                    "description": "Creates new invoices; an invoice sent again updates its "
                    "payment date and never counts twice. Rows that cannot be saved are "
                    "listed in `rejected` with their index; the others are saved. Scope: "
                    "invoices.",
                    "operationId": "postInvoices",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/InvoiceBatch"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "What was saved and what was rejected.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/InvoiceReport"}
                                }
                            },
                        },
                        "413": _error("More than 1000 invoices in one request."),
                        **ERRORS,
                    },
                }
            },
            "/invoices/{number}/payment": {
                "post": {
                    "summary": "Record the payment of an invoice",
                    "description": "Scope: invoices.",
                    "operationId": "postPayment",
                    "parameters": [
                        {
                            "name": "number",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["paid_date"],
                                    "properties": {
                                        "paid_date": {"type": "string", "format": "date"}
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The payment is recorded.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "number": {"type": "string"},
                                            "paid_date": {"type": "string", "format": "date"},
                                        },
                                    }
                                }
                            },
                        },
                        "404": _error("No such invoice."),
                        **ERRORS,
                    },
                }
            },
            "/privileges": {
                "get": {
                    "summary": "The privilege catalogue",
                    "description": "Scope: privileges (an account holder's personal token).",
                    "operationId": "getPrivileges",
                    "responses": {
                        "200": {
                            "description": "Every privilege not retired.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "privileges": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Privilege"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        **ERRORS,
                    },
                }
            },
            "/redemptions": {
                "post": {
                    "summary": "Redeem a privilege",
                    "description": "Holds the points and puts the redemption in the club "
                    "manager's queue. Needs an account holder's personal token (scope "
                    "redemptions) and an Idempotency-Key header: a request sent again with "
                    "the same key returns the first redemption (200) and holds nothing more.",
                    "operationId": "postRedemption",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 150},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["privilege"],
                                    "properties": {
                                        "privilege": {"type": "string", "description": "The slug."},
                                        "answers": {
                                            "type": "object",
                                            "additionalProperties": {"type": "string"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "A replay: the redemption made the first time.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Redemption"}
                                }
                            },
                        },
                        "201": {
                            "description": "Redeemed; the points are held.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Redemption"}
                                }
                            },
                        },
                        "404": _error("No such privilege."),
                        "409": _error(
                            "Not enough points, fully booked, out of stock, not "
                            "available, or the key was used for something else."
                        ),
                        "422": _error(
                            "Missing or invalid answers; `error.problems` names each question."
                        ),
                        **ERRORS,
                    },
                }
            },
            "/rebates": {
                "get": {
                    "summary": "Post-sale rebates to credit",
                    "description": "Rebates fulfilled since a day, for the ERP to put on "
                    "the partners' next invoices. Scope: invoices.",
                    "operationId": "getRebates",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "format": "date"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The rebates, oldest first.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "rebates": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Rebate"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        **ERRORS,
                    },
                }
            },
            "/companies/{tax_id}": {
                "put": {
                    "summary": "Create or update a partner company",
                    "description": "From the supplier's CRM. Scope: companies.",
                    "operationId": "putCompany",
                    "parameters": [TAX_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CompanyIn"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Updated.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Company"}
                                }
                            },
                        },
                        "201": {
                            "description": "Created.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Company"}
                                }
                            },
                        },
                        **ERRORS,
                    },
                }
            },
            "/companies/{tax_id}/wallet": {
                "get": {
                    "summary": "A company's points",
                    "description": "Scope: wallets.",
                    "operationId": "getWallet",
                    "parameters": [TAX_ID, COUNTRY],
                    "responses": {
                        "200": {
                            "description": "Balances and the next expiry.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Wallet"}
                                }
                            },
                        },
                        "404": _error("No such company."),
                        "409": _error("The tax id is used in several countries."),
                        **ERRORS,
                    },
                }
            },
            "/companies/{tax_id}/entries": {
                "get": {
                    "summary": "A company's statement, newest first",
                    "description": "Scope: wallets.",
                    "operationId": "getEntries",
                    "parameters": [
                        TAX_ID,
                        COUNTRY,
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "default": 1},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 500,
                                "default": 50,
                            },
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "One page of entries.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/EntryPage"}
                                }
                            },
                        },
                        "404": _error("No such company."),
                        **ERRORS,
                    },
                }
            },
            "/leaderboards/people": _board_path(
                "The people board",
                "Points people earned in the period (courses, meetings, other activity), "
                "best first; equal points share the rank and whoever got there first is "
                "listed first. Scope: leaderboards.",
                "getPeopleBoard",
                "PeopleBoard",
            ),
            "/leaderboards/companies": _board_path(
                "The company board",
                "Points companies earned in the period: all of them, purchases included "
                "(view=total), or everything but purchases (view=activity). Scope: "
                "leaderboards.",
                "getCompanyBoard",
                "CompanyBoard",
                extra=(
                    {
                        "name": "view",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "string",
                            "enum": ["total", "activity"],
                            "default": "total",
                        },
                    },
                ),
            ),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "description": "Stable, for programs."},
                                "message": {"type": "string", "description": "For people."},
                            },
                        }
                    },
                },
                "Invoice": {
                    "type": "object",
                    "required": ["number", "tax_id", "issue_date", "due_date", "net_amount"],
                    "properties": {
                        "number": {"type": "string", "maxLength": 64},
                        "tax_id": {"type": "string"},
                        "issue_date": {"type": "string", "format": "date"},
                        "due_date": {"type": "string", "format": "date"},
                        "net_amount": {
                            "type": "string",
                            "pattern": r"^-?\d+(\.\d{1,2})?$",
                            "description": "Decimal as a string; a credit "
                            "note's amount is taken as negative.",
                        },
                        "currency": {"type": "string", "default": "PLN"},
                        "paid_date": {"type": ["string", "null"], "format": "date"},
                        "kind": {
                            "type": "string",
                            "enum": ["invoice", "credit_note"],
                            "default": "invoice",
                        },
                    },
                },
                "InvoiceBatch": {
                    "type": "object",
                    "required": ["invoices"],
                    "properties": {
                        "invoices": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 1000,
                            "items": {"$ref": "#/components/schemas/Invoice"},
                        }
                    },
                },
                "InvoiceReport": {
                    "type": "object",
                    "properties": {
                        "created": {"type": "integer"},
                        "updated": {"type": "integer"},
                        "unchanged": {"type": "integer"},
                        "rejected": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "index": {"type": "integer"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "CompanyIn": {
                    "type": "object",
                    "required": ["name", "country"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 200},
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                        "status": {
                            "type": "string",
                            "enum": ["applicant", "member", "suspended", "left"],
                        },
                        "joined_on": {"type": ["string", "null"], "format": "date"},
                        "street": {"type": "string"},
                        "postal_code": {"type": "string"},
                        "city": {"type": "string"},
                        "account_manager_email": {"type": "string", "format": "email"},
                    },
                },
                "Company": {
                    "type": "object",
                    "properties": {
                        "tax_id": {"type": "string"},
                        "country": {"type": "string"},
                        "name": {"type": "string"},
                        "status": {"type": "string"},
                        "joined_on": {"type": ["string", "null"], "format": "date"},
                    },
                },
                "Wallet": {
                    "type": "object",
                    "properties": {
                        "company": {"$ref": "#/components/schemas/Company"},
                        "available": {"type": "integer"},
                        "pending": {"type": "integer"},
                        "held": {"type": "integer"},
                        "next_expiry": {
                            "type": ["object", "null"],
                            "properties": {
                                "points": {"type": "integer"},
                                "date": {"type": "string", "format": "date"},
                            },
                        },
                    },
                },
                "Entry": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {
                            "type": "string",
                            "enum": [
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
                            ],
                        },
                        "amount": {"type": "integer"},
                        "available": {"type": "integer"},
                        "pending": {"type": "integer"},
                        "held": {"type": "integer"},
                        "source": {
                            "type": "object",
                            "properties": {"type": {"type": "string"}, "id": {"type": "string"}},
                        },
                        "reason": {"type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "earned_at": {"type": "string", "format": "date-time"},
                    },
                },
                "Rebate": {
                    "type": "object",
                    "properties": {
                        "redemption_id": {"type": "integer"},
                        "tax_id": {"type": "string"},
                        "country": {"type": "string"},
                        "company": {"type": "string"},
                        "amount": {"type": "string", "description": "Decimal, the credit."},
                        "currency": {"type": "string"},
                        "points": {"type": "integer"},
                        "fulfilled_at": {"type": "string", "format": "date-time"},
                        "note": {"type": "string"},
                    },
                },
                "Privilege": {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "summary": {"type": "string"},
                        "category": {"type": "string"},
                        "points_cost": {"type": "integer"},
                        "lead_time_days": {"type": "integer"},
                        "left_this_quarter": {"type": ["integer", "null"]},
                        "in_stock": {"type": ["integer", "null"]},
                        "available": {"type": "boolean"},
                        "brief": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "key": {"type": "string"},
                                    "label": {"type": "string"},
                                    "type": {"type": "string"},
                                    "required": {"type": "boolean"},
                                },
                            },
                        },
                    },
                },
                "Redemption": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "privilege": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": [
                                "requested",
                                "approved",
                                "in_progress",
                                "fulfilled",
                                "rejected",
                                "cancelled",
                            ],
                        },
                        "points": {"type": "integer"},
                        "answers": {"type": "object"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                },
                "PeopleBoard": _board_schema(
                    {
                        "type": "object",
                        "properties": {
                            **_BOARD_ROW,
                            "company": {
                                "type": ["string", "null"],
                                "description": "The person's company, when both show their names.",
                            },
                        },
                    }
                ),
                "CompanyBoard": _board_schema(
                    {
                        "type": "object",
                        "properties": {
                            **_BOARD_ROW,
                            "tax_id": {"type": ["string", "null"]},
                            "country": {"type": ["string", "null"]},
                        },
                    }
                ),
                "EntryPage": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "total": {"type": "integer"},
                        "entries": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Entry"},
                        },
                    },
                },
            },
        },
    }
