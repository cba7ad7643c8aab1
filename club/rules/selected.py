"""Many facts of one rule chosen by a query and worked out by the database
(`award_selected`), for a rule no cap or budget holds back: the same earnings and
statement lines as `rules.batches.award_many`, without reading the facts into Python
(tests/rules/test_selected_awards.py compares the two)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from itertools import groupby

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
from club.core.database import amount_of, cents_of, one_of
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
    entry_details,
    grouped_details,
    limited,
    spans,
    wallet_ids,
)
from club.rules.models import Audience, Earning, Rule, RuleVersion, rule_company

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
    wallets = wallet_ids(session, sorted({row.company_id for row in rows}))
    for (company_id, version_id), shown in groupby(rows, key=lambda r: r[:2]):
        shown = list(shown)
        head = shown[0]
        version = versions[version_id]
        amount = amount_of(head.cents)
        first = Occurrence(company_id, head.day, head.source_key, head.document, amount)
        total = amount_of(head.cents_total) if head.amounts == head.facts else None
        if head.facts == 1:
            details = entry_details(rule, version, first, head.points_total)
        else:
            details = grouped_details(
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
            list(EARNING_COLUMNS),
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
