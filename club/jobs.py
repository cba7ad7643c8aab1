"""Periodic jobs: plain functions over a session, idempotent and safe to run twice.

`flask --app wsgi club run-jobs` runs each once (cron-friendly, and what tests call);
`flask --app wsgi club scheduler` runs them on their schedules in one long-lived
process. Run exactly one scheduler per deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.members.models import OneTimeLink

# Used or expired links are kept this long for support questions, then removed.
LINK_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., int]
    # APScheduler cron fields, in the club's time zone.
    cron: dict


def purge_one_time_links(session: Session, *, now: datetime | None = None) -> int:
    """Delete invitation and reset links that were used or expired long ago."""
    cutoff = (now or utcnow()) - LINK_RETENTION
    result = session.execute(
        delete(OneTimeLink).where(
            or_(OneTimeLink.used_at < cutoff, OneTimeLink.expires_at < cutoff)
        )
    )
    return result.rowcount


JOBS: list[Job] = [
    Job("purge-one-time-links", purge_one_time_links, {"hour": 3, "minute": 17}),
]
