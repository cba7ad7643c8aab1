"""A believable demo club for `flask --app wsgi club demo` (and the browser tests).

Besides companies and people, the demo plays a year of purchases through the real
services, day by day in simulated time: the ERP sends each day's invoices, payments come
in, months close on the 1st, the payment-window and expiry jobs run every Monday. So the
ledger shows every kind of purchase entry with believable dates: pending earnings,
confirmations, forfeits (late or never paid), clawbacks (credit notes that came after
their month was confirmed), one manual bonus and one expiry. A fixed seed makes it the
same on every run for the same `now`; every date is derived from `now`.
"""

from __future__ import annotations

import calendar
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.awards.demo import play_awards
from club.core.clock import utcnow
from club.core.database import holds_write_lock, write_intent
from club.core.periods import add_months, club_today, club_zone
from club.core.roles import Role
from club.demo_catalog import load_catalogue, play_redemptions
from club.demo_events import play_meetings
from club.learning.demo import play_courses
from club.ledger import services as ledger
from club.members.models import Company, MembershipStatus, User
from club.members.services import hash_password
from club.purchases import services as purchases

DEMO_PASSWORD = "club-demo-2026"

SUPPLIER_STAFF = [
    # (e-mail, name, role, language)
    ("manager@club.example", "Katarzyna Wiśniewska", Role.CLUB_MANAGER, "pl"),
    ("am.nowak@club.example", "Piotr Nowak", Role.ACCOUNT_MANAGER, "pl"),
    ("am.sokolova@club.example", "Анна Соколова", Role.ACCOUNT_MANAGER, "ru"),
]

# (name, country, nine digits the tax id is built from, street, postal code, city,
#  status, joined, account manager e-mail, staff: [(e-mail, name, language)];
#  the first person listed is the account holder)
COMPANIES = [
    (
        "Hurtownia Elektryczna Żak sp. z o.o.",
        "PL",
        "526104827",
        "ul. Świętokrzyska 12",
        "00-916",
        "Warszawa",
        MembershipStatus.MEMBER,
        date(2024, 3, 1),
        "am.nowak@club.example",
        [
            ("holder@zak.example", "Małgorzata Żak", "pl"),
            ("staff@zak.example", "Łukasz Wójcik", "pl"),
            ("zofia.kaminska@zak.example", "Zofia Kamińska", "pl"),
        ],
    ),
    (
        "Instalatorstwo Gęś i Syn",
        "PL",
        "951218653",
        "ul. Piotrkowska 104",
        "90-926",
        "Łódź",
        MembershipStatus.MEMBER,
        date(2024, 6, 15),
        "am.nowak@club.example",
        [
            ("jerzy@ges-syn.example", "Jerzy Gęś", "pl"),
            ("pawel@ges-syn.example", "Paweł Gęś", "pl"),
        ],
    ),
    (
        "Apteka Pod Złotym Lwem",
        "PL",
        "677002541",
        "Rynek Główny 13",
        "31-042",
        "Kraków",
        MembershipStatus.MEMBER,
        date(2025, 1, 10),
        "am.nowak@club.example",
        [
            ("ewa@zlotylew.example", "Ewa Dąbrowska", "pl"),
            ("tomasz@zlotylew.example", "Tomasz Lewandowski", "pl"),
        ],
    ),
    (
        "Agencja Reklamowa Źródło",
        "PL",
        "898216483",
        "ul. Świdnicka 8",
        "50-068",
        "Wrocław",
        MembershipStatus.MEMBER,
        date(2025, 5, 20),
        "am.nowak@club.example",
        [
            ("agnieszka@zrodlo.example", "Agnieszka Szymańska", "pl"),
            ("michal@zrodlo.example", "Michał Woźniak", "pl"),
        ],
    ),
    (
        "Elektro-Bałtyk S.A.",
        "PL",
        "583319845",
        "ul. Długa 45",
        "80-827",
        "Gdańsk",
        MembershipStatus.APPLICANT,
        None,
        "am.nowak@club.example",
        [("bartosz@elektro-baltyk.example", "Bartosz Kowalczyk", "pl")],
    ),
    (
        "ООО «ЭлектроСнаб»",
        "RU",
        "770708389",
        "ул. Тверская, 7",
        "125009",
        "Москва",
        MembershipStatus.MEMBER,
        date(2024, 9, 1),
        "am.sokolova@club.example",
        [
            ("holder@elektrosnab.example", "Дмитрий Иванов", "ru"),
            ("staff@elektrosnab.example", "Ольга Смирнова", "ru"),
            ("sergey@elektrosnab.example", "Сергей Кузнецов", "ru"),
        ],
    ),
    (
        "АО «Северный Монтаж»",
        "RU",
        "781001234",
        "Невский проспект, 28",
        "191186",
        "Санкт-Петербург",
        MembershipStatus.MEMBER,
        date(2025, 2, 3),
        "am.sokolova@club.example",
        [
            ("yulia@sevmontazh.example", "Юлия Попова", "ru"),
            ("andrey@sevmontazh.example", "Андрей Волков", "ru"),
        ],
    ),
    (
        "ООО «Аптечная сеть Здоровье»",
        "RU",
        "540612345",
        "Красный проспект, 25",
        "630099",
        "Новосибирск",
        MembershipStatus.MEMBER,
        date(2025, 8, 12),
        "am.sokolova@club.example",
        [("natalia@zdorovie.example", "Наталья Фёдорова", "ru")],
    ),
    (
        "ИП Ёлкин А. В.",
        "RU",
        "660100123",
        "ул. Малышева, 51",
        "620014",
        "Екатеринбург",
        MembershipStatus.SUSPENDED,
        date(2024, 11, 5),
        "am.sokolova@club.example",
        [("alexey@yolkin.example", "Алексей Ёлкин", "ru")],
    ),
    (
        "Technik Handel GmbH",
        "DE",
        "",
        "Friedrichstraße 95",
        "10117",
        "Berlin",
        MembershipStatus.LEFT,
        date(2024, 2, 1),
        None,
        [("jonas@technik-handel.example", "Jonas Müller", "en")],
    ),
]


