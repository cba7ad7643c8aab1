"""The account managers' quarterly bonus budgets, and bonuses granted from them.

The club manager sets each account manager's budget for a quarter (club/core/periods.py)
in points. A bonus is points for a company of the granter's portfolio, with a reason and
optionally the person of the company it thanks: a ledger entry (kind earn, source
"bonus") charged to the granter's budget for the current quarter. The charge is one
conditional UPDATE (`spent + points <= points`), so grants made at the same moment can
never take the budget below zero; the database's check says the same once more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.periods import Period, club_today, quarter_of
from club.core.roles import Role
from club.ledger import services as ledger
from club.members.models import Company, User
from club.relations.contacts import check_looks_after
from club.relations.errors import BudgetExceeded, NoBudget, NotInPortfolio, RelationsError
from club.relations.models import BonusBudget, BonusGrant

SOURCE_TYPE = "bonus"  # the ledger entry's source; club.ledger.explain words it
MAX_BUDGET_POINTS = 10_000_000
MAX_REASON_LENGTH = 300


def _whole(points, field: str, low: int, high: int) -> int:
    if not isinstance(points, int) or isinstance(points, bool) or not low <= points <= high:
        raise RelationsError(
            _("Enter whole points from %(low)d to %(high)d.", low=low, high=high), field=field
        )
    return points


def budget_of(session: Session, account_manager_id: int, quarter: Period) -> BonusBudget | None:
    return session.scalar(
        select(BonusBudget).where(
            BonusBudget.account_manager_id == account_manager_id,
            BonusBudget.quarter_start == quarter.starts,
        )
    )


def set_budget(
    session: Session,
    account_manager: User,
    quarter: Period,
    points: int,
    *,
    actor: User,
    now: datetime | None = None,
) -> BonusBudget:
    """The account manager's budget for the quarter is `points`; never below what was
    already granted from it."""
    now = now or utcnow()
    if account_manager.role != Role.ACCOUNT_MANAGER:
        raise RelationsError(_("Choose an account manager."), field="account_manager")
    if quarter.kind != "quarter":
        raise RelationsError(_("Choose a quarter."), field="quarter")
    points = _whole(points, "points", 0, MAX_BUDGET_POINTS)
    budget = budget_of(session, account_manager.id, quarter)
    before = budget.points if budget is not None else None
    if budget is None:
        try:
            with session.begin_nested():
                budget = BonusBudget(
                    account_manager_id=account_manager.id,
                    quarter_start=quarter.starts,
                    points=points,
                    spent=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(budget)
        except IntegrityError:  # set at the same moment by another request
            budget = budget_of(session, account_manager.id, quarter)
    if budget.points != points:
        # Conditional, like a grant: a grant committed a moment ago is not undercut.
        changed = session.execute(
            update(BonusBudget)
            .where(BonusBudget.id == budget.id, BonusBudget.spent <= points)
            .values(points=points, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(budget)
        if not changed:
            raise RelationsError(
                ngettext(
                    "%(num)d point of this budget is already granted; it cannot be lower.",
                    "%(num)d points of this budget are already granted; it cannot be lower.",
                    budget.spent,
                ),
                field="points",
            )
    audit.record(
        session,
        "bonus_budget.set",
        budget,
        actor=actor,
        before={"points": before} if before is not None else None,
        after={
            "account_manager": account_manager.id,
            "quarter": quarter.arg,
            "points": points,
        },
        now=now,
    )
    return budget


def grant(
    session: Session,
    company: Company,
    points: int,
    *,
    reason: str,
    granted_by: User,
    person: User | None = None,
    now: datetime | None = None,
) -> BonusGrant:
    """A bonus for a company of the granter's portfolio, charged to their budget for this
    quarter. Flushes; the caller commits."""
    now = now or utcnow()
    if granted_by.role != Role.ACCOUNT_MANAGER:
        raise NotInPortfolio(_("Only account managers grant bonuses from a budget."))
    check_looks_after(granted_by, company)
    points = _whole(points, "points", 1, MAX_BUDGET_POINTS)
    reason = (reason or "").strip()
    if not reason:
        raise RelationsError(_("Say why: the reason is kept with the points."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise RelationsError(
            _("The reason is longer than %(count)d characters.", count=MAX_REASON_LENGTH),
            field="reason",
        )
    if person is not None and (
        person.company_id != company.id or not person.is_active or not person.role.is_partner
    ):
        raise RelationsError(_("Choose a person of this company."), field="person")
    quarter = quarter_of(club_today(now))
    budget = budget_of(session, granted_by.id, quarter)
    if budget is None:
        raise NoBudget(_("You have no bonus budget for this quarter."))
    charged = session.execute(
        update(BonusBudget)
        .where(BonusBudget.id == budget.id, BonusBudget.spent + points <= BonusBudget.points)
        .values(spent=BonusBudget.spent + points, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(budget)
    if not charged:
        raise BudgetExceeded(
            ngettext(
                "Only %(num)d point is left in your budget this quarter.",
                "Only %(num)d points are left in your budget this quarter.",
                budget.left,
            ),
            field="points",
        )
    entry = ledger.earn(
        session,
        ledger.wallet_for(session, company.id),
        points,
        source=ledger.Source(SOURCE_TYPE, str(budget.id)),
        person=person,
        actor=granted_by,
        reason=reason,
        details={"quarter": quarter.arg},
        now=now,
    )
    bonus = BonusGrant(
        budget_id=budget.id,
        company_id=company.id,
        person_id=person.id if person is not None else None,
        points=points,
        reason=reason,
        ledger_entry_id=entry.id,
        granted_by_id=granted_by.id,
        created_at=now,
    )
    session.add(bonus)
    session.flush()
    audit.record(
        session,
        "bonus.granted",
        bonus,
        actor=granted_by,
        company_id=company.id,
        after={"points": points, "reason": reason, "person": bonus.person_id},
        now=now,
    )
    return bonus


@dataclass(frozen=True)
class BudgetLine:
    account_manager: User
    budget: BonusBudget | None
    grants: int  # how many bonuses were granted from it


def overview(session: Session, quarter: Period) -> list[BudgetLine]:
    """Every account manager (active or not, when they have a budget) with their budget
    for the quarter and how much of it was granted."""
    managers = session.scalars(
        select(User).where(User.role == Role.ACCOUNT_MANAGER).order_by(User.name, User.id)
    ).all()
    budgets = {
        budget.account_manager_id: budget
        for budget in session.scalars(
            select(BonusBudget).where(BonusBudget.quarter_start == quarter.starts)
        )
    }
    grant_counts = dict(
        session.execute(
            select(BonusGrant.budget_id, func.count())
            .where(BonusGrant.budget_id.in_([budget.id for budget in budgets.values()]))
            .group_by(BonusGrant.budget_id)
        ).all()
    )
    return [
        BudgetLine(
            manager,
            budgets.get(manager.id),
            grant_counts.get(budgets[manager.id].id, 0) if manager.id in budgets else 0,
        )
        for manager in managers
        if manager.is_active or manager.id in budgets
    ]


def grants_in(
    session: Session,
    quarter: Period,
    *,
    account_manager_id: int | None = None,
    company_id: int | None = None,
    limit: int = 200,
) -> list[BonusGrant]:
    """Bonuses granted from the quarter's budgets, the latest first."""
    query = (
        select(BonusGrant)
        .join(BonusBudget, BonusGrant.budget_id == BonusBudget.id)
        .options(
            joinedload(BonusGrant.company),
            joinedload(BonusGrant.person),
            joinedload(BonusGrant.granted_by),
        )
        .where(BonusBudget.quarter_start == quarter.starts)
        .order_by(BonusGrant.created_at.desc(), BonusGrant.id.desc())
        .limit(limit)
    )
    if account_manager_id is not None:
        query = query.where(BonusBudget.account_manager_id == account_manager_id)
    if company_id is not None:
        query = query.where(BonusGrant.company_id == company_id)
    return list(session.scalars(query))


def current_quarter(now: datetime | None = None) -> Period:
    return quarter_of(club_today(now))
