"""Each entry explains itself in words, in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from club.core.formatting import date_, money, period_label
from club.core.periods import from_arg
from club.ledger.models import Entry, EntryKind

KIND_LABELS = {
    EntryKind.EARN: _l("Earned"),
    EntryKind.CONFIRM: _l("Confirmed"),
    EntryKind.FORFEIT: _l("Forfeited"),
    EntryKind.HOLD: _l("Reserved"),
    EntryKind.CAPTURE: _l("Spent"),
    EntryKind.RELEASE: _l("Returned"),
    EntryKind.EXPIRE: _l("Expired"),
    EntryKind.ADJUST: _l("Correction"),
    EntryKind.CLAWBACK: _l("Taken back"),
    EntryKind.SETTLE: _l("Carried debt paid"),
}

SOURCE_LABELS = {
    "quiz": _l("a passed quiz"),
    "meeting": _l("attending a club meeting"),
    "referral": _l("a referral"),
    "einvoice": _l("switching to e-invoices"),
    "action": _l("using a new feature"),
    "bonus": _l("a bonus"),
}


def kind_label(kind: EntryKind) -> str:
    return str(KIND_LABELS[kind])


def _invoice_list(items: list[dict]) -> str:
    return ", ".join(item["number"] for item in items)


def _month(text: str) -> str:
    """ "2026-10" as "October 2026" in the reader's language (anything else as it is)."""
    period = from_arg(text)
    return period_label(period) if period is not None and period.kind == "month" else text


def _money(text: str | int | None, currency: str | None) -> str:
    """A sum kept in the entry's details as text, with the currency the details name
    (entries written before months were per currency name none: they were all in the
    club's main currency)."""
    if not isinstance(currency, str):
        currency = current_app.config.get("CLUB_CURRENCY", "PLN")
    try:
        return money(Decimal(text), currency)
    except (InvalidOperation, TypeError, ValueError):
        return "?"


def _purchases(entry: Entry) -> str | None:
    """A month's purchase points: earned, confirmed, forfeited (and why), taken back."""
    details = entry.details or {}
    period = _month(details.get("period", ""))
    points = abs(entry.amount) or abs(entry.held_delta)
    if entry.kind == EntryKind.EARN:
        text = _(
            "Purchases in %(period)s: %(total)s net at 1 point per %(rate)s; "
            "pending until the invoices are paid.",
            period=period,
            total=_money(details.get("net_total"), details.get("currency")),
            rate=_money(details.get("rate"), details.get("currency")),
        )
        # The rule versions the month was closed with (months closed since they are rules).
        named = [_rule_name(details.get(key)) for key in ("rule", "multiplier_rule")]
        if named := [name for name in named if name]:
            text += " " + _("Rules: %(rules)s.", rules="; ".join(named))
        return text
    if entry.kind == EntryKind.CONFIRM:
        return _(
            "Invoices for %(period)s paid within the payment window: points confirmed.",
            period=period,
        )
    if entry.kind == EntryKind.FORFEIT:
        if details.get("why") == "credit_note":
            return _("A credit note lowered the purchases of %(period)s.", period=period)
        parts = []
        for item in details.get("late", []):
            parts.append(
                ngettext(
                    "invoice %(number)s paid %(num)d day after the window",
                    "invoice %(number)s paid %(num)d days after the window",
                    item["days_late"],
                    number=item["number"],
                )
            )
        if details.get("unpaid"):
            parts.append(_("not paid: %(numbers)s", numbers=_invoice_list(details["unpaid"])))
        return ngettext(
            "%(period)s: %(why)s; %(num)d point forfeited.",
            "%(period)s: %(why)s; %(num)d points forfeited.",
            points,
            period=period,
            why="; ".join(parts) or _("not paid in time"),
        )
    if entry.kind == EntryKind.CLAWBACK:
        carried = details.get("carried", 0)
        text = ngettext(
            "A credit note lowered the purchases of %(period)s: %(num)d point taken back.",
            "A credit note lowered the purchases of %(period)s: %(num)d points taken back.",
            points,
            period=period,
        )
        if carried:
            text += " " + ngettext(
                "%(num)d more point will be taken from later earnings.",
                "%(num)d more points will be taken from later earnings.",
                carried,
            )
        return text
    return None


