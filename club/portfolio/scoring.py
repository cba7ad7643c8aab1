"""The health score: signals read from the facts of a set of companies, each with the
values its reason is worded from, and the score they leave (100 less their weights).

A signal is a plain dict {"code", "weight", "values"} so it is stored as it is in the
score's history (HealthScore.signals) and worded in the reader's language when shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from club.core import formatting
from club.core.periods import club_today, local
from club.portfolio import facts as read
from club.relations import services as relations

SIGNALS = {
    "payment_delays": _l("Payment delays growing"),
    "orders_down": _l("Orders or basket down"),
    "forfeits": _l("Points forfeited for late payment"),
    "no_login": _l("Nobody signs in"),
    "no_training": _l("No quiz passed this year"),
    "points_expiring": _l("Points about to expire unused"),
    "complaints": _l("Complaints open or recent"),
    "contract_ending": _l("Contract ending"),
    "tier_drop": _l("Tier drop pending"),
}


@dataclass(frozen=True)
class Facts:
    """Everything the signals read, for a set of companies, by company id."""

    today: date
    delays: dict
    orders: dict
    forfeits: dict
    logins: dict
    training: dict
    expiring: dict
    open_complaints: dict
    recent_complaints: dict
    contract_ends: dict
    tier_drops: dict


def gather(
    session, ids: list[int], *, settings: dict[str, int], now: datetime, everyone: bool = False
) -> Facts:
    """The facts of the companies `ids`: one query per fact, whatever their number.
    `everyone`: `ids` are all the companies there are (the nightly job), so the queries
    need not name them."""
    today = club_today(now)
    scope = None if everyone else ids
    return Facts(
        today=today,
        delays=read.payment_delays(session, today, scope),
        orders=read.orders(session, today, scope),
        forfeits=read.forfeited_points(session, today, settings["forfeit_months"], scope),
        logins=read.last_logins(session, scope),
        training=read.training(session, scope),
        expiring=read.expiring_points(session, now, settings["expiry_days"], scope),
        open_complaints=read.in_chunks(
            lambda chunk: relations.open_complaints(session, chunk), ids
        ),
        recent_complaints=read.in_chunks(
            lambda chunk, since: relations.recent_complaints(session, chunk, since),
            ids,
            today - timedelta(days=settings["complaint_days"]),
        ),
        contract_ends=read.in_chunks(lambda chunk: relations.contract_ends(session, chunk), ids),
        tier_drops=read.tier_drops(session, scope),
    )


def signals_of(company_id: int, facts: Facts, settings: dict[str, int]) -> list[dict]:
    """The signals that fire for one company, heaviest first; a weight of 0 turns one off."""
    found: list[tuple[str, dict]] = []
    today = facts.today

    delays = facts.delays.get(company_id)
    if delays and delays[-1] is not None:
        first = next((days for days in delays if days is not None), 0)
        if delays[-1] >= settings["late_days"] and delays[-1] > first:
            found.append(("payment_delays", {"days": delays[-1], "trend": delays}))

    orders = facts.orders.get(company_id)
    if orders is not None and orders.baseline_count >= settings["baseline_min_orders"]:
        frequency, basket = orders.frequency_change, orders.basket_change
        limit = -settings["drop_percent"]
        # Only what fell past the limit is named in the reason.
        frequency = frequency if frequency is not None and frequency <= limit else None
        basket = basket if basket is not None and basket <= limit else None
        if frequency is not None or basket is not None:
            found.append(("orders_down", {"frequency": frequency, "basket": basket}))

    if forfeited := facts.forfeits.get(company_id):
        found.append(("forfeits", {"points": forfeited, "months": settings["forfeit_months"]}))

    if company_id in facts.logins or company_id in facts.training:
        last = facts.logins.get(company_id)
        if last is None:
            found.append(("no_login", {"days": None}))
        elif (days := (today - local(last).date()).days) >= settings["login_days"]:
            found.append(("no_login", {"days": days}))

    if not read.passed_this_year(facts.training.get(company_id), today):
        found.append(("no_training", {}))

    expiring = facts.expiring.get(company_id, 0)
    if expiring >= settings["expiry_min_points"]:
        found.append(("points_expiring", {"points": expiring, "days": settings["expiry_days"]}))

    opened = facts.open_complaints.get(company_id, 0)
    recent = facts.recent_complaints.get(company_id, 0)
    if opened or recent:
        found.append(
            ("complaints", {"open": opened, "recent": recent, "days": settings["complaint_days"]})
        )

    ends = facts.contract_ends.get(company_id)
    if ends is not None and (ends - today).days <= settings["contract_days"]:
        found.append(("contract_ending", {"on": ends.isoformat(), "days": (ends - today).days}))

    if (drop := facts.tier_drops.get(company_id)) is not None:
        found.append(("tier_drop", {"tier": drop.tier, "to": drop.to, "on": drop.on.isoformat()}))

    signals = [
        {"code": code, "weight": settings[f"weight_{code}"], "values": values}
        for code, values in found
        if settings[f"weight_{code}"] > 0
    ]
    return sorted(signals, key=lambda signal: -signal["weight"])


def score_of(signals: list[dict]) -> int:
    return max(0, 100 - sum(signal["weight"] for signal in signals))


def band_of(score: int | None, settings: dict[str, int]) -> str:
    """ "risk", "watch" or "healthy" (None: not scored yet)."""
    if score is None:
        return "unscored"
    if score < settings["band_risk"]:
        return "risk"
    return "watch" if score < settings["band_watch"] else "healthy"


BANDS = {
    "risk": _l("At risk"),
    "watch": _l("Watch"),
    "healthy": _l("Healthy"),
    "unscored": _l("Not scored yet"),
}


def _trend(days: list) -> str:
    return " → ".join("—" if value is None else str(value) for value in days)


def _named(names: dict | str) -> str:
    """A tier's name in the reader's language."""
    if isinstance(names, str):
        return names
    locale = get_locale()
    return names.get(locale.language if locale else "en") or names.get("en", "")


def reason(signal: dict) -> str:
    """A signal's reason in the reader's language, with its figures."""
    code, values = signal["code"], signal.get("values", {})
    if code == "payment_delays":
        return _(
            "Paid %(days)d days late on average last month (%(trend)s over 3 months).",
            days=values["days"],
            trend=_trend(values["trend"]),
        )
    if code == "orders_down":
        parts = []
        if values.get("frequency") is not None:
            parts.append(_("orders per month %(change)+d%%", change=values["frequency"]))
        if values.get("basket") is not None:
            parts.append(_("average order %(change)+d%%", change=values["basket"]))
        return _("Against its own 12-month baseline: %(changes)s.", changes=", ".join(parts))
    if code == "forfeits":
        return _(
            "%(points)s points forfeited for late payment in the last %(months)d months.",
            points=formatting.points(values["points"]),
            months=values["months"],
        )
    if code == "no_login":
        if values.get("days") is None:
            return _("Nobody of the company has ever signed in.")
        return _("Nobody has signed in for %(days)d days.", days=values["days"])
    if code == "no_training":
        return _("Nobody has passed a quiz this year.")
    if code == "points_expiring":
        return _(
            "%(points)s points expire unused within %(days)d days.",
            points=formatting.points(values["points"]),
            days=values["days"],
        )
    if code == "complaints":
        return _(
            "%(open)d complaints open, %(recent)d opened in the last %(days)d days.",
            open=values["open"],
            recent=values["recent"],
            days=values["days"],
        )
    if code == "contract_ending":
        on = formatting.date_(date.fromisoformat(values["on"]))
        if values["days"] < 0:
            return _("The contract ended on %(date)s.", date=on)
        return _("The contract ends on %(date)s (in %(days)d days).", date=on, days=values["days"])
    if code == "tier_drop":
        return _(
            "Drops from %(tier)s to %(lower)s on %(date)s.",
            tier=_named(values["tier"]),
            lower=_named(values["to"]),
            date=formatting.date_(date.fromisoformat(values["on"])),
        )
    return str(SIGNALS.get(code, code))
