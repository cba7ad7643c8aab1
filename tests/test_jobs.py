"""Periodic jobs, called directly and through the command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from club.jobs import purge_one_time_links
from club.members.models import LinkPurpose, OneTimeLink

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _link(user, *, created, used=None, token="t"):
    return OneTimeLink(
        purpose=LinkPurpose.INVITATION,
        token_hash=token * 64,
        user_id=user.id,
        created_at=created,
        expires_at=created + timedelta(days=7),
        used_at=used,
    )


def test_purge_removes_only_links_long_dead_and_is_idempotent(db_session, club):
    db_session.add_all(
        [
            _link(club.staff, created=NOW - timedelta(days=60), token="a"),  # expired long ago
            _link(
                club.staff,
                created=NOW - timedelta(days=45),
                used=NOW - timedelta(days=44),
                token="b",
            ),
            _link(club.staff, created=NOW - timedelta(days=2), token="c"),  # still valid
            _link(club.staff, created=NOW - timedelta(days=10), token="d"),  # expired lately
        ]
    )
    db_session.commit()
    assert purge_one_time_links(db_session, now=NOW) == 2
    assert purge_one_time_links(db_session, now=NOW) == 0
    db_session.commit()
    left = db_session.scalars(select(OneTimeLink.token_hash)).all()
    assert sorted(token[0] for token in left) == ["c", "d"]


def test_run_jobs_command(app, club):
    result = app.test_cli_runner().invoke(args=["club", "run-jobs"])
    assert result.exit_code == 0, result.output
    assert "purge-one-time-links: 0" in result.output
    bad = app.test_cli_runner().invoke(args=["club", "run-jobs", "--only", "nope"])
    assert bad.exit_code != 0 and "no job named" in bad.output
    with app.app_context():
        from club.extensions import db

        assert db.session.scalar(select(func.count()).select_from(OneTimeLink)) == 0


def test_the_scheduler_registers_every_job_and_runs_them_at_start(app, club):
    from apscheduler.schedulers.background import BackgroundScheduler

    from club.jobs import JOBS
    from club.scheduler import configure, run_job

    scheduler = configure(app, BackgroundScheduler(timezone="Europe/Warsaw"))
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {job.name for job in JOBS} | {f"{job.name}-at-start" for job in JOBS}
    assert run_job(app, JOBS[0]) == 0


def test_mail_from_a_job_links_to_the_base_url(app, db_session, club, mailbox):
    from datetime import UTC, datetime

    from club.jobs import warn_expiring
    from club.ledger import services as ledger

    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(
        db_session,
        wallet,
        10,
        source=ledger.Source("quiz", "1"),
        now=datetime(2024, 12, 10, tzinfo=UTC),
    )
    db_session.commit()
    server_name = app.config["SERVER_NAME"]
    app.config["SERVER_NAME"] = None  # as in production: links come from BASE_URL
    try:
        with app.app_context():  # no request, as in the scheduler
            from club.extensions import db

            assert warn_expiring(db.session, now=datetime(2026, 11, 20, tzinfo=UTC)) == 1
            db.session.commit()
    finally:
        app.config["SERVER_NAME"] = server_name
    (message,) = mailbox.messages
    assert "http://127.0.0.1:5000/wallet" in message.get_content()


def test_tiers_requalify_command(app, club):
    from club.extensions import db
    from club.members.models import Company
    from club.members.tiers import ensure_default_tiers

    with app.app_context():
        ensure_default_tiers(db.session)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["club", "tiers", "requalify"])
    assert result.exit_code == 0, result.output
    assert "requalify-companies: 2" in result.output  # both member companies' first tier
    again = app.test_cli_runner().invoke(args=["club", "tiers", "requalify"])
    assert "requalify-companies: 0" in again.output
    with app.app_context():
        tiers = db.session.scalars(select(Company.tier_id)).all()
        assert len(tiers) == 2 and None not in tiers
