"""The edge of /api/v1: its blueprint, what its paths may hold, bearer tokens, and its
errors as JSON: {"error": {"code": "...", "message": "...", "field": ...}}."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter

from club.api import fields
from club.api import services as tokens
from club.api.openapi import ApiError, spec
from club.catalog.errors import BriefIncomplete
from club.core.access import TokenAccess
from club.core.clock import utcnow
from club.core.database import UNSAFE_METHODS
from club.core.errors import ClubError
from club.extensions import csrf, db
from club.purchases import invoices

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry one


# --- what a path may hold ---------------------------------------------------------------


class TaxIdInPath(BaseConverter):
    """A tax id as people write it: letters and digits, with spaces, dots or dashes."""

    regex = r"[0-9A-Za-z][0-9A-Za-z .-]{0,39}"

    def openapi_schema(self) -> dict:
        return {
            "type": "string",
            "pattern": f"^{self.regex}$",
            "maxLength": 40,
            "examples": ["526-025-02-74"],
        }


class InvoiceNumberInPath(BaseConverter):
    """An invoice number: up to 64 characters, slashes included, no control characters."""

    regex = rf"[^\x00-\x1f\x7f]{{1,{invoices.MAX_NUMBER_LENGTH}}}"
    part_isolating = False
    weight = 200  # as werkzeug's `path`: the fixed parts of other rules match first

    def openapi_schema(self) -> dict:
        return {
            "type": "string",
            "pattern": r"^[^\x00-\x1f\x7f]+$",
            "minLength": 1,
            "maxLength": invoices.MAX_NUMBER_LENGTH,
            "examples": ["FV/2026/10/0001"],
        }


@bp.record_once
def _converters(state) -> None:
    # Recorded before the routes below, so it runs before their rules are added.
    state.app.url_map.converters.update(tax_id=TaxIdInPath, invoice_number=InvoiceNumberInPath)


# --- errors and tokens ------------------------------------------------------------------


def error_response(status: int, code: str, message: str, field: str | None = None, **more):
    response = jsonify({"error": {"code": code, "message": message, "field": field, **more}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="club"'
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.field)


@bp.errorhandler(ClubError)
def _club_error(error: ClubError):
    db.session.rollback()
    more = {"problems": error.problems} if isinstance(error, BriefIncomplete) else {}
    more |= getattr(error, "details", None) or {}  # facts a refusal adds for scripts
    return error_response(error.status_code, error_code(error), error.message, error.field, **more)


def error_code(error: ClubError) -> str:
    """A refusal's stable code: its class in snake case (InsufficientPoints ->
    insufficient_points)."""
    name = type(error).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def token_required(scope: str):
    """The route's access: a bearer token with `scope` (the scheme name in any case, as
    RFC 9110 has it). A route that takes a JSON body gets it checked here, after the
    token: it must parse (not too deep) and be an object."""

    def decorator(view):
        declared = spec.get_function_metadata(view)
        takes_json = declared is not None and declared.json is not None

        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            kind, _sep, secret = header.strip().partition(" ")
            token = (
                tokens.find_token(db.session, secret.strip()) if kind.lower() == "bearer" else None
            )
            if token is None:
                raise ApiError(
                    401, "unauthorized", _("Send a valid API token: Authorization: Bearer <token>.")
                )
            if scope not in token.scope_set:
                raise ApiError(
                    403, "forbidden_scope", _("This token may not use %(scope)s.", scope=scope)
                )
            if takes_json:
                _json_object()
            if request.method in UNSAFE_METHODS:
                # Recorded with the write it comes with; reads stay read-only.
                token.last_used_at = utcnow()
            g.api_token = token
            return view(*args, **kwargs)

        wrapper.access = TokenAccess(scope)
        return wrapper

    return decorator


def _json_object() -> None:
    """The body parsed once (the schemas read it from Flask's cache): JSON, an object."""
    refused = ApiError(400, "invalid_json", fields.whole_request_refusal())
    if not request.is_json:
        raise refused
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):  # malformed, or nested deeper than Python parses
        raise refused from None
    if not isinstance(body, dict):
        raise refused