class DemoAlreadyLoaded(Exception):
    pass


def polish_nip(first_nine: str) -> str:
    """A valid NIP from nine digits (the check digit may not be 10; we skip those)."""
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True)) % 11
    if check == 10:
        raise ValueError(f"{first_nine} has no valid NIP check digit")
    return first_nine + str(check)


def russian_inn(first_nine: str) -> str:
    """A valid ten-digit organisation INN from nine digits."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True)) % 11 % 10
    return first_nine + str(check)


def load_demo(
    session: Session, *, password: str | None = None, now: datetime | None = None
) -> tuple[list[tuple[str, str, str]], str]:
    """Create the demo club; refuse when the database already has people in it.

    The ledger writes need, on SQLite, a transaction begun IMMEDIATE. `club demo` runs
    under write_intent() already; other callers (the browser tests) get it here, as long
    as the session has no transaction open yet. The caller commits.
    """
    with write_intent():
        return _load_demo(session, password=password, now=now)


def _load_demo(
    session: Session, *, password: str | None, now: datetime | None
) -> tuple[list[tuple[str, str, str]], str]:
    if session.scalar(select(func.count()).select_from(User)):
        raise DemoAlreadyLoaded("The database already has users; demo data was not loaded.")
    if not holds_write_lock(session):
        raise RuntimeError(
            "load_demo writes ledger entries: on SQLite start it in a fresh transaction "
            "inside club.core.database.write_intent()"
        )
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    clock = DemoClock(now)
    password = password or DEMO_PASSWORD
    password_hash = hash_password(password)  # one hash: argon2 is slow on purpose
    logins: list[tuple[str, str, str]] = []

    # When each company came into the club's database: when it joined, or (the applicant)
    # shortly before its first invoices; the supplier's staff a little before all of them.
    registered = {
        name: min(now, clock.at(joined, 9, 30) if joined else clock.at(clock.months[8], 9, 30))
        for name, *_rest, joined, _manager, _people in COMPANIES
    }
    staff_since = min(*registered.values(), clock.welcome_bonus_at()) - timedelta(days=14)

    staff_by_email: dict[str, User] = {}
    for email, name, role, language in SUPPLIER_STAFF:
        user = User(
            email=email,
            name=name,
            role=role,
            language=language,
            password_hash=password_hash,
            created_at=staff_since,
        )
        session.add(user)
        staff_by_email[email] = user
        logins.append((role.label, email, ""))
    session.flush()

    companies: dict[str, Company] = {}
    for name, country, digits, street, postal, city, status, joined, manager, people in COMPANIES:
        if country == "PL":
            tax_id = polish_nip(digits)
        elif country == "RU":
            tax_id = russian_inn(digits)
        else:
            tax_id = "136695976"
        company = Company(
            name=name,
            tax_id=tax_id,
            country=country,
            street=street,
            postal_code=postal,
            city=city,
            status=status,
            joined_on=joined,
            account_manager=staff_by_email.get(manager) if manager else None,
            created_at=registered[name],
        )
        session.add(company)
        companies[name] = company
        for index, (email, person_name, language) in enumerate(people):
            role = Role.ACCOUNT_HOLDER if index == 0 else Role.PARTNER_STAFF
            session.add(
                User(
                    email=email,
                    name=person_name,
                    role=role,
                    company=company,
                    language=language,
                    password_hash=password_hash,
                    created_at=registered[name],
                )
            )
            logins.append((role.label, email, name))
    session.flush()

    manager = staff_by_email["manager@club.example"]
    play_a_year_of_purchases(session, clock, companies, manager)
    privileges = load_catalogue(session, manager=manager, now=now)
    play_redemptions(session, privileges, manager=manager, now=now)
    play_courses(session, now=now)
    play_meetings(session, manager=manager, now=now)
    play_awards(session, now)
    return logins, password


# --- a year of purchases --------------------------------------------------------------

SEED = 2026
MONTHS = 12  # of invoices, ending with the month before `now`


@dataclass(frozen=True)
class Buyer:
    """How a demo company buys from the supplier and pays its invoices."""

    invoices: tuple[int, int]  # invoices a month: fewest, most
    amounts: tuple[int, int]  # net PLN of one invoice: smallest, largest (log-uniform)
    terms: tuple[int, ...]  # payment terms in days; one is picked per invoice
    on_time: float  # the share paid by the due date,
    in_grace: float  # within the grace days after it,
    late: float  # after the payment window; the rest is never paid
    months: tuple[int, int] = (0, MONTHS)  # which of the twelve months it buys in


BUYERS = {
    "Hurtownia Elektryczna Żak sp. z o.o.": Buyer((4, 8), (1_500, 45_000), (30,), 0.88, 0.07, 0.05),
    "Instalatorstwo Gęś i Syn": Buyer((2, 5), (400, 9_000), (14,), 0.68, 0.15, 0.14),
    "Apteka Pod Złotym Lwem": Buyer((3, 6), (800, 14_000), (14, 30), 0.92, 0.06, 0.02),
    "Agencja Reklamowa Źródło": Buyer((2, 4), (300, 6_500), (14,), 0.66, 0.24, 0.08),
    # The applicant buys to reach the membership threshold: its last three months.
    "Elektro-Bałtyk S.A.": Buyer((2, 3), (1_500, 12_000), (14,), 0.9, 0.1, 0.0, (9, MONTHS)),
    "ООО «ЭлектроСнаб»": Buyer((4, 8), (3_000, 60_000), (30,), 0.85, 0.10, 0.05),
    "АО «Северный Монтаж»": Buyer((3, 6), (1_500, 25_000), (14, 30), 0.72, 0.13, 0.13),
    "ООО «Аптечная сеть Здоровье»": Buyer((2, 5), (800, 15_000), (14, 30), 0.9, 0.08, 0.02),
    # Paid later and later, then stopped paying and buying, and was suspended.
    "ИП Ёлкин А. В.": Buyer((2, 4), (500, 5_000), (14,), 0.45, 0.15, 0.25, (0, 8)),
}
# Credit notes that reach the club after their month was confirmed: points are clawed back.
# (company, month index, net amount, month index and day it arrives)
LATE_CREDIT_NOTES = [
    ("Hurtownia Elektryczna Żak sp. z o.o.", 7, Decimal("-4870.00"), 9, 20),
    ("АО «Северный Монтаж»", 9, Decimal("-2960.00"), 11, 16),
]
# Invoices issued at the end of the last month, not yet paid: points pending at `now`.
STILL_OPEN = [
    ("ООО «ЭлектроСнаб»", Decimal("18450.00")),
    ("Apteka Pod Złotym Lwem", Decimal("6320.00")),
]
NEVER_PAID_MONTH = ("ИП Ёлкин А. В.", 7)  # its last month: nothing paid, all forfeited
GOODWILL = (
    "Instalatorstwo Gęś i Syn",
    120,
    "Goodwill bonus: our delivery of the switchboard parts came a week late.",
)
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

    def row(self, tax_id: str) -> DemoRow:
        return DemoRow(self.number, tax_id, self.issue, self.due, self.amount, self.kind)


class DemoClock:
    """Dates of the simulated year, all derived from `now` in the club's time zone."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = club_zone()
        self.today = club_today(now)
        this_month = purchases.month_start(self.today)
        self.months = [shift_months(this_month, index - MONTHS) for index in range(MONTHS)]

    def welcome_bonus_at(self) -> datetime:
        """25 months before now, so the bonus expired a month ago (expiry: 24 months)."""
        local = datetime.combine(self.today, time(10, 30), tzinfo=self.zone)
        return add_months(local, -25).astimezone(UTC)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A moment of a club-calendar day, in UTC."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)


