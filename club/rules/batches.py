"""Many facts of one rule at once, given as a list and awarded in their order
(`award_many`): what `engine.award` gives for each in turn, in a few statements. The
order matters when a cap or a budget applies: the facts first in the list take what is
left. The awards job uses it for rules with a cap or budget, reading the invoices in
batches; rules without limits go the database's way (rules.selected)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.database import one_of
from club.core.periods import year_of
from club.ledger import services as ledger
from club.ledger.bulk import insert_many
from club.ledger.models import EntryKind
from club.members import standing
from club.members.models import Company, MembershipStatus
from club.rules.engine import (
    EARNING_COLUMNS,
    SHOWN_DOCUMENTS,
    SOURCE_TYPE,
    Occurrence,
    cap_period,
    entry_details,
    grouped_details,
    limited,
    lock_rule,
    version_on,
    wallet_ids,
)
from club.rules.models import Audience, Earning, Rule, RuleVersion


class _Given:
    """What a rule has given, per company (by day) and per person: read once for the
    facts of a call, then kept up to date as the call awards."""

    def __init__(self, session: Session, rule: Rule, facts: list[Occurrence]) -> None:
        self.by_company: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        self.by_person: dict[int, int] = defaultdict(int)
        company_ids = sorted({fact.company_id for fact in facts})
        person_ids = sorted({fact.person_id for fact in facts if fact.person_id is not None})
        first = min((fact.day for fact in facts), default=None)
        last = max((fact.day for fact in facts), default=None)
        if first is not None and any(v.cap_per_company for v in rule.versions):
            # The widest cap period around the facts' days: a year covers them all.
            first, last = year_of(first).starts, year_of(last).ends
            for ids in _chunks(company_ids):
                for company_id, day, points in session.execute(
                    select(Earning.company_id, Earning.earned_on, func.sum(Earning.points))
                    .where(
                        Earning.rule_id == rule.id,
                        Earning.company_id.in_(ids),
                        Earning.earned_on >= first,
                        Earning.earned_on <= last,
                    )
                    .group_by(Earning.company_id, Earning.earned_on)
                ):
                    self.by_company[company_id][day] += int(points)
        if person_ids and any(v.cap_per_person for v in rule.versions):
            for ids in _chunks(person_ids):
                for person_id, points in session.execute(
                    select(Earning.person_id, func.sum(Earning.points))
                    .where(Earning.rule_id == rule.id, Earning.person_id.in_(ids))
                    .group_by(Earning.person_id)
                ):
                    self.by_person[person_id] += int(points)

    def room(self, rule: Rule, version: RuleVersion, fact: Occurrence, spent: int) -> int | None:
        """room_left, from what was read and awarded since."""
        limits = []
        if rule.budget_points is not None:
            limits.append(rule.budget_points - spent)
        if version.cap_per_company is not None:
            period = cap_period(version, fact.day)
            days = self.by_company[fact.company_id]
            given = sum(points for day, points in days.items() if period.contains(day))
            limits.append(version.cap_per_company - given)
        if version.cap_per_person is not None and fact.person_id is not None:
            limits.append(version.cap_per_person - self.by_person[fact.person_id])
        return min(limits) if limits else None

    def add(self, fact: Occurrence, points: int) -> None:
        self.by_company[fact.company_id][fact.day] += points
        if fact.person_id is not None:
            self.by_person[fact.person_id] += points


CHUNK = 1000  # ids per IN list


def _chunks(ids: list) -> list[list]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _audience(session: Session, rule: Rule, company_ids: list[int]):
    """applies_to for many companies: the companies and their tiers read once."""
    dialect = session.get_bind().dialect
    companies: dict[int, tuple] = {  # id: (status, is_pilot), as rows
        company_id: (status, is_pilot)
        for company_id, status, is_pilot in session.execute(
            select(Company.id, Company.status, Company.is_pilot).where(
                one_of(Company.id, company_ids, dialect)
            )
        )
    }
    needs_tiers = any(v.audience == Audience.TIER for v in rule.versions)
    held = standing.company_tiers(session) if needs_tiers else {}
    listed = {v.id: {c.id for c in v.companies} for v in rule.versions}
    # Per version, read once: (audience, the tier's position when by tier).
    audiences = {
        v.id: (v.audience, v.tier.position if v.audience == Audience.TIER else None)
        for v in rule.versions
    }

    def applies(version_id: int, company_id: int) -> bool:
        status, is_pilot = companies.get(company_id, (None, False))
        if status != MembershipStatus.MEMBER:
            return False
        audience, position = audiences[version_id]
        if audience == Audience.ALL:
            return True
        if audience == Audience.TIER:
            tier = held.get(company_id)
            return tier is not None and tier.position >= position
        if audience == Audience.PILOT:
            return bool(is_pilot)
        if audience == Audience.COMPANIES:
            return company_id in listed[version_id]
        return True

    return applies


def award_many(
    session: Session,
    rule: Rule,
    facts: list[Occurrence],
    *,
    now: datetime | None = None,
    unearned: bool = False,
) -> int:
    """`award` for many facts of one rule, in the order given, with the same answers, in
    a few statements whatever their number: the rule locked once; what it already gave,
    the companies, their tiers and wallets read once; the ledger posted with post_many;
    the earnings inserted together. Returns how many facts earned.

    `unearned`: the caller read the facts after lock_rule in this transaction, leaving
    out every source the rule has rewarded, so nothing is looked up (a fact given twice
    in `facts` still earns once). Otherwise the sources are looked up: another
    transaction may have rewarded them since they were read."""
    now = now or utcnow()
    if not facts:
        return 0
    rule = lock_rule(session, rule)
    done: set[str] = set()
    if not unearned:  # the keys as one bound value (one_of), not thousands
        keys = sorted({fact.source_key for fact in facts})
        done.update(
            session.scalars(
                select(Earning.source_key).where(
                    Earning.rule_id == rule.id,
                    one_of(Earning.source_key, keys, session.get_bind().dialect),
                )
            )
        )
    company_ids = sorted({fact.company_id for fact in facts})
    applies = _audience(session, rule, company_ids)
    given = _Given(session, rule, facts)
    spent = rule.spent_points
    has_limits = limited(rule)  # without a limit room() is always None (skipped)
    awarded: list[tuple[Occurrence, RuleVersion, int]] = []
    capped: set[str] = set()  # source keys given less than their rate (a cap or the budget)
    # Per day: the version in force, its id and its rate (points, per_amount), read
    # once (a version's ORM attributes cost more than the rest of a fact's work).
    versions: dict[date, tuple[RuleVersion, int, tuple] | None] = {}
    for fact in facts:
        if fact.source_key in done:
            continue
        done.add(fact.source_key)
        if fact.day not in versions:
            found = version_on(rule, fact.day)
            versions[fact.day] = (
                None if found is None else (found, found.id, (found.points, found.per_amount))
            )
        in_force = versions[fact.day]
        if in_force is None:
            continue
        version, version_id, rate = in_force
        if not applies(version_id, fact.company_id):
            continue
        points = _rate_points(rate, fact.amount)
        if has_limits:
            room = given.room(rule, version, fact, spent)
            if room is not None and room < points:
                points = room
                capped.add(fact.source_key)
        if points <= 0:
            continue
        if has_limits:
            given.add(fact, points)
        spent += points
        awarded.append((fact, version, points))
    if not awarded:
        return 0
    # One ledger entry per company, version and person: a statement line names the
    # invoices it pays for (the earnings stay one per source, each with its version).
    groups: dict[tuple, list[tuple[Occurrence, RuleVersion, int]]] = {}
    for item in awarded:  # (the version object stands for its id: one per id in a session)
        fact, version, _points = item
        groups.setdefault((fact.company_id, version, fact.person_id), []).append(item)
    wallets = wallet_ids(session, sorted({company_id for company_id, _v, _p in groups}))
    source = ledger.Source(SOURCE_TYPE, str(rule.id))
    entry_ids = ledger.post_many(
        session,
        [
            ledger.Movement(
                wallet_id=wallets[company_id],
                kind=EntryKind.EARN,
                points=sum(points for _f, _v, points in items),
                source=source,
                details=_group_details(rule, items, capped),
                pending=False,
                person_id=person_id,
                idempotency_key=f"rule:{rule.id}:{items[0][0].source_key}"[:200],
            )
            for (company_id, _version, person_id), items in groups.items()
        ],
        now=now,
    )
    # COPY on PostgreSQL, one executemany on SQLite (the ledger's bulk path).
    rule_id = rule.id
    version_ids = {version: version.id for _c, version, _p in groups}
    insert_many(
        session,
        Earning.__table__,
        EARNING_COLUMNS,
        [
            (
                rule_id,
                version_ids[version],
                fact.company_id,
                fact.person_id,
                points,
                fact.source_key,
                fact.day,
                entry_id,
                now,
            )
            for items, entry_id in zip(groups.values(), entry_ids, strict=True)
            for fact, version, points in items
        ],
    )
    rule.spent_points = spent
    session.flush()
    return len(awarded)


def _rate_points(rate: tuple, amount: Decimal | None) -> int:
    """points_for from a version's (points, per_amount), read once per call."""
    points, per_amount = rate
    if per_amount is None:
        return points
    if amount is None or amount <= 0:
        return 0
    return int((amount / per_amount).to_integral_value(rounding=ROUND_FLOOR)) * points


def _group_details(
    rule: Rule, items: list[tuple[Occurrence, RuleVersion, int]], capped: set[str]
) -> dict:
    """entry_details for the facts of one entry: one fact's own, or the documents (the first
    few named, the others counted) and the amounts added up. `capped`: the source keys
    given less than their rate."""
    fact, version, points = items[0]
    if len(items) == 1:
        return entry_details(rule, version, fact, points)
    amounts = [item[0].amount for item in items]
    return grouped_details(
        rule,
        version,
        fact,
        points,
        [item[0].document for item in items[:SHOWN_DOCUMENTS]],
        len(items),
        None if None in amounts else sum(amounts),
        capped=bool(capped) and any(f.source_key in capped for f, _v, _p in items),
    )
