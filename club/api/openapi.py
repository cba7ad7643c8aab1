"""The API's contract, through spectree: each view declares its input and answers with the
models of club.api.schemas (`@spec.validate(...)`), which check the request before the
view runs, check the answer after it, and make the OpenAPI 3.1 document served at
/api/v1/openapi.json.

Why spectree: it decorates plain Flask views in our own blueprint, so the bearer-token
decorator and the access declaration every route carries stay as they are (flask-openapi3
and flask-smorest bring their own blueprint and app classes); its models are pydantic v2,
whose validators word each refusal for people and whose JSON schemas carry every
constraint (lengths, ranges, patterns, enums) into the document.

Refusals are the API's errors: 400 `invalid_request` (or the field's own code) with
`{"error": {"code", "message", "field"}}`, never spectree's default list.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData, Server
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.plugins.werkzeug_utils import werkzeug_parse_rule
from werkzeug.routing import parse_converter_args

from club.api import answer_schemas, fields, schemas
from club.api.webhook_schemas import EVENT_MODELS

PREFIX = "/api/v1"
VERSION = "1.1.0"
DESCRIPTION = (
    "Club: a loyalty club portal for a supplier's business partners. Integration API for "
    "the supplier's ERP and CRM, and for an account holder's own scripts. Authenticate with "
    "`Authorization: Bearer <token>` (the scheme name in any case); tokens are created by "
    "the club manager (page 'API tokens' or `flask --app wsgi club api-token create --name "
    "NAME`) or, personal ones, by an account holder. Every refused request answers "
    '`{"error": {"code": ..., "message": ..., "field": ...}}`: 400 for input refused by '
    "the schemas below (`invalid_request`, `field` naming it) or by a rule of its own "
    "(e.g. `invalid_tax_id`), 401 without a valid token, 403 outside the token's scopes, "
    "404 for what does not exist, 409 when the club's state refuses it, 413 for a body "
    "over the server's limit, 422 when a business rule refuses the content."
)


class ApiError(Exception):
    """An answer other than 2xx, rendered by the blueprint's error handler."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


class _Plugin(FlaskPlugin):
    """Paths relative to the server (/api/v1), and path parameters described by their
    URL converters (club.core.converters, club.api.edge) rather than as bare strings."""

    def parse_path(self, route, path_parameter_descriptions):
        subs, parameters = [], []
        descriptions = path_parameter_descriptions or {}
        url_map = current_app.url_map
        for converter, arguments, variable in werkzeug_parse_rule(str(route)):
            if converter is None:
                subs.append(variable)
                continue
            subs.append(f"{{{variable}}}")
            args, kwargs = parse_converter_args(arguments) if arguments else ((), {})
            instance = url_map.converters[converter](url_map, *args, **kwargs)
            schema = (
                instance.openapi_schema()
                if hasattr(instance, "openapi_schema")
                else {"type": "string"}
            )
            parameter = {"name": variable, "in": "path", "required": True, "schema": schema}
            if variable in descriptions:
                parameter["description"] = descriptions[variable]
            parameters.append(parameter)
        path = "".join(subs)
        return path.removeprefix(PREFIX), parameters


def _field_of(model: type[BaseModel] | None, location: tuple) -> tuple[str | None, Any]:
    """The refused input's name as the caller wrote it, and its pydantic field."""
    if not location:
        return None, None
    name = str(location[0])
    field = None
    if model is not None:
        for key, info in model.model_fields.items():
            if name in (key, info.alias):
                field = info
                name = info.alias or key
                break
    return ".".join([name, *map(str, location[1:])]), field


