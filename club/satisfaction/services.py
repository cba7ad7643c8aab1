"""The satisfaction question and purchase potentials: the rules, once.

The question (NPS: "how likely are you to recommend the club", 0-10, and a comment) is
offered after an occasion (a fulfilled redemption, an attended meeting) at most once per
quarter of the club's calendar per person. The row is written when it is offered, and
(person, quarter) is unique in the database, so the rule also holds under races.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core import formatting
from club.core.clock import utcnow
from club.core.currencies import is_currency
from club.core.errors import NotAllowed
from club.core.periods import quarter_of
from club.core.roles import Role
from club.members.companies import visible_companies
from club.members.models import Company, User
from club.satisfaction.errors import InvalidPotential, NotAsked, SatisfactionError
from club.satisfaction.models import (
    MAX_AMOUNT,
    MAX_COMMENT,
    MAX_YEAR,
    MIN_YEAR,
    CompanyPotential,
    Occasion,
    PotentialChange,
    SurveyAnswer,
)

PROMOTER_MIN = 9  # 9-10
PASSIVE_MIN = 7  # 7-8; 0-6 are detractors

# --- asking ------------------------------------------------------------------------------


def quarter_key(now: datetime) -> str:
    """The club-calendar quarter a question asked at `now` counts against: "2026-Q4"."""
    return quarter_of(now).arg


def may_ask(session: Session, person: User, *, now: datetime) -> bool:
    """The once-a-quarter rule: a partner person who has not been offered the question in
    this quarter of the club's calendar (answered, dismissed or still open)."""
    if not person.role.is_partner or person.company_id is None or not person.is_active:
        return False
    return (
        session.scalar(
            select(SurveyAnswer.id).where(
                SurveyAnswer.user_id == person.id, SurveyAnswer.quarter == quarter_key(now)
            )
        )
        is None
    )


def offer(
    session: Session,
    person: User,
    occasion: Occasion,
    occasion_id: int,
    *,
    now: datetime | None = None,
) -> SurveyAnswer | None:
    """Put the question to `person` after `occasion`, unless the rule says no (None)."""
    now = now or utcnow()
    if not may_ask(session, person, now=now):
        return None
    question = SurveyAnswer(
        user_id=person.id,
        company_id=person.company_id,
        occasion_kind=occasion,
        occasion_id=occasion_id,
        quarter=quarter_key(now),
        asked_at=now,
    )
    try:
        # Two occasions at once for one person: the second finds the first's row.
        with session.begin_nested():
            session.add(question)
            session.flush()
    except IntegrityError:
        return None
    return question


def open_question(
    session: Session, person: User, *, now: datetime | None = None
) -> SurveyAnswer | None:
    """The question waiting on the person's home page, if any (the newest open one).
    A question waits through the quarter it was asked in and the next; older ones are
    no longer shown (the occasion is long past)."""
    if not person.role.is_partner:
        return None
    this_quarter = quarter_of(now or utcnow())
    return session.scalar(
        select(SurveyAnswer)
        .where(
            SurveyAnswer.user_id == person.id,
            SurveyAnswer.answered_at.is_(None),
            SurveyAnswer.is_dismissed.is_(False),
            SurveyAnswer.quarter.in_([this_quarter.arg, this_quarter.previous().arg]),
        )
        .order_by(SurveyAnswer.asked_at.desc(), SurveyAnswer.id.desc())
        .limit(1)
    )


def question_of(session: Session, person: User, question_id: int) -> SurveyAnswer | None:
    """The person's own question, in any state; None for anyone else's (a 404)."""
    question = session.get(SurveyAnswer, question_id)
    return question if question is not None and question.user_id == person.id else None


def _still_open(person: User, question: SurveyAnswer) -> None:
    if question.user_id != person.id:
        raise NotAllowed(_("This question is not for you."))
    if not question.is_open:
        raise NotAsked(_("This question was already answered or dismissed."))


