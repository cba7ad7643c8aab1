"""What waits for the club manager in the redemption queue, for their to-do list: the
open redemptions, each with the deadline its privilege's lead time sets (its SLA)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from club.catalog.models import OPEN_STATUSES, Privilege, Redemption


@dataclass(frozen=True)
class Waiting:
    redemption: Redemption
    due: datetime  # created + the privilege's lead time
    is_overdue: bool


@dataclass(frozen=True)
class Queue:
    count: int
    overdue: int
    first: list[Waiting]  # the soonest due first


def waiting_queue(session: Session, *, now: datetime, limit: int = 5) -> Queue:
    """The open redemptions by deadline: one query for all deadlines (the queue is short,
    a few hundred at most, so they are worked out here rather than in each database's
    date SQL), one for the first few to show."""
    rows = session.execute(
        select(Redemption.id, Redemption.created_at, Privilege.lead_time_days)
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(Redemption.status.in_(OPEN_STATUSES))
    ).all()
    due = sorted((created + timedelta(days=lead), id_) for id_, created, lead in rows)
    overdue = sum(1 for deadline, _id in due if now > deadline)
    first = due[:limit]
    loaded = {
        redemption.id: redemption
        for redemption in session.scalars(
            select(Redemption)
            .where(Redemption.id.in_([id_ for _due, id_ in first]))
            .options(joinedload(Redemption.privilege), joinedload(Redemption.company))
        )
    }
    return Queue(
        count=len(due),
        overdue=overdue,
        first=[Waiting(loaded[id_], deadline, now > deadline) for deadline, id_ in first],
    )
