"""E-voucher codes of a privilege's pool: taking one for a redemption (atomically, so two
redemptions never get the same code on either database) and showing it to the holder.

PostgreSQL: the free code is picked with SELECT ... FOR UPDATE SKIP LOCKED, so parallel
approvals each take a different row without waiting. SQLite: writers are serialised
(BEGIN IMMEDIATE, club.core.database). On both, the UPDATE only takes a code still free
(`redemption_id IS NULL`), and the unique redemption_id refuses a second code for one
redemption.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog.models import Redemption, VoucherCode
from club.core.errors import NotAllowed
from club.core.periods import club_today
from club.core.roles import Role
from club.core.sealing import unseal
from club.members.models import User

# A code taken by a parallel transaction between our SELECT and UPDATE: try the next.
ATTEMPTS = 5


def free(privilege_id: int, today: date):
    """Codes of the pool that can still be given: unassigned, not withdrawn, not expired."""
    return (
        VoucherCode.privilege_id == privilege_id,
        VoucherCode.redemption_id.is_(None),
        VoucherCode.withdrawn_at.is_(None),
        (VoucherCode.expires_on.is_(None)) | (VoucherCode.expires_on >= today),
    )


def codes_left(session: Session, privilege_id: int, *, today: date) -> int:
    return session.scalar(select(func.count(VoucherCode.id)).where(*free(privilege_id, today)))


def take_code(session: Session, redemption: Redemption, *, now: datetime) -> VoucherCode | None:
    """Assign the free code that expires first to the redemption; None if the pool is empty."""
    today = club_today(now)
    for _attempt in range(ATTEMPTS):
        candidate = session.scalar(
            select(VoucherCode.id)
            .where(*free(redemption.privilege_id, today))
            .order_by(VoucherCode.expires_on.is_(None), VoucherCode.expires_on, VoucherCode.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            return None
        taken = session.execute(
            update(VoucherCode)
            .where(VoucherCode.id == candidate, VoucherCode.redemption_id.is_(None))
            .values(redemption_id=redemption.id, assigned_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            return session.get(VoucherCode, candidate, populate_existing=True)
    return None


def reveal(
    session: Session, redemption: Redemption, *, actor: User, now: datetime | None = None
) -> tuple[str, str | None]:
    """The code and PIN, for the company's account holder only; every reveal is audited."""
    if actor.role != Role.ACCOUNT_HOLDER or actor.company_id != redemption.company_id:
        raise NotAllowed(_("Only the company's account holder can see the code."))
    voucher = redemption.voucher
    if voucher is None:
        raise NotAllowed(_("No code has been assigned yet."))
    audit.record(
        session,
        "voucher.revealed",
        voucher,
        actor=actor,
        company_id=redemption.company_id,
        after={"redemption": redemption.id},
        now=now,
    )
    return opened(voucher)


def opened(voucher: VoucherCode) -> tuple[str, str | None]:
    pin = unseal(voucher.sealed_pin) if voucher.sealed_pin else None
    return unseal(voucher.sealed_code), pin
