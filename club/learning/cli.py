"""`flask --app wsgi club courses ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from club.extensions import db
from club.learning.sync import courses_folder, sync_courses

courses_cli = AppGroup("courses", help="Courses kept as files in courses/.")


@courses_cli.command("sync")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The courses folder (default: COURSES_FOLDER, or courses/ in the project).",
)
def sync_command(folder: Path | None) -> None:
    """Validate every course and load it by slug; exits 1 if any course has errors.

    Valid courses are saved even when others have errors; a course with an error is not
    saved at all. A course whose folder is gone is unpublished, never deleted.
    """
    folder = folder or courses_folder()
    report = sync_courses(db.session, folder)
    db.session.commit()
    for slug in report.created:
        click.echo(f"created     {slug}")
    for slug in report.updated:
        click.echo(f"updated     {slug}")
    for slug in report.unchanged:
        click.echo(f"unchanged   {slug}")
    for slug in report.unpublished:
        click.echo(f"unpublished {slug} (its folder is gone)")
    for problem in report.problems:
        click.echo(f"error: {problem}", err=True)
    loaded = len(report.created) + len(report.updated) + len(report.unchanged)
    click.echo(f"{loaded} courses loaded, {len(report.problems)} errors")
    if report.problems:
        raise SystemExit(1)
