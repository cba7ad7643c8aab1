"""`allows` is the one answer to "may this viewer use that route?", asked by `requires`
and, through `may`, by the templates before they show a link or a button."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from club.core.access import PUBLIC, allows, may
from club.core.roles import Role

pytestmark = pytest.mark.one_database


def _user(role):
    return SimpleNamespace(is_authenticated=role is not None, role=role)


def test_allows_follows_the_declared_roles():
    managers = frozenset({Role.CLUB_MANAGER})
    assert allows(managers, _user(Role.CLUB_MANAGER))
    assert not allows(managers, _user(Role.ACCOUNT_MANAGER))
    assert not allows(managers, _user(None))
    assert allows(PUBLIC, _user(None))
    assert not allows(None, _user(Role.CLUB_MANAGER)), "an undeclared route is closed"


def test_may_asks_the_route_declaration(app):
    with app.test_request_context("/"):
        assert may("members.login")
        assert not may("members.new_company"), "anonymous people get no manager's button"
        with pytest.raises(LookupError):
            may("members.no_such_page")
