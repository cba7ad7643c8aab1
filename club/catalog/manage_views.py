"""The club manager's catalogue: privileges and their order, the redemption queue, reports."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from club.catalog import pools, services
from club.catalog.manage_forms import TEXT_FIELDS, PoolForm, PrivilegeForm, ReorderForm
from club.catalog.models import (
    OPEN_STATUSES,
    Privilege,
    PrivilegeKind,
    Redemption,
    RedemptionStatus,
)
from club.core import periods
from club.core.access import requires
from club.core.clock import utcnow
from club.core.csvfile import csv_response
from club.core.forms import ROW_ACTION, apply_row_action, fill_language_fields
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment, wants_fragment
from club.core.periods import club_today
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members.forms import ConfirmForm
from club.members.models import Company
from club.purchases.defaults import main_currency
from club.rules.services import point_value

bp = Blueprint("catalog_manage", __name__, url_prefix="/manage")


@home_card(order=40)
def queue_card(user):
    """On the club manager's to-do list: redemptions waiting, the soonest due first."""
    if user.role != Role.CLUB_MANAGER:
        return None
    now = utcnow()
    queue = services.waiting_queue(db.session, now=now)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(render_template("catalog/_todo_queue.html", queue=queue))  # noqa: S704


PAGE_SIZE = 25
# The queue opens on what still needs the club's hand; "any" shows every status.
OPEN = "open"
ANY = ""
# Reports look back this many years in the year picker.
YEARS_BACK = 5


# --- the catalogue ----------------------------------------------------------------------


def _catalogue_list():
    today = club_today(utcnow())
    return {
        "privileges": db.session.scalars(
            services.catalogue(db.session, include_retired=True)
        ).all(),
        "unavailable": lambda privilege: services.unavailable_reason(privilege, today=today),
        "reorder_form": ReorderForm(),
    }


@bp.get("/privileges")
@requires(Role.CLUB_MANAGER)
def privileges():
    return render_page_or_fragment(
        "catalog/manage_privileges.html", "catalog/_manage_privileges.html", **_catalogue_list()
    )


def _privilege_form(form: PrivilegeForm, privilege: Privilege | None, status: int = 200):
    return render_template(
        "catalog/manage_privilege_form.html",
        form=form,
        privilege=privilege,
        retire_form=ConfirmForm(),
    ), status


def _privilege_form_page(privilege: Privilege | None):
    form = PrivilegeForm(obj=privilege)
    if privilege is not None and not form.is_submitted():
        fill_language_fields(form, privilege, TEXT_FIELDS)  # each language as written
        form.fill_brief(privilege.brief)
    if apply_row_action(form, request.form.get(ROW_ACTION)):
        return _privilege_form(form, privilege, 200)  # a question or variant added or removed
    if not form.validate_on_submit():
        return _privilege_form(form, privilege, 422 if form.is_submitted() else 200)
    on_refusal(lambda error: _privilege_form(form, privilege, 422), form=form)
    saved = services.save_privilege(
        db.session, privilege, actor=current_user, **form.privilege_fields()
    )
    if form.image.data:
        services.set_image(db.session, saved, form.image.data.read(), actor=current_user)
    db.session.commit()
    flash(_("“%(title)s” is saved.", title=saved.title), "success")
    return redirect(url_for(".privileges", _anchor=f"privilege-{saved.id}"))


