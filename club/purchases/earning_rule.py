"""The earning rule: how many net currency units make a point, and how many days after
the due date a payment still confirms points. A rule starts on the 1st of a month and
holds until the next; a month keeps the rule it was closed with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.periods import club_today, month_start
from club.purchases.errors import PurchasesError
from club.purchases.models import EarningRule

DEFAULT_RATE = 500
DEFAULT_GRACE_DAYS = 7


@dataclass(frozen=True)
class Rule:
    rate: int
    grace_days: int
    effective_from: date | None


def rule_for(session: Session, period: date) -> Rule:
    rule = session.scalar(
        select(EarningRule)
        .where(EarningRule.effective_from <= period)
        .order_by(EarningRule.effective_from.desc())
        .limit(1)
    )
    if rule is None:
        return Rule(DEFAULT_RATE, DEFAULT_GRACE_DAYS, None)
    return Rule(rule.rate, rule.grace_days, rule.effective_from)


def rule_history(session: Session) -> list[EarningRule]:
    """Every rule set, the latest start first."""
    return list(session.scalars(select(EarningRule).order_by(EarningRule.effective_from.desc())))


def set_rule(
    session: Session,
    *,
    effective_from: date,
    rate: int,
    grace_days: int,
    actor,
    now: datetime | None = None,
) -> EarningRule:
    """A new rate and grace period from a month on; months already closed keep theirs."""
    now = now or utcnow()
    if effective_from.day != 1:
        raise PurchasesError(
            _("Rules change at the start of a month: choose a 1st."), field="effective_from"
        )
    if effective_from < month_start(club_today(now)):
        raise PurchasesError(_("A rule cannot start in a past month."), field="effective_from")
    if rate <= 0:
        raise PurchasesError(_("The rate must be above zero."), field="rate")
    if grace_days < 0:
        raise PurchasesError(_("Grace days cannot be negative."), field="grace_days")
    rule = session.scalar(select(EarningRule).where(EarningRule.effective_from == effective_from))
    before = {"rate": rule.rate, "grace_days": rule.grace_days} if rule else None
    if rule is None:
        rule = EarningRule(effective_from=effective_from, created_at=now)
    rule.rate, rule.grace_days, rule.created_by_id = rate, grace_days, actor.id
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "earning_rule.set",
        rule,
        actor=actor,
        before=before,
        after={
            "effective_from": effective_from.isoformat(),
            "rate": rate,
            "grace_days": grace_days,
        },
        now=now,
    )
    return rule
