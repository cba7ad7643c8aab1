"""Every route declares who may use it, and the declaration holds for every role.

Walks the application's whole URL map: a new route without a rule fails here.
"""

from __future__ import annotations

import pytest

from club.core.access import EXEMPT_ENDPOINTS, PUBLIC, TokenAccess, access_of
from club.core.roles import Role
from tests.conftest import login, make_test_app

ROLE_USERS = {
    Role.CLUB_MANAGER: "club_manager",
    Role.ACCOUNT_MANAGER: "account_manager",
    Role.ACCOUNT_HOLDER: "holder",
    Role.PARTNER_STAFF: "staff",
}


# Routes whose normal answer is a redirect to the login page.
LEADS_TO_LOGIN = {"members.login", "members.logout", "members.forgot_password"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, club) -> str:
    values = {}
    for argument in rule.arguments:
        if argument == "company_id":
            values[argument] = club.company.id
        elif argument == "user_id":
            values[argument] = club.staff.id
        elif argument == "token":
            values[argument] = "not-a-real-token"
        elif argument == "tax_id":
            values[argument] = club.company.tax_id
        elif argument in (
            "redemption_id",
            "wish_id",
            "privilege_id",
            "meeting_id",
            "registration_id",
        ):
            values[argument] = 1
        elif argument == "slug":
            values[argument] = "no-such-privilege"
        elif argument == "token_id":
            values[argument] = 1
        elif argument in ("number", "anything"):
            values[argument] = "FV-1"
        elif argument == "year":
            values[argument] = 2025
        elif argument == "quarter":
            values[argument] = 3
        elif argument == "distinction_id":
            values[argument] = 1
        elif argument == "code":
            values[argument] = "ABCD-EFGH-JKMN"
        elif argument in ("attempt_id", "position", "index"):
            values[argument] = 1
        elif argument == "filename":
            values[argument] = "no-such-file.pdf"
        else:
            raise AssertionError(f"teach test_route_access how to fill <{argument}>")
    return rule.build(values, append_unknown=False)[1]


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


@pytest.mark.slow
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_route_answers_each_role_as_declared(app, client, club, role):
    if role is not None:
        login(client, getattr(club, ROLE_USERS[role]))
    problems = []
    for rule, method in _routes(app):
        access = access_of(app.view_functions[rule.endpoint])
        url = _url(rule, club)
        response = client.open(url, method=method)
        location = response.headers.get("Location", "")
        if isinstance(access, TokenAccess):
            # API routes answer 401 to everyone without a bearer token, cookies or not.
            if response.status_code != 401 or not response.is_json:
                problems.append(f"{method} {url}: {response.status_code} without a token")
            continue
        allowed = access == PUBLIC or (role is not None and role in access)
        if allowed:
            signed_out = "/login" in location and rule.endpoint not in LEADS_TO_LOGIN
            if response.status_code == 403 or signed_out:
                problems.append(f"{method} {url}: refused ({response.status_code}) but allowed")
            if response.status_code >= 500:
                problems.append(f"{method} {url}: server error")
        elif role is None:
            if not (response.status_code == 302 and "/login" in location):
                problems.append(f"{method} {url}: anonymous got {response.status_code}")
        elif response.status_code != 403:
            problems.append(f"{method} {url}: {role.value} got {response.status_code}, not 403")
        if method == "POST" and role is not None and rule.endpoint == "members.logout":
            login(client, getattr(club, ROLE_USERS[role]))  # logout ended the session
    assert problems == []


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