@bp.route("/privileges/new", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def new_privilege():
    return _privilege_form_page(None)


@bp.route("/privileges/<int:privilege_id>/edit", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def edit_privilege(privilege_id: int):
    return _privilege_form_page(db.get_or_404(Privilege, privilege_id))


@bp.post("/privileges/<int:privilege_id>/retire")
@requires(Role.CLUB_MANAGER)
def retire(privilege_id: int):
    privilege = db.get_or_404(Privilege, privilege_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.retire(db.session, privilege, actor=current_user)
    db.session.commit()
    flash(
        _(
            "“%(title)s” is retired: members no longer see it; its redemptions stay.",
            title=privilege.title,
        ),
        "success",
    )
    return redirect(url_for(".privileges", _anchor=f"privilege-{privilege.id}"))


@bp.post("/privileges/<int:privilege_id>/move")
@requires(Role.CLUB_MANAGER)
def move(privilege_id: int):
    privilege = db.get_or_404(Privilege, privilege_id)
    up = request.form.get("up")
    if not ReorderForm().validate_on_submit() or up not in ("0", "1"):
        abort(400)
    services.move_in_catalogue(db.session, privilege, up=up == "1")
    db.session.commit()
    if wants_fragment():
        return render_template("catalog/_manage_privileges.html", **_catalogue_list())
    return redirect(url_for(".privileges", _anchor=f"privilege-{privilege.id}"))


def _pool_page(privilege: Privilege, form: PoolForm, problems=(), status: int = 200):
    counts = pools.pool_counts(db.session, privilege, today=club_today(utcnow()))
    return render_template(
        "catalog/manage_pool.html",
        privilege=privilege,
        counts=counts,
        form=form,
        problems=problems,
    ), status


@bp.route("/privileges/<int:privilege_id>/codes", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def pool(privilege_id: int):
    """An e-voucher's pool: what is left and waiting, and the upload of more codes."""
    privilege = db.get_or_404(Privilege, privilege_id)
    if privilege.kind != PrivilegeKind.E_VOUCHER:
        abort(404)
    form = PoolForm()
    if not form.validate_on_submit():
        return _pool_page(privilege, form, status=422 if form.is_submitted() else 200)
    try:
        loaded = pools.load_pool(db.session, privilege, form.file.data.read(), actor=current_user)
    except pools.PoolFileRefused as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return _pool_page(privilege, form, refused.problems, 422)
    db.session.commit()
    flash(
        _(
            "%(loaded)d codes loaded; %(served)d waiting redemptions got theirs.",
            loaded=loaded.loaded,
            served=loaded.served,
        ),
        "success",
    )
    return redirect(url_for(".pool", privilege_id=privilege.id))


# --- the redemption queue ---------------------------------------------------------------


def _queue_filters() -> dict:
    status = request.args.get("status", OPEN)
    if status not in {OPEN, ANY, *RedemptionStatus}:
        status = OPEN
    older = request.args.get("older", type=int)
    return {
        "status": status,
        "privilege_id": request.args.get("privilege", type=int),
        "company_id": request.args.get("company", type=int),
        "older_than_days": older if older and 0 < older <= 3650 else None,
    }


@bp.get("/redemptions")
@requires(Role.CLUB_MANAGER)
def queue():
    filters = _queue_filters()
    now = utcnow()
    status = filters["status"]
    query = services.queue_query(
        status=RedemptionStatus(status) if status not in (OPEN, ANY) else None,
        privilege_id=filters["privilege_id"],
        company_id=filters["company_id"],
        older_than_days=filters["older_than_days"],
        now=now,
    )
    if status == OPEN:
        query = query.where(Redemption.status.in_(OPEN_STATUSES))
    page = db.paginate(
        query.options(selectinload(Redemption.privilege), selectinload(Redemption.company)),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_page_or_fragment(
        "catalog/manage_queue.html",
        "catalog/_manage_queue.html",
        page=page,
        filters=filters,
        statuses=list(RedemptionStatus),
        privileges=db.session.scalars(
            select(Privilege).order_by(Privilege.position, Privilege.id)
        ).all(),
        companies=db.session.scalars(
            select(Company)
            .where(Company.id.in_(select(Redemption.company_id)))
            .order_by(Company.name)
        ).all(),
        is_overdue=lambda redemption: services.is_overdue(redemption, now=now),
        age_in_days=lambda redemption: (now - redemption.created_at).days,
    )


# --- reports ----------------------------------------------------------------------------


def _year() -> tuple[int, int]:
    """The year asked for, or this year when the parameter is missing or absurd."""
    this_year = periods.this_year(utcnow()).year
    year = request.args.get("year", type=int)
    if year is None or not 2000 <= year <= this_year + 1:
        year = this_year
    return year, this_year


@bp.get("/reports")
@requires(Role.CLUB_MANAGER)
def reports():
    year, this_year = _year()
    period = periods.year(year)
    years = sorted({year, *range(this_year - YEARS_BACK, this_year + 1)}, reverse=True)
    return render_template(
        "catalog/manage_reports.html",
        year=year,
        years=years,
        tax=services.tax_report(db.session, year),
        kinds=list(PrivilegeKind),
        sponsors=services.sponsor_report(db.session, year),
        point_value=point_value(),
        main_currency=main_currency(),
        cost=services.programme_cost(db.session, period.starts, period.following_start),
    )


_csv = csv_response


@bp.get("/reports/tax.csv")
@requires(Role.CLUB_MANAGER)
def tax_csv():
    year, _this_year = _year()
    return _csv(
        [
            _("Company"),
            _("Country"),
            _("Tax id"),
            _("Privileges received"),
            _("Money value"),
            *(kind.label for kind in PrivilegeKind),
            _("Currency"),
        ],
        services.tax_report(db.session, year),
        f"tax-report-{year}.csv",
    )


@bp.get("/reports/sponsors.csv")
@requires(Role.CLUB_MANAGER)
def sponsors_csv():
    year, _this_year = _year()
    return _csv(
        [
            _("Sponsor"),
            _("Quarter"),
            _("Privileges fulfilled"),
            _("Money value"),
            _("Sponsor's share"),
            _("Points through its rules"),
            _("Value of those points"),
            _("Currency"),
        ],
        services.sponsor_report(db.session, year),
        f"sponsor-report-{year}.csv",
    )
