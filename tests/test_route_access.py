"""Every route declares who may use it, the declaration holds for every role, and no
route hands one company's objects to another.

The walk takes every rule of the application's URL map (a new route is walked without
being listed) and fills its arguments from a world of two partner companies, A and B,
each with one of every kind of object (tests/access_world.py). Signed in as someone of A
(or as A's account manager), every route is opened with B's ids, then with A's own:

- a route the role may not use answers 403 (anonymous people: the login page);
- B's objects answer 404 to A's people and A's account manager; objects every member
  shares (a published meeting, a privilege, a course, public verification codes, links
  whose secret is the permission) answer as usual; the club manager sees both companies;
- A's own objects are reachable (which shows that B's 404 is not a wrong id);
- nothing answers 500, no GET writes to the database, no page shows B's private texts,
  and POSTs with B's ids leave B's rows as they were.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event

from club.core.access import EXEMPT_ENDPOINTS, PUBLIC, TokenAccess, access_of
from club.core.roles import Role
from club.extensions import db
from tests.access_world import (
    PRIVATE,
    SECRET,
    SHARED,
    Side,
    World,
    build_world,
    fill_for,
    state_of,
)
from tests.conftest import login, make_test_app, rolled_back_part

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

ROLE_USERS = {
    Role.CLUB_MANAGER: "club_manager",
    Role.ACCOUNT_MANAGER: "account_manager",
    Role.ACCOUNT_HOLDER: "holder",
    Role.PARTNER_STAFF: "staff",
}

# Routes whose normal answer is a redirect to the login page.
LEADS_TO_LOGIN = {"members.login", "members.logout", "members.forgot_password"}

# Methods not walked: Flask answers HEAD with the GET view minus its body, and OPTIONS
# by itself, without calling the view. `static` (EXEMPT_ENDPOINTS) serves files from the
# static folder: no access rule, no database object.
SKIPPED_METHODS = {"HEAD", "OPTIONS"}

# GETs that write to the database on purpose: endpoint -> why. Each one is also reported.
GET_WRITES = {
    "awards.membership_certificate": (
        "issues the company's membership certificate (a row and an audit entry) on its "
        "first download, inside write_intent(); reported as a GET that writes"
    ),
}

# Routes on shared objects whose GET does not show the page to everyone, and why.
SHARED_GET_REFUSED = {
    "learning.certificate": "the PDF is the viewer's own course pass: 404 without one",
}

# A's own objects that a role allowed on the route still does not get, and why.
OWN_NOT_REACHABLE = {
    ("learning.attempt", Role.ACCOUNT_MANAGER): "an attempt is only its taker's",
    ("learning.attempt", Role.CLUB_MANAGER): "an attempt is only its taker's",
    ("learning.step", Role.ACCOUNT_MANAGER): "an attempt is only its taker's",
    ("learning.step", Role.CLUB_MANAGER): "an attempt is only its taker's",
}

# A statement that writes, also behind a WITH clause (SELECT ... FOR UPDATE only locks).
WRITE_STATEMENT = re.compile(
    r"\s*(?:WITH\b.*?\)\s*)?(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE | re.DOTALL
)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method


def _urls(rule, world: World, side: Side, role: Role | None) -> tuple[str | None, list[str]]:
    """The rule's URLs with `side`'s objects, and whether these are private, a link's
    secret or shared (None: the route takes no object)."""
    fills = {argument: fill_for(argument, rule.endpoint) for argument in sorted(rule.arguments)}
    kinds = {fill.kind for fill in fills.values()}
    kind = next((kind for kind in (PRIVATE, SECRET, SHARED) if kind in kinds), None)
    choices = [fill.values(world, side, role) for fill in fills.values()]
    urls = [
        rule.build(dict(zip(fills, values, strict=True)), append_unknown=False)[1]
        for values in itertools.product(*choices)
    ]
    return kind, urls


class WriteLog:
    """INSERT, UPDATE and DELETE statements sent to the database while `watching`."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.watching = False
        self.statements: list[str] = []

    def __enter__(self) -> WriteLog:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.watching and WRITE_STATEMENT.match(statement):
            self.statements.append(" ".join(statement.split()[:4]))


