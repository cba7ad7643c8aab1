"""A property-based run over the API's OpenAPI document (schemathesis), in-process.

For every operation of /api/v1/openapi.json, schemathesis makes requests from the
document, in three phases as its command line does:
- examples: the document's own;
- coverage: deterministic boundary cases: every value the schema refuses (a NUL byte,
  one character too many, a number past its range, a wrong type, a missing field, an
  unexpected method) and a sample of those it allows (the enums' values, lengths at
  their bounds);
- fuzzing: generated requests, inside the schema (POSITIVE per operation) and off it
  (NEGATIVE).
Each is sent to the Flask app through the test client with a valid token for the
operation's scope, and its answer must be no server error, a status the operation
documents, and a body that matches the documented schema. The probe of issue #22 found
21 distinct failures in 15,294 cases on the code before; this run must find none.

Bounded and deterministic (derandomized, no example database): about 1,000 requests.
The document's examples and the coverage phase run on both databases, since boundaries
are where SQLite and PostgreSQL differ; the generated requests run on one (PostgreSQL
where it answers). What it writes goes with the test's database like any other
test's.
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

# Generated cases per operation, inside the schema and off it; coverage cases the schema
# allows, at most, per operation (they list every country and currency).
POSITIVE, NEGATIVE, ALLOWED_BOUNDARIES = 20, 10, 20
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
    adapter = app.url_map.bind("club.test")
    path = "/api/v1" + operation.path.format(**dict.fromkeys(("tax_id", "number"), "X1"))
    endpoint, _args = adapter.match(path, method=operation.method.upper())
    return access_of(app.view_functions[endpoint]).scope


class Run:
    """Sends cases with one token and collects what fails, once per operation, phase
    and kind of failure."""

    def __init__(self, client, headers: dict) -> None:
        self.client, self.headers = client, headers
        self.sent, self.failures = 0, []

    def send(self, case) -> None:
        self.sent += 1
        response = case.call(session=self.client, base_url=BASE_URL, headers=self.headers)
        case.validate_response(response, checks=CHECKS, headers=self.headers)

    def cases(self, phase: str, cases) -> None:
        """Deterministic cases (the coverage phase): each is sent."""
        seen = set()
        for case in cases:
            try:
                self.send(case)
            except FailureGroup as group:
                titles = frozenset(failure.title for failure in group.exceptions)
                if titles not in seen:
                    seen.add(titles)
                    self.failures.append(f"{case.operation.label} ({phase}): {group}")

    def strategy(self, phase: str, strategy, examples: int, label: str) -> None:
        """Generated cases: Hypothesis draws `examples` of them."""

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # a failure is reported as found
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            self.send(case)

        try:
            run()
        except FailureGroup as group:
            self.failures.append(f"{label} ({phase}): {group}")


def _boundaries(schema, operation, mode: GenerationMode, limit: int | None) -> list:
    config = schema.config.generation_for(operation=operation, phase="coverage")
    cases = list(
        schema.iter_coverage_cases(operation, generation_modes=[mode], generation_config=config)
    )
    if limit is None or len(cases) <= limit:
        return cases
    return cases[:: -(-len(cases) // limit)]  # evenly spread over the list


def _send_each_operation(app, client, secrets_by_scope, phases) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    sent, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        token = secrets_by_scope[_scope_of(app, operation)]
        run = Run(client, {"Authorization": f"Bearer {token}"})
        for phase in phases:
            phase(run, schema, operation)
        sent += run.sent
        failures += run.failures
    return sent, failures


def _examples_and_boundaries(run: Run, schema, operation) -> None:
    examples = operation.get_strategies_from_examples()
    if examples:
        run.strategy("examples", st.one_of(examples), 2 * len(examples), operation.label)
    run.cases("coverage, refused", _boundaries(schema, operation, GenerationMode.NEGATIVE, None))
    run.cases(
        "coverage, allowed",
        _boundaries(schema, operation, GenerationMode.POSITIVE, ALLOWED_BOUNDARIES),
    )


def _fuzzing(run: Run, schema, operation) -> None:
    for mode, count in ((GenerationMode.POSITIVE, POSITIVE), (GenerationMode.NEGATIVE, NEGATIVE)):
        strategy = operation.as_strategy(generation_mode=mode)
        run.strategy(f"fuzzing, {mode.value}", strategy, count, operation.label)


@pytest.mark.one_database
def test_examples_and_boundaries_are_answered_as_documented(app, client, secrets_by_scope):
    """On PostgreSQL, the stricter database: a NUL byte, a 64-bit id or a string one
    character too long that slipped past the edge is an error there, stored as it came on
    SQLite; the edge's own checks are the same on both."""
    sent, failures = _send_each_operation(app, client, secrets_by_scope, [_examples_and_boundaries])
    assert failures == [], "\n\n".join(failures)
    assert sent > 300


@pytest.mark.one_database
def test_generated_requests_are_answered_as_documented(app, client, secrets_by_scope):
    """Generated requests, in the schema and off it, on one database (PostgreSQL's)."""
    sent, failures = _send_each_operation(app, client, secrets_by_scope, [_fuzzing])
    assert failures == [], "\n\n".join(failures)
    assert sent > 200  # 30 an operation
