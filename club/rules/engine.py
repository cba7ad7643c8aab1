"""The engine: which version of a rule is in force on a day, whom it applies to, and
awarding its points once per source within its caps and budget.

Every earning source (events, invoices paid early, product-group promotions, the
e-invoice switch, referrals) calls `award`, or for many facts at once one of the two
bulk ways that give the same answers: `rules.batches.award_many` (facts given as a
list, in order: caps and budgets apply) and `rules.selected.award_selected` (facts
chosen by a query and worked out by the database, for rules no limit holds back). None
computes points itself. The rule's row is locked first (SELECT ... FOR UPDATE; on SQLite
the transaction began IMMEDIATE), so two earnings at the same moment cannot both take
the last of a budget or a cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.database import one_of
from club.core.periods import Period, month_of, quarter_of, year_of
from club.ledger import services as ledger
from club.ledger.models import Wallet
from club.members import standing
from club.members.models import Company, MembershipStatus, User
from club.rules.models import Audience, CapPeriod, Earning, Rule, RuleKind, RuleVersion

SOURCE_TYPE = "bonus_rule"


def version_on(rule: Rule, day: date) -> RuleVersion | None:
    """The version in force on `day`, or None (not started yet, or ended)."""
    started = [version for version in rule.versions if version.effective_from <= day]
    # The latest start wins; on the same day, the later version.
    found = max(started, key=lambda v: (v.effective_from, v.number), default=None)
    if found is None or (found.ends_on is not None and day > found.ends_on):
        return None
    return found


def spans(rule: Rule, first: date, last: date) -> list[tuple[RuleVersion, date, date]]:
    """version_on for each day from `first` to `last`, as runs: (version, start, end).
    The answer can change only where a version starts or the day after one ends, so
    version_on is asked once per such day."""
    cuts = {first}
    for version in rule.versions:
        cuts.add(version.effective_from)
        if version.ends_on is not None:
            cuts.add(version.ends_on + timedelta(days=1))
    starts = sorted(day for day in cuts if first <= day <= last)
    if not starts:
        return []
    runs: list[tuple[RuleVersion, date, date]] = []
    for start, following in zip(starts, [*starts[1:], last + timedelta(days=1)], strict=True):
        version = version_on(rule, start)
        if version is None:
            continue
        end = following - timedelta(days=1)
        if runs and runs[-1][0] is version and runs[-1][2] + timedelta(days=1) == start:
            runs[-1] = (version, runs[-1][1], end)
        else:
            runs.append((version, start, end))
    return runs


def rules_of_kind(session: Session, *kinds: RuleKind) -> list[Rule]:
    return list(session.scalars(select(Rule).where(Rule.kind.in_(kinds)).order_by(Rule.id)))


def applies_to(
    session: Session, version: RuleVersion, company: Company, *, held: Mapping | None = None
) -> bool:
    """Whether the version's audience includes the company (members only). `held`: every
    company's tier (standing.company_tiers), for a caller asking of many companies."""
    if company.status != MembershipStatus.MEMBER:
        return False
    if version.audience == Audience.TIER:
        if held is None:
            return standing.reaches(session, company, version.tier)
        tier = held.get(company.id)
        return version.tier is None or (tier is not None and tier.position >= version.tier.position)
    if version.audience == Audience.PILOT:
        return bool(company.is_pilot)
    if version.audience == Audience.COMPANIES:
        return any(listed.id == company.id for listed in version.companies)
    return True


def points_for(version: RuleVersion, amount: Decimal | None) -> int:
    """Points for one occurrence: fixed, or per `per_amount` of an amount (rounded down)."""
    if version.per_amount is None:
        return version.points
    if amount is None or amount <= 0:
        return 0
    steps = (amount / version.per_amount).to_integral_value(rounding=ROUND_FLOOR)
    return int(steps) * version.points


def cap_period(version: RuleVersion, day: date) -> Period:
    of = {CapPeriod.MONTH: month_of, CapPeriod.QUARTER: quarter_of, CapPeriod.YEAR: year_of}
    return of[version.cap_period](day)


def rate_text(version: RuleVersion) -> str:
    """The version's rate as the statement shows it (language-neutral figures)."""
    if version.per_amount is None:
        return str(version.points)
    return f"{version.points}/{version.per_amount} {version.currency or ''}".strip()


class Occurrence(NamedTuple):
    """One fact a rule may reward: a company, a day, a source key (unique per rule), the
    document a member recognises it by, and the amount for per-amount rules. A named
    tuple: the job makes one per paid line of a promotion's groups (a frozen dataclass
    cost it ten times as much to build)."""

    company_id: int
    day: date
    source_key: str
    document: str
    amount: Decimal | None = None
    person_id: int | None = None


