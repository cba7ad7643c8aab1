"""The demo club's people and companies (see club/demo.py): the supplier's staff, ten
partner companies of Poland, Russia and Germany with valid tax ids, and their staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from club.core.roles import Role
from club.members.admission_models import MembershipChange
from club.members.models import Company, MembershipStatus, User

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


# In the pilot group: they try pilot-only privileges before every member gets them.
PILOT = {"Hurtownia Elektryczna Żak sp. z o.o.", "ООО «ЭлектроСнаб»"}


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


def add_supplier_staff(
    session: Session, *, password_hash: str, since: datetime
) -> tuple[dict[str, User], list[tuple[str, str, str]]]:
    """The supplier's staff by e-mail, and their logins (role, e-mail, no company)."""
    staff_by_email: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    for email, name, role, language in SUPPLIER_STAFF:
        user = User(
            email=email,
            name=name,
            role=role,
            language=language,
            password_hash=password_hash,
            created_at=since,
        )
        session.add(user)
        staff_by_email[email] = user
        logins.append((role.label, email, ""))
    session.flush()
    return staff_by_email, logins


def add_companies(
    session: Session,
    staff_by_email: dict[str, User],
    *,
    password_hash: str,
    registered: dict[str, datetime],
) -> tuple[dict[str, Company], list[tuple[str, str, str]]]:
    """The partner companies by name with their people, and the people's logins (role,
    e-mail, company); each company and its people date from `registered[name]`."""
    companies: dict[str, Company] = {}
    logins: list[tuple[str, str, str]] = []
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
            is_pilot=name in PILOT,
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
    return companies, logins


def record_memberships(
    session: Session,
    companies: dict[str, Company],
    *,
    registered: dict[str, datetime],
    departures: dict[str, tuple[date, str]],
    manager: User,
) -> None:
    """Each company's membership history as the club lived it: registered as an
    applicant, admitted on the day it joined, and (`departures`: name -> day and reason)
    suspended or gone later, frozen from that day."""
    for name, company in companies.items():
        day = registered[name].date()
        steps = [(None, MembershipStatus.APPLICANT, day, "registered", None)]
        if company.joined_on is not None:
            steps.append(
                (
                    MembershipStatus.APPLICANT,
                    MembershipStatus.MEMBER,
                    company.joined_on,
                    "reached the entry threshold",
                    None,
                )
            )
        if name in departures:
            left_on, reason = departures[name]
            steps.append((MembershipStatus.MEMBER, company.status, left_on, reason, manager))
        for before, after, on, reason, actor in steps:
            session.add(
                MembershipChange(
                    company_id=company.id,
                    from_status=before,
                    to_status=after,
                    changed_on=on,
                    reason=reason,
                    actor_id=actor.id if actor else None,
                    created_at=datetime.combine(on, time(9), tzinfo=UTC),
                )
            )
        company.status_since = steps[-1][2]
    session.flush()