@dataclass
class Walk:
    app: object
    client: object
    club: object
    world: World
    role: Role | None
    writes: WriteLog
    problems: list[str] = field(default_factory=list)
    expected_writes: set[str] = field(default_factory=set)
    visits: int = 0

    def sign_in(self) -> None:
        if self.role is not None:
            response = login(self.client, getattr(self.club, ROLE_USERS[self.role]))
            assert response.status_code == 302, f"{self.role} cannot sign in"

    def run(self, side: Side, phase: str, methods: set[str]) -> None:
        for rule, method in _routes(self.app):
            if (method == "GET") != ("GET" in methods):
                continue
            kind, urls = _urls(rule, self.world, side, self.role)
            for url in urls:
                self.visit(rule, method, url, kind, phase)

    def visit(self, rule, method: str, url: str, kind: str | None, phase: str) -> None:
        self.visits += 1
        before = len(self.writes.statements)
        self.writes.watching = method == "GET"
        try:
            response = self.client.open(url, method=method)
        finally:
            self.writes.watching = False
        role = self.role.value if self.role else "anonymous"
        where = f"{method} {url} ({rule.endpoint}) as {role}, {phase} ids"
        written = self.writes.statements[before:]
        if written and rule.endpoint in GET_WRITES:
            self.expected_writes.add(rule.endpoint)
        elif written:
            self.problems.append(f"{where}: the GET wrote {written}")
        problem = self.judge(rule.endpoint, method, kind, phase, response)
        if problem:
            self.problems.append(f"{where}: {problem}")
        if method == "GET" and self.role != Role.CLUB_MANAGER and kind != SECRET:
            body = response.get_data()
            shown = [marker for marker in self.world.b.markers if marker.encode() in body]
            if shown:
                self.problems.append(f"{where}: shows B's private {shown}")
        response.close()
        if rule.endpoint == "members.logout" and method == "POST":
            self.sign_in()  # logging out ended the session

    def judge(self, endpoint: str, method: str, kind, phase: str, response) -> str | None:
        status = response.status_code
        location = response.headers.get("Location", "")
        if status >= 500:
            return f"server error {status}"
        access = access_of(self.app.view_functions[endpoint])
        if isinstance(access, TokenAccess):
            # API routes answer 401 to everyone without a bearer token, cookies or not.
            if status != 401 or not response.is_json:
                return f"{status} without a token"
            return None
        role = self.role
        if not (access == PUBLIC or (role is not None and role in access)):
            if role is None:
                return None if status == 302 and "/login" in location else f"{status}, not login"
            return None if status == 403 else f"{status}, not 403"
        if status == 403 or ("/login" in location and endpoint not in LEADS_TO_LOGIN):
            return f"refused ({status}) but the role is allowed"
        sees_it = role == Role.CLUB_MANAGER or phase == "own"
        reachable = status == 200 or (status in (302, 303) and "/login" not in location)
        if kind == PRIVATE and not sees_it:
            return None if status == 404 else f"{status} for another company's object, not 404"
        if method != "GET":
            return None
        if kind == PRIVATE and not reachable and (endpoint, role) not in OWN_NOT_REACHABLE:
            return f"{status} for an object the viewer may see"
        if kind in (SHARED, SECRET) and not reachable and endpoint not in SHARED_GET_REFUSED:
            return f"{status} for an object shared by every member"
        return None


def _changed(before: dict, after: dict, phase: str) -> list[str]:
    return [
        f"B's {name} changed by POSTs with {phase} ids: {before[name]} -> {after[name]}"
        for name in before
        if before[name] != after[name]
    ]


@pytest.fixture
def world(db_session, club, tmp_path, monkeypatch, app) -> World:
    monkeypatch.setitem(app.config, "COURSES_FOLDER", str(tmp_path / "courses"))
    return build_world(db_session, club, tmp_path / "courses")


def test_every_route_declares_its_access(app):
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in EXEMPT_ENDPOINTS and access_of(view) is None
    ]
    assert missing == [], f"routes without an access rule: {missing}"


def test_a_route_without_a_rule_is_closed(tmp_path):
    # Deny by default: even a route that slipped past the test above answers 403.
    app = make_test_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", None)
    app.add_url_rule("/__undeclared", "undeclared", lambda: "open")
    assert app.test_client().get("/__undeclared").status_code == 403


