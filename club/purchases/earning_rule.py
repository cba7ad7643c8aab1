"""The purchase rate: how many net currency units make a point in each currency, and how
many days after the due date a payment still confirms points. It is the club's rule of
kind `purchase_rate` (club.rules, stored and versioned as every rule); a version starts
on the 1st of a month and holds until the next; a month keeps the version it was closed
with (PurchaseMonth.rate_version_id).

Rates are per currency (500 PLN, 120 EUR, 10,000 RUB a point): amounts in different
currencies are never added up or compared. Before any rule is set the club earns 1 point
per 500 of its main currency (`CLUB_CURRENCY`) and nothing in any other currency: an
invoice in a currency without a rate for its month is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.currencies import is_currency
from club.core.periods import club_today, month_start
from club.purchases.defaults import main_currency
from club.purchases.errors import PurchasesError
from club.purchases.models import Invoice
from club.rules.models import RuleKind, RuleRate, RuleVersion
from club.rules.purchase_rules import by_start, new_version, single_rule

DEFAULT_RATE = 500
DEFAULT_GRACE_DAYS = 7
MAX_RATE = 1_000_000_000  # within a 32-bit integer column, far above any real rate


@dataclass(frozen=True)
class Rule:
    """The rule in force for a month: a rate per currency, and the grace days."""

    rates: Mapping[str, int]
    grace_days: int
    effective_from: date | None
    # The rule version it comes from (None: the default, before any is set).
    version_id: int | None = None
    currencies: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "currencies", tuple(sorted(self.rates)))

    def rate_for(self, currency: str) -> int | None:
        """Net units of `currency` per point, or None: the currency earns nothing."""
        return self.rates.get(currency)


def default_rule() -> Rule:
    """The rule before any is set: 500 of the main currency a point."""
    return Rule({main_currency(): DEFAULT_RATE}, DEFAULT_GRACE_DAYS, None)


def _rule(version: RuleVersion) -> Rule:
    return Rule(
        {rate.currency: rate.rate for rate in version.rates},
        version.grace_days or 0,
        version.effective_from,
        version.id,
    )


def rule_for(session: Session, period: date) -> Rule:
    return RuleBook(session)(period)


class RuleBook:
    """rule_for for many months: every rule read once (there are a few)."""

    def __init__(self, session: Session) -> None:
        self.rules = [_rule(rule) for rule in rule_history(session)]  # the latest first
        self.by_period: dict[date, Rule] = {}

    def __call__(self, period: date) -> Rule:
        try:
            return self.by_period[period]
        except KeyError:
            found = next(
                (rule for rule in self.rules if rule.effective_from <= period), default_rule()
            )
            self.by_period[period] = found
            return found


def rule_history(session: Session) -> list[RuleVersion]:
    """Every version of the purchase rate, the latest start first."""
    return by_start(single_rule(session, RuleKind.PURCHASE_RATE))


def rate_currencies(session: Session) -> list[str]:
    """Every currency some version gives a rate (the main currency before any is set):
    the currencies an invoice may be in. Whether its own month's version has a rate for
    it is checked when it is recorded."""
    currencies = set(session.scalars(select(RuleRate.currency).distinct()))
    if not rule_history(session):
        currencies |= set(default_rule().rates)
    return sorted(currencies)


def set_rule(
    session: Session,
    *,
    effective_from: date,
    rates: Mapping[str, int],
    grace_days: int,
    actor,
    now: datetime | None = None,
) -> RuleVersion:
    """A new version of the purchase rate (a rate per currency and the grace days) from a
    month on; months already closed keep theirs. `rates`: currency (ISO 4217) -> net
    units per point; a currency left out earns nothing from that month on, which is
    refused while invoices in it are recorded for those months."""
    now = now or utcnow()
    if effective_from.day != 1:
        raise PurchasesError(
            _("Rules change at the start of a month: choose a 1st."), field="effective_from"
        )
    if effective_from < month_start(club_today(now)):
        raise PurchasesError(_("A rule cannot start in a past month."), field="effective_from")
    rates = {str(currency).strip().upper(): rate for currency, rate in rates.items()}
    if not rates:
        raise PurchasesError(_("Give at least one currency a rate."), field="rates")
    for currency, rate in rates.items():
        if not is_currency(currency):
            raise PurchasesError(
                _("“%(value)s” is not a currency code such as PLN or EUR.", value=currency[:40]),
                field="rates",
            )
        if rate <= 0:
            raise PurchasesError(_("The rate must be above zero."), field="rates")
        if rate > MAX_RATE:
            raise PurchasesError(
                _("The rate must be at most %(max)d.", max=MAX_RATE), field="rates"
            )
    if grace_days < 0:
        raise PurchasesError(_("Grace days cannot be negative."), field="grace_days")
    _keep_recorded_currencies(session, effective_from, rates)
    rule = single_rule(session, RuleKind.PURCHASE_RATE, create=True, lock=True)
    version = next((v for v in rule.versions if v.effective_from == effective_from), None)
    # A version not started yet is changed in place: no month was closed with it.
    before = _snapshot(version) if version else None
    if version is None:
        version = new_version(rule, effective_from=effective_from, created_at=now)
    version.grace_days, version.created_by_id = grace_days, actor.id
    kept = {rate.currency: rate for rate in version.rates if rate.currency in rates}
    version.rates = [
        _rate(kept.get(currency), currency, rates[currency]) for currency in sorted(rates)
    ]
    session.flush()
    audit.record(
        session,
        "earning_rule.set",
        version,
        actor=actor,
        before=before,
        after=_snapshot(version),
        now=now,
    )
    return version


def _rate(found: RuleRate | None, currency: str, rate: int) -> RuleRate:
    if found is None:
        return RuleRate(currency=currency, rate=rate)
    found.rate = rate
    return found


def _snapshot(version: RuleVersion) -> dict:
    return {
        "version": version.number,
        "effective_from": version.effective_from.isoformat(),
        "rates": {rate.currency: rate.rate for rate in version.rates},
        "grace_days": version.grace_days,
    }


def _keep_recorded_currencies(session: Session, start: date, rates: Mapping[str, int]) -> None:
    """Refuse a rule that leaves out a currency invoices of its months (until the next
    rule) are recorded in: those months could then never close."""
    governed = select(Invoice.currency).where(
        Invoice.period >= start, Invoice.currency.not_in(list(rates))
    )
    following = min(
        (v.effective_from for v in rule_history(session) if v.effective_from > start),
        default=None,
    )
    if following is not None:
        governed = governed.where(Invoice.period < following)
    later = session.scalars(governed.distinct().order_by(Invoice.currency)).all()
    if later:
        raise PurchasesError(
            _(
                "Invoices in %(currencies)s are recorded for these months: keep a rate for "
                "each of them.",
                currencies=", ".join(later),
            ),
            field="rates",
        )