def shift_months(period: date, months: int) -> date:
    index = period.month - 1 + months
    return date(period.year + index // 12, index % 12 + 1, 1)


def last_day(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def business_day_in_month(day: date) -> date:
    """A weekend day moved to Friday, or to Monday when Friday is in the month before."""
    friday = day - timedelta(days=max(0, day.weekday() - 4))
    if friday.month == day.month:
        return friday
    return day + timedelta(days=7 - day.weekday())


def next_business_day(day: date) -> date:
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def plan_purchases(clock: DemoClock, rng: random.Random) -> list[Planned]:
    """A year of invoices, payments and credit notes: fixed for a seed and a `now`."""
    grace = purchases.DEFAULT_GRACE_DAYS
    joined = {row[0]: row[7] for row in COMPANIES}
    late_notes = {(name, month): rest for name, month, *rest in LATE_CREDIT_NOTES}
    planned: list[Planned] = []
    for index, period in enumerate(clock.months):
        month_end = last_day(period)
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
        order = {name: position for position, name in enumerate(BUYERS)}
        number = rng.randint(12, 60)
        for invoice in sorted(invoices, key=lambda p: (p.issue, order[p.company])):
            invoice.number = f"FV/{period:%Y/%m}/{number:04d}"
            number += rng.randint(1, 7)  # the supplier invoices other customers too
        number = rng.randint(1, 3)
        for note in sorted(notes, key=lambda p: (p.issue, order[p.company])):
            note.number = f"KOR/{period:%Y/%m}/{number:04d}"
            number += rng.randint(1, 2)
        planned.extend(invoices + notes)
    return planned


def play_a_year_of_purchases(
    session: Session, clock: DemoClock, companies: dict[str, Company], manager: User
) -> None:
    """Run the year through the services in time order, as the ERP and the jobs would."""
    rng = random.Random(SEED)
    planned = plan_purchases(clock, rng)
    tax_ids = {name: company.tax_id for name, company in companies.items()}
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
            rate=purchases.DEFAULT_RATE,
            grace_days=purchases.DEFAULT_GRACE_DAYS,
            actor=manager,
            now=now,
        ),
    )
    # The ERP sends each day's invoices in the evening (late credit notes in the morning).
    arriving: dict[tuple[date, bool], list[DemoRow]] = defaultdict(list)
    for item in planned:
        late = item.arrives != item.issue
        arriving[item.arrives, late].append(item.row(tax_ids[item.company]))
    for (day, late), rows in arriving.items():
        at(clock.at(day, 10, 15) if late else clock.at(day, 19), _recorder(session, rows))
    # Payments reach the supplier's bank and the club in the afternoon.
    for item in planned:
        if item.paid is not None:
            at(clock.at(item.paid, 14), _payer(session, item.number, item.paid))
    # The jobs: months close on the 1st; payment windows and expiry are swept each Monday.
    for period in [*clock.months[1:], shift_months(clock.months[-1], 1)]:
        at(clock.at(period, 1, 5), lambda now: purchases.close_due_months(session, now=now), 1)
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