def test_every_argument_of_the_url_map_is_known(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in EXEMPT_ENDPOINTS:
            for argument in rule.arguments:
                fill_for(argument, rule.endpoint)
    assert set(GET_WRITES) <= set(app.view_functions)
    assert set(SHARED_GET_REFUSED) <= set(app.view_functions)


@pytest.mark.slow
def test_no_role_reaches_another_companys_objects(app, club, db_session, world):
    """Every role in turn, then the API's tokens, on one world: each walk is rolled back
    at its end, so the next one finds the world as it was built."""
    problems = []
    for role in (None, *Role):
        with rolled_back_part(app):
            problems += _walk_as(role, app, app.test_client(), club, db_session, world)
    with rolled_back_part(app):
        problems += _walk_with_tokens(app, app.test_client(), db_session, world)
    assert problems == [], "\n".join(problems)


def _walk_as(role, app, client, club, db_session, world) -> list[str]:
    with WriteLog(db.engine) as writes:
        walk = Walk(app, client, club, world, role, writes)
        walk.sign_in()
        b_before = state_of(db_session, world.b)
        # The club manager sees both companies alike: B's objects are the whole test.
        sides = [(world.b, "other")]
        if role != Role.CLUB_MANAGER:
            sides.append((world.a, "own"))
        # GETs first: they change nothing, so the own objects are still there to read.
        for side, phase in sides:
            walk.run(side, phase, {"GET"})
        for side, phase in sides:
            walk.run(side, phase, {"POST", "PUT", "PATCH", "DELETE"})
            if role != Role.CLUB_MANAGER:
                db_session.commit()  # a fresh snapshot on SQLite
                walk.problems += _changed(b_before, state_of(db_session, world.b), phase)
    name = role.value if role else "anonymous"
    if walk.visits <= 200:
        walk.problems.append(f"{name}: only {walk.visits} requests walked")
    if role == Role.CLUB_MANAGER and walk.expected_writes != set(GET_WRITES):
        # Only the club manager opens B's certificate (the world left it unissued): each
        # exception to "GETs do not write" must still be needed, and seen by the log.
        walk.problems.append(f"GETs that write, seen: {sorted(walk.expected_writes)}")
    return walk.problems


def _walk_with_tokens(app, client, db_session, world) -> list[str]:
    """The API with a token instead of cookies: an account holder's personal token (A's)
    does only what its scopes say; the supplier's integration token sees every company,
    which is what the ERP and CRM are for. B's ids either way; no 500, no GET writes."""
    personal = ("personal token of A's holder", world.a.token_secret, {"privileges", "redemptions"})
    integration = (
        "integration token",
        world.integration_token_secret,
        {"invoices", "companies", "wallets", "leaderboards", "events"},
    )
    problems = []
    b_before = state_of(db_session, world.b)
    with WriteLog(db.engine) as writes:
        for name, secret, scopes in (personal, integration):
            for rule, method in _routes(app):
                access = access_of(app.view_functions[rule.endpoint])
                if not (isinstance(access, TokenAccess) or rule.endpoint.startswith("api.")):
                    continue
                for url in _urls(rule, world, world.b, None)[1]:
                    before = len(writes.statements)
                    writes.watching = method == "GET"
                    response = client.open(
                        url, method=method, headers={"Authorization": f"Bearer {secret}"}
                    )
                    writes.watching = False
                    status, where = response.status_code, f"{method} {url} with the {name}"
                    if writes.statements[before:]:
                        problems.append(f"{where}: the GET wrote {writes.statements[before:]}")
                    if status >= 500 or not response.is_json:
                        problems.append(f"{where}: {status}, JSON {response.is_json}")
                    elif isinstance(access, TokenAccess) and access.scope not in scopes:
                        if status != 403:
                            problems.append(f"{where}: {status} out of the token's scopes")
                    elif method == "GET" and rule.arguments and access != PUBLIC and status != 200:
                        # B's wallet, read by the supplier's systems: theirs to read.
                        problems.append(f"{where}: {status} within the token's scopes")
    db_session.commit()
    problems += _changed(b_before, state_of(db_session, world.b), "bearer, B's")
    return problems


def test_no_route_changes_state_through_get(app):
    # State changes go through POST (and CSRF); GET routes are for reading only.
    writers = {
        "logout",
        "set_language",
        "set_active",
        "resend_invitation",
        "change_role",
        "move_account_holder",
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[-1] in writers:
            assert "GET" not in rule.methods, rule.endpoint
