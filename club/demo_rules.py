"""The demo's earning rules: what a supplier's marketing team would switch on at the start
of a quarter, and one event the supplier's platform has already reported.

Rules start today (a rule never starts in the past), so the demo's year of purchases
earned nothing from them; the configurator event shows a rule earning on a statement,
and a member's referral the reward for a company it brought in (another invitation is
still open).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.periods import club_today, month_start
from club.members.account_holder import company_account_holder
from club.members.admission import change_status
from club.members.models import Company, MembershipStatus, User
from club.purchases.invoices import InvoiceRow
from club.purchases.rewards import award_referrals
from club.purchases.services import record_invoices
from club.rules.events import define_event_type, record_event
from club.rules.models import CapPeriod, RuleKind
from club.rules.referrals import Invitation, apply, invite
from club.rules.services import RuleData, create_rule

CONFIGURATOR = "configurator_used"
# The partner whose staff tried the configurator (a Gold member in the demo).
CONFIGURATOR_COMPANY = "Hurtownia Elektryczna Żak sp. z o.o."


def play_rules(session: Session, *, manager: User, now: datetime) -> None:
    today = club_today(now)
    configurator = define_event_type(
        session,
        CONFIGURATOR,
        {
            "en": "Used the online configurator",
            "pl": "Skorzystał z konfiguratora online",
            "ru": "Воспользовался онлайн-конфигуратором",
        },
        actor=manager,
        now=now,
    )
    rules = [
        RuleData(
            kind=RuleKind.EINVOICE,
            name_en="Switch to e-invoices",
            name_pl="Przejście na e-faktury",
            name_ru="Переход на электронные счета",
            effective_from=today,
            points=50,
        ),
        RuleData(
            kind=RuleKind.EARLY_PAYMENT,
            name_en="Paid a week early",
            name_pl="Zapłata tydzień przed terminem",
            name_ru="Оплата на неделю раньше срока",
            effective_from=today,
            points=5,
            days_early=7,
            cap_per_company=20,
            cap_period=CapPeriod.MONTH,
        ),
        RuleData(
            kind=RuleKind.PRODUCT_GROUP,
            name_en="Double points on LED panels",
            name_pl="Podwójne punkty za panele LED",
            name_ru="Двойные баллы за LED-панели",
            effective_from=today,
            points=1,
            per_amount=Decimal(500),
            currency="PLN",
            product_group="led-panels",
            sponsor="Lumen Polska",
            budget_points=5_000,
        ),
        RuleData(
            kind=RuleKind.FEATURE,
            name_en="Online configurator",
            name_pl="Konfigurator online",
            name_ru="Онлайн-конфигуратор",
            effective_from=today,
            points=10,
            event_type_id=configurator.id,
            cap_per_company=30,
            cap_period=CapPeriod.MONTH,
            # A trial budget, nearly given out: on the club manager's to-do list.
            budget_points=12,
        ),
    ]
    rules.append(
        RuleData(
            kind=RuleKind.REFERRAL,
            name_en="Bring in a partner",
            name_pl="Poleć partnera",
            name_ru="Приведи партнёра",
            effective_from=today,
            points=200,
        )
    )
    for data in rules:
        create_rule(session, data, actor=manager, now=now)
    _play_referrals(session, manager=manager, now=now)
    company = session.scalar(select(Company).where(Company.name == CONFIGURATOR_COMPANY))
    if company is not None and company.status == MembershipStatus.MEMBER:
        record_event(
            session,
            company,
            CONFIGURATOR,
            occurred_at=now,
            idempotency_key="demo-configurator-1",
            now=now,
        )


# A member's two invitations: one company applied through the mail's link, was admitted
# and paid its first invoice today (the referrer earned); the other is still invited.
REFERRER = "Instalatorstwo Gęś i Syn"
REFERRALS = (
    ("Fotowolt Serwis sp. z o.o.", "7310001026", "Karolina Mazur", "karolina@fotowolt.example"),
    ("Instalacje Nowak s.c.", "7310002020", "Adam Nowak", "adam@instalacje-nowak.example"),
)


def _play_referrals(session: Session, *, manager: User, now: datetime) -> None:
    referrer = session.scalar(select(Company).where(Company.name == REFERRER))
    holder = company_account_holder(session, referrer) if referrer is not None else None
    if holder is None or referrer.status != MembershipStatus.MEMBER:
        return
    today = club_today(now)
    (paid, _pending) = [
        invite(
            session, referrer, Invitation(name, "PL", tax_id, contact, email), by=holder, now=now
        )
        for name, tax_id, contact, email in REFERRALS
    ]
    company = apply(
        session, paid, street="ul. Słoneczna 7", postal_code="60-101", city="Poznań", now=now
    )
    change_status(session, company, MembershipStatus.MEMBER, actor=manager, reason="demo", now=now)
    # Its first invoice, of last month (the demo's invoices end there), paid today.
    issued = month_start(today) - timedelta(days=10)
    record_invoices(
        session,
        [
            InvoiceRow(
                1, f"FV/{issued:%Y/%m}/9001", company.tax_id, issued,
                issued + timedelta(days=30), Decimal("4200.00"), "PLN", today, "invoice", "PL",
            )
        ],
        now=now,
    )  # fmt: skip
    award_referrals(session, now=now)
