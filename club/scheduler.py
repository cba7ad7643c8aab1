"""The periodic jobs on a schedule: one scheduler per deployment.

`flask --app wsgi club scheduler` runs it in the foreground (production: one such
process). `make run` sets CLUB_SCHEDULER=1 so the development server runs it in a
background thread instead. Either way every job runs once at start, so months that were
never closed are closed at once (the jobs are idempotent).
"""

from __future__ import annotations

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.database import write_intent
from club.extensions import db
from club.health.services import record_job_run
from club.jobs import JOBS, Job


def run_and_record(session: Session, job: Job) -> int:
    """Run a job in its own transaction and keep its last run for /healthz."""
    started_at = utcnow()
    try:
        count = job.run(session)
        record_job_run(session, job.name, started_at=started_at, count=count)
        session.commit()
    except Exception as error:
        session.rollback()
        record_job_run(session, job.name, started_at=started_at, error=error)
        session.commit()
        raise
    return count


def run_job(app: Flask, job: Job) -> int:
    with app.app_context(), write_intent():
        try:
            return run_and_record(db.session, job)
        except Exception:
            app.logger.exception("job %s failed", job.name)
            raise
        finally:
            db.session.remove()


def configure(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "cron",
            args=(app, job),
            id=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            **job.cron,
        )
        # And once now, to catch up after downtime.
        scheduler.add_job(run_job, args=(app, job), id=f"{job.name}-at-start")
    return scheduler


def start_in_background(app: Flask) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=app.config["SCHEDULER_TIMEZONE"], daemon=True)
    configure(app, scheduler).start()
    app.extensions["club_scheduler"] = scheduler