def answer(
    session: Session,
    person: User,
    question: SurveyAnswer,
    *,
    score: int,
    comment: str | None = None,
    now: datetime | None = None,
) -> SurveyAnswer:
    """Record the person's score (0-10) and optional comment, once."""
    _still_open(person, question)
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 10:
        raise SatisfactionError(_("Choose a score from 0 to 10."), field="score")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise SatisfactionError(
            _("Keep the comment under %(count)s characters.", count=MAX_COMMENT),
            field="comment",
        )
    question.score = score
    question.comment = comment or None
    question.answered_at = now or utcnow()
    session.flush()
    return question


def dismiss(session: Session, person: User, question: SurveyAnswer) -> SurveyAnswer:
    """The person would rather not answer: the card goes, and the quarter's ask is used."""
    _still_open(person, question)
    question.is_dismissed = True
    session.flush()
    return question


def portfolio_ids(session: Session, viewer: User) -> list[int] | None:
    """The companies whose answers a supplier sees: None (all) for the club manager, the
    portfolio for an account manager."""
    if viewer.role == Role.CLUB_MANAGER:
        return None
    return list(session.scalars(visible_companies(viewer).with_only_columns(Company.id)))


# --- the score -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsSummary:
    """Answers given in [start, end): promoters 9-10, passives 7-8, detractors 0-6;
    score = round(100 * (promoters - detractors) / responses), half away from zero,
    None without responses. Comments newest first:
    (answered_at, score, comment, company name, occasion)."""

    responses: int
    promoters: int
    passives: int
    detractors: int
    score: int | None
    comments: list[tuple[datetime, int, str, str, Occasion]] = field(default_factory=list)


def _ids(company_ids):
    """Company ids as a list, or a SELECT of ids used as a subquery (a portfolio of
    thousands need not travel as parameters)."""
    return company_ids if isinstance(company_ids, Select) else list(company_ids)


def nps_score(promoters: int, detractors: int, responses: int) -> int | None:
    if not responses:
        return None
    exact = Decimal(100 * (promoters - detractors)) / Decimal(responses)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nps_summary(session: Session, start: datetime, end: datetime, company_ids=None) -> NpsSummary:
    """The NPS of answers given in [start, end) (aware datetimes, e.g. a Period's bounds),
    of all companies or of `company_ids` (an account manager's portfolio)."""
    where = [
        SurveyAnswer.answered_at.is_not(None),
        SurveyAnswer.answered_at >= start,
        SurveyAnswer.answered_at < end,
    ]
    if company_ids is not None:
        where.append(SurveyAnswer.company_id.in_(_ids(company_ids)))

    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    responses, promoters, passives = session.execute(
        select(
            func.count(SurveyAnswer.id),
            counted(SurveyAnswer.score >= PROMOTER_MIN),
            counted(SurveyAnswer.score.between(PASSIVE_MIN, PROMOTER_MIN - 1)),
        ).where(*where)
    ).one()
    responses, promoters, passives = int(responses), int(promoters), int(passives)
    detractors = responses - promoters - passives
    comments = [
        (answered_at, score, comment, name, occasion)
        for answered_at, score, comment, name, occasion in session.execute(
            select(
                SurveyAnswer.answered_at,
                SurveyAnswer.score,
                SurveyAnswer.comment,
                Company.name,
                SurveyAnswer.occasion_kind,
            )
            .join(Company, Company.id == SurveyAnswer.company_id)
            .where(*where, SurveyAnswer.comment.is_not(None))
            .order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc())
        )
    ]
    return NpsSummary(
        responses=responses,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        score=nps_score(promoters, detractors, responses),
        comments=comments,
    )


# --- potentials ------------------------------------------------------------------------------


