"""Demo data for the KPI dashboard (issue 18): a year of sign-ins that grows as the club
takes hold, the account managers' yearly potentials (one company left without, to show
"missing"), then the dashboard's summaries refreshed over everything the demo played."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core import periods
from club.core.roles import PARTNER_ROLES
from club.insight.models import SalesMonth, SignInDay
from club.insight.refresh import refresh
from club.members.models import Company, MembershipStatus, User
from club.purchases.models import Invoice
from club.satisfaction import services as satisfaction
from club.satisfaction.models import CompanyPotential

SEED = 18
# Yearly potential as a multiple of what the company bought in the demo year.
POTENTIAL_FACTORS = (Decimal("1.6"), Decimal("2.5"), Decimal("4"))
DAYS = 365


def play_insight(session: Session, *, manager: User, now: datetime) -> int:
    """Sign-ins, potentials and the summaries; returns the summary rows written."""
    chance = random.Random(SEED)
    today = periods.club_today(now)
    people = session.scalars(
        select(User)
        .where(User.role.in_(PARTNER_ROLES), User.password_hash.is_not(None))
        .order_by(User.id)
    ).all()
    for person in people:
        keen = chance.uniform(0.05, 0.35)
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            # More sign-ins as the year goes on: the club takes hold.
            if day >= person.created_at.date() and chance.random() < keen * (1.4 - back / DAYS):
                session.add(SignInDay(user_id=person.id, day=day, company_id=person.company_id))
    session.flush()
    # Every month with invoices, the history before the demo year included.
    earliest = session.scalar(select(func.min(Invoice.period)))
    months = periods.months_between(earliest, today) + 1 if earliest else 1
    written = refresh(session, months=max(months, 25), now=now)
    _potentials(session, chance, manager=manager, now=now)
    return written


def _potentials(session: Session, chance: random.Random, *, manager: User, now: datetime) -> None:
    """This year's and last year's potentials per company, in its invoices' currency;
    skipped where the survey's demo entered one already."""
    # The estimates are a multiple of what the company bought (the summaries, refreshed).
    year = periods.club_today(now).year
    companies = session.scalars(
        select(Company).where(Company.status == MembershipStatus.MEMBER).order_by(Company.id)
    ).all()
    bought = _yearly_purchases(session, year)
    for position, company in enumerate(companies):
        if position == 1:
            continue  # one company without an estimate: shown as missing, never zero
        for currency, total in bought.get(company.id, {}).items():
            for which in (year - 1, year):
                if session.scalar(
                    select(CompanyPotential.id).where(
                        CompanyPotential.company_id == company.id,
                        CompanyPotential.year == which,
                        CompanyPotential.currency == currency,
                    )
                ):
                    continue
                factor = chance.choice(POTENTIAL_FACTORS)
                satisfaction.set_potential(
                    session,
                    company,
                    year=which,
                    currency=currency,
                    amount=max((total * factor).quantize(Decimal("1000")), Decimal("1000")),
                    actor=manager,
                    now=now,
                )


def _yearly_purchases(session: Session, year: int) -> dict[int, dict[str, Decimal]]:
    from_summary: dict[int, dict[str, Decimal]] = {}
    rows = session.execute(
        select(SalesMonth.company_id, SalesMonth.currency, SalesMonth.net_total).where(
            SalesMonth.month >= periods.add_months(periods.year(year).starts, -12)
        )
    )
    for company_id, currency, net in rows:
        totals = from_summary.setdefault(company_id, {})
        totals[currency] = totals.get(currency, Decimal("0")) + net
    return from_summary
