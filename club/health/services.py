"""Recording job runs and reporting the portal's health."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.extensions import rate_limiter
from club.health.models import JobRun

ERROR_LENGTH = 500


def record_job_run(
    session: Session,
    job_name: str,
    *,
    started_at: datetime,
    count: int = 0,
    error: BaseException | None = None,
    now: datetime | None = None,
) -> JobRun:
    """Keep the job's latest run (one row per job, overwritten)."""
    run = session.get(JobRun, job_name) or JobRun(job_name=job_name)
    run.started_at = started_at
    run.finished_at = now or utcnow()
    run.is_ok = error is None
    run.count = count
    run.error = "" if error is None else f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    session.add(run)
    return run


def report(session: Session) -> dict:
    """What /healthz answers: each part's state and an overall `ok`."""
    parts = {"database": _database(session), "shared_store": rate_limiter.status()}
    parts["scheduler"] = _scheduler(session) if parts["database"]["ok"] else {"ok": False}
    return {"ok": all(part["ok"] for part in parts.values()), **parts}


def _database(session: Session) -> dict:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        session.rollback()
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _scheduler(session: Session) -> dict:
    """Each job's last run; a failed last run makes the scheduler not ok. A portal whose
    scheduler has never run yet is ok (nothing failed), and says so."""
    runs = session.scalars(select(JobRun).order_by(JobRun.job_name)).all()
    jobs = {
        run.job_name: {
            "last_run": run.finished_at.isoformat(),
            "ok": run.is_ok,  # the error itself is in the log and the table, not public
        }
        for run in runs
    }
    last = max((run.finished_at for run in runs), default=None)
    return {
        "ok": all(run.is_ok for run in runs),
        "last_run": last.isoformat() if last else None,
        "jobs": jobs,
    }
