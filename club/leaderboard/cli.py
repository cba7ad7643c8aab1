"""`flask --app wsgi club leaderboard ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from club.extensions import db
from club.leaderboard.rollups import rebuild

leaderboard_cli = AppGroup("leaderboard", help="Leaderboards and their rollups.")


@leaderboard_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every leaderboard rollup from the ledger (new entries wait meanwhile)."""
    done = rebuild(db.session)
    db.session.commit()
    click.echo(
        f"rebuilt {done.people} people rows, {done.companies} company rows "
        f"and {done.scores} score counts"
    )
