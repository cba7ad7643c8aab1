"""The engine: which version of a rule is in force on a day, whom it applies to, and
awarding its points once per source within its caps and budget.

Every earning source (events, invoices paid early, product-group promotions, the
e-invoice switch, referrals) calls `award`; none computes points itself. The rule's row
is locked first (SELECT ... FOR UPDATE; on SQLite the transaction began IMMEDIATE), so
two earnings at the same moment cannot both take the last of a budget or a cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from itertools import groupby
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.database import cents_of, one_of
from club.core.periods import Period, month_of, quarter_of, year_of
from club.ledger import services as ledger
from club.ledger.bulk import insert_many
from club.ledger.models import EntryKind, Wallet
from club.members import standing
from club.members.models import Company, MembershipStatus, User
from club.rules.models import (
    Audience,
    CapPeriod,
    Earning,
    Rule,
    RuleKind,
    RuleVersion,
    rule_company,
)

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


def applies_to(session: Session, version: RuleVersion, company: Company) -> bool:
    """Whether the version's audience includes the company (members only)."""
    if company.status != MembershipStatus.MEMBER:
        return False
    if version.audience == Audience.TIER:
        return standing.reaches(session, company, version.tier)
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
        details=_details(rule, version, fact, points),
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


def _details(rule: Rule, version: RuleVersion, fact: Occurrence, points: int) -> dict:
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


# --- many facts of one rule at once ----------------------------------------------------------


def limited(rule: Rule) -> bool:
    """Whether a budget or a cap of any version can hold the rule's points back."""
    return rule.budget_points is not None or any(
        v.cap_per_company is not None or v.cap_per_person is not None for v in rule.versions
    )


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
    wallets = _wallet_ids(session, sorted({company_id for company_id, _v, _p in groups}))
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
        _EARNING_COLUMNS,
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


