"""A company's account holder: one per company, and handing the role over."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.errors import NotAllowed
from club.core.roles import PARTNER_ROLES, Role
from club.members.errors import MembersError
from club.members.models import Company, User
from club.members.sign_in import end_sessions


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
        end_sessions(old_holder)
        session.flush()  # free the one-holder slot before taking it
    new_holder.role = Role.ACCOUNT_HOLDER
    end_sessions(new_holder)
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
