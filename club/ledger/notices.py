"""E-mails about points: the warning before points expire."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.core.roles import Role
from club.ledger.models import Lot, Wallet
from club.members.models import User

WARNING_AHEAD = timedelta(days=30)


def warn_expiring_points(session: Session, *, now: datetime | None = None) -> int:
    """Tell each account holder, once per lot, about points expiring within 30 days."""
    now = now or utcnow()
    lots = session.scalars(
        select(Lot)
        .where(
            Lot.remaining > 0,
            Lot.expiry_warned_at.is_(None),
            Lot.expires_at > now,
            Lot.expires_at <= now + WARNING_AHEAD,
        )
        .order_by(Lot.wallet_id, Lot.expires_at)
        .with_for_update()
    ).all()
    by_wallet: dict[int, list[Lot]] = defaultdict(list)
    for lot in lots:
        by_wallet[lot.wallet_id].append(lot)
    sent = 0
    for wallet_id, wallet_lots in by_wallet.items():
        wallet = session.get(Wallet, wallet_id)
        holder = session.scalar(
            select(User).where(
                User.company_id == wallet.company_id,
                User.role == Role.ACCOUNT_HOLDER,
                User.is_active.is_(True),
            )
        )
        for lot in wallet_lots:
            lot.expiry_warned_at = now
        if holder is None or holder.is_invited:
            continue  # nobody to tell; the wallet page still shows it
        queue_mail(
            session,
            to=holder.email,
            template="points_expiring",
            locale=holder.language,
            user=holder,
            company=wallet.company,
            points=sum(lot.remaining for lot in wallet_lots),
            first_date=wallet_lots[0].expires_at,
        )
        sent += 1
    session.flush()
    return sent