_EARNING_COLUMNS = (
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
    """_details for the facts of one entry: one fact's own, or the documents (the first
    few named, the others counted) and the amounts added up. `capped`: the source keys
    given less than their rate."""
    fact, version, points = items[0]
    if len(items) == 1:
        return _details(rule, version, fact, points)
    amounts = [item[0].amount for item in items]
    return _summary(
        rule,
        version,
        fact,
        points,
        [item[0].document for item in items[:SHOWN_DOCUMENTS]],
        len(items),
        None if None in amounts else sum(amounts),
        capped=bool(capped) and any(f.source_key in capped for f, _v, _p in items),
    )


def _summary(
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
        **_details(rule, version, first, points),
        "document": document,
        "documents": count,
        "amount": None if amount is None else str(amount),
        "capped": capped,
    }


def _wallet_ids(session: Session, company_ids: list[int]) -> dict[int, int]:
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


# --- many facts of one rule, chosen by a query ------------------------------------------------

# The facts and entries of one award_selected call: temporary tables of its transaction,
# not part of the schema (their own metadata, so neither create_all nor the migrations
# see them).
_WORK = MetaData()
_facts = Table(
    "award_fact",
    _WORK,
    Column("company_id", BigInteger, nullable=False),
    Column("version_id", BigInteger, nullable=False),
    Column("day", Date, nullable=False),
    Column("source_key", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("cents", BigInteger),
    Column("points", BigInteger, nullable=False),
    Column("ordinal", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)
_entries = Table(
    "award_entry",
    _WORK,
    Column("company_id", BigInteger, primary_key=True),
    Column("version_id", BigInteger, primary_key=True),
    Column("entry_id", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)

# A version's facts between two days: a SELECT with the columns company_id, day,
# source_key, document, amount (or NULL) and ordinal (the facts' order), leaving out the
# sources the rule has rewarded; None when the version can reward nothing. Facts of
# companies only (invoices): a fact of a person goes through award or award_many.
FactQuery = Callable[[RuleVersion, date, date], Select | None]


def award_selected(
    session: Session,
    rule: Rule,
    facts: FactQuery,
    *,
    first: date,
    last: date,
    now: datetime | None = None,
) -> int:
    """award_many for the facts a query chooses, none of them read into Python: for a
    rule no cap or budget can hold back (`limited` is False; with a limit, the facts'
    order decides what each earns, which award_many works out). The caller has locked
    the rule (lock_rule), so the query's "not rewarded yet" stays true.

    The facts of each version's days, from `first` to `last`, are chosen once (into a
    temporary table: the entries and the earnings are made from the same rows, whatever
    another transaction commits meanwhile), with their points (the same arithmetic as
    points_for, in whole cents) and the audience tested in SQL. Then one ledger entry per
    company and version, as award_many groups them, and the earnings inserted from the
    chosen rows. Returns how many facts earned."""
    if limited(rule):
        raise ValueError("award_selected is for rules without a cap or budget")
    now = now or utcnow()
    connection = session.connection()
    for table in (_facts, _entries):
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")
        table.create(connection)
    audience = _Audience(session)
    for version, start, end in spans(rule, first, last):
        chosen = facts(version, start, end)
        if chosen is None:
            continue
        fact = chosen.subquery()
        cents = cents_of(fact.c.amount, connection.dialect)
        points = _points_sql(version, cents)
        session.execute(
            insert(_facts).from_select(
                [c.name for c in _facts.c],
                select(
                    fact.c.company_id,
                    literal(version.id, BigInteger),
                    fact.c.day,
                    fact.c.source_key,
                    fact.c.document,
                    cents,
                    points,
                    fact.c.ordinal,
                )
                .join_from(fact, Company, Company.id == fact.c.company_id)
                .where(audience.includes(version), points > 0),
            )
        )
    made = _post_selected(session, rule, now)
    for table in (_entries, _facts):
        table.drop(connection)
    return made


def _points_sql(version: RuleVersion, cents):
    """points_for in SQL, from the amount in whole cents (a rate's per_amount has whole
    cents too: NUMERIC(14, 2)), so the division is exact in integers."""
    if version.per_amount is None:
        return literal(version.points, BigInteger)
    per_cents = int(version.per_amount * 100)
    return case((cents > 0, (cents // per_cents) * version.points), else_=0)


class _Audience:
    """applies_to as a condition on Company (members only), the tiers read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.held: dict | None = None

    def includes(self, version: RuleVersion):
        member = Company.status == MembershipStatus.MEMBER
        if version.audience == Audience.PILOT:
            return and_(member, Company.is_pilot.is_(True))
        if version.audience == Audience.COMPANIES:
            listed = select(rule_company.c.company_id).where(
                rule_company.c.version_id == version.id
            )
            return and_(member, Company.id.in_(listed))
        if version.audience == Audience.TIER:
            if self.held is None:
                self.held = standing.company_tiers(self.session)
            position = version.tier.position
            reaching = sorted(c for c, tier in self.held.items() if tier.position >= position)
            return and_(member, one_of(Company.id, reaching, self.session.get_bind().dialect))
        return member


def _post_selected(session: Session, rule: Rule, now: datetime) -> int:
    """The ledger entries of the chosen facts (one per company and version: its points,
    its first documents, its amount) and then their earnings."""
    group = (_facts.c.company_id, _facts.c.version_id)
    ranked = select(
        _facts.c.company_id,
        _facts.c.version_id,
        _facts.c.day,
        _facts.c.source_key,
        _facts.c.document,
        _facts.c.cents,
        func.row_number().over(partition_by=group, order_by=_facts.c.ordinal).label("n"),
        func.count().over(partition_by=group).label("facts"),
        func.count(_facts.c.cents).over(partition_by=group).label("amounts"),
        func.sum(_facts.c.cents).over(partition_by=group).label("cents_total"),
        func.sum(_facts.c.points).over(partition_by=group).label("points_total"),
    ).subquery()
    rows = session.execute(
        select(ranked)
        .where(ranked.c.n <= SHOWN_DOCUMENTS)
        .order_by(ranked.c.company_id, ranked.c.version_id, ranked.c.n)
    ).all()
    if not rows:
        return 0
    versions = {version.id: version for version in rule.versions}
    source = ledger.Source(SOURCE_TYPE, str(rule.id))
    keys: list[tuple[int, int]] = []
    movements: list[ledger.Movement] = []
    made = spent = 0
    wallets = _wallet_ids(session, sorted({row.company_id for row in rows}))
    for (company_id, version_id), shown in groupby(rows, key=lambda r: r[:2]):
        shown = list(shown)
        head = shown[0]
        version = versions[version_id]
        amount = _amount(head.cents)
        first = Occurrence(company_id, head.day, head.source_key, head.document, amount)
        total = _amount(head.cents_total) if head.amounts == head.facts else None
        if head.facts == 1:
            details = _details(rule, version, first, head.points_total)
        else:
            details = _summary(
                rule,
                version,
                first,
                head.points_total,
                [row.document for row in shown],
                head.facts,
                total,
                capped=False,
            )
        keys.append((company_id, version_id))
        movements.append(
            ledger.Movement(
                wallet_id=wallets[company_id],
                kind=EntryKind.EARN,
                points=int(head.points_total),
                source=source,
                details=details,
                pending=False,
                idempotency_key=f"rule:{rule.id}:{head.source_key}"[:200],
            )
        )
        made += head.facts
        spent += int(head.points_total)
    entry_ids = ledger.post_many(session, movements, now=now)
    insert_many(
        session,
        _entries,
        ("company_id", "version_id", "entry_id"),
        [(c, v, entry_id) for (c, v), entry_id in zip(keys, entry_ids, strict=True)],
    )
    earning = Earning.__table__
    session.execute(
        insert(earning).from_select(
            list(_EARNING_COLUMNS),
            select(
                literal(rule.id, BigInteger),
                _facts.c.version_id,
                _facts.c.company_id,
                null(),
                _facts.c.points,
                _facts.c.source_key,
                _facts.c.day,
                _entries.c.entry_id,
                bindparam("created_at", now, type_=earning.c.created_at.type),
            ).join_from(
                _facts,
                _entries,
                and_(
                    _entries.c.company_id == _facts.c.company_id,
                    _entries.c.version_id == _facts.c.version_id,
                ),
            ),
        )
    )
    rule.spent_points += spent
    session.flush()
    return made


def _amount(cents: int | None) -> Decimal | None:
    """Whole cents as the amount a NUMERIC(14, 2) column reads back (two places)."""
    return None if cents is None else Decimal(int(cents)).scaleb(-2)
