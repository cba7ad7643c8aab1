"""`flask --app wsgi club portfolio ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from club.extensions import db
from club.portfolio.nightly import score_companies, send_digests

portfolio_cli = AppGroup("portfolio", help="The account managers' portfolios and health scores.")


@portfolio_cli.command("score")
def score_command() -> None:
    """Score every company for today (what the nightly job does; safe to run again)."""
    count = score_companies(db.session)
    db.session.commit()
    click.echo(f"scored {count} companies")


@portfolio_cli.command("digest")
def digest_command() -> None:
    """Send this week's digests not sent yet (what the Monday job does)."""
    count = send_digests(db.session)
    db.session.commit()
    click.echo(f"sent {count} digests")
