"""The club manager's purchase pages: the earning rule and the invoice import."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from club.core.access import requires
from club.core.clock import utcnow
from club.core.home import home_card
from club.core.periods import club_today, month_start
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members import admission
from club.members.models import MembershipStatus
from club.purchases import (
    rewards,  # noqa: F401  (the rules' previews over invoices: registered here)
    services,
)
from club.purchases.defaults import default_country, main_currency
from club.purchases.earning_rule import rule_for
from club.purchases.figures import company_progress, confirmed_points
from club.purchases.forms import ConfirmImportForm, RuleForm, UploadForm
from club.purchases.reminders import payment_deadlines

bp = Blueprint("purchases", __name__, url_prefix="/manage")


@home_card(order=5)
def tier_card(user):
    """A member company's tier, its 12-month figure and what the next tier needs."""
    company = user.company if user.role.is_partner else None
    if company is None or company.status != MembershipStatus.MEMBER:
        return None
    found = company_progress(db.session, company, club_today())
    if found.tier is None:
        return None
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(render_template("members/_tier_card.html", progress=found))  # noqa: S704


@home_card(order=6)
def payment_card(user):
    """The account holder's pending purchase points at stake: which invoices to pay by
    when to keep how many points."""
    if user.role != Role.ACCOUNT_HOLDER or user.company is None:
        return None
    deadlines = payment_deadlines(db.session, user.company_id, today=club_today())
    if not deadlines:
        return None
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(render_template("purchases/_payment_card.html", deadlines=deadlines))  # noqa: S704


# How far back the club manager's to-do list looks for imports that left rows out.
IMPORTS_LOOKED_AT = timedelta(days=14)


@home_card(order=42)
def imports_card(user):
    """On the club manager's to-do list: recent imports that rejected rows."""
    if user.role != Role.CLUB_MANAGER:
        return None
    found = services.imports_with_rejections(db.session, since=utcnow() - IMPORTS_LOOKED_AT)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(render_template("purchases/_todo_imports.html", imports=found))  # noqa: S704


@bp.route("/rules", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def rules():
    if request.method == "POST":
        form = RuleForm().with_currency_choices()
    else:
        form = _prefilled_rule_form()
    if form.validate_on_submit():
        on_refusal(lambda _error: _rules_page(form, 422), form=form)
        services.set_rule(
            db.session,
            effective_from=form.effective_from.data,
            rates=form.rate_table(),
            grace_days=form.grace_days.data,
            actor=current_user,
        )
        db.session.commit()
        flash(_("The rule is saved."), "success")
        return redirect(url_for("purchases.rules"))
    return _rules_page(form, 422 if form.is_submitted() else 200)


def _prefilled_rule_form() -> RuleForm:
    """The form with the rates in force and an empty row for another currency."""
    current = services.rule_for(db.session, month_start(club_today(utcnow())))
    rows = [{"currency": code, "rate": current.rates[code]} for code in current.currencies]
    return RuleForm(
        data={"rates": [*rows, {}], "grace_days": current.grace_days}
    ).with_currency_choices()


def _rules_page(form: RuleForm, status: int):
    today = club_today(utcnow())
    current = services.rule_for(db.session, month_start(today))
    return render_template(
        "purchases/rules.html",
        form=form,
        current=current,
        history=services.rule_history(db.session),
        today=today,
        default_rate=services.DEFAULT_RATE,
        default_grace=services.DEFAULT_GRACE_DAYS,
        main_currency=main_currency(),
    ), status


# --- the invoice import: upload, preview, confirm --------------------------------------

UPLOAD_LIFETIME = timedelta(hours=2)
# The rows the preview lists one by one; its summary counts them all.
PREVIEW_ROWS = 200


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


@bp.route("/invoices/import", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def import_invoices():
    form = UploadForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template(
            "purchases/import.html",
            form=form,
            default_country=default_country(),
            main_currency=main_currency(),
        ), status
    data = form.file.data.read()
    encoding = form.encoding.data or None
    preview = services.preview_import(db.session, data, encoding=encoding)
    confirm = None
    if preview.valid and not preview.file_errors:
        _forget_old_uploads()
        upload = secrets.token_hex(16)
        (_upload_dir() / f"{upload}.csv").write_bytes(data)
        confirm = ConfirmImportForm(upload=upload, encoding=form.encoding.data)
    return render_template(
        "purchases/import_preview.html",
        parsed=preview.parsed,
        file_errors=preview.file_errors,
        problems=preview.problems,
        rejected_rows=preview.rejected_rows,
        valid=preview.valid,
        lines=preview.lines[:PREVIEW_ROWS],
        summary=preview.summary,
        totals=services.totals_by_currency(preview.valid),
        confirm=confirm,
        filename=form.file.data.filename,
    ), (422 if preview.file_errors else 200)


@bp.post("/invoices/import/confirm")
@requires(Role.CLUB_MANAGER)
def confirm_import():
    form = ConfirmImportForm()
    path = _upload_path(form.upload.data or "") if form.validate_on_submit() else None
    if path is None:
        flash(_("This upload has expired. Upload the file again."), "error")
        return redirect(url_for("purchases.import_invoices"))
    _parsed, report = services.import_file(
        db.session,
        path.read_bytes(),
        actor=current_user,
        filename=form.upload.data,
        encoding=form.encoding.data or None,
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
            rejected=report.rejected_rows,
        ),
        "success",
    )
    return redirect(url_for("purchases.import_invoices"))


@home_card(order=5)
def admission_card(user):
    """An applicant's way into the club: its figure against the threshold and what is
    left to buy, in the main currency at this month's rate."""
    if not user.role.is_partner or user.company.status != MembershipStatus.APPLICANT:
        return None
    today = club_today()
    window = admission.admission_window(admission.rules(db.session), today)
    points = confirmed_points(db.session, *window, company_id=user.company_id)
    progress = admission.progress(db.session, points.get(user.company_id, 0), today)
    currency = main_currency()
    rate = rule_for(db.session, month_start(today)).rate_for(currency)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template(
            "purchases/_admission_card.html",
            progress=progress,
            currency=currency,
            to_buy=progress.missing * rate if rate else None,
        )
    )
