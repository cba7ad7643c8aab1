"""A year of the demo club's purchases (see club/demo.py), played day by day in simulated
time through the real services: the ERP sends each day's invoices, payments come in,
months close on the 1st, the payment-window and expiry jobs run every Monday.

Polish partners buy in PLN, Russian ones in RUB: the rule gives each currency its rate
(500 PLN, 10,000 RUB a point), and each company's month is counted per currency."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from club.core.periods import (
    add_months,
    club_today,
    club_zone,
    month_of,
    month_start,
    months_between,
    next_month,
)
from club.demo_members import COMPANIES
from club.jobs import requalify_companies
from club.ledger import services as ledger
from club.members import standing
from club.members.models import Company, MembershipStatus, User
from club.members.tiers import ensure_default_tiers
from club.purchases import services as purchases
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth

SEED = 2026
MONTHS = 12  # of invoices, ending with the month before `now`


@dataclass(frozen=True)
class Buyer:
    """How a demo company buys from the supplier and pays its invoices."""

    invoices: tuple[int, int]  # invoices a month: fewest, most
    amounts: tuple[int, int]  # net amount of one invoice: smallest, largest (log-uniform)
    terms: tuple[int, ...]  # payment terms in days; one is picked per invoice
    on_time: float  # the share paid by the due date,
    in_grace: float  # within the grace days after it,
    late: float  # after the payment window; the rest is never paid
    months: tuple[int, int] = (0, MONTHS)  # which of the twelve months it buys in
    currency: str = "PLN"  # what its invoices are in


# The rule the club manager sets for the year: net amount per point in each currency.
RATES = {"PLN": 500, "RUB": 10_000}


BUYERS = {
    "Hurtownia Elektryczna Żak sp. z o.o.": Buyer((4, 8), (1_500, 45_000), (30,), 0.88, 0.07, 0.05),
    "Instalatorstwo Gęś i Syn": Buyer((2, 5), (400, 9_000), (14,), 0.68, 0.15, 0.14),
    "Apteka Pod Złotym Lwem": Buyer((3, 6), (800, 14_000), (14, 30), 0.92, 0.06, 0.02),
    "Agencja Reklamowa Źródło": Buyer((2, 4), (300, 6_500), (14,), 0.66, 0.24, 0.08),
    # The applicant buys to reach the membership threshold: its last three months.
    "Elektro-Bałtyk S.A.": Buyer((2, 3), (1_500, 12_000), (14,), 0.9, 0.1, 0.0, (9, MONTHS)),
    # The Russian partners are invoiced in roubles.
    "ООО «ЭлектроСнаб»": Buyer(
        (4, 8), (60_000, 1_200_000), (30,), 0.85, 0.10, 0.05, currency="RUB"
    ),
    "АО «Северный Монтаж»": Buyer(
        (3, 6), (30_000, 500_000), (14, 30), 0.72, 0.13, 0.13, currency="RUB"
    ),
    "ООО «Аптечная сеть Здоровье»": Buyer(
        (2, 5), (16_000, 300_000), (14, 30), 0.9, 0.08, 0.02, currency="RUB"
    ),
    # Paid later and later, then stopped paying and buying, and was suspended.
    "ИП Ёлкин А. В.": Buyer((2, 4), (10_000, 100_000), (14,), 0.45, 0.15, 0.25, (0, 8), "RUB"),
}
# Credit notes that reach the club after their month was confirmed: points are clawed back.
# (company, month index, net amount, month index and day it arrives)
LATE_CREDIT_NOTES = [
    ("Hurtownia Elektryczna Żak sp. z o.o.", 7, Decimal("-4870.00"), 9, 20),
    ("АО «Северный Монтаж»", 9, Decimal("-59200.00"), 11, 16),
]
# Invoices issued at the end of the last month, not yet paid: points pending at `now`.
STILL_OPEN = [
    ("ООО «ЭлектроСнаб»", Decimal("369000.00")),
    ("Apteka Pod Złotym Lwem", Decimal("6320.00")),
]
NEVER_PAID_MONTH = ("ИП Ёлкин А. В.", 7)  # its last month: nothing paid, all forfeited
GOODWILL = (
    "Instalatorstwo Gęś i Syn",
    120,
    "Goodwill bonus: our delivery of the switchboard parts came a week late.",
)
# Given Gold by the club manager two months ago; its purchases keep it at Silver.
CONTRACT_GOLD = ("АО «Северный Монтаж»", "gold")
WELCOME_BONUS = 100  # 25 months before now, so it expired a month ago


@dataclass(frozen=True)
class DemoRow:
    """An invoice or credit note as the ERP sends it (csv_import.InvoiceRow's fields)."""

    number: str
    tax_id: str
    issue_date: date
    due_date: date
    net_amount: Decimal
    kind: str = "invoice"
    currency: str = "PLN"
    paid_date: date | None = None
    line: int | None = None
    country: str | None = None
    product_group: str | None = None


@dataclass
class Planned:
    company: str
    kind: str
    issue: date
    due: date
    amount: Decimal
    paid: date | None
    arrives: date  # when the ERP sends it: the issue date, or later (a late credit note)
    number: str = ""

    def row(self, company: Company) -> DemoRow:
        return DemoRow(
            self.number,
            company.tax_id,
            self.issue,
            self.due,
            self.amount,
            self.kind,
            currency=BUYERS[self.company].currency,
            country=company.country,
        )


class DemoClock:
    """Dates of the simulated year, all derived from `now` in the club's time zone."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = club_zone()
        self.today = club_today(now)
        this_month = month_start(self.today)
        self.months = [add_months(this_month, index - MONTHS) for index in range(MONTHS)]

    def welcome_bonus_at(self) -> datetime:
        """25 months before now, so the bonus expired a month ago (expiry: 24 months)."""
        local = datetime.combine(self.today, time(10, 30), tzinfo=self.zone)
        return add_months(local, -25).astimezone(UTC)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A moment of a club-calendar day, in UTC."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)


def business_day_in_month(day: date) -> date:
    """A weekend day moved to Friday, or to Monday when Friday is in the month before."""
    friday = day - timedelta(days=max(0, day.weekday() - 4))
    if friday.month == day.month:
        return friday
    return day + timedelta(days=7 - day.weekday())


def next_business_day(day: date) -> date:
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


# Two days ago someone imported an ERP export with two bad rows: the club manager's
# to-do list shows it.
MISTAKEN_EXPORT = (
    "numer;nip;data_wystawienia;termin_platnosci;kwota_netto;waluta;data_zaplaty;rodzaj\n"
    "FV/DEMO/1;0000000000;{issued};{due};1 250,00;PLN;;faktura\n"
    "FV/DEMO/2;{tax_id};{later};{later};980,00;PLN;;faktura\n"
)


def play_an_import_with_mistakes(session: Session, *, manager: User, now: datetime) -> None:
    """An ERP export whose two rows were both rejected: a tax id no company has, and an
    invoice dated after the day it was imported."""
    at = now - timedelta(days=2)
    day = club_today(at)
    company = session.scalar(
        select(Company).where(Company.status == MembershipStatus.MEMBER).order_by(Company.id)
    )
    text = MISTAKEN_EXPORT.format(
        issued=f"{day:%d.%m.%Y}",
        due=f"{day + timedelta(days=14):%d.%m.%Y}",
        later=f"{day + timedelta(days=5):%d.%m.%Y}",
        tax_id=company.tax_id,
    )
    purchases.import_file(session, text.encode(), actor=manager, filename="erp-export.csv", now=at)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def plan_purchases(clock: DemoClock, rng: random.Random) -> list[Planned]:
    """A year of invoices, payments and credit notes: fixed for a seed and a `now`."""
    grace = purchases.DEFAULT_GRACE_DAYS
    joined = {row[0]: row[7] for row in COMPANIES}
    late_notes = {(name, month): rest for name, month, *rest in LATE_CREDIT_NOTES}
    planned: list[Planned] = []
    for index, period in enumerate(clock.months):
        month_end = month_of(period).ends
        invoices: list[Planned] = []
        notes: list[Planned] = []
        for name, buyer in BUYERS.items():
            if not buyer.months[0] <= index < buyer.months[1]:
                continue
            if joined[name] is not None and joined[name] > month_end:
                continue
            mine: list[Planned] = []
            for _ in range(rng.randint(*buyer.invoices)):
                issue = business_day_in_month(period.replace(day=rng.randint(1, month_end.day)))
                terms = rng.choice(buyer.terms)
                due = issue + timedelta(days=terms)
                low, high = buyer.amounts
                amount = _money(math.exp(rng.uniform(math.log(low), math.log(high))))
                roll = rng.random()
                if roll < buyer.on_time:
                    paid = issue + timedelta(days=rng.randint(1, terms))
                elif roll < buyer.on_time + buyer.in_grace:
                    paid = due + timedelta(days=rng.randint(1, grace - 2))
                elif roll < buyer.on_time + buyer.in_grace + buyer.late:
                    paid = due + timedelta(days=grace + rng.randint(2, 45))
                else:
                    paid = None
                if paid is not None:
                    paid = next_business_day(paid)
                mine.append(Planned(name, "invoice", issue, due, amount, paid, issue))
            if rng.random() < 0.07:  # goods returned or a price corrected within the month
                base = rng.choice(mine)
                issue = business_day_in_month(
                    min(base.issue + timedelta(days=rng.randint(2, 12)), month_end)
                )
                amount = -_money(float(base.amount) * rng.uniform(0.05, 0.4))
                notes.append(Planned(name, "credit_note", issue, issue, amount, None, issue))
            if (name, index) in late_notes:  # its month must be confirmed before it comes
                for invoice in mine:
                    if invoice.paid is None or invoice.paid > invoice.due:
                        invoice.paid = next_business_day(invoice.due - timedelta(days=3))
                amount, arrives_in, arrives_on = late_notes[name, index]
                issue = business_day_in_month(period.replace(day=26))
                arrives = next_business_day(clock.months[arrives_in].replace(day=arrives_on))
                notes.append(Planned(name, "credit_note", issue, issue, amount, None, arrives))
            if (name, index) == NEVER_PAID_MONTH:
                for invoice in mine:
                    invoice.paid = None
            if index == MONTHS - 1:
                for still_open, amount in STILL_OPEN:
                    if still_open == name:
                        issue = business_day_in_month(month_end)
                        due = issue + timedelta(days=30)
                        mine.append(Planned(name, "invoice", issue, due, amount, None, issue))
            invoices.extend(mine)
        _number(period, invoices, notes, rng)
        planned.extend(invoices + notes)
    return planned


def _number(period: date, invoices: list[Planned], notes: list[Planned], rng: random.Random):
    """Number a month's invoices and credit notes in the order they were issued."""
    order = {name: position for position, name in enumerate(BUYERS)}
    number = rng.randint(12, 60)
    for invoice in sorted(invoices, key=lambda p: (p.issue, order[p.company])):
        invoice.number = f"FV/{period:%Y/%m}/{number:04d}"
        number += rng.randint(1, 7)  # the supplier invoices other customers too
    number = rng.randint(1, 3)
    for note in sorted(notes, key=lambda p: (p.issue, order[p.company])):
        note.number = f"KOR/{period:%Y/%m}/{number:04d}"
        number += rng.randint(1, 2)


def play_a_year_of_purchases(
    session: Session, clock: DemoClock, companies: dict[str, Company], manager: User
) -> None:
    """Run the year through the services in time order, as the ERP and the jobs would."""
    rng = random.Random(SEED)
    planned = plan_purchases(clock, rng)
    ensure_default_tiers(session)
    events: list[tuple[datetime, int, Callable[[datetime], object]]] = []

    def at(moment: datetime, action: Callable[[datetime], object], order: int = 5) -> None:
        if moment <= clock.now:
            events.append((moment, order, action))

    # The club manager confirms the earning rule for the year.
    at(
        clock.at(clock.months[0] - timedelta(days=12), 10),
        lambda now: purchases.set_rule(
            session,
            effective_from=clock.months[0],
            rates=RATES,
            grace_days=purchases.DEFAULT_GRACE_DAYS,
            actor=manager,
            now=now,
        ),
    )
    # The ERP sends each day's invoices in the evening (late credit notes in the morning).
    arriving: dict[tuple[date, bool], list[DemoRow]] = defaultdict(list)
    for item in planned:
        late = item.arrives != item.issue
        arriving[item.arrives, late].append(item.row(companies[item.company]))
    for (day, late), rows in arriving.items():
        at(clock.at(day, 10, 15) if late else clock.at(day, 19), _recorder(session, rows))
    # Payments reach the supplier's bank and the club in the afternoon.
    for item in planned:
        if item.paid is not None:
            at(clock.at(item.paid, 14), _payer(session, item.number, item.paid))
    # The jobs: months close on the 1st; payment windows and expiry are swept each Monday.
    for period in [*clock.months[1:], next_month(clock.months[-1])]:
        at(clock.at(period, 1, 5), lambda now: purchases.close_due_months(session, now=now), 1)
        at(clock.at(period, 2, 20), lambda now: requalify_companies(session, now=now), 4)
    monday = clock.months[0] + timedelta(days=-clock.months[0].weekday() % 7)
    while monday <= clock.today:
        at(clock.at(monday, 1, 35), lambda now: purchases.settle_open_months(session, now=now), 2)
        at(clock.at(monday, 2, 5), lambda now: ledger.expire_due(session, now=now), 3)
        monday += timedelta(days=7)
    # Manual adjustments: a goodwill bonus lately, a welcome bonus long ago (now expired).
    name, points, reason = GOODWILL
    at(
        clock.at(business_day_in_month(clock.months[-2].replace(day=12)), 11, 20),
        _adjuster(session, companies[name], points, reason, manager),
    )
    # Last autumn the club manager gave a partner Gold as its distribution contract said;
    # its purchases did not follow, so its drop is pending now (warned, with a date).
    name, code = CONTRACT_GOLD
    at(
        clock.at(business_day_in_month(clock.months[-2].replace(day=20)), 11, 40),
        _tier_setter(session, companies[name], code, manager),
    )
    welcomed = companies[_welcomed(clock)]
    at(
        clock.welcome_bonus_at(),
        _adjuster(session, welcomed, WELCOME_BONUS, "Welcome bonus for joining the club.", manager),
    )

    for moment, _order, action in sorted(events, key=lambda event: event[:2]):
        action(moment)
    # And the jobs once more at `now`, so nothing due is left undone.
    purchases.close_due_months(session, now=clock.now)
    purchases.settle_open_months(session, now=clock.now)
    ledger.expire_due(session, now=clock.now)
    session.flush()


def _tier_setter(
    session: Session, company: Company, code: str, manager: User
) -> Callable[[datetime], object]:
    def set_tier(now: datetime) -> None:
        tier = next(tier for tier in standing.tiers(session) if tier.code == code)
        standing.set_company_tier(session, company, tier, actor=manager, today=club_today(now))

    return set_tier


def _recorder(session: Session, rows: list[DemoRow]) -> Callable[[datetime], object]:
    def record(now: datetime) -> None:
        report = purchases.record_invoices(session, rows, now=now)
        if report.rejected:
            raise RuntimeError(f"demo invoices rejected: {report.rejected}")

    return record


def _payer(session: Session, number: str, paid: date) -> Callable[[datetime], object]:
    return lambda now: purchases.record_payment(session, number, paid, now=now)


def _adjuster(
    session: Session, company: Company, points: int, reason: str, manager: User
) -> Callable[[datetime], object]:
    def adjust(now: datetime) -> None:
        wallet = ledger.wallet_for(session, company.id)
        ledger.adjust(session, wallet, points, reason=reason, actor=manager, now=now)

    return adjust


def _welcomed(clock: DemoClock) -> str:
    """The member that joined nearest to 25 months ago (and not after, when one did).

    Not one with a late credit note: its clawback would take from the bonus first (the
    soonest-expiring lot), and the expiry would then be smaller than the bonus.
    """
    moment = clock.welcome_bonus_at().date()
    clawed = {note[0] for note in LATE_CREDIT_NOTES}
    members = [
        (row[0], row[7])
        for row in COMPANIES
        if row[6] == MembershipStatus.MEMBER and row[7] and row[0] not in clawed
    ]
    before = [member for member in members if member[1] <= moment] or members
    return min(before, key=lambda member: abs((member[1] - moment).days))[0]


# The members admitted in the 12 months before the demo year: the supplier's ERP history
# of their purchases from 12 months before admission to the demo year, imported when the
# club began (no points: the club rewards purchases from the demo year on), so that the
# dashboard shows an uplift after admission with companies behind it. Before admission
# they bought this share of their average month of the demo year, after it about that.
HISTORY_BEFORE = (0.70, 0.90)
HISTORY_AFTER = (0.95, 1.10)


def _usual_month(session: Session, company: Company) -> float:
    """The company's average month of the demo year (net, over the months it bought in)."""
    total, months = session.execute(
        select(func.sum(Invoice.net_amount), func.count(distinct(Invoice.period))).where(
            Invoice.company_id == company.id
        )
    ).one()
    return float(total or 0) / months if months else 0.0


def play_history_before_admission(
    session: Session, clock: DemoClock, companies: dict[str, Company]
) -> list[str]:
    """Two invoices a month for each such member, paid on time, and their months closed
    and settled at no points (so the month-closing job leaves them); returns the names.
    Played after the demo year, whose purchases set the scale."""
    rng = random.Random(SEED + 18)
    first = clock.months[0]
    imported_at = clock.at(first - timedelta(days=12), 9)
    names = []
    invoices: list[Invoice] = []
    months: list[PurchaseMonth] = []
    for name, buyer in BUYERS.items():
        company = companies[name]
        if company.status != MembershipStatus.MEMBER or company.joined_on is None:
            continue
        admitted = month_start(company.joined_on)
        if not add_months(first, -12) <= admitted < first:
            continue
        usual = _usual_month(session, company)
        if not usual:
            continue
        names.append(name)
        for offset in range(-12, months_between(admitted, first)):
            period = add_months(admitted, offset)
            share = rng.uniform(*(HISTORY_BEFORE if offset < 0 else HISTORY_AFTER))
            total = _money(usual * share)
            first_part = _money(float(total) * rng.uniform(0.35, 0.65))
            for number, amount in enumerate((first_part, total - first_part), start=9001):
                issue = business_day_in_month(period.replace(day=rng.randint(3, 26)))
                terms = buyer.terms[0]
                invoices.append(
                    Invoice(
                        number=f"FV/{period:%Y/%m}/{number + 10 * len(names):04d}",
                        company_id=company.id,
                        kind=InvoiceKind.INVOICE,
                        issue_date=issue,
                        period=period,
                        due_date=issue + timedelta(days=terms),
                        net_amount=amount,
                        currency=buyer.currency,
                        paid_date=next_business_day(issue + timedelta(days=rng.randint(3, terms))),
                        created_at=imported_at,
                        updated_at=imported_at,
                    )
                )
            months.append(
                PurchaseMonth(
                    company_id=company.id,
                    period=period,
                    currency=buyer.currency,
                    rate=RATES[buyer.currency],
                    grace_days=purchases.DEFAULT_GRACE_DAYS,
                    net_total=total,
                    closed_at=imported_at,
                    settled_at=imported_at,
                )
            )
    session.add_all(invoices + months)
    session.flush()
    return names
