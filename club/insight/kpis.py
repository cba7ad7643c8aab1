"""The dashboard's figures as rows of words: each KPI with its name, its one-line
definition and its value for each period compared. The page's table and its CSV export
read the same rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from club.core.formatting import amount, money, percent, points
from club.insight.figures import Figures, Settings
from club.satisfaction.services import NpsSummary


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    definition: str
    # The value as lines of text (one per currency where money is involved).
    show: Callable[[Figures, NpsSummary, Settings], str | list[str]]
    now_only: bool = False  # a snapshot of today, whatever the period


def _per_currency(values: dict, show) -> list[str]:
    return [show(value, currency) for currency, value in values.items()] or ["—"]


def _ratio(ratio) -> str:
    if ratio.percent is None:
        return "—"
    return _(
        "%(percent)s (%(part)s of %(whole)s)",
        percent=percent(ratio.percent),
        part=points(int(ratio.part)),
        whole=points(int(ratio.whole)),
    )


def _uplift(f: Figures, _nps, _settings) -> list[str]:
    return [
        ngettext(
            "%(currency)s %(percent)s, %(num)d company",
            "%(currency)s %(percent)s, %(num)d companies",
            figure.companies,
            currency=currency,
            percent=("+" if (figure.percent or 0) > 0 else "") + percent(figure.percent),
        )
        for currency, figure in f.uplift.items()
    ] or ["—"]


def _wallet(f: Figures, _nps, _settings) -> list[str]:
    shares = [f"{currency} {percent(ratio.percent)}" for currency, ratio in f.wallet_share.items()]
    if f.without_potential:
        shares.append(
            ngettext(
                "no potential: %(num)d company",
                "no potential: %(num)d companies",
                f.without_potential,
            )
        )
    return shares or ["—"]


def _cost(f: Figures, _nps, settings: Settings) -> str:
    return money(f.cost, settings.currency)


def _nps(_f, nps: NpsSummary, _settings) -> str:
    if nps.score is None:
        return "—"
    return ngettext(
        "%(score)s (%(num)d answer)", "%(score)s (%(num)d answers)", nps.responses, score=nps.score
    )


KPIS: list[Kpi] = [
    Kpi(
        "buyers",
        _l("Buying companies"),
        _l("Companies with at least one invoice in the period."),
        lambda f, n, s: points(f.buyers),
    ),
    Kpi(
        "retention",
        _l("Retention"),
        _l("Of the companies that bought in the previous period, the share that bought again."),
        lambda f, n, s: _ratio(f.retention),
    ),
    Kpi(
        "churned",
        _l("Churned companies"),
        _l("Companies that bought in the previous period and not in this one."),
        lambda f, n, s: points(f.churned),
    ),
    Kpi(
        "net",
        _l("Net purchases"),
        _l("Invoices less credit notes, per currency (never added across currencies)."),
        lambda f, n, s: _per_currency(f.net, money),
    ),
    Kpi(
        "frequency",
        _l("Purchase frequency"),
        _l("Invoices per buying company per month, per currency."),
        lambda f, n, s: _per_currency(f.frequency, lambda v, c: f"{c} {amount(v)}"),
    ),
    Kpi(
        "basket",
        _l("Average basket"),
        _l("Net amount per invoice, per currency."),
        lambda f, n, s: _per_currency(f.basket, money),
    ),
    Kpi(
        "uplift",
        _l("Uplift after admission"),
        _l(
            "Purchases in the 12 months after the admission month against the 12 before, "
            "over the companies whose year after has ended and that bought before."
        ),
        _uplift,
    ),
    Kpi(
        "wallet",
        _l("Share of wallet"),
        _l(
            "Purchases against the account managers' yearly potential (pro rata), over the "
            "companies that have one; the others are counted as missing."
        ),
        _wallet,
    ),
    Kpi(
        "on_time",
        _l("On-time payment rate"),
        _l("Of the period's invoices already due, the share paid by the due date."),
        lambda f, n, s: _ratio(f.on_time),
    ),
    Kpi(
        "forfeited",
        _l("Points forfeited for late payment"),
        _l("Pending purchase points lost because invoices were not paid in time."),
        lambda f, n, s: points(f.forfeited),
    ),
    Kpi(
        "cost",
        _l("Programme cost"),
        _l(
            "Privileges fulfilled at money value less the sponsors' shares, plus campaign "
            "and bonus points the supplier gave at the value of a point."
        ),
        _cost,
    ),
    Kpi(
        "cost_revenue",
        _l("Cost against revenue"),
        _l("Programme cost / net purchases in the same currency."),
        lambda f, n, s: percent(f.cost_of_revenue.percent),
    ),
    Kpi(
        "cost_margin",
        _l("Cost against margin"),
        _l(
            "Programme cost / (net purchases × the margin rate); "
            "the field figure is about 2 percent."
        ),
        lambda f, n, s: percent(f.cost_of_margin.percent),
    ),
    Kpi(
        "privileges",
        _l("Privileges fulfilled"),
        _l("Redemptions fulfilled in the period (goods returned not counted), and their value."),
        lambda f, n, s: [points(f.privileges), *_per_currency(f.privilege_value, money)],
    ),
    Kpi(
        "given",
        _l("Campaign and bonus points"),
        _l("Points from earning rules (the supplier's and sponsored) and other bonuses."),
        lambda f, n, s: points(f.campaign_points + f.sponsored_points + f.bonus_points),
    ),
    Kpi(
        "liability",
        _l("Points liability"),
        _l("Available and pending points at the nightly refresh, at the value of a point."),
        lambda f, n, s: [points(f.liability_points), money(f.liability_value, s.currency)],
        now_only=True,
    ),
    Kpi(
        "breakage",
        _l("Breakage"),
        _l("Points expired / points earned in the period."),
        lambda f, n, s: _ratio(f.breakage),
    ),
    Kpi(
        "redemption",
        _l("Redemption rate"),
        _l("Points spent on privileges / points earned in the period."),
        lambda f, n, s: _ratio(f.redemption_rate),
    ),
    Kpi(
        "logins",
        _l("Logins"),
        _l("Days on which partner people signed in (and how many people)."),
        lambda f, n, s: ngettext(
            "%(days)s (%(num)d person)",
            "%(days)s (%(num)d people)",
            f.people_signed_in,
            days=points(f.sign_in_days),
        ),
    ),
    Kpi(
        "coverage",
        _l("Training coverage"),
        _l("Partner staff with a passed course by the period's end / all partner staff."),
        lambda f, n, s: _ratio(f.coverage),
    ),
    Kpi(
        "meetings",
        _l("Meeting seats, attended, no-shows"),
        _l("Seats held at meetings of the period, people checked in, and no-shows."),
        lambda f, n, s: f"{points(f.registered)} / {points(f.attended)} / {points(f.no_shows)}",
    ),
    Kpi(
        "nps",
        _l("Satisfaction (NPS)"),
        _l("Share of promoters (9-10) minus share of detractors (0-6) among the period's answers."),
        _nps,
    ),
]

# The KPIs the split table shows, one column each.
SPLIT_KPIS = [
    kpi
    for kpi in KPIS
    if kpi.key
    in (
        "buyers",
        "retention",
        "net",
        "basket",
        "on_time",
        "wallet",
        "cost",
        "liability",
        "nps",
    )
]


def _lines(value: str | list[str]) -> list[str]:
    return list(value) if isinstance(value, list) else [str(value)]


def rows(dashboard) -> list[tuple[Kpi, list[list[str]]]]:
    """Each KPI with its value (lines of text) for each period compared."""
    found = []
    for kpi in KPIS:
        values = []
        for position, (figures, nps) in enumerate(
            zip(dashboard.overall, dashboard.nps, strict=True)
        ):
            shown = kpi.show(figures, nps, dashboard.settings)
            values.append(["—"] if kpi.now_only and position else _lines(shown))
        found.append((kpi, values))
    return found


def split_rows(dashboard) -> list[tuple[str, list[list[str]]]]:
    """Each segment with the split table's KPIs."""
    return [
        (
            segment.label,
            [
                _lines(kpi.show(segment.figures, segment.nps, dashboard.settings))
                for kpi in SPLIT_KPIS
            ],
        )
        for segment in dashboard.segments
    ]
