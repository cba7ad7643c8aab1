"""URL converters for every route: `<int:...>` only as large as an id column holds.

Werkzeug's `<int:...>` takes any run of digits, so `/manage/api-tokens/99999999999999999999/
revoke` reached the view and the database: SQLite refuses a Python int beyond 2**63 - 1
(OverflowError) and PostgreSQL one beyond 2**31 - 1, the range of its INTEGER, which every
id column here is ("integer out of range"): a 500 either way. `Id` replaces `int` app-wide
and matches only what an id column holds on both databases; a larger number matches no
route, so it answers 404 like any other id that names nothing, before a query is made.
Years, quarters and positions in URLs are far below the bound. Should ids become BIGINT,
raise MAX_ID with them.

A converter may say what it matches as a JSON schema (`openapi_schema`), for the API's
OpenAPI document.
"""

from __future__ import annotations

import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER (SQLite's INTEGER holds up to 2**63 - 1)


class Id(IntegerConverter):
    """`<int:...>`: 0 to MAX_ID (a route's own `max` may be lower, never higher)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        max = MAX_ID if max is None else builtins.min(max, MAX_ID)
        if signed and min is None:
            min = -MAX_ID - 1
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def openapi_schema(self) -> dict:
        return {
            "type": "integer",
            "format": "int32",
            "minimum": 0 if self.min is None else self.min,
            "maximum": self.max,
        }


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: a rule takes its converter when added."""
    app.url_map.converters["int"] = Id
