"""The KPI dashboard: the club manager sees the club, an account manager their portfolio.
Every chart has its table and a CSV export."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from club.core import periods
from club.core.access import requires
from club.core.csvfile import csv_response
from club.core.formatting import percent, period_label
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.insight import charts, kpis, services
from club.insight.figures import SPLITS, split_definition, split_label

bp = Blueprint("insight", __name__, url_prefix="/insight")
FIRST_YEAR = 2000


def _period() -> periods.Period:
    """The period asked for (2026-11, 2026-Q4, 2026); the last whole month by default."""
    on_refusal(url_for(".dashboard"))
    period = periods.parse(
        request.args.get("period"), first_year=FIRST_YEAR, default=periods.this_month().previous()
    )
    if period.kind == "all":
        raise periods.InvalidPeriod(_("Choose a month, a quarter or a year."))
    return period


def _split() -> str:
    split = request.args.get("split", "tier")
    return split if split in SPLITS else "tier"


def _dashboard(*, every_churned: bool = False):
    period, split = _period(), _split()
    manager_id = current_user.id if current_user.role == Role.ACCOUNT_MANAGER else None
    return services.dashboard(
        db.session,
        period,
        split=split,
        manager_id=manager_id,
        churned_limit=None if every_churned else services.CHURNED_SHOWN,
    )


def _choices(period: periods.Period) -> list[periods.Period]:
    """The periods offered in the picker: the last 24 months, 8 quarters and 3 years."""
    month = periods.this_month()
    found = [month.shifted(-offset) for offset in range(24)]
    found += [periods.this_quarter().shifted(-offset) for offset in range(8)]
    found += [periods.this_year().shifted(-offset) for offset in range(3)]
    if period not in found:
        found.insert(0, period)
    return found


@bp.get("/")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def dashboard():
    board = _dashboard()
    trend = board.trend
    month_labels = [period_label(periods.month_of(month)) for month in trend.months]
    net_charts = [
        (currency, charts.line_chart(month_labels, [(currency, values)]))
        for currency, values in trend.net.items()
    ]
    buyers_chart = charts.line_chart(month_labels, [(_("Buying companies"), trend.buyers)])
    points_chart = charts.line_chart(
        month_labels,
        [
            (_("Earned"), [row[0] for row in trend.points]),
            (_("Spent"), [row[1] for row in trend.points]),
            (_("Expired"), [row[2] for row in trend.points]),
        ],
    )
    retention_bars = charts.bar_chart(
        [
            (
                segment.label,
                segment.figures.retention.percent,
                percent(segment.figures.retention.percent),
            )
            for segment in board.segments
        ]
    )
    return render_template(
        "insight/dashboard.html",
        board=board,
        rows=kpis.rows(board),
        split_kpis=kpis.SPLIT_KPIS,
        split_rows=kpis.split_rows(board),
        split_name=split_label(board.split),
        split_definition=split_definition(board.split, board.as_of),
        splits=[(name, split_label(name)) for name in SPLITS],
        choices=_choices(board.period),
        month_labels=month_labels,
        net_charts=net_charts,
        buyers_chart=buyers_chart,
        points_chart=points_chart,
        retention_bars=retention_bars,
    )


def _filename(name: str, board) -> str:
    return f"club-{name}-{board.period.arg}.csv"


@bp.get("/kpis.csv")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def kpis_csv():
    board = _dashboard()
    header = [_("KPI"), *(period_label(each) for each in board.compared), _("Definition")]
    rows = [
        [str(kpi.name), *("; ".join(lines) for lines in values), str(kpi.definition)]
        for kpi, values in kpis.rows(board)
    ]
    return csv_response(header, rows, _filename("kpis", board))


@bp.get("/split.csv")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def split_csv():
    board = _dashboard()
    header = [split_label(board.split), *(str(kpi.name) for kpi in kpis.SPLIT_KPIS)]
    rows = [
        [label, *("; ".join(lines) for lines in values)] for label, values in kpis.split_rows(board)
    ]
    return csv_response(header, rows, _filename(f"by-{board.split}", board))


@bp.get("/trend.csv")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def trend_csv():
    board = _dashboard()
    trend = board.trend
    currencies = list(trend.net)
    header = [
        _("Month"),
        *(_("Net purchases, %(currency)s", currency=currency) for currency in currencies),
        _("Buying companies"),
        _("Points earned"),
        _("Points spent"),
        _("Points expired"),
    ]
    rows = [
        [
            periods.month_of(month).arg,
            *(trend.net[currency][index] for currency in currencies),
            trend.buyers[index],
            *trend.points[index],
        ]
        for index, month in enumerate(trend.months)
    ]
    return csv_response(header, rows, _filename("trend", board))


@bp.get("/churned.csv")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def churned_csv():
    board = _dashboard(every_churned=True)
    header = [_("Company"), _("Country"), _("Tier"), _("Account manager")]
    rows = [
        [
            company.name,
            company.country,
            board.tiers.get(company.tier_id, ""),
            board.managers.get(company.account_manager_id, ""),
        ]
        for company in board.churned
    ]
    return csv_response(header, rows, _filename("churned", board))