def potentials(session: Session, company_ids, year: int) -> dict[int, list[tuple[Decimal, str]]]:
    """Each company's estimated purchases for `year`: [(amount, currency)], by currency.
    A company without an estimate is absent (missing, never zero)."""
    rows = session.execute(
        select(CompanyPotential.company_id, CompanyPotential.amount, CompanyPotential.currency)
        .where(CompanyPotential.company_id.in_(_ids(company_ids)), CompanyPotential.year == year)
        .order_by(CompanyPotential.company_id, CompanyPotential.currency)
    ).all()
    found: dict[int, list[tuple[Decimal, str]]] = {}
    for company_id, amount, currency in rows:
        found.setdefault(company_id, []).append((Decimal(amount), currency))
    return found


def check_potential(year: object, currency: object, amount: object) -> tuple[int, str, Decimal]:
    """Validate one estimate from outside (a form, a CSV row): a year in range, an ISO 4217
    currency in use, an amount above zero with at most two decimals that fits the column."""
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPotential(
            _("Give a year from %(first)s to %(last)s.", first=MIN_YEAR, last=MAX_YEAR),
            field="year",
        )
    code = currency.strip().upper() if isinstance(currency, str) else currency
    if not is_currency(code):
        raise InvalidPotential(
            _("Give the currency as an ISO 4217 code, such as PLN or EUR."), field="currency"
        )
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidPotential(_("Give the amount as a number."), field="amount")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise InvalidPotential(
            _(
                "The amount must be above zero and at most %(most)s.",
                most=formatting.amount(MAX_AMOUNT),
            ),
            field="amount",
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidPotential(_("Give the amount with at most two decimals."), field="amount")
    return year, code, amount


def set_potential(
    session: Session,
    company: Company,
    *,
    year: int,
    currency: str,
    amount: Decimal | None,
    actor: User,
    now: datetime | None = None,
) -> CompanyPotential | None:
    """Enter (or replace) the company's estimate for a year and currency; amount None
    withdraws it. Every change is kept (PotentialChange) and audited. The caller checks
    that the actor may see the company."""
    now = now or utcnow()
    if amount is None:
        year, currency, _amount = check_potential(year, currency, Decimal(1))
    else:
        year, currency, amount = check_potential(year, currency, amount)
    current = session.scalar(
        select(CompanyPotential)
        .where(
            CompanyPotential.company_id == company.id,
            CompanyPotential.year == year,
            CompanyPotential.currency == currency,
        )
        .with_for_update()
    )
    before = str(current.amount) if current is not None else None
    if amount is None and current is None:
        return None
    if current is not None and amount is not None and current.amount == amount:
        return current
    if amount is None:
        session.delete(current)
        current = None
    elif current is None:
        current = CompanyPotential(company_id=company.id, year=year, currency=currency)
        session.add(current)
    if current is not None:
        current.amount = amount
        current.entered_by_id = actor.id
        current.entered_at = now
    session.add(
        PotentialChange(
            company_id=company.id,
            year=year,
            currency=currency,
            amount=amount,
            entered_by_id=actor.id,
            entered_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        "potential.set" if amount is not None else "potential.withdrawn",
        company,
        actor=actor,
        company_id=company.id,
        before={"year": year, "currency": currency, "amount": before},
        after={"year": year, "currency": currency, "amount": str(amount) if amount else None},
        now=now,
    )
    return current


def company_potentials(session: Session, company: Company) -> list[CompanyPotential]:
    """The company's current estimates, newest year first."""
    return list(
        session.scalars(
            select(CompanyPotential)
            .where(CompanyPotential.company_id == company.id)
            .order_by(CompanyPotential.year.desc(), CompanyPotential.currency)
        )
    )


def potential_history(
    session: Session, company: Company, *, limit: int = 50
) -> list[PotentialChange]:
    """What was entered for the company, newest first."""
    return list(
        session.scalars(
            select(PotentialChange)
            .where(PotentialChange.company_id == company.id)
            .order_by(PotentialChange.entered_at.desc(), PotentialChange.id.desc())
            .limit(limit)
        )
    )
