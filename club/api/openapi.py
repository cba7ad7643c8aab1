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
