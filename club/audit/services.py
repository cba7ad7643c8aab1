"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import has_request_context, request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from club.audit.models import AuditEntry
from club.core.clock import utcnow
from club.core.periods import days_bounds


def record(
    session: Session,
    action: str,
    obj,
    *,
    actor=None,
    company_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    now: datetime | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditEntry:
    """Append one entry for `action` on `obj` (any model with an `id`), or on
    `object_type`/`object_id` for things that are not a row (an import, a file). Given
    both `before` and `after`, the entry keeps only the fields whose value changed."""
    if obj is not None and obj.id is None:
        session.flush()  # the object needs its id before we can name it
    if before is not None and after is not None:
        before, after = changes(before, after)  # a change lists only what changed
    entry = AuditEntry(
        created_at=now or utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type or type(obj).__tablename__,
        object_id=object_id or str(obj.id),
        company_id=company_id,
        before=before,
        after=after,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    session.add(entry)
    return entry


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the fields that changed, for a compact before/after pair."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters by; `since` and `until` are the club's calendar days."""

    action: str | None = None
    actor_id: int | None = None
    company_id: int | None = None
    object_type: str | None = None
    since: date | None = None
    until: date | None = None


def audit_query(filters: AuditFilter) -> Select:
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.actor_id:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.company_id:
        query = query.where(AuditEntry.company_id == filters.company_id)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    start, end = days_bounds(filters.since, filters.until)
    if start is not None:
        query = query.where(AuditEntry.created_at >= start)
    if end is not None:
        query = query.where(AuditEntry.created_at < end)
    return query
