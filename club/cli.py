"""`flask --app wsgi club ...` commands: a stable interface for operators."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from club.core.database import write_intent
from club.purchases.csv_encoding import ENCODINGS


@click.group("club", cls=AppGroup)
@click.pass_context
def club_cli(ctx: click.Context) -> None:
    """Club administration commands."""
    # Commands change data: on SQLite their transactions take the write lock at BEGIN.
    intent = write_intent()
    intent.__enter__()
    ctx.call_on_close(lambda: intent.__exit__(None, None, None))


@club_cli.command("demo")
@click.option("--password", default=None, help="One password for every demo login.")
def demo_command(password: str | None) -> None:
    """Fill an EMPTY database with a believable demo club and print the logins."""
    from club.demo import DemoAlreadyLoaded, load_demo
    from club.extensions import db

    try:
        logins, password = load_demo(db.session, password=password)
    except DemoAlreadyLoaded as error:
        click.echo(str(error))
        return
    db.session.commit()
    click.echo("Demo club loaded. Sign in at http://127.0.0.1:5000/login with:")
    for role, email, company in logins:
        where = f"  ({company})" if company else ""
        click.echo(f"  {role:<16} {email:<34}{where}")
    click.echo(f"Password for every demo login: {password}")


def register_commands(app: Flask) -> None:
    from club.leaderboard.cli import leaderboard_cli
    from club.learning.cli import courses_cli
    from club.portfolio.cli import portfolio_cli

    club_cli.add_command(courses_cli)
    club_cli.add_command(portfolio_cli)
    club_cli.add_command(leaderboard_cli)
    app.cli.add_command(club_cli)


def _run_job(job, session) -> None:
    from club.scheduler import run_and_record

    count = run_and_record(session, job)
    click.echo(f"{job.name}: {count}")


@club_cli.command("run-jobs")
@click.option("--only", default=None, help="Run just the job with this name.")
def run_jobs_command(only: str | None) -> None:
    """Run every periodic job once (each is idempotent)."""
    from club.extensions import db
    from club.jobs import JOBS

    jobs = [job for job in JOBS if only in (None, job.name)]
    if not jobs:
        raise click.UsageError(f"no job named {only!r}; known: {[j.name for j in JOBS]}")
    for job in jobs:
        _run_job(job, db.session)


@club_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the periodic jobs on their schedules until stopped (one per deployment)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from flask import current_app

    from club.jobs import JOBS
    from club.scheduler import configure

    app = current_app._get_current_object()
    scheduler = configure(app, BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"]))
    click.echo(f"scheduler: {len(JOBS)} jobs, each run once now; Ctrl+C stops it")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


ledger_cli = AppGroup("ledger", help="The points ledger.")
club_cli.add_command(ledger_cli)


@ledger_cli.command("verify")
@click.option(
    "--wallet",
    "wallet_id",
    type=click.IntRange(1, 2**63 - 1),
    default=None,
    help="Check this wallet only (its balances, lots and allocations; not the rollups).",
)
def ledger_verify_command(wallet_id: int | None) -> None:
    """Recompute every wallet from its entries and check every invariant."""
    from club.extensions import db
    from club.ledger.verify import verify

    report = verify(db.session, wallet_id=wallet_id)
    click.echo(
        f"checked {report.wallets} wallets, {report.entries} entries, {report.lots} lots: "
        + ("all consistent" if report.ok else f"{len(report.problems)} problems")
    )
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if not report.ok:
        raise SystemExit(1)


tiers_cli = AppGroup("tiers", help="Tiers: requalification on demand.")
club_cli.add_command(tiers_cli)


@tiers_cli.command("requalify")
def tiers_requalify_command() -> None:
    """Requalify every member company now, as the monthly job does (idempotent)."""
    from club.extensions import db
    from club.jobs import JOBS

    job = next(job for job in JOBS if job.name == "requalify-companies")
    _run_job(job, db.session)


admission_cli = AppGroup("admission", help="Admission of applicants and frozen points.")
club_cli.add_command(admission_cli)


@admission_cli.command("run")
def admission_run_command() -> None:
    """Admit applicants that reached the threshold (or propose them for approval), then
    forfeit the frozen points of companies suspended or gone past the rules' period.
    The same jobs the scheduler runs nightly; safe to run again."""
    from club.extensions import db
    from club.jobs import JOBS

    for job in JOBS:
        if job.name in ("admit-applicants", "forfeit-frozen-points"):
            _run_job(job, db.session)


token_cli = AppGroup("api-token", help="Tokens for the JSON API.")
club_cli.add_command(token_cli)


@token_cli.command("create")
@click.option("--name", required=True, help="Who uses it, e.g. 'ERP (Comarch)'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="invoices, companies, wallets, leaderboards (default: all).",
)
def token_create_command(name: str, scopes: tuple[str, ...]) -> None:
    """Print a new API token (shown once; only its hash is kept)."""
    from club.api.services import SCOPES, create_token
    from club.core.errors import ClubError
    from club.extensions import db

    try:
        token, secret = create_token(db.session, name=name, scopes=scopes or SCOPES)
    except ClubError as error:
        raise click.UsageError(error.message) from None
    db.session.commit()
    click.echo(f"token {token.id} ({token.name}, scopes: {token.scopes}):")
    click.echo(secret)


@token_cli.command("list")
def token_list_command() -> None:
    """List tokens (never their secrets)."""
    from club.api.services import tokens
    from club.extensions import db

    for token in tokens(db.session):
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        click.echo(f"{token.id:>4}  {token.prefix}…  {token.name}  [{token.scopes}]  {state}")


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def token_revoke_command(token_id: int) -> None:
    """Revoke a token at once."""
    from club.api.models import ApiToken
    from club.api.services import revoke_token
    from club.extensions import db

    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.UsageError(f"no token {token_id}")
    revoke_token(db.session, token)
    db.session.commit()
    click.echo(f"token {token_id} revoked")


@club_cli.command("import-invoices")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; save nothing.")
@click.option(
    "--encoding",
    type=click.Choice(list(ENCODINGS)),
    default=None,
    help="The file's encoding; without it the command finds it out, or says it cannot.",
)
def import_invoices_command(path: Path, dry_run: bool, encoding: str | None) -> None:
    """Import invoices and credit notes from an ERP's CSV export.

    Rejected rows are listed with their line and reason; the good rows go in. Sending
    the same invoice again updates its payment date and never counts it twice. Exits 1
    when the file as a whole cannot be read.
    """
    from club.extensions import db
    from club.purchases import services

    data = path.read_bytes()
    if dry_run:
        preview = services.preview_import(db.session, data, encoding=encoding)
        parsed = preview.parsed
        problems = [(line, message) for line, _column, message in preview.problems]
        saved = f"{len(preview.valid)} rows would be saved"
        rejected_rows = preview.rejected_rows
    else:
        parsed, report = services.import_file(
            db.session, data, filename=path.name, encoding=encoding
        )
        problems = report.rejected
        rejected_rows = report.rejected_rows
        saved = (
            f"{report.created} new, {report.updated} payments updated, "
            f"{report.unchanged} unchanged, {report.months_settled} months settled"
        )
    file_errors = [error for error in parsed.errors if error.line is None]
    if file_errors:
        db.session.rollback()  # nothing of an unreadable file is kept, not even its audit
        for error in file_errors:
            click.echo(f"{path}: {error.message}", err=True)
        raise SystemExit(1)
    if not dry_run:
        db.session.commit()
    for line, message in problems:
        click.echo(f"{path}:{line}: {message}", err=True)
    click.echo(f"{path}: {saved}; {rejected_rows} rows rejected")


insight_cli = AppGroup("insight", help="The KPI dashboard's monthly summaries.")
club_cli.add_command(insight_cli)


@insight_cli.command("refresh")
@click.option(
    "--months",
    type=click.IntRange(1, 240),
    default=None,
    help="How many months back to rewrite (the nightly job's 14 by default); more after "
    "importing old invoices.",
)
def insight_refresh_command(months: int | None) -> None:
    """Rewrite the dashboard's per-month summaries of invoices and points (idempotent)."""
    from club.extensions import db
    from club.insight.refresh import NIGHTLY_MONTHS, refresh

    count = refresh(db.session, months=months or NIGHTLY_MONTHS)
    db.session.commit()
    click.echo(f"insight summaries: {count} rows")
