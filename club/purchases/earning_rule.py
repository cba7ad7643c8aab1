"""The earning rule: how many net currency units make a point in each currency, and how
many days after the due date a payment still confirms points. A rule starts on the 1st
of a month and holds until the next; a month keeps the rule it was closed with.

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
from club.purchases.models import EarningRate, EarningRule, Invoice

DEFAULT_RATE = 500
DEFAULT_GRACE_DAYS = 7
MAX_RATE = 1_000_000_000  # within a 32-bit integer column, far above any real rate


@dataclass(frozen=True)
class Rule:
    """The rule in force for a month: a rate per currency, and the grace days."""

    rates: Mapping[str, int]
    grace_days: int
    effective_from: date | None
    currencies: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "currencies", tuple(sorted(self.rates)))

    def rate_for(self, currency: str) -> int | None:
        """Net units of `currency` per point, or None: the currency earns nothing."""
        return self.rates.get(currency)


def default_rule() -> Rule:
    """The rule before any is set: 500 of the main currency a point."""
    return Rule({main_currency(): DEFAULT_RATE}, DEFAULT_GRACE_DAYS, None)


def _rule(rule: EarningRule) -> Rule:
    return Rule(
        {rate.currency: rate.rate for rate in rule.rates}, rule.grace_days, rule.effective_from
    )


def rule_for(session: Session, period: date) -> Rule:
    rule = session.scalar(
        select(EarningRule)
        .where(EarningRule.effective_from <= period)
        .order_by(EarningRule.effective_from.desc())
        .limit(1)
    )
    return default_rule() if rule is None else _rule(rule)


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


def rule_history(session: Session) -> list[EarningRule]:
    """Every rule set, the latest start first."""
    return list(session.scalars(select(EarningRule).order_by(EarningRule.effective_from.desc())))


def rate_currencies(session: Session) -> list[str]:
    """Every currency some rule gives a rate (the main currency before any rule is set):
    the currencies an invoice may be in. Whether its own month's rule has a rate for it
    is checked when it is recorded."""
    currencies = set(session.scalars(select(EarningRate.currency).distinct()))
    if not session.scalar(select(EarningRule.id).limit(1)):
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
) -> EarningRule:
    """A new rate per currency and grace period from a month on; months already closed
    keep theirs. `rates`: currency (ISO 4217) -> net units per point; a currency left
    out earns nothing from that month on, which is refused while invoices in it are
    recorded for those months."""
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
    rule = session.scalar(select(EarningRule).where(EarningRule.effective_from == effective_from))
    before = _snapshot(rule) if rule else None
    if rule is None:
        rule = EarningRule(effective_from=effective_from, created_at=now, rates=[])
    rule.grace_days, rule.created_by_id = grace_days, actor.id
    kept = {rate.currency: rate for rate in rule.rates if rate.currency in rates}
    rule.rates = [
        _rate(kept.get(currency), currency, rates[currency]) for currency in sorted(rates)
    ]
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "earning_rule.set",
        rule,
        actor=actor,
        before=before,
        after=_snapshot(rule),
        now=now,
    )
    return rule


def _rate(found: EarningRate | None, currency: str, rate: int) -> EarningRate:
    if found is None:
        return EarningRate(currency=currency, rate=rate)
    found.rate = rate
    return found


def _snapshot(rule: EarningRule) -> dict:
    return {
        "effective_from": rule.effective_from.isoformat(),
        "rates": {rate.currency: rate.rate for rate in rule.rates},
        "grace_days": rule.grace_days,
    }


def _keep_recorded_currencies(session: Session, start: date, rates: Mapping[str, int]) -> None:
    """Refuse a rule that leaves out a currency invoices of its months (until the next
    rule) are recorded in: those months could then never close."""
    governed = select(Invoice.currency).where(
        Invoice.period >= start, Invoice.currency.not_in(list(rates))
    )
    following = session.scalar(
        select(EarningRule.effective_from)
        .where(EarningRule.effective_from > start)
        .order_by(EarningRule.effective_from)
        .limit(1)
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
