"""One's own account through the real forms, and sessions that end on the server.

The forms are read from the page and sent back as a browser sends them: every field the
page holds (the CSRF token included, with CSRF checking on), with the values a person
typed. Sessions are tested with a copied cookie: a copy taken before a logout or a
password change must be refused afterwards.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.members.passwords import verify_password
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

NEW_PASSWORD = "a brand new passphrase"


# --- reading a form from the page, as a browser does ------------------------------------


class _FormReader(HTMLParser):
    """The successful controls of the form posting to `action`: inputs, selects, buttons."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}
        self.checkboxes: set[str] = set()
        self.buttons: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attrs.get("action") == self.action
            self.found = self.found or self.inside
            return
        if not self.inside or "name" not in attrs:
            if tag == "option" and self.inside and self._select is not None:
                self._option(attrs)
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                self.checkboxes.add(name)
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value") or "on"
            elif kind not in ("submit", "button"):
                self.fields[name] = attrs.get("value", "")
        elif tag == "select":
            self._select, self._first_option = name, None
        elif tag == "button":
            self.buttons[name] = attrs.get("value", "")

    def _option(self, attrs):
        value = attrs.get("value", "")
        if self._first_option is None:
            self._first_option = value
            self.fields.setdefault(self._select, value)
        if "selected" in attrs:
            self.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None


def submit_form(client, page_url: str, action: str, typed: dict[str, str | bool]):
    """GET the page, fill the form posting to `action` with `typed`, and POST it.

    A checkbox is ticked with True and cleared with False; a name the form lacks fails
    the test, so the field names are the page's own.
    """
    page = client.get(page_url)
    assert page.status_code == 200
    reader = _FormReader(action)
    reader.feed(page.get_data(as_text=True))
    assert reader.found, f"no form posting to {action} on {page_url}"
    data = dict(reader.fields)
    for name, value in typed.items():
        assert name in data or name in reader.checkboxes, f"{name} is not in the form"
        if value is True:
            data[name] = "y"
        elif value is False:
            data.pop(name, None)  # an unticked box is not sent
        else:
            data[name] = value
    data.update(reader.buttons)  # the one submit button each form has
    return client.post(action, data=data)


@pytest.fixture
def csrf_on(app):
    """CSRF checked as in production, so the form's own token must come along."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def sign_in_through_the_form(client, user, password: str = PASSWORD) -> None:
    response = submit_form(client, "/login", "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _audit(db_session, action: str) -> list[AuditEntry]:
    return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _copy_session(app, source):
    """A second browser holding a copy of `source`'s session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = source.get_cookie(name, domain="club.test")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(name, cookie.value, domain="club.test")
    return thief


def _is_signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


# --- the profile and the password through the page's forms ------------------------------


def test_saving_the_profile_through_the_form(client, club, db_session, csrf_on):
    sign_in_through_the_form(client, club.staff)
    response = submit_form(
        client,
        "/account",
        "/account",
        {"name": "Anna Kowalska", "language": "pl", "is_shown_on_boards": False},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == "/account"
    db_session.refresh(club.staff)
    assert (club.staff.name, club.staff.language) == ("Anna Kowalska", "pl")
    assert club.staff.is_shown_on_boards is False
    (entry,) = _audit(db_session, "user.profile_updated")
    assert entry.actor_id == club.staff.id and entry.object_id == str(club.staff.id)
    assert entry.after == {"name": "Anna Kowalska", "language": "pl", "is_shown_on_boards": False}
    page = client.get("/account")
    assert page.status_code == 200 and 'lang="pl"' in page.get_data(as_text=True)


def test_a_profile_without_a_name_is_shown_on_the_form(client, club, db_session, csrf_on):
    sign_in_through_the_form(client, club.staff)
    response = submit_form(client, "/account", "/account", {"name": ""})
    assert response.status_code == 422
    db_session.refresh(club.staff)
    assert club.staff.name == "Staff A" and not _audit(db_session, "user.profile_updated")


def test_changing_the_password_through_the_form(app, client, club, db_session, csrf_on):
    sign_in_through_the_form(client, club.staff)
    response = submit_form(
        client,
        "/account",
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == "/account"
    page = client.get("/account")  # this browser stays signed in
    assert page.status_code == 200
    assert "Your password is changed." in page.get_data(as_text=True)
    db_session.refresh(club.staff)
    assert verify_password(club.staff.password_hash, NEW_PASSWORD)
    (entry,) = _audit(db_session, "user.password_changed")
    assert entry.actor_id == club.staff.id
    app.config["WTF_CSRF_ENABLED"] = False
    fresh = app.test_client()
    assert login(fresh, club.staff).status_code == 401
    assert login(fresh, club.staff, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_is_shown_and_nothing_changes(client, club, db_session, csrf_on):
    sign_in_through_the_form(client, club.staff)
    before = club.staff.password_hash
    response = submit_form(
        client,
        "/account",
        "/account/password",
        {
            "pw-current_password": "not my password",
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)
    db_session.refresh(club.staff)
    assert club.staff.password_hash == before
    assert not _audit(db_session, "user.password_changed")
    assert client.get("/account").status_code == 200


# --- sessions end on the server ----------------------------------------------------------


def test_logout_ends_the_session_on_the_server(app, client, club):
    login(client, club.staff)
    copy = _copy_session(app, client)
    assert copy.get("/account").status_code == 200  # the copy works while the session lives
    client.post("/logout")
    assert _is_signed_out(client.get("/account"))
    assert _is_signed_out(copy.get("/account"))


def test_logout_on_one_device_keeps_the_others(app, client, club):
    login(client, club.staff)
    phone = app.test_client()
    login(phone, club.staff)
    client.post("/logout")
    assert _is_signed_out(client.get("/account"))
    assert phone.get("/account").status_code == 200


def test_a_password_change_ends_the_other_sessions_only(app, client, club, db_session):
    login(client, club.staff)
    copy = _copy_session(app, client)
    phone = app.test_client()
    login(phone, club.staff)
    response = client.post(
        "/account/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this browser: still signed in
    assert _is_signed_out(phone.get("/account"))  # another device: signed out
    assert _is_signed_out(copy.get("/account"))  # a copy of this browser's old cookie too
