"""People's accounts: e-mail addresses, profile and password, access and supplier roles."""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from club.audit import services as audit
from club.core import shared_cache
from club.core.errors import NotAllowed
from club.core.roles import SUPPLIER_ROLES, Role
from club.members.errors import MembersError
from club.members.models import User
from club.members.passwords import check_password_rules, hash_password, verify_password
from club.members.sign_in import end_sessions, start_session


def normalize_email(raw: str) -> str:
    """A syntactically valid address, lower-cased (e-mails are unique case-insensitively)."""
    try:
        checked = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise MembersError(_("Enter a valid e-mail address."), field="email") from None
    return checked.normalized.lower()


# --- one's own account --------------------------------------------------------------


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """A new password ends every other session of the person; the browser that changed
    it stays signed in, under a new session key (`user.get_id()`, for login_user)."""
    if not verify_password(user.password_hash, current):
        raise MembersError(_("Your current password is not correct."), field="current_password")
    check_password_rules(new, email=user.email)
    user.password_hash = hash_password(new)
    end_sessions(user)
    start_session(session, user)  # also removes the sessions the new generation ended
    audit.record(session, "user.password_changed", user, actor=user, company_id=user.company_id)
    session.flush()


def update_profile(
    session: Session, user: User, *, name: str, language: str, is_shown_on_boards: bool
) -> None:
    before = _user_snapshot(user)
    user.name = name.strip()
    user.language = language
    user.is_shown_on_boards = is_shown_on_boards
    old, new = audit.changes(before, _user_snapshot(user))
    if {"name", "is_shown_on_boards"} & new.keys():  # the boards show them
        shared_cache.drop(session, shared_cache.BOARD_TOPS)
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


# --- access and roles, set by managers ----------------------------------------------


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
    end_sessions(user)
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
    end_sessions(user)
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


# --- the club manager's list of people ----------------------------------------------


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