def _rule_name(about) -> str | None:
    """A rule version named in an entry's details, as "Name (version N)"."""
    if not isinstance(about, dict):
        return None
    names = about.get("names") or {}
    language = str(get_locale() or "en")[:2]
    return _(
        "%(rule)s (version %(version)s)",
        rule=names.get(language) or names.get("en") or "?",
        version=about.get("version", "?"),
    )


def _bonus_rule(entry: Entry) -> str:
    """Points an earning rule gave (club.rules): the rule in the reader's language, its
    version, the source document and, for a rate per amount, the amount and the rate."""
    details = entry.details or {}
    names = details.get("names") or {}
    language = str(get_locale() or "en")[:2]
    text = _(
        "%(rule)s (version %(version)s): %(document)s.",
        rule=names.get(language) or names.get("en") or "?",
        version=details.get("version", "?"),
        # The sentence ends in a period: a document named "... Sp. z o.o." keeps one.
        document=(details.get("document") or "?").rstrip("."),
    )
    if details.get("amount") is not None:
        text += " " + _(
            "%(amount)s at %(rate)s.",
            amount=_money(details.get("amount"), details.get("currency")),
            rate=details.get("rate", "?"),
        )
    if details.get("capped"):
        text += " " + _("Limited by the rule's cap or budget.")
    return text


def tier_split(entry: Entry) -> tuple[int, int, int] | None:
    """A purchase month's earned or confirmed points as (base points, tier bonus,
    multiplier in percent), when the month's tier multiplied them; else None. The base is
    the smallest b with b * multiplier // 100 = points: exactly what the month's invoices
    were worth before the multiplier."""
    details = entry.details or {}
    multiplier = details.get("multiplier_percent")
    if entry.source_type != "purchase_month" or not isinstance(multiplier, int):
        return None
    if entry.kind not in (EntryKind.EARN, EntryKind.CONFIRM) or multiplier <= 100:
        return None
    points = max(abs(entry.available_delta), abs(entry.pending_delta))
    base = (points * 100 + multiplier - 1) // multiplier
    return base, points - base, multiplier


def _day(text: str | None) -> str:
    """A day kept in an entry's details (ISO), as the reader writes dates."""
    try:
        return date_(date.fromisoformat(str(text)[:10]))
    except ValueError:
        return text or "?"


def explain(entry: Entry) -> str:
    """One sentence a member understands, from the entry's kind, source and details."""
    if entry.source_type == "purchase_month" and (text := _purchases(entry)) is not None:
        return text
    if entry.source_type == "bonus_rule" and entry.kind == EntryKind.EARN:
        return _bonus_rule(entry)
    if entry.kind == EntryKind.ADJUST:
        return _(
            "Correction by %(who)s: %(reason)s",
            who=entry.actor.name if entry.actor else _("the club"),
            reason=entry.reason,
        )
    if entry.kind == EntryKind.EXPIRE:
        if entry.source_type == "membership":  # frozen points of a suspended or left company
            return _(
                "The company's points, frozen since %(date)s, were forfeited under the "
                "club's rules.",
                date=_day((entry.details or {}).get("since")),
            )
        return _("Points older than the expiry period have expired.")
    if entry.kind == EntryKind.SETTLE:
        return _("New points paid off points taken back earlier.")
    if entry.kind == EntryKind.HOLD:
        return _("Reserved for a redemption.")
    if entry.kind == EntryKind.CAPTURE:
        return _("Spent on a redemption.")
    if entry.kind == EntryKind.RELEASE:
        return _("A redemption was cancelled or rejected: points returned.")
    if entry.kind == EntryKind.CLAWBACK:
        return _("Points taken back: %(reason)s", reason=entry.reason or _("a correction"))
    source = SOURCE_LABELS.get(entry.source_type)
    if entry.source_type == "course" and (title := (entry.details or {}).get("title")):
        source = _("the course “%(title)s”", title=title)  # the reason is in the earner's language
    if entry.kind == EntryKind.EARN:
        who = entry.person.name if entry.person else None
        what = str(source) if source else entry.reason or entry.source_type
        if who:
            return _("Earned by %(who)s for %(what)s.", who=who, what=what)
        return _("Earned for %(what)s.", what=what)
    return entry.reason or kind_label(entry.kind)
