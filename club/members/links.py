"""One-time links: invitations (the way into a new account) and password resets.

A link is e-mailed once, stored only as a hash, expires, and works once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import InvalidToken, NotAllowed, RateLimited
from club.core.mail import queue_mail
from club.core.roles import Role
from club.extensions import rate_limiter
from club.members.account_holder import company_account_holder
from club.members.accounts import normalize_email
from club.members.errors import AccountHolderTaken, DuplicateEmail, MembersError
from club.members.models import Company, LinkPurpose, OneTimeLink, User
from club.members.passwords import check_password_rules, hash_password
from club.members.sign_in import end_sessions

# --- links --------------------------------------------------------------------------


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
    end_sessions(user)
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
