"""The demo's earning rules: what a supplier's marketing team would switch on at the start
of a quarter, and one event the supplier's platform has already reported.

Rules start today (a rule never starts in the past), so the demo's year of purchases
earned nothing from them; the configurator event shows a rule earning on a statement.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.periods import club_today
from club.members.models import Company, MembershipStatus, User
from club.rules.events import define_event_type, record_event
from club.rules.models import CapPeriod, RuleKind
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
    for data in rules:
        create_rule(session, data, actor=manager, now=now)
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
