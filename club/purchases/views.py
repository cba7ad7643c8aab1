"""The club manager's purchase pages: the earning rule and the invoice import."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from club.core.access import requires
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.core.forms import show_error
from club.core.periods import club_today
from club.core.roles import Role
from club.extensions import db
from club.purchases import services
from club.purchases.csv_import import parse_invoices
from club.purchases.forms import ConfirmImportForm, RuleForm, UploadForm
from club.purchases.models import EarningRule

bp = Blueprint("purchases", __name__, url_prefix="/manage")


@bp.route("/rules", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def rules():
    form = RuleForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.set_rule(
                db.session,
                effective_from=form.effective_from.data,
                rate=form.rate.data,
                grace_days=form.grace_days.data,
                actor=current_user,
            )
        except ClubError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("The rule is saved."), "success")
            return redirect(url_for("purchases.rules"))
    elif form.is_submitted():
        status = 422
    today = club_today(utcnow())
    current = services.rule_for(db.session, services.month_start(today))
    history = db.session.scalars(
        select(EarningRule).order_by(EarningRule.effective_from.desc())
    ).all()
    return render_template(
        "purchases/rules.html",
        form=form,
        current=current,
        history=history,
        today=today,
        default_rate=services.DEFAULT_RATE,
        default_grace=services.DEFAULT_GRACE_DAYS,
    ), status


# --- the invoice import: upload, preview, confirm --------------------------------------

UPLOAD_LIFETIME = timedelta(hours=2)


def _upload_dir() -> Path:
    folder = Path(current_app.config["DATA_FOLDER"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload_path(upload: str) -> Path | None:
    # The name comes back from the browser: accept only what we generated.
    if not upload.isalnum() or len(upload) != 32:
        return None
    path = _upload_dir() / f"{upload}.csv"
    return path if path.exists() else None


def _forget_old_uploads() -> None:
    cutoff = utcnow() - UPLOAD_LIFETIME
    for path in _upload_dir().glob("*.csv"):
        if path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)


def _preview(data: bytes):
    parsed = parse_invoices(data)
    file_errors = [error for error in parsed.errors if error.line is None]
    problems = [
        (error.line, error.column, str(error.message))
        for error in parsed.errors
        if error.line is not None
    ]
    problems += [
        (line, None, message) for line, message in services.check_invoices(db.session, parsed.rows)
    ]
    problems.sort(key=lambda item: item[0])
    rejected_lines = {line for line, _column, _message in problems}
    valid = [row for row in parsed.rows if row.line not in rejected_lines]
    return parsed, file_errors, problems, valid


@bp.route("/invoices/import", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def import_invoices():
    form = UploadForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("purchases/import.html", form=form), status
    data = form.file.data.read()
    parsed, file_errors, problems, valid = _preview(data)
    confirm = None
    if valid and not file_errors:
        _forget_old_uploads()
        upload = secrets.token_hex(16)
        (_upload_dir() / f"{upload}.csv").write_bytes(data)
        confirm = ConfirmImportForm(upload=upload)
    return render_template(
        "purchases/import_preview.html",
        parsed=parsed,
        file_errors=file_errors,
        problems=problems,
        valid=valid,
        confirm=confirm,
        filename=form.file.data.filename,
    ), (422 if file_errors else 200)


@bp.post("/invoices/import/confirm")
@requires(Role.CLUB_MANAGER)
def confirm_import():
    form = ConfirmImportForm()
    path = _upload_path(form.upload.data or "") if form.validate_on_submit() else None
    if path is None:
        flash(_("This upload has expired. Upload the file again."), "error")
        return redirect(url_for("purchases.import_invoices"))
    _parsed, report = services.import_file(
        db.session, path.read_bytes(), actor=current_user, filename=form.upload.data
    )
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(
        _(
            "Imported: %(created)d new invoices, %(updated)d payments updated, "
            "%(unchanged)d unchanged; %(rejected)d rows rejected.",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=len(report.rejected),
        ),
        "success",
    )
    return redirect(url_for("purchases.import_invoices"))
