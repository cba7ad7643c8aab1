"""The demo's relations: each account manager's bonus budget for this quarter (one bonus
already granted from Piotr Nowak's), and a few contacts with next steps, one overdue.
Complaints and contracts belong to the portfolio's demo story. The caller commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.periods import club_today
from club.members.models import Company, User
from club.relations import bonus, contacts
from club.relations.models import ContactKind

NOWAK, SOKOLOVA = "am.nowak@club.example", "am.sokolova@club.example"
# (account manager, company, kind, days ago, note, next step, due in days)
CONTACTS = [
    (
        NOWAK,
        "Hurtownia Elektryczna Żak sp. z o.o.",
        ContactKind.VISIT,
        12,
        "Product day at their Warsaw branch; they ask for better terms on cable drums.",
        "Send the spring price list with the drum discount",
        -3,
    ),
    (
        NOWAK,
        "Instalatorstwo Gęś i Syn",
        ContactKind.CALL,
        4,
        "Orders down since summer: a competitor offered them longer payment terms.",
        "Visit with the regional sales director",
        10,
    ),
    (
        SOKOLOVA,
        "ООО «ЭлектроСнаб»",
        ContactKind.CALL,
        2,
        "Обсудили план закупок на весну; просят обучение по новой линейке.",
        "Пригласить на вебинар по новой линейке",
        5,
    ),
]


def play_relations(session: Session, *, manager: User, now: datetime) -> None:
    today = club_today(now)
    people = {user.email: user for user in session.scalars(select(User).where(
        User.email.in_([NOWAK, SOKOLOVA])))}  # fmt: skip
    companies = {company.name: company for company in session.scalars(select(Company))}
    quarter = bonus.current_quarter(now)
    for email, points in ((NOWAK, 2000), (SOKOLOVA, 1500)):
        bonus.set_budget(session, people[email], quarter, points, actor=manager, now=now)
    zak = companies["Hurtownia Elektryczna Żak sp. z o.o."]
    staff = next((user for user in zak.users if user.email == "staff@zak.example"), None)
    bonus.grant(
        session,
        zak,
        150,
        reason="Thanks for hosting the product day",
        granted_by=people[NOWAK],
        person=staff,
        now=now,
    )
    for email, name, kind, days_ago, note, step, due_in in CONTACTS:
        company = companies.get(name)
        if company is None:
            continue
        contacts.log_contact(
            session,
            company,
            author=people[email],
            kind=kind,
            happened_on=today - timedelta(days=days_ago),
            note=note,
            next_step=step,
            next_step_due=today + timedelta(days=due_in),
            now=now,
        )