def refusal(error: ValidationError, model: type[BaseModel] | None) -> ApiError:
    """The first refusal of a validation, as the API words it: a validator's own message,
    else the field's (`schemas.Says`), else a general one."""
    first = error.errors(include_url=False)[0]
    name, field = _field_of(model, tuple(first["loc"]))
    says = next(
        (item for item in (field.metadata if field else ()) if isinstance(item, fields.Says)),
        None,
    )
    if first["type"] == "club_refusal":
        message = first["ctx"]["message"]
    elif says is not None:
        message = says.text()
    elif name is None:
        message = fields.whole_request_refusal()
    else:
        message = fields.field_refusal(name)
    code = says.code if says is not None and says.code else "invalid_request"
    return ApiError(400, code, message, name)


def _refuse_invalid(request, response, error, instance, model_adapter) -> None:
    """spectree's `before` hook: a request its models refused is answered as our errors."""
    if error is None:
        return
    raise refusal(error, _model_of(error))


def _model_of(error: ValidationError) -> type[BaseModel] | None:
    """The model that refused: pydantic names it in `error.title`."""
    return schemas.MODELS.get(error.title)


def answers(description: str, model: type[BaseModel], *errors, **more) -> Response:
    """An operation's answers: the 2xx models (`more`: HTTP_201=...) and every error it can
    answer, each with the error body: 400, 401 and 403 for all, and `errors`, each a
    status or (status, what it means here)."""
    said = dict(error if isinstance(error, tuple) else (error, ERRORS[error]) for error in errors)
    codes = {
        f"HTTP_{status}": (answer_schemas.ErrorBody, said.get(status) or ERRORS[status])
        for status in sorted({400, 401, 403, *said})
    }
    return Response(HTTP_200=(model, description), **codes, **more)


ERRORS = {
    400: "The request is malformed or a field is refused; `error.field` names it.",
    401: "No token, an unknown or revoked token, or its person can no longer act.",
    403: "The token lacks the scope this operation needs.",
    404: "No such object (or no such endpoint).",
    409: "The club's state refuses it; `error.code` says why.",
    413: "The body is larger than the server takes (MAX_CONTENT_LENGTH, 16 MB by default).",
    422: "A business rule refuses the content; `error.code` says which.",
}
# What every operation with a JSON body can answer besides.
BODY = (413,)


spec = SpecTree(
    backend=_Plugin,
    mode="strict",
    title="Club API",
    version=VERSION,
    description=DESCRIPTION,
    servers=[Server(url=PREFIX)],
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer"))
    ],
    security={"bearer": []},
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_status=400,
    validation_error_model=answer_schemas.ErrorBody,
    before=_refuse_invalid,
)


def openapi_document() -> dict:
    """The document, made from the app's routes the first time it is asked for, with the
    outbound webhooks' payloads (OpenAPI 3.1 `webhooks`)."""
    document = spec.spec
    if "webhooks" not in document:
        _add_webhooks(document)
    return document


SIGNATURE = (
    "`t=<unix seconds>,v1=<hex>`: HMAC-SHA256, under the endpoint's secret, of the "
    "timestamp, a dot and the raw body (`<t>.<body>`). Compare in constant time and refuse "
    "a timestamp older than a few minutes (replays). See the README's integrators' guide."
)
WEBHOOK_HEADERS = {
    "Club-Signature": SIGNATURE,
    "Club-Event-Type": "The event type, as `type` in the body.",
    "Club-Event-Id": "The event's id, as `id` in the body: deduplicate on it.",
    "Club-Delivery-Id": "This delivery (one endpoint, one event); the same on retries.",
}


def _add_webhooks(document: dict) -> None:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    webhooks = {}
    for kind, model in EVENT_MODELS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
        webhooks[kind] = {
            "post": {
                "summary": kind,
                "description": (model.__doc__ or "") + " Sent by the club to each endpoint "
                "the club manager registered for it, retried with backoff until it answers "
                "2xx.",
                "operationId": f"webhook_{kind.replace('.', '_')}",
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": True,
                        "description": about,
                        "schema": {"type": "string"},
                    }
                    for name, about in WEBHOOK_HEADERS.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Any 2xx: received. Anything else is retried."}
                },
                "security": [],
            }
        }
    document["webhooks"] = webhooks
