"""A property-based run over the API's OpenAPI document (schemathesis), in-process.

For every operation of /api/v1/openapi.json, schemathesis sends the document's examples
and generates requests from it: ones it allows (positive) and ones it refuses (negative: a
wrong type, a missing field, a value out of range or off its pattern). Each is sent to the Flask app
through the test client with a valid token for the operation's scope, and its answer must
be no server error, a status the operation documents, and a body that matches the
documented schema. The probe of issue #22 found 21 distinct failures in 15,294 cases on
the code before; this run must find none.

Bounded and deterministic: at most POSITIVE and NEGATIVE cases per operation,
derandomized, no example database (about 10 s on SQLite, 15 s on PostgreSQL). The data
it writes goes with the test's database like any other test's.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from club.api import services as tokens
from club.api.schemas import EXAMPLE_TAX_ID
from club.core.access import access_of

# Cases per operation: generated within the schema, and off it.
POSITIVE, NEGATIVE = 20, 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BASE_URL = "http://club.test/api/v1"


@pytest.fixture
def secrets_by_scope(db_session, club, funded, make_company, make_privilege) -> dict[str, str]:
    """A valid token for each scope: the supplier's integration token, and the personal
    token of an account holder whose company can redeem (points and a privilege). The
    document's examples name a company and a privilege that exist."""
    make_company("Hurtownia Przykład", tax_id=EXAMPLE_TAX_ID)
    site = {"key": "site", "label": "Your web site", "type": "url", "required": True}
    make_privilege("SEO audit", points=300, brief=[site])
    _token, integration = tokens.create_token(db_session, name="ERP and CRM")
    _token, personal = tokens.create_token(
        db_session, name="Holder script", scopes=tokens.PERSONAL_SCOPES, user=club.holder
    )
    db_session.commit()
    return {
        **dict.fromkeys(tokens.SCOPES, integration),
        **dict.fromkeys(tokens.PERSONAL_SCOPES, personal),
    }


def _scope_of(app, operation) -> str:
    method, path = operation.method.upper(), operation.path
    adapter = app.url_map.bind("club.test")
    endpoint, _args = adapter.match(
        "/api/v1" + path.format(**dict.fromkeys(("tax_id", "number"), "X1")), method=method
    )
    return access_of(app.view_functions[endpoint]).scope


def _settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
    )


def _send(strategy, examples: int, client, headers: dict) -> int:
    """Send `examples` cases of `strategy` and check each answer; FailureGroup if any
    fails. How many were sent."""
    sent = 0

    @_settings(examples)
    @given(case=strategy)
    def run(case):
        nonlocal sent
        sent += 1
        response = case.call(session=client, base_url=BASE_URL, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return sent


def test_generated_requests_are_answered_as_documented(app, client, secrets_by_scope):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, sent = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = {"Authorization": f"Bearer {secrets_by_scope[_scope_of(app, operation)]}"}
        examples = operation.get_strategies_from_examples()
        runs = [
            ("positive", POSITIVE, operation.as_strategy(generation_mode=GenerationMode.POSITIVE)),
            ("negative", NEGATIVE, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)),
        ]
        if examples:
            runs.insert(0, ("examples", 2 * len(examples), st.one_of(examples)))
        for name, count, strategy in runs:
            try:
                sent += _send(strategy, count, client, headers)
            except FailureGroup as group:
                failures.append(f"{operation.label} ({name}): {group}")
    assert failures == [], "\n\n".join(failures)
    assert sent > 100
