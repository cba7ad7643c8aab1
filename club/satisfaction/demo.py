"""The demo club's satisfaction and potentials: last quarter's answers (for a score to
compare with), most of this quarter's questions answered (the demo's redemptions and
meetings asked them), and the account managers' estimates for this year and the last."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core import periods
from club.core.roles import PARTNER_ROLES
from club.members.models import Company, MembershipStatus, User
from club.purchases.models import PurchaseMonth
from club.satisfaction import services
from club.satisfaction.models import Occasion, SurveyAnswer

# The person whose card stays open, so the demo's first holder sees the question.
LEFT_OPEN = "holder@zak.example"
SCORES = (9, 10, 8, 7, 10, 6, 9, 3, 10, 8, 9, 5)
COMMENTS = {
    "pl": (
        "Szybka realizacja przywileju, dziękuję.",
        "Spotkanie bardzo konkretne, chętnie przyjdę znowu.",
        "Za mało nagród dla mniejszych firm.",
    ),
    "ru": (
        "Всё чётко и быстро, спасибо.",
        "Хотелось бы больше онлайн-встреч.",
        "Долго ждали доставку.",
    ),
    "en": ("Good programme, keep it simple.",),
}
# A member its account manager has not estimated yet: the dashboard shows it missing (the
# same company the dashboard's own demo leaves without one: the second member by id).
NOT_ESTIMATED = "Instalatorstwo Gęś i Syn"
# Potential: this much more than the company bought, rounded to thousands.
POTENTIAL_FACTOR = Decimal("1.6")


def _comment(person: User, index: int) -> str | None:
    if index % 3:
        return None
    options = COMMENTS.get(person.language, COMMENTS["en"])
    return options[(index // 3) % len(options)]


def play_satisfaction(session: Session, *, manager: User, now: datetime) -> None:
    """Runs after the demo's redemptions and meetings, in its transaction."""
    people = session.scalars(
        select(User)
        .where(User.role.in_(PARTNER_ROLES), User.is_active.is_(True), User.company_id.is_not(None))
        .order_by(User.id)
    ).all()
    last_quarter_start = periods.this_quarter(now).previous().bounds()[0]
    for index, person in enumerate(people[::2]):  # half of them answered last quarter
        asked_at = last_quarter_start + timedelta(days=10 + 5 * index, hours=9)
        question = services.offer(session, person, Occasion.MEETING, 1, now=asked_at)
        if question is not None:
            services.answer(
                session,
                person,
                question,
                score=SCORES[(index + 5) % len(SCORES)],
                comment=_comment(person, index + 1),
                now=asked_at + timedelta(hours=3),
            )
    open_now = session.scalars(
        select(SurveyAnswer)
        .join(User, User.id == SurveyAnswer.user_id)
        .where(
            SurveyAnswer.answered_at.is_(None),
            SurveyAnswer.is_dismissed.is_(False),
            User.email != LEFT_OPEN,
        )
        .order_by(SurveyAnswer.id)
    ).all()
    for index, question in enumerate(open_now):
        if index == 2:
            services.dismiss(session, question.user, question)
            continue
        services.answer(
            session,
            question.user,
            question,
            score=SCORES[index % len(SCORES)],
            comment=_comment(question.user, index),
            now=min(now, question.asked_at + timedelta(days=1)),
        )
    _estimate_potentials(session, manager=manager, now=now)


def _estimate_potentials(session: Session, *, manager: User, now: datetime) -> None:
    """Each company's account manager estimates this year from what it bought over the
    last twelve months; the first company's estimate was revised once (its history). A
    company that bought nothing, or left, gets none: missing, never zero."""
    year = periods.this_year(now).year
    start, end = periods.last_months(periods.club_today(now), 12)
    bought = session.execute(
        select(PurchaseMonth.company_id, PurchaseMonth.currency, func.sum(PurchaseMonth.net_total))
        .where(PurchaseMonth.period >= start, PurchaseMonth.period < end)
        .group_by(PurchaseMonth.company_id, PurchaseMonth.currency)
        .order_by(PurchaseMonth.company_id, PurchaseMonth.currency)
    ).all()
    entered_at = periods.local_midnight(periods.year(year).starts) + timedelta(days=20, hours=10)
    for index, (company_id, currency, total) in enumerate(bought):
        company = session.get(Company, company_id)
        estimate = (Decimal(total or 0) * POTENTIAL_FACTOR / 1000).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        ) * 1000
        if company.status == MembershipStatus.LEFT or company.name == NOT_ESTIMATED:
            continue
        if estimate <= 0:
            continue
        actor = company.account_manager or manager
        first_guess = (estimate * Decimal("0.8")).quantize(Decimal(1))
        for amount, at in ([(first_guess, entered_at)] if index == 0 else []) + [
            (estimate, min(now, entered_at + timedelta(days=120)))
        ]:
            services.set_potential(
                session, company, year=year, currency=currency, amount=amount, actor=actor, now=at
            )
