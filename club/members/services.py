"""Rules of the members domain: companies, people, invitations, signing in.

Services take the session and plain values, flush but never commit (the caller owns the
transaction), and raise a MembersError with a message safe to show.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import InvalidToken, NotAllowed, RateLimited
from club.core.mail import queue_mail
from club.core.roles import PARTNER_ROLES, SUPPLIER_ROLES, Role
from club.extensions import rate_limiter
from club.members.errors import (
    AccountHolderTaken,
    DuplicateEmail,
    MembersError,
    WrongCredentials,
)
from club.members.models import Company, LinkPurpose, MembershipStatus, OneTimeLink, User
from club.members.tax_ids import normalize_tax_id

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


# --- values -------------------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """A syntactically valid address, lower-cased (e-mails are unique case-insensitively)."""
    try:
        checked = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise MembersError(_("Enter a valid e-mail address."), field="email") from None
    return checked.normalized.lower()


def check_password_rules(password: str, *, email: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise MembersError(
            ngettext(
                "The password needs at least %(num)d character.",
                "The password needs at least %(num)d characters.",
                MIN_PASSWORD_LENGTH,
            ),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise MembersError(
            ngettext(
                "The password may have at most %(num)d character.",
                "The password may have at most %(num)d characters.",
                MAX_PASSWORD_LENGTH,
            ),
            field="password",
        )
    if email and password.strip().lower() == email.lower():
        raise MembersError(_("Your password cannot be your e-mail address."), field="password")


# --- passwords ----------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("club_password_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        )  # argon2id is the library's default type
        current_app.extensions["club_password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _dummy_hash() -> str:
    # Verifying against this for unknown e-mails keeps the timing the same as a real miss.
    dummy = current_app.extensions.get("club_dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["club_dummy_hash"] = hash_password(secrets.token_hex(16))
    return dummy


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- signing in ---------------------------------------------------------------------


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    language: str | None = None,
    now: datetime | None = None,
) -> User:
    """Check a login; the same message for every failure so no e-mail is revealed.

    A language picked on the sign-in page becomes the person's preference.
    """
    key = (email or "").strip().lower()[:254]
    config = current_app.config
    within_ip = rate_limiter.hit(config["LOGIN_IP_RATE_LIMITS"], "login-ip", ip)
    within_email = rate_limiter.hit(config["LOGIN_RATE_LIMITS"], "login-email", key)
    if not (within_ip and within_email):
        raise RateLimited(_("Too many sign-in attempts. Wait a few minutes and try again."))

    user = session.scalar(select(User).where(User.email == key)) if key else None
    if user is None or user.password_hash is None:
        _verify(_dummy_hash(), password)
        raise WrongCredentials(_("Wrong e-mail or password."))
    if not _verify(user.password_hash, password) or not user.is_active:
        raise WrongCredentials(_("Wrong e-mail or password."))
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if language in current_app.config["LANGUAGES"]:
        user.language = language
    user.last_login_at = now or utcnow()
    session.flush()
    return user


def load_user_for_session(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the user only if active and the session is not stale."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_generation != int(generation):
        return None
    return user


def _end_sessions(user: User) -> None:
    user.session_generation += 1


# --- one-time links -----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_link(
    session: Session, user: User, purpose: LinkPurpose, *, lifetime: timedelta, actor, now
) -> str:
    # A new link replaces every unused one of the same purpose.
    session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.user_id == user.id,
            OneTimeLink.purpose == purpose,
            OneTimeLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        OneTimeLink(
            purpose=purpose,
            token_hash=_token_hash(token),
            user_id=user.id,
            created_by_id=actor.id if actor is not None else None,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def find_link(
    session: Session, token: str, purpose: LinkPurpose, *, now: datetime | None = None
) -> OneTimeLink:
    """The usable link for `token`, or InvalidToken saying why not."""
    now = now or utcnow()
    link = session.scalar(
        select(OneTimeLink).where(
            OneTimeLink.token_hash == _token_hash(token or ""), OneTimeLink.purpose == purpose
        )
    )
    if link is None:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it."))
    if link.used_at is not None:
        raise InvalidToken(_("This link has already been used. Ask for a new one."))
    if link.expires_at <= now:
        raise InvalidToken(_("This link has expired. Ask for a new one."))
    if not link.user.is_active:
        raise InvalidToken(_("This account is deactivated. Contact the club manager."))
    return link


def _consume_link(session: Session, link: OneTimeLink, now: datetime) -> None:
    # Conditional update: of two simultaneous uses of one link, only one wins.
    result = session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidToken(_("This link has already been used. Ask for a new one."))
    session.refresh(link)


def _set_password(session, link_token, purpose, password, now) -> User:
    now = now or utcnow()
    link = find_link(session, link_token, purpose, now=now)
    check_password_rules(password, email=link.user.email)
    _consume_link(session, link, now)
    user = link.user
    user.password_hash = hash_password(password)
    _end_sessions(user)
    session.flush()
    return user


# --- invitations --------------------------------------------------------------------


def invite(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    company: Company | None,
    language: str,
    actor: User,
    now: datetime | None = None,
) -> User:
    """Create the invitee's account (no password yet) and e-mail them a link.

    The club manager invites anyone; an account holder invites staff of their company.
    """
    now = now or utcnow()
    _check_may_invite(actor, role, company)
    if role == Role.ACCOUNT_HOLDER and company_account_holder(session, company) is not None:
        raise AccountHolderTaken(
            _(
                "%(company)s already has an account holder. Move the role instead.",
                company=company.name,
            )
        )
    address = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise DuplicateEmail(
            _("Someone with this e-mail address is already registered."), field="email"
        )
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        company=company if role.is_partner else None,
        language=language,
        created_at=now,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # Lost a race with a simultaneous invitation of the same address or holder.
        raise DuplicateEmail(
            _(
                "Someone else registered this person, or this company's account holder, "
                "a moment ago. Reload the page to see them."
            ),
            field="email",
        ) from None
    _send_invitation(session, user, actor=actor, now=now)
    audit.record(
        session,
        "user.invited",
        user,
        actor=actor,
        company_id=user.company_id,
        after={"email": user.email, "name": user.name, "role": role.value},
        now=now,
    )
    return user


def _check_may_invite(actor: User, role: Role, company: Company | None) -> None:
    if role.is_partner and company is None:
        raise MembersError(_("Choose the company this person works for."), field="company")
    if actor.role == Role.CLUB_MANAGER:
        return
    if (
        actor.role == Role.ACCOUNT_HOLDER
        and role == Role.PARTNER_STAFF
        and company is not None
        and company.id == actor.company_id
    ):
        return
    raise NotAllowed(_("You may not invite this person."))


def _send_invitation(session: Session, user: User, *, actor: User, now: datetime) -> None:
    lifetime = timedelta(hours=current_app.config["INVITATION_LIFETIME_HOURS"])
    token = _issue_link(
        session, user, LinkPurpose.INVITATION, lifetime=lifetime, actor=actor, now=now
    )
    queue_mail(
        session,
        to=user.email,
        template="invitation",
        locale=user.language,
        user=user,
        inviter=actor,
        link=url_for("members.accept_invitation", token=token, _external=True),
        expires_at=now + lifetime,
    )


def resend_invitation(
    session: Session, user: User, *, actor: User, now: datetime | None = None
) -> None:
    """A fresh link for someone who has not accepted yet; older links stop working."""
    now = now or utcnow()
    if not user.is_invited:
        raise MembersError(_("%(name)s has already accepted the invitation.", name=user.name))
    if actor.role != Role.CLUB_MANAGER and not (
        actor.role == Role.ACCOUNT_HOLDER and user.company_id == actor.company_id
    ):
        raise NotAllowed(_("You may not invite this person."))
    _send_invitation(session, user, actor=actor, now=now)
    audit.record(
        session, "user.invitation_resent", user, actor=actor, company_id=user.company_id, now=now
    )


def accept_invitation(
    session: Session, *, token: str, password: str, now: datetime | None = None
) -> User:
    user = _set_password(session, token, LinkPurpose.INVITATION, password, now)
    audit.record(
        session, "user.invitation_accepted", user, actor=user, company_id=user.company_id, now=now
    )
    return user


# --- password reset -----------------------------------------------------------------


def request_password_reset(
    session: Session, *, email: str, ip: str, now: datetime | None = None
) -> None:
    """Send a reset link if the address belongs to an active account; say nothing either way."""
    now = now or utcnow()
    key = (email or "").strip().lower()[:254]
    if not (
        rate_limiter.hit("5/hour", "reset-email", key)
        and rate_limiter.hit("30/hour", "reset-ip", ip)
    ):
        raise RateLimited(_("Too many requests. Wait a while and try again."))
    user = session.scalar(select(User).where(User.email == key)) if key else None
    if user is None or not user.is_active:
        return
    if user.is_invited:
        # They never set a password: the invitation is the way in.
        _send_invitation(session, user, actor=None, now=now)
        return
    lifetime = timedelta(minutes=current_app.config["PASSWORD_RESET_LIFETIME_MINUTES"])
    token = _issue_link(
        session, user, LinkPurpose.PASSWORD_RESET, lifetime=lifetime, actor=None, now=now
    )
    queue_mail(
        session,
        to=user.email,
        template="password_reset",
        locale=user.language,
        user=user,
        link=url_for("members.reset_password", token=token, _external=True),
        expires_at=now + lifetime,
    )


def reset_password(
    session: Session, *, token: str, password: str, now: datetime | None = None
) -> User:
    user = _set_password(session, token, LinkPurpose.PASSWORD_RESET, password, now)
    audit.record(
        session, "user.password_reset", user, actor=user, company_id=user.company_id, now=now
    )
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    if user.password_hash is None or not _verify(user.password_hash, current):
        raise MembersError(_("Your current password is not correct."), field="current_password")
    check_password_rules(new, email=user.email)
    user.password_hash = hash_password(new)
    _end_sessions(user)  # other browsers are signed out; the view signs this one in again
    audit.record(session, "user.password_changed", user, actor=user, company_id=user.company_id)
    session.flush()


# --- profile and users --------------------------------------------------------------


def update_profile(
    session: Session, user: User, *, name: str, language: str, is_shown_on_boards: bool
) -> None:
    before = _user_snapshot(user)
    user.name = name.strip()
    user.language = language
    user.is_shown_on_boards = is_shown_on_boards
    old, new = audit.changes(before, _user_snapshot(user))
    if new:
        audit.record(
            session,
            "user.profile_updated",
            user,
            actor=user,
            company_id=user.company_id,
            before=old,
            after=new,
        )
    session.flush()


def set_language(session: Session, user: User | None, language: str) -> str:
    if language not in current_app.config["LANGUAGES"]:
        raise MembersError(_("This language is not available."))
    if user is not None:
        user.language = language
        session.flush()
    return language


def _user_snapshot(user: User) -> dict:
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "company_id": user.company_id,
        "language": user.language,
        "is_shown_on_boards": user.is_shown_on_boards,
        "is_active": user.is_active,
    }


def set_active(
    session: Session, user: User, *, active: bool, actor: User, now: datetime | None = None
) -> None:
    """Deactivate or reactivate someone; a deactivated user is signed out at once."""
    if actor.role == Role.ACCOUNT_HOLDER:
        if user.company_id != actor.company_id or user.role != Role.PARTNER_STAFF:
            raise NotAllowed(_("You may only manage the staff of your own company."))
    elif actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("You may not change this person's access."))
    if user.id == actor.id:
        raise MembersError(_("You cannot deactivate yourself."))
    if user.is_active == active:
        return
    if not active and user.role == Role.CLUB_MANAGER and _active_club_managers(session) <= 1:
        raise MembersError(_("The club needs at least one active club manager."))
    user.is_active = active
    _end_sessions(user)
    audit.record(
        session,
        "user.activated" if active else "user.deactivated",
        user,
        actor=actor,
        company_id=user.company_id,
        before={"is_active": not active},
        after={"is_active": active},
        now=now,
    )
    session.flush()


def change_supplier_role(
    session: Session, user: User, *, role: Role, actor: User, now: datetime | None = None
) -> None:
    """Switch supplier staff between account manager and club manager.

    Partner roles move only through `move_account_holder`, which keeps one holder per
    company.
    """
    if actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("Only a club manager can change roles."))
    if user.role not in SUPPLIER_ROLES or role not in SUPPLIER_ROLES:
        raise MembersError(_("Partner roles change by moving the account holder role."))
    if user.role == role:
        return
    if user.role == Role.CLUB_MANAGER and _active_club_managers(session) <= 1:
        raise MembersError(_("The club needs at least one active club manager."))
    before = user.role
    user.role = role
    _end_sessions(user)
    audit.record(
        session,
        "user.role_changed",
        user,
        actor=actor,
        before={"role": before.value},
        after={"role": role.value},
        now=now,
    )
    session.flush()


def _active_club_managers(session: Session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.CLUB_MANAGER, User.is_active.is_(True))
    )


def company_account_holder(session: Session, company: Company) -> User | None:
    return session.scalar(
        select(User).where(User.company_id == company.id, User.role == Role.ACCOUNT_HOLDER)
    )


def move_account_holder(
    session: Session,
    company: Company,
    new_holder: User,
    *,
    actor: User,
    now: datetime | None = None,
) -> None:
    """Give the account holder role to another staff member of the same company."""
    if actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("Only a club manager can move the account holder role."))
    if new_holder.company_id != company.id or new_holder.role not in PARTNER_ROLES:
        raise MembersError(
            _("The new account holder must work for %(company)s.", company=company.name),
            field="user",
        )
    if not new_holder.is_active:
        raise MembersError(_("%(name)s is deactivated.", name=new_holder.name), field="user")
    # Serialise moves for this company: the row lock orders two simultaneous moves.
    session.execute(select(Company.id).where(Company.id == company.id).with_for_update())
    old_holder = company_account_holder(session, company)
    if old_holder is not None and old_holder.id == new_holder.id:
        return
    if old_holder is not None:
        old_holder.role = Role.PARTNER_STAFF
        _end_sessions(old_holder)
        session.flush()  # free the one-holder slot before taking it
    new_holder.role = Role.ACCOUNT_HOLDER
    _end_sessions(new_holder)
    session.flush()
    audit.record(
        session,
        "company.account_holder_moved",
        company,
        actor=actor,
        company_id=company.id,
        before={"account_holder": old_holder.email if old_holder else None},
        after={"account_holder": new_holder.email},
        now=now,
    )


# --- companies ----------------------------------------------------------------------


@dataclass
class CompanyDetails:
    name: str
    tax_id: str
    country: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    status: MembershipStatus = MembershipStatus.APPLICANT
    joined_on: date | None = None
    account_manager_id: int | None = None


def _company_snapshot(company: Company) -> dict:
    return {
        "name": company.name,
        "tax_id": company.tax_id,
        "country": company.country,
        "street": company.street,
        "postal_code": company.postal_code,
        "city": company.city,
        "status": company.status.value,
        "joined_on": company.joined_on.isoformat() if company.joined_on else None,
        "account_manager_id": company.account_manager_id,
    }


def _apply_company_details(
    session: Session, company: Company, details: CompanyDetails, now: datetime
) -> None:
    country = details.country.upper()
    tax_id = normalize_tax_id(country, details.tax_id)
    clash = session.scalar(
        select(Company.id).where(
            Company.country == country, Company.tax_id == tax_id, Company.id != company.id
        )
    )
    if clash is not None:
        raise MembersError(_("A company with this tax id is already registered."), field="tax_id")
    if details.account_manager_id is not None:
        manager = session.get(User, details.account_manager_id)
        if manager is None or manager.role != Role.ACCOUNT_MANAGER:
            raise MembersError(_("Choose an account manager."), field="account_manager_id")
    company.name = details.name.strip()
    company.tax_id = tax_id
    company.country = country
    company.street = details.street.strip()
    company.postal_code = details.postal_code.strip()
    company.city = details.city.strip()
    company.account_manager_id = details.account_manager_id
    company.joined_on = details.joined_on
    if details.status == MembershipStatus.MEMBER and company.joined_on is None:
        company.joined_on = now.date()
    company.status = details.status


def create_company(
    session: Session, details: CompanyDetails, *, actor: User, now: datetime | None = None
) -> Company:
    now = now or utcnow()
    company = Company(created_at=now)
    _apply_company_details(session, company, details, now)
    session.add(company)
    session.flush()
    audit.record(
        session,
        "company.created",
        company,
        actor=actor,
        company_id=company.id,
        after=_company_snapshot(company),
        now=now,
    )
    return company


def update_company(
    session: Session,
    company: Company,
    details: CompanyDetails,
    *,
    actor: User,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    before = _company_snapshot(company)
    _apply_company_details(session, company, details, now)
    old, new = audit.changes(before, _company_snapshot(company))
    if new:
        audit.record(
            session,
            "company.updated",
            company,
            actor=actor,
            company_id=company.id,
            before=old,
            after=new,
            now=now,
        )
    session.flush()


# --- reading ------------------------------------------------------------------------


def visible_companies(viewer: User):
    """The companies a viewer may see: all for the club manager, a portfolio otherwise."""
    query = select(Company)
    if viewer.role == Role.ACCOUNT_MANAGER:
        query = query.where(Company.account_manager_id == viewer.id)
    elif viewer.role != Role.CLUB_MANAGER:
        query = query.where(Company.id == viewer.company_id)
    return query


def visible_company(session: Session, viewer: User, company_id: int) -> Company | None:
    """The company, if the viewer may see it (see visible_companies)."""
    return session.scalar(visible_companies(viewer).where(Company.id == company_id))


def search_companies(
    viewer: User,
    *,
    text: str = "",
    status: str = "",
    country: str = "",
    account_manager_id: int | None = None,
):
    query = visible_companies(viewer)
    if text:
        pattern = f"%{text.strip().lower()}%"
        compact = "".join(ch for ch in text if ch.isalnum())
        conditions = [
            func.lower(Company.name).like(pattern),
            func.lower(Company.city).like(pattern),
        ]
        if compact:
            conditions.append(Company.tax_id.like(f"%{compact.upper()}%"))
        query = query.where(or_(*conditions))
    if status:
        query = query.where(Company.status == MembershipStatus(status))
    if country:
        query = query.where(Company.country == country.upper())
    if account_manager_id:
        query = query.where(Company.account_manager_id == account_manager_id)
    return query.options(selectinload(Company.account_manager)).order_by(
        func.lower(Company.name), Company.id
    )


def search_users(
    *, text: str = "", role: str = "", company_id: int | None = None, active: str = ""
):
    query = select(User)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role:
        query = query.where(User.role == Role(role))
    if company_id:
        query = query.where(User.company_id == company_id)
    if active == "yes":
        query = query.where(User.is_active.is_(True))
    elif active == "no":
        query = query.where(User.is_active.is_(False))
    return query.options(selectinload(User.company)).order_by(func.lower(User.name), User.id)
