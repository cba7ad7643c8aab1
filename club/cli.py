"""`flask --app wsgi club ...` commands: a stable interface for operators."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

club_cli = AppGroup("club", help="Club administration commands.")


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
    app.cli.add_command(club_cli)
