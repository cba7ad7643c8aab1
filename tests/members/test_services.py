"""Rules of the members domain, tested on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from club.audit.models import AuditEntry
from club.core.errors import InvalidToken, NotAllowed, RateLimited
from club.core.roles import Role
from club.members import services
from club.members.errors import AccountHolderTaken, DuplicateEmail, InvalidTaxId, WrongCredentials
from club.members.models import (
    Company,
    LinkPurpose,
    MembershipStatus,
    OneTimeLink,
    User,
    UserSession,
)
from club.members.sign_in import MAX_SESSIONS_PER_USER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


# --- tax ids and e-mails -------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("PL", "526-025-02-74", "5260250274"),
        ("PL", "PL 526 025 02 74", "5260250274"),
        ("RU", "7707083893", "7707083893"),
        ("RU", "500100732259", "500100732259"),
        ("DE", "DE 136 695 976", "136695976"),
        ("AE", "100-2345-678", "1002345678"),
    ],
)
def test_valid_tax_ids_are_stored_compact(country, raw, expected):
    assert services.normalize_tax_id(country, raw) == expected


@pytest.mark.parametrize(
    ("country", "raw", "message_part"),
    [
        ("PL", "526-025-02-75", "NIP"),  # wrong check digit
        ("PL", "12345", "NIP"),
        ("RU", "7707083890", "INN"),
        ("DE", "DE123", "tax id"),
        ("AE", "x", "4 to 20"),
        ("PL", "", "Enter the tax id"),
    ],
)
def test_invalid_tax_ids_are_refused_with_a_reason(app_ctx, country, raw, message_part):
    with pytest.raises(InvalidTaxId) as caught:
        services.normalize_tax_id(country, raw)
    assert message_part in caught.value.message
    assert caught.value.field == "tax_id"


def test_emails_are_lower_cased_and_checked(app_ctx):
    assert services.normalize_email("  Anna.Nowak@Example.COM ") == "anna.nowak@example.com"
    with pytest.raises(services.MembersError):
        services.normalize_email("not-an-address")


@pytest.mark.both_databases  # a constraint of the database itself
def test_database_refuses_an_email_that_is_not_lower_case(db_session, make_company):
    company = make_company()
    db_session.add(
        User(email="Mixed@Example.com", name="X", role=Role.PARTNER_STAFF, company=company)
    )
    with pytest.raises(IntegrityError):
        db_session.flush()


# --- one account holder per company ---------------------------------------------------


@pytest.mark.both_databases  # a constraint of the database itself
def test_database_allows_one_account_holder_per_company(db_session, club):
    db_session.add(
        User(
            email="second@example.com",
            name="Second",
            role=Role.ACCOUNT_HOLDER,
            company=club.company,
        )
    )
    with pytest.raises(IntegrityError):
        db_session.flush()


@pytest.mark.both_databases  # a constraint of the database itself
def test_database_refuses_partner_roles_without_company(db_session):
    db_session.add(User(email="lost@example.com", name="Lost", role=Role.PARTNER_STAFF))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_moving_the_account_holder_role_is_audited_and_signs_both_out(db_session, club):
    old_generation = (club.holder.session_generation, club.staff.session_generation)
    services.move_account_holder(
        db_session, club.company, club.staff, actor=club.club_manager, now=NOW
    )
    db_session.commit()
    assert club.staff.role == Role.ACCOUNT_HOLDER
    assert club.holder.role == Role.PARTNER_STAFF
    assert club.holder.session_generation == old_generation[0] + 1
    assert club.staff.session_generation == old_generation[1] + 1
    entry = db_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "company.account_holder_moved")
    )
    assert entry.actor_id == club.club_manager.id
    assert entry.company_id == club.company.id
    assert entry.before == {"account_holder": club.holder.email}
    assert entry.after == {"account_holder": club.staff.email}
    assert entry.created_at == NOW


def test_the_account_holder_role_stays_within_the_company(db_session, club):
    with pytest.raises(services.MembersError):
        services.move_account_holder(
            db_session, club.company, club.other_staff, actor=club.club_manager
        )
    with pytest.raises(NotAllowed):
        services.move_account_holder(db_session, club.company, club.staff, actor=club.holder)
    assert club.holder.role == Role.ACCOUNT_HOLDER


# --- signing in -----------------------------------------------------------------------


def test_authenticate_with_the_right_password(db_session, club):
    user = services.authenticate(
        db_session, email=club.staff.email.upper(), password=PASSWORD, ip="10.0.0.1", now=NOW
    )
    assert user == club.staff
    assert user.last_login_at == NOW


@pytest.mark.parametrize("case", ["wrong password", "unknown e-mail", "deactivated", "invited"])
def test_every_failed_login_says_the_same(db_session, club, make_user, case):
    email, password = club.staff.email, PASSWORD
    if case == "wrong password":
        password = "wrong password!"
    elif case == "unknown e-mail":
        email = "nobody@example.com"
    elif case == "deactivated":
        club.staff.is_active = False
        db_session.commit()
    else:
        email = make_user(Role.PARTNER_STAFF, club.company, password=None).email
    with pytest.raises(WrongCredentials) as caught:
        services.authenticate(db_session, email=email, password=password, ip="10.0.0.2")
    assert caught.value.message == "Wrong e-mail or password."


def test_login_attempts_are_rate_limited_per_email(app, db_session, club):
    app.config["LOGIN_RATE_LIMITS"] = "3/minute"
    try:
        for _ in range(3):
            with pytest.raises(WrongCredentials):
                services.authenticate(
                    db_session, email=club.staff.email, password="nope-nope", ip="10.0.0.3"
                )
        # Even the right password is refused while the limit lasts.
        with pytest.raises(RateLimited):
            services.authenticate(
                db_session, email=club.staff.email, password=PASSWORD, ip="10.0.0.3"
            )
        # An unknown address is limited the same way, so limits reveal nothing either.
        for _ in range(3):
            with pytest.raises(WrongCredentials):
                services.authenticate(
                    db_session, email="ghost@example.com", password="x", ip="10.0.0.4"
                )
        with pytest.raises(RateLimited):
            services.authenticate(
                db_session, email="ghost@example.com", password="x", ip="10.0.0.4"
            )
    finally:
        app.config["LOGIN_RATE_LIMITS"] = "5/5minutes;30/hour"


def test_passwords_are_argon2id(app_ctx):
    assert services.hash_password("a long passphrase").startswith("$argon2id$")


def test_a_session_goes_stale_when_the_generation_moves(db_session, club):
    session_id = services.start_session(db_session, club.staff)
    db_session.commit()
    assert services.load_user_for_session(db_session, session_id) == club.staff
    services.set_active(db_session, club.staff, active=False, actor=club.holder)
    db_session.commit()
    assert services.load_user_for_session(db_session, session_id) is None
    services.set_active(db_session, club.staff, active=True, actor=club.holder)
    db_session.commit()
    # Reactivated, but the old session stays dead: they sign in again.
    assert services.load_user_for_session(db_session, session_id) is None
    assert services.load_user_for_session(db_session, "garbage") is None
    assert services.load_user_for_session(db_session, "") is None


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_session_is_a_row_holding_only_its_keys_hash(db_session, club):
    key = services.start_session(db_session, club.staff)
    db_session.commit()
    assert club.staff.get_id() == key and len(key) >= 43
    (row,) = db_session.scalars(select(UserSession))
    assert row.user_id == club.staff.id and key not in row.key_hash
    assert row.generation == club.staff.session_generation
    loaded = services.load_user_for_session(db_session, key)
    assert loaded is club.staff and loaded.get_id() == key
    services.end_session(db_session, club.staff)
    db_session.commit()
    assert _count(db_session, UserSession) == 0
    assert services.load_user_for_session(db_session, key) is None


def test_a_person_keeps_a_bounded_number_of_sessions(db_session, club):
    keys = [services.start_session(db_session, club.staff) for _ in range(12)]
    services.start_session(db_session, club.holder)
    db_session.commit()
    limit = MAX_SESSIONS_PER_USER
    kept = [key for key in keys if services.load_user_for_session(db_session, key)]
    assert kept == keys[-limit:]  # the oldest beyond the limit ended
    assert _count(db_session, UserSession) == limit + 1


def test_a_new_password_leaves_only_the_browser_that_changed_it(db_session, club):
    other = services.start_session(db_session, club.staff)
    this = services.start_session(db_session, club.staff)
    services.change_password(db_session, club.staff, current=PASSWORD, new="a brand new passphrase")
    db_session.commit()
    new = club.staff.get_id()
    assert new not in (this, other)
    assert services.load_user_for_session(db_session, new) is club.staff
    assert services.load_user_for_session(db_session, this) is None
    assert services.load_user_for_session(db_session, other) is None
    assert _count(db_session, UserSession) == 1


# --- invitations ----------------------------------------------------------------------


def _invite(db_session, club, **overrides):
    fields = dict(
        email="New.Person@Example.com",
        name="New Person",
        role=Role.PARTNER_STAFF,
        company=club.company,
        language="pl",
        actor=club.holder,
        now=NOW,
    )
    fields.update(overrides)
    return services.invite(db_session, **fields)


def _token_from(mailbox) -> str:
    (link,) = [link for link in mailbox.links() if "/invitation/" in link]
    return link.rsplit("/", 1)[1]


def test_an_invitation_creates_the_account_and_mails_a_single_use_link(db_session, club, mailbox):
    person = _invite(db_session, club)
    db_session.commit()
    assert person.email == "new.person@example.com"
    assert person.is_invited and person.company == club.company
    (message,) = mailbox.messages
    assert message["To"] == "new.person@example.com"
    assert "zaproszenie" in message["Subject"].lower() or message["Subject"]
    token = _token_from(mailbox)
    user = services.accept_invitation(
        db_session, token=token, password="a good long password", now=NOW + timedelta(hours=1)
    )
    db_session.commit()
    assert user == person and not user.is_invited
    with pytest.raises(InvalidToken, match="already been used"):
        services.accept_invitation(
            db_session, token=token, password="another long password", now=NOW + timedelta(hours=2)
        )


def test_an_expired_invitation_is_refused(db_session, club, mailbox):
    _invite(db_session, club)
    db_session.commit()
    token = _token_from(mailbox)
    with pytest.raises(InvalidToken, match="expired"):
        services.accept_invitation(
            db_session, token=token, password="a good long password", now=NOW + timedelta(days=8)
        )


def test_a_resent_invitation_replaces_the_old_link(db_session, club, mailbox):
    person = _invite(db_session, club)
    db_session.commit()
    first = _token_from(mailbox)
    mailbox.clear()
    services.resend_invitation(db_session, person, actor=club.holder, now=NOW)
    db_session.commit()
    second = _token_from(mailbox)
    with pytest.raises(InvalidToken, match="already been used"):
        services.find_link(db_session, first, LinkPurpose.INVITATION, now=NOW)
    assert services.find_link(db_session, second, LinkPurpose.INVITATION, now=NOW)


def test_a_rolled_back_invitation_sends_no_mail(db_session, club, mailbox):
    _invite(db_session, club)
    db_session.rollback()
    assert mailbox.messages == []
    assert db_session.scalar(select(func.count()).select_from(OneTimeLink)) == 0


def test_duplicate_email_is_refused_whatever_the_case(db_session, club):
    with pytest.raises(DuplicateEmail):
        _invite(db_session, club, email=club.staff.email.upper())


def test_a_second_account_holder_cannot_be_invited(db_session, club):
    with pytest.raises(AccountHolderTaken):
        _invite(db_session, club, role=Role.ACCOUNT_HOLDER, actor=club.club_manager)


@pytest.mark.parametrize("who", ["staff", "other_holder", "account_manager"])
def test_only_the_holder_or_club_manager_invites(db_session, club, who):
    with pytest.raises(NotAllowed):
        _invite(db_session, club, actor=getattr(club, who))


def test_the_holder_invites_only_staff_of_their_company(db_session, club):
    with pytest.raises(NotAllowed):
        _invite(db_session, club, company=club.other_company)
    with pytest.raises(NotAllowed):
        _invite(db_session, club, role=Role.CLUB_MANAGER, company=None)


def test_the_password_must_be_long_enough(db_session, club, mailbox):
    _invite(db_session, club)
    db_session.commit()
    with pytest.raises(services.MembersError, match="at least 10"):
        services.accept_invitation(
            db_session, token=_token_from(mailbox), password="short", now=NOW
        )


# --- password reset -------------------------------------------------------------------


def test_password_reset_mails_a_link_only_to_real_accounts(db_session, club, mailbox):
    services.request_password_reset(db_session, email="nobody@example.com", ip="1.2.3.4", now=NOW)
    db_session.commit()
    assert mailbox.messages == []
    services.request_password_reset(db_session, email=club.staff.email, ip="1.2.3.4", now=NOW)
    db_session.commit()
    (link,) = mailbox.links()
    generation = club.staff.session_generation
    services.reset_password(
        db_session,
        token=link.rsplit("/", 1)[1],
        password="a brand new password",
        now=NOW + timedelta(minutes=5),
    )
    db_session.commit()
    assert club.staff.session_generation == generation + 1
    assert services.authenticate(
        db_session, email=club.staff.email, password="a brand new password", ip="1.2.3.4"
    )


def test_a_reset_link_expires_after_an_hour(db_session, club, mailbox):
    services.request_password_reset(db_session, email=club.staff.email, ip="1.2.3.5", now=NOW)
    db_session.commit()
    (link,) = mailbox.links()
    with pytest.raises(InvalidToken, match="expired"):
        services.reset_password(
            db_session,
            token=link.rsplit("/", 1)[1],
            password="a brand new password",
            now=NOW + timedelta(hours=2),
        )


# --- users ----------------------------------------------------------------------------


def test_the_holder_manages_only_their_own_staff(db_session, club):
    with pytest.raises(NotAllowed):
        services.set_active(db_session, club.other_staff, active=False, actor=club.holder)
    with pytest.raises(NotAllowed):
        services.set_active(db_session, club.staff, active=False, actor=club.account_manager)


def test_the_last_club_manager_cannot_be_removed(db_session, club, make_user):
    second = make_user(Role.CLUB_MANAGER)
    services.set_active(db_session, second, active=False, actor=club.club_manager)
    with pytest.raises(services.MembersError, match="at least one active club manager"):
        services.change_supplier_role(
            db_session, club.club_manager, role=Role.ACCOUNT_MANAGER, actor=second
        )


def test_role_change_is_audited_and_ends_sessions(db_session, club):
    generation = club.account_manager.session_generation
    services.change_supplier_role(
        db_session, club.account_manager, role=Role.CLUB_MANAGER, actor=club.club_manager
    )
    db_session.commit()
    assert club.account_manager.session_generation == generation + 1
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_changed"))
    assert entry.before == {"role": "account_manager"}
    assert entry.after == {"role": "club_manager"}


# --- companies ------------------------------------------------------------------------


def _details(**fields):
    values = dict(name="Nowa Firma", tax_id="526-025-02-74", country="PL", city="Kraków")
    values.update(fields)
    return services.CompanyDetails(**values)


def test_a_new_member_company_gets_its_joined_date(db_session, club):
    company = services.create_company(
        db_session, _details(status=MembershipStatus.MEMBER), actor=club.club_manager, now=NOW
    )
    assert company.joined_on == NOW.date()
    assert company.tax_id == "5260250274"


def test_a_tax_id_is_registered_once_per_country(db_session, club):
    services.create_company(db_session, _details(), actor=club.club_manager)
    with pytest.raises(services.MembersError, match="already registered"):
        services.create_company(
            db_session, _details(tax_id="5260250274", name="Copy"), actor=club.club_manager
        )


def test_company_changes_are_audited_with_before_and_after(db_session, club):
    services.update_company(
        db_session,
        club.company,
        _details(
            name="Hurtownia Żak",
            tax_id=club.company.tax_id,
            status=MembershipStatus.SUSPENDED,
            account_manager_id=club.account_manager.id,
            city="Łódź",
        ),
        actor=club.club_manager,
    )
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "company.updated"))
    assert entry.before == {"status": "member"}
    assert entry.after == {"status": "suspended"}


def test_search_finds_polish_names_case_insensitively(db_session, club):
    found = db_session.scalars(services.search_companies(club.club_manager, text="ŻAK")).all()
    assert found == [club.company]
    found = db_session.scalars(services.search_companies(club.club_manager, text="łódź")).all()
    assert found == [club.company]


def test_an_account_manager_sees_only_their_portfolio(db_session, club):
    visible = db_session.scalars(services.visible_companies(club.account_manager)).all()
    assert visible == [club.company]
    assert db_session.scalar(select(func.count()).select_from(Company)) == 2
