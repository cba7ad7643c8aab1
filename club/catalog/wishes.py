"""Wishes: a staff member proposes a privilege to their account holder, who redeems it
or declines."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.catalog.errors import AlreadyProposed, PrivilegeUnavailable
from club.catalog.models import Privilege, Redemption, Wish, WishStatus
from club.catalog.privileges import unavailable_reason
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.mail import queue_mail
from club.core.periods import club_today
from club.core.roles import Role
from club.members.models import User


def propose(
    session: Session,
    privilege: Privilege,
    *,
    actor: User,
    note: str = "",
    now: datetime | None = None,
) -> Wish:
    """A staff member asks their account holder to redeem a privilege."""
    now = now or utcnow()
    if actor.role not in (Role.PARTNER_STAFF, Role.ACCOUNT_HOLDER):
        raise NotAllowed(_("Only partner staff can propose privileges."))
    if (reason := unavailable_reason(privilege, today=club_today(now))) is not None:
        raise PrivilegeUnavailable(reason)
    already = _(
        "Your company has already proposed this privilege; it waits for the account holder."
    )
    if session.scalar(
        select(Wish.id).where(
            Wish.company_id == actor.company_id,
            Wish.privilege_id == privilege.id,
            Wish.status == WishStatus.OPEN,
        )
    ):
        raise AlreadyProposed(already)
    wish = Wish(
        privilege_id=privilege.id,
        company_id=actor.company_id,
        proposed_by_id=actor.id,
        note=(note or "").strip()[:1000],
        created_at=now,
    )
    session.add(wish)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same proposal sent at the same moment (uq_wish_open)
        raise AlreadyProposed(already) from None
    holder = session.scalar(
        select(User).where(User.company_id == actor.company_id, User.role == Role.ACCOUNT_HOLDER)
    )
    if holder is not None and holder.is_active and holder.id != actor.id:
        queue_mail(
            session,
            to=holder.email,
            template="wish_proposed",
            locale=holder.language,
            wish=wish,
            privilege=privilege,
            proposer=actor,
            user=holder,
        )
    return wish


def decide_wish(
    session: Session,
    wish: Wish,
    *,
    actor: User,
    redemption: Redemption | None,
    now: datetime | None = None,
) -> Wish:
    """The account holder turns a wish into a redemption, or declines it."""
    if actor.role != Role.ACCOUNT_HOLDER or actor.company_id != wish.company_id:
        raise NotAllowed(_("Only your company's account holder decides on proposals."))
    if wish.status != WishStatus.OPEN:
        return wish
    wish.status = WishStatus.REDEEMED if redemption is not None else WishStatus.DECLINED
    wish.redemption_id = redemption.id if redemption is not None else None
    wish.decided_at = now or utcnow()
    session.flush()
    return wish


def open_wish_count(session: Session, company_id: int | None) -> int:
    """How many of a company's staff proposals wait for the account holder."""
    if company_id is None:
        return 0
    return session.scalar(
        select(func.count())
        .select_from(Wish)
        .where(Wish.company_id == company_id, Wish.status == WishStatus.OPEN)
    )
