"""The account manager's workspace: the portfolio (their home), its CSV, a company's
score and timeline, and the score's settings (the club manager's)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from club.core import formatting
from club.core.access import requires
from club.core.clock import utcnow
from club.core.csvfile import csv_response
from club.core.htmx import wants_fragment
from club.core.periods import club_today, local
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members.models import User
from club.portfolio import scoring, services, timeline
from club.portfolio.forms import settings_form
from club.portfolio.settings import SETTINGS
from club.portfolio.settings import save as save_settings
from club.relations import services as relations

bp = Blueprint("portfolio", __name__)

PAGE_SIZE = 50
SUPPLIER = (Role.ACCOUNT_MANAGER, Role.CLUB_MANAGER)


@dataclass(frozen=True)
class Page:
    """What the pagination macro reads."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _filters() -> services.Filters:
    band = request.args.get("band", "")
    manager = request.args.get("manager", type=int)
    return services.Filters(
        text=request.args.get("q", "").strip()[:100],
        tier_id=request.args.get("tier", type=int),
        band=band if band in services.BAND_CODES else "",
        account_manager_id=manager if current_user.role == Role.CLUB_MANAGER else None,
    )


def _page_number() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)


def _managers() -> list[User]:
    if current_user.role != Role.CLUB_MANAGER:
        return []
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ACCOUNT_MANAGER).order_by(User.name)
        )
    )


@bp.get("/portfolio")
@requires(*SUPPLIER)
def home():
    filters = _filters()
    settings = services.settings(db.session)
    day = services.latest_day(db.session)
    query = services.portfolio_query(current_user, filters, settings=settings, day=day)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page_number = _page_number()
    found = db.session.execute(query.limit(PAGE_SIZE).offset((page_number - 1) * PAGE_SIZE))
    rows = services.rows_of(db.session, found, settings=settings)
    page = Page(rows, page_number, PAGE_SIZE, total)
    context = {
        "page": page,
        "filters": filters,
        "day": day,
        "bands": scoring.BANDS,
        "reason": scoring.reason,
    }
    if wants_fragment():
        return render_template("portfolio/_results.html", **context)
    overdue = (
        relations.overdue_next_steps(db.session, current_user, club_today())
        if current_user.role == Role.ACCOUNT_MANAGER
        else []
    )
    return render_template(
        "portfolio/home.html",
        **context,
        tiers=services.tier_choices(db.session),
        managers=_managers(),
        overdue=overdue,
        today=club_today(),
    )


def _trend(row: services.Row) -> str:
    if row.orders is None:
        return ""
    change = row.orders.frequency_change
    per_month = formatting.amount(row.orders.recent_per_month)
    return per_month if change is None else f"{per_month} ({change:+d}%)"


@bp.get("/portfolio.csv")
@requires(*SUPPLIER)
def export():
    filters = _filters()
    settings = services.settings(db.session)
    day = services.latest_day(db.session)
    query = services.portfolio_query(current_user, filters, settings=settings, day=day)
    rows = services.rows_of(db.session, db.session.execute(query), settings=settings)
    header = [
        _("Company"),
        _("Tax id"),
        _("Tier"),
        _("Score"),
        _("Band"),
        _("Reasons"),
        _("Available points"),
        _("Pending points"),
        _("Expiring within %(days)d days", days=settings["expiry_days"]),
        _("Last order"),
        _("Orders per month (change)"),
        _("Last sign-in"),
        _("Training coverage (%)"),
        _("Next meeting"),
    ]
    data = [
        [
            row.company.name,
            f"{row.company.country} {row.company.tax_id}",
            row.company.tier.name if row.company.tier else "",
            "" if row.score is None else row.score,
            str(scoring.BANDS[row.band]),
            " | ".join(scoring.reason(signal) for signal in row.signals),
            row.available,
            row.pending,
            row.expiring,
            row.last_order.isoformat() if row.last_order else "",
            _trend(row),
            local(row.last_login).date().isoformat() if row.last_login else "",
            "" if row.training is None or row.training.coverage is None else row.training.coverage,
            local(row.next_meeting.starts_at).date().isoformat() if row.next_meeting else "",
        ]
        for row in rows
    ]
    return csv_response(header, data, f"portfolio-{club_today():%Y-%m-%d}.csv")


@bp.get("/portfolio/companies/<int:company_id>")
@requires(*SUPPLIER)
def company(company_id: int):
    company = services.company_for(db.session, current_user, company_id) or abort(404)
    found = timeline.timeline(db.session, company, page=_page_number())
    if wants_fragment():
        return render_template("portfolio/_timeline.html", company=company, timeline=found)
    settings = services.settings(db.session)
    history = services.score_history(db.session, company.id)
    latest = history[-1] if history else None
    row = services.rows_of(
        db.session,
        [(company, latest.score if latest else None, latest.signals if latest else [], None)],
        settings=settings,
    )[0]
    return render_template(
        "portfolio/company.html",
        company=company,
        row=row,
        latest=latest,
        history=history,
        sparkline=services.sparkline(history),
        timeline=found,
        reason=scoring.reason,
        bands=scoring.BANDS,
        now=utcnow(),
    )


@bp.route("/portfolio/settings", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def score_settings():
    current = services.settings(db.session)
    form = settings_form(current)

    def page(status: int = 200):
        weights = [setting for setting in SETTINGS if setting.is_weight]
        thresholds = [setting for setting in SETTINGS if not setting.is_weight]
        return render_template(
            "portfolio/settings.html", form=form, weights=weights, thresholds=thresholds
        ), status

    if form.validate_on_submit():
        on_refusal(lambda error: page(422), form=form)
        save_settings(
            db.session,
            {setting.key: form[setting.key].data for setting in SETTINGS},
            actor=current_user,
        )
        db.session.commit()
        flash(
            _("The health score's settings are saved; they apply from the next night's run."),
            "success",
        )
        return redirect(url_for(".score_settings"))
    return page(422 if form.is_submitted() else 200)
