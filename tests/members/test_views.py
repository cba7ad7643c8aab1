"""Pages of the members domain: what a user sees and what a bad request cannot do."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from club.audit import services as audit
from club.audit.models import AuditEntry
from club.core.roles import Role
from club.members.models import Company, User
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


# --- signing in and sessions ---------------------------------------------------------


def test_login_page_and_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    # No inline script anywhere in the shell.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.get_data(as_text=True))


def test_session_cookie_flags(client, club):
    response = login(client, club.staff)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_shows_one_message_and_no_session(client, club):
    response = login(client, club.staff, "wrong password!")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    unknown = login(client, "nobody@example.com", "wrong password!")
    assert unknown.get_data(as_text=True).count("Wrong e-mail or password.") == 1


def test_login_is_rate_limited_with_a_message(app, client, club):
    for _ in range(5):
        login(client, club.staff, "wrong password!")
    response = login(client, club.staff)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_login_redirects_only_within_the_site(client, club):
    response = client.post(
        "/login",
        data={"email": club.staff.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login", data={"email": club.staff.email, "password": PASSWORD, "next": "/account"}
    )
    assert response.headers["Location"] == "/account"


def test_deactivation_takes_effect_on_the_very_next_request(app, client, club):
    login(client, club.staff)
    assert client.get("/").status_code == 200
    other = app.test_client()
    login(other, club.holder)
    response = other.post(f"/people/{club.staff.id}/active", data={"active": "0", "confirmed": "1"})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_role_change_signs_the_person_out(app, client, club):
    login(client, club.account_manager)
    assert client.get("/manage/companies").status_code == 200
    manager = app.test_client()
    login(manager, club.club_manager)
    manager.post(f"/manage/users/{club.account_manager.id}/role", data={"role": "club_manager"})
    assert client.get("/manage/companies").status_code == 302


def test_logout_needs_post(client, club):
    login(client, club.staff)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


# --- CSRF and bad input ----------------------------------------------------------------


def test_forged_csrf_token_is_refused_and_nothing_written(app, client, club, db_session):
    login(client, club.holder)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        before = _count(db_session, User)
        response = client.post(
            "/my-company/staff/invite",
            data={
                "csrf_token": "forged",
                "name": "Eve",
                "email": "eve@example.com",
                "language": "en",
            },
        )
        assert response.status_code == 400
        assert "form expired or was not sent from this site" in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)
        assert _count(db_session, User) == before
        # The real token from the page works.
        page = client.get("/my-company/staff/invite").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/my-company/staff/invite",
            data={"csrf_token": token, "name": "Eve", "email": "eve@example.com", "language": "en"},
        )
        assert response.status_code == 302
        # htmx requests carry the token in a header.
        response = client.post(
            f"/people/{club.staff.id}/active",
            data={"active": "0", "confirmed": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        assert response.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_invalid_tax_id_is_shown_on_the_form(client, club, db_session):
    login(client, club.club_manager)
    before = _count(db_session, Company)
    response = client.post(
        "/manage/companies/new",
        data={"name": "Zła Firma", "country": "PL", "tax_id": "123-456-78-90", "status": "member"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "not a valid Polish NIP" in body
    assert _count(db_session, Company) == before


def test_a_company_is_registered_with_a_valid_nip(client, club, db_session):
    login(client, club.club_manager)
    response = client.post(
        "/manage/companies/new",
        data={
            "name": "Dobra Firma",
            "country": "PL",
            "tax_id": "526-025-02-74",
            "status": "member",
            "account_manager_id": str(club.account_manager.id),
            "city": "Kraków",
        },
    )
    assert response.status_code == 302
    company = db_session.scalar(select(Company).where(Company.name == "Dobra Firma"))
    assert company.tax_id == "5260250274" and company.account_manager == club.account_manager
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "company.created"))


def test_duplicate_email_is_shown_on_the_form(client, club, db_session):
    login(client, club.holder)
    before = _count(db_session, User)
    response = client.post(
        "/my-company/staff/invite",
        data={"name": "Copy", "email": club.other_staff.email.upper(), "language": "en"},
    )
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)
    assert _count(db_session, User) == before


def test_oversized_fields_are_refused_on_the_form(client, club, db_session):
    login(client, club.club_manager)
    before = _count(db_session, Company)
    response = client.post(
        "/manage/companies/new",
        data={"name": "X" * 5000, "country": "PL", "tax_id": "5260250274", "status": "member"},
    )
    assert response.status_code == 422
    assert "Field cannot be longer than 200 characters." in response.get_data(as_text=True)
    assert _count(db_session, Company) == before


def test_a_huge_request_body_gets_a_413_page(client, club):
    login(client, club.club_manager)
    response = client.post("/manage/companies/new", data={"name": "X" * (17 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)


def test_invitation_link_flow_with_expired_and_reused_links(client, club, mailbox, db_session):
    login(client, club.holder)
    client.post(
        "/my-company/staff/invite",
        data={"name": "Nowa Osoba", "email": "nowa@example.com", "language": "pl"},
    )
    client.post("/logout")
    (message,) = mailbox.messages
    assert message["To"] == "nowa@example.com"
    (link,) = mailbox.links()
    path = link.split("club.test", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "Nowa Osoba" in page.get_data(as_text=True)
    mismatch = client.post(
        path, data={"password": "a good long password", "confirm": "another password"}
    )
    assert mismatch.status_code == 422
    response = client.post(
        path, data={"password": "a good long password", "confirm": "a good long password"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # signed in straight away
    client.post("/logout")
    reused = client.get(path)
    assert reused.status_code == 410
    assert "already been used" in reused.get_data(as_text=True)
    assert client.get("/invitation/made-up-token").status_code == 410


def test_forgot_password_says_the_same_for_unknown_addresses(client, club, mailbox):
    known = client.post("/password/forgot", data={"email": club.staff.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "ghost@example.com"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    message = "If an account uses this address"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert len(mailbox.messages) == 1


# --- company scoping ----------------------------------------------------------------


def test_another_companys_person_is_not_found(client, club, db_session):
    login(client, club.holder)
    response = client.post(
        f"/people/{club.other_staff.id}/active", data={"active": "0", "confirmed": "1"}
    )
    assert response.status_code == 404
    db_session.refresh(club.other_staff)
    assert club.other_staff.is_active


def test_an_account_manager_sees_only_their_companies(client, club):
    login(client, club.account_manager)
    assert client.get(f"/manage/companies/{club.company.id}").status_code == 200
    assert client.get(f"/manage/companies/{club.other_company.id}").status_code == 404
    listing = client.get("/manage/companies").get_data(as_text=True)
    assert "Hurtownia Żak" in listing and "Другая" not in listing


def test_staff_list_shows_only_own_company(client, club):
    login(client, club.holder)
    body = client.get("/my-company/staff").get_data(as_text=True)
    assert club.staff.email in body and club.other_staff.email not in body


# --- pages and htmx ---------------------------------------------------------------------


def test_member_home_shows_company_and_role(client, club):
    login(client, club.staff)
    body = client.get("/").get_data(as_text=True)
    assert "Hurtownia Żak" in body and "Partner staff" in body and "Holder A" in body


def test_company_search_serves_a_fragment_to_htmx(client, club):
    login(client, club.club_manager)
    full = client.get("/manage/companies?q=żak")
    fragment = client.get("/manage/companies?q=żak", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="company-results"' in body
    assert "Hurtownia Żak" in body and "Другая" not in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_deactivate_with_htmx_swaps_the_row(client, club):
    login(client, club.holder)
    response = client.post(
        f"/people/{club.staff.id}/active",
        data={"active": "0", "confirmed": "1"},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="person-{club.staff.id}"')
    assert "Deactivated" in body


def test_club_manager_moves_the_account_holder(client, club, db_session):
    login(client, club.club_manager)
    response = client.post(
        f"/manage/companies/{club.company.id}/account-holder", data={"user": club.staff.id}
    )
    assert response.status_code == 302
    db_session.refresh(club.staff)
    assert club.staff.role == Role.ACCOUNT_HOLDER


def test_audit_log_filters(client, club):
    login(client, club.club_manager)
    client.post(f"/people/{club.staff.id}/active", data={"active": "0", "confirmed": "1"})
    body = client.get("/manage/audit/?action=user.deactivated").get_data(as_text=True)
    assert "user.deactivated" in body and "Club Manager" in body
    empty = client.get("/manage/audit/?action=company.created").get_data(as_text=True)
    assert "No entries match." in empty


def test_audit_log_dates_are_the_clubs_calendar_days(client, club, db_session):
    # 23:30 on 31 December in Warsaw is 22:30 UTC; 00:30 on 1 January is 23:30 UTC the
    # day before, which a filter cut at UTC midnight would put in the old year.
    for action, moment in [
        ("user.new_year_eve", datetime(2025, 12, 31, 22, 30, tzinfo=UTC)),
        ("user.new_year_day", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
    ]:
        audit.record(db_session, action, club.staff, actor=club.club_manager, now=moment)
    login(client, club.club_manager)
    entries = {"HX-Request": "true"}  # just the entries, not the filters' choices
    to_new_year = client.get("/manage/audit/?until=2025-12-31", headers=entries)
    from_new_year = client.get("/manage/audit/?since=2026-01-01", headers=entries)
    body = to_new_year.get_data(as_text=True)
    assert "user.new_year_eve" in body and "user.new_year_day" not in body
    body = from_new_year.get_data(as_text=True)
    assert "user.new_year_day" in body and "user.new_year_eve" not in body


@pytest.mark.parametrize(("language", "text"), [("pl", "Zaloguj"), ("ru", "Войти")])
def test_language_switch(client, language, text):
    response = client.post("/language", data={"language": language, "next": "/login"})
    assert response.headers["Location"] == "/login"
    body = client.get("/login").get_data(as_text=True)
    assert f'lang="{language}"' in body and text in body


def test_language_choice_is_kept_on_the_profile(client, club, db_session):
    login(client, club.staff)
    client.post("/language", data={"language": "ru"})
    db_session.refresh(club.staff)
    assert club.staff.language == "ru"


def test_unknown_page_and_server_error_pages_show_no_traceback(app, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_the_500_page_without_details(tmp_path):
    from club.core.access import public
    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", None)

    @public
    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_club_manager_invites_holder_then_staff_and_supplier_staff(
    client, club, make_company, db_session, mailbox
):
    login(client, club.club_manager)
    company = make_company("Nowa Firma")
    page = client.get(f"/manage/companies/{company.id}/invite").get_data(as_text=True)
    assert "Invite the account holder of Nowa Firma" in page
    response = client.post(
        f"/manage/companies/{company.id}/invite",
        data={"name": "Pierwsza", "email": "first@nowa.example", "language": "pl"},
    )
    assert response.status_code == 302
    client.post(
        f"/manage/companies/{company.id}/invite",
        data={"name": "Druga", "email": "second@nowa.example", "language": "pl"},
    )
    roles = dict(
        db_session.execute(select(User.email, User.role).where(User.company_id == company.id)).all()
    )
    assert roles == {
        "first@nowa.example": Role.ACCOUNT_HOLDER,
        "second@nowa.example": Role.PARTNER_STAFF,
    }
    response = client.post(
        "/manage/users/invite",
        data={
            "name": "Nowy Opiekun",
            "email": "am3@club.example",
            "language": "ru",
            "role": "account_manager",
        },
    )
    assert response.status_code == 302
    assert db_session.scalar(select(User.role).where(User.email == "am3@club.example")) == (
        Role.ACCOUNT_MANAGER
    )
    assert len(mailbox.messages) == 3
