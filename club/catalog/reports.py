"""Reports on what the catalogue gave: the yearly tax report (the money value each
company received), what sponsors co-funded, the programme's cost against purchases, and
the rebates for the ERP.

A year is the club's calendar year: it starts and ends at midnight in the club's time
zone (core.periods), so a privilege fulfilled late on 31 December local time belongs to
that year, whatever the date in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from club.catalog.models import (
    Category,
    Privilege,
    PrivilegeKind,
    Redemption,
    RedemptionStatus,
)
from club.core import periods
from club.members.models import Company
from club.purchases.defaults import main_currency
from club.purchases.models import Invoice
from club.rules import services as rules


def _fulfilled_between(start: datetime, end: datetime):
    """Received in the period: fulfilled, and not returned (a returned good was refunded)."""
    return (
        Redemption.status == RedemptionStatus.FULFILLED,
        Redemption.fulfilled_at >= start,
        Redemption.fulfilled_at < end,
        Redemption.returned_at.is_(None),
    )


def _value_of(kind: PrivilegeKind):
    return func.sum(case((Privilege.kind == kind, Redemption.money_value), else_=0))


def tax_report(session: Session, year: int):
    """Per company and currency, the money value of privileges fulfilled in the year: the
    count and total, then the value of services, goods and e-vouchers, then the currency
    (amounts in different currencies are never added up). Each counts at its money value
    as agreed when redeemed (an e-voucher at its code's face value)."""
    return session.execute(
        select(
            Company.name,
            Company.country,
            Company.tax_id,
            func.count(Redemption.id),
            func.sum(Redemption.money_value),
            *(_value_of(kind) for kind in PrivilegeKind),
            Privilege.currency,
        )
        .join(Company, Company.id == Redemption.company_id)
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(*_fulfilled_between(*periods.year(year).bounds()))
        .group_by(Company.id, Company.name, Company.country, Company.tax_id, Privilege.currency)
        .order_by(Company.name, Privilege.currency)
    ).all()


def sponsor_report(session: Session, year: int):
    """Per sponsor, quarter and currency, what its co-funded privileges cost it and what
    its earning rules gave (club.rules): (sponsor, quarter, privileges fulfilled, their
    money value, the sponsor's share, points earned through its rules, those points at the
    club's value per point, currency). Points are valued in the club's main currency and
    join that currency's row."""
    rows = session.execute(
        select(
            Privilege.sponsor,
            Privilege.sponsor_share_percent,
            Redemption.fulfilled_at,
            Redemption.money_value,
            Privilege.currency,
        )
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(
            Privilege.sponsor.is_not(None),
            *_fulfilled_between(*periods.year(year).bounds()),
        )
    ).all()
    totals: dict[tuple[str, str, str], list] = {}
    for sponsor, share, fulfilled_at, value, currency in rows:
        key = (sponsor, periods.quarter_of(fulfilled_at).arg, currency)
        entry = totals.setdefault(key, [0, Decimal("0"), Decimal("0"), 0])
        entry[0] += 1
        entry[1] += value
        entry[2] += (value * share / 100).quantize(Decimal("0.01"))
    club_currency = main_currency()
    for (sponsor, quarter), points in rules.sponsored_points(session, periods.year(year)).items():
        key = (sponsor, quarter, club_currency)
        totals.setdefault(key, [0, Decimal("0"), Decimal("0"), 0])[3] += points
    value = rules.point_value()
    return [
        (sponsor, quarter, *values, (values[3] * value).quantize(Decimal("0.01")), currency)
        for (sponsor, quarter, currency), values in sorted(totals.items())
    ]


@dataclass(frozen=True)
class ProgrammeCost:
    """Privileges fulfilled against net purchases, each by currency: amounts in
    different currencies are never added up, so the share is known only when both are
    in one and the same currency."""

    fulfilled: dict[str, Decimal]
    purchases: dict[str, Decimal]

    @property
    def fulfilled_value(self) -> Decimal | None:
        """The money value fulfilled, when it is in one currency (or none)."""
        if len(self.fulfilled) > 1:
            return None
        return next(iter(self.fulfilled.values()), Decimal("0"))

    @property
    def percent(self) -> Decimal | None:
        if len(self.purchases) != 1 or len(self.fulfilled) > 1:
            return None
        ((currency, purchases),) = self.purchases.items()
        if not purchases or (self.fulfilled and currency not in self.fulfilled):
            return None
        value = self.fulfilled.get(currency, Decimal("0"))
        return (value * 100 / purchases).quantize(Decimal("0.01"))


def programme_cost(session: Session, start: date, end: date) -> ProgrammeCost:
    """Privileges fulfilled from the day `start` up to the day `end` (local days, `end`
    not included) against net purchases invoiced on those days, by currency."""
    fulfilled = session.execute(
        select(Privilege.currency, func.sum(Redemption.money_value))
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(*_fulfilled_between(periods.local_midnight(start), periods.local_midnight(end)))
        .group_by(Privilege.currency)
        .order_by(Privilege.currency)
    ).all()
    purchases = session.execute(
        select(Invoice.currency, func.sum(Invoice.net_amount))
        .where(Invoice.issue_date >= start, Invoice.issue_date < end)
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    ).all()
    return ProgrammeCost(
        {currency: Decimal(value) for currency, value in fulfilled},
        {currency: Decimal(value) for currency, value in purchases},
    )


def fulfilled_rebates(session: Session, *, since: datetime):
    """Post-sale rebates fulfilled since a moment: credits for the ERP to put on the
    partners' next invoices."""
    return session.execute(
        select(Redemption, Company)
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .join(Company, Company.id == Redemption.company_id)
        .where(
            Privilege.category == Category.REBATES,
            Redemption.status == RedemptionStatus.FULFILLED,
            Redemption.fulfilled_at >= since,
        )
        .order_by(Redemption.fulfilled_at, Redemption.id)
    ).all()