def lock_rule(session: Session, rule: Rule) -> Rule:
    """The rule's row locked until the transaction ends (SELECT ... FOR UPDATE; on
    SQLite the transaction holds the write lock already), and read again. Whatever is
    read after this sees every earning of the rule that another transaction committed
    before (PostgreSQL's READ COMMITTED: each statement takes a new snapshot)."""
    return session.execute(
        select(Rule)
        .where(Rule.id == rule.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def room_left(session: Session, rule: Rule, version: RuleVersion, fact: Occurrence) -> int | None:
    """How many points the caps and budget still allow for this fact (None: no limit)."""
    limits = []
    if rule.budget_points is not None:
        limits.append(rule.budget_points - rule.spent_points)
    if version.cap_per_company is not None:
        period = cap_period(version, fact.day)
        given = session.scalar(
            select(func.coalesce(func.sum(Earning.points), 0)).where(
                Earning.rule_id == rule.id,
                Earning.company_id == fact.company_id,
                Earning.earned_on >= period.starts,
                Earning.earned_on <= period.ends,
            )
        )
        limits.append(version.cap_per_company - given)
    if version.cap_per_person is not None and fact.person_id is not None:
        given = session.scalar(
            select(func.coalesce(func.sum(Earning.points), 0)).where(
                Earning.rule_id == rule.id, Earning.person_id == fact.person_id
            )
        )
        limits.append(version.cap_per_person - given)
    return min(limits) if limits else None


def award(
    session: Session, rule: Rule, fact: Occurrence, *, now: datetime | None = None
) -> Earning | None:
    """The rule's points for `fact`, once: None when the rule is not in force that day,
    the company is outside its audience, the amount earns nothing or a cap or the budget
    is used up (a partly used cap gives what is left). The same fact again returns the
    first earning and writes nothing."""
    now = now or utcnow()
    rule = lock_rule(session, rule)
    done = session.scalar(
        select(Earning).where(Earning.rule_id == rule.id, Earning.source_key == fact.source_key)
    )
    if done is not None:
        return done
    version = version_on(rule, fact.day)
    company = session.get(Company, fact.company_id)
    if version is None or company is None or not applies_to(session, version, company):
        return None
    points = points_for(version, fact.amount)
    room = room_left(session, rule, version, fact)
    if room is not None:
        points = min(points, room)
    if points <= 0:
        return None
    person = session.get(User, fact.person_id) if fact.person_id else None
    entry = ledger.earn(
        session,
        ledger.wallet_for(session, company.id),
        points,
        source=ledger.Source(SOURCE_TYPE, str(rule.id)),
        person=person,
        details=entry_details(rule, version, fact, points),
        idempotency_key=f"rule:{rule.id}:{fact.source_key}"[:200],
        now=now,
    )
    earning = Earning(
        rule_id=rule.id,
        version_id=version.id,
        company_id=company.id,
        person_id=fact.person_id,
        points=points,
        source_key=fact.source_key,
        earned_on=fact.day,
        entry_id=entry.id,
        created_at=now,
    )
    rule.spent_points += points
    session.add(earning)
    session.flush()
    return earning


def entry_details(rule: Rule, version: RuleVersion, fact: Occurrence, points: int) -> dict:
    """What the statement explains the entry with (club.ledger.explain)."""
    return {
        "rule": rule.id,
        "kind": rule.kind.value,
        "version": version.number,
        "names": {"en": version.name_en, "pl": version.name_pl, "ru": version.name_ru},
        "document": fact.document,
        "amount": None if fact.amount is None else str(fact.amount),
        "currency": version.currency,
        "rate": rate_text(version),
        "capped": points < points_for(version, fact.amount),
    }


# --- what the bulk ways share (rules.batches, rules.selected) --------------------------------


def limited(rule: Rule) -> bool:
    """Whether a budget or a cap of any version can hold the rule's points back."""
    return rule.budget_points is not None or any(
        v.cap_per_company is not None or v.cap_per_person is not None for v in rule.versions
    )


EARNING_COLUMNS = (
    "rule_id",
    "version_id",
    "company_id",
    "person_id",
    "points",
    "source_key",
    "earned_on",
    "entry_id",
    "created_at",
)

SHOWN_DOCUMENTS = 3  # documents a grouped entry names; the rest are counted


def grouped_details(
    rule: Rule,
    version: RuleVersion,
    first: Occurrence,
    points: int,
    shown: list[str],
    count: int,
    amount: Decimal | None,
    *,
    capped: bool,
) -> dict:
    """The details of an entry for `count` facts: the first few documents named."""
    document = ", ".join(shown)
    if count > SHOWN_DOCUMENTS:
        document += f" +{count - SHOWN_DOCUMENTS}"
    return {
        **entry_details(rule, version, first, points),
        "document": document,
        "documents": count,
        "amount": None if amount is None else str(amount),
        "capped": capped,
    }


def wallet_ids(session: Session, company_ids: list[int]) -> dict[int, int]:
    """The companies' wallet ids (a missing wallet created, as ledger.wallet_for does)."""
    dialect = session.get_bind().dialect
    found: dict[int, int] = dict(
        session.execute(
            select(Wallet.company_id, Wallet.id).where(
                one_of(Wallet.company_id, company_ids, dialect)
            )
        ).all()
    )
    for company_id in company_ids:
        if company_id not in found:
            found[company_id] = ledger.wallet_for(session, company_id).id
    return found
