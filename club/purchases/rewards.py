"""Earning rules over invoices (club.rules pays; purchases know invoices): extra points
for invoices paid early, product-group promotions, and referrals whose invited company
has paid its first invoice. A job runs them; each invoice or referral earns once per
rule (the engine's source keys), so running it twice gives nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, cast, literal, select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.database import days_after
from club.core.periods import Period, club_today
from club.ledger import services as ledger
from club.purchases.models import Invoice, InvoiceKind
from club.rules.batches import award_many
from club.rules.engine import (
    Occurrence,
    award,
    limited,
    lock_rule,
    rules_of_kind,
    version_on,
)
from club.rules.models import Earning, Referral, Rule, RuleKind, RuleVersion
from club.rules.selected import award_selected
from club.rules.services import preview_source

BATCH = 5000


def _key(prefix: str):
    return literal(prefix) + cast(Invoice.id, String)


def _prefix(kind: RuleKind) -> str:
    """The source keys' prefix: an invoice earns once per rule, as `early:7` or `group:7`."""
    return "early:" if kind == RuleKind.EARLY_PAYMENT else "group:"


def _day_of(kind: RuleKind):
    """The day an invoice counts on: paid for an early payment, issued for a promotion."""
    return Invoice.paid_date if kind == RuleKind.EARLY_PAYMENT else Invoice.issue_date


def _company_in_table_order(dialect):
    """Invoice.company_id; on SQLite `company_id + 0`: SQLite then reads the invoices in
    table order and looks each company up, instead of walking the company index and
    jumping to each invoice (five to ten times slower on an imported month). PostgreSQL
    plans the order itself."""
    name = getattr(dialect, "name", dialect)
    return Invoice.company_id + 0 if name == "sqlite" else Invoice.company_id


def _unearned(rule: Rule, prefix: str):
    """Invoices this rule has not rewarded yet."""
    return (
        ~select(Earning.id)
        .where(Earning.rule_id == rule.id, Earning.source_key == _key(prefix))
        .exists()
    )


def _first_day(rule: Rule) -> date:
    return min(version.effective_from for version in rule.versions)


@dataclass(frozen=True, slots=True)
class Terms:
    """What the facts below read of a version, read once: the job tests every paid line
    of the period against it (a version's ORM attributes cost more than the test)."""

    currency: str | None
    days_early: int | None
    product_group: str | None

    @classmethod
    def of(cls, version: RuleVersion) -> Terms:
        return cls(version.currency, version.days_early, version.product_group)


def _counted(version: RuleVersion | Terms, invoice: Invoice) -> bool:
    """A rate per amount counts amounts in its own currency only (never converted)."""
    return version.currency is None or invoice.currency == version.currency


def early_payment_fact(version: RuleVersion | Terms, invoice: Invoice) -> Occurrence | None:
    """An invoice paid at least the version's days before its due date."""
    if invoice.paid_date is None or version.days_early is None:
        return None
    if not _counted(version, invoice):
        return None
    if (invoice.due_date - invoice.paid_date).days < version.days_early:
        return None
    return Occurrence(
        invoice.company_id,
        invoice.paid_date,
        f"early:{invoice.id}",
        invoice.number,
        amount=invoice.net_amount,
    )


def promotion_fact(version: RuleVersion | Terms, invoice: Invoice) -> Occurrence | None:
    """A paid invoice of the promoted product group, counted on its issue day."""
    if invoice.paid_date is None or invoice.product_group != version.product_group:
        return None
    if not _counted(version, invoice):
        return None
    return Occurrence(
        invoice.company_id,
        invoice.issue_date,
        f"group:{invoice.id}",
        invoice.number,
        amount=invoice.net_amount,
    )


_FACT_COLUMNS = (
    Invoice.id,
    Invoice.company_id,
    Invoice.number,
    Invoice.issue_date,
    Invoice.due_date,
    Invoice.paid_date,
    Invoice.net_amount,
    Invoice.currency,
    Invoice.product_group,
)


def award_invoice_rules(session: Session, *, now: datetime | None = None) -> int:
    """Every early-payment and product-group rule over the paid invoices it has not
    rewarded yet, within its dates. A rule without a cap or budget is worked out by the
    database (rules.selected.award_selected: one entry per company and version); one with a
    cap or budget reads its invoices in order, a batch at a time (rules.batches.award_many).
    The ledger's listeners (the leaderboards' rollups and score changes, the webhooks'
    outbox) hear of the job's entries once, at the end (ledger.posts_gathered): each
    company's rollup rows are then updated once per job, not once per batch and rule."""
    now = now or utcnow()
    with ledger.posts_gathered(session):
        return _award_invoice_rules(session, now)


def _award_invoice_rules(session: Session, now: datetime) -> int:
    today = club_today(now)
    made = 0
    for rule in rules_of_kind(session, RuleKind.EARLY_PAYMENT, RuleKind.PRODUCT_GROUP):
        # Locked before its invoices are read: a run at the same moment finishes first,
        # and the queries below then leave out what it rewarded (no look-up of sources,
        # whose plan on PostgreSQL, a thousand keys against the rule's growing earnings,
        # cost more than the rest of the job).
        rule = lock_rule(session, rule)
        if limited(rule):  # the invoices' order decides what a cap or budget leaves
            made += _award_in_order(session, rule, today, now)
        else:  # chosen, counted and written by the database (rules.selected.award_selected)
            made += award_selected(
                session, rule, invoice_facts(session, rule), first=_first_day(rule),
                last=today, now=now,
            )  # fmt: skip
    return made


def invoice_facts(session: Session, rule: Rule):
    """The facts query of an early-payment or product-group rule (selected.FactQuery):
    the paid invoices a version rewards that the rule has not rewarded yet."""
    prefix = _prefix(rule.kind)
    dialect = session.get_bind().dialect

    def facts(version: RuleVersion, start: date, end: date):
        query = _facts_between(rule.kind, version, start, end, dialect)
        return None if query is None else query.where(_unearned(rule, prefix))

    return facts


def _facts_between(kind: RuleKind, version: RuleVersion, start: date, end: date, dialect):
    """early_payment_fact or promotion_fact as SQL: the paid invoices the version accepts
    whose day (paid for an early payment, issued for a promotion) is between `start` and
    `end`, as columns company_id, day, source_key, document, amount and ordinal; None
    when the version can accept none."""
    early = kind == RuleKind.EARLY_PAYMENT
    day = _day_of(kind)
    query = select(
        _company_in_table_order(dialect).label("company_id"),
        day.label("day"),
        _key(_prefix(kind)).label("source_key"),
        Invoice.number.label("document"),
        Invoice.net_amount.label("amount"),
        Invoice.id.label("ordinal"),
    ).where(
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.paid_date.is_not(None),
        day >= start,
        day <= end,
    )
    if version.currency is not None:  # _counted
        query = query.where(Invoice.currency == version.currency)
    if not early:
        return query.where(Invoice.product_group == version.product_group)
    if version.days_early is None:
        return None
    return query.where(
        Invoice.paid_date <= days_after(Invoice.due_date, -version.days_early, dialect)
    )


def _award_in_order(session: Session, rule: Rule, today: date, now: datetime) -> int:
    """A rule with a cap or a budget: its invoices read in order, a batch at a time, each
    batch awarded in a few statements (rules.batches.award_many)."""
    made = 0
    early = rule.kind == RuleKind.EARLY_PAYMENT
    day_column = _day_of(rule.kind)
    query = select(*_FACT_COLUMNS).where(
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.paid_date.is_not(None),
        day_column >= _first_day(rule),
        day_column <= today,
        _unearned(rule, _prefix(rule.kind)),
    )
    if not early:
        groups = {v.product_group for v in rule.versions}
        query = query.where(Invoice.product_group.in_(groups))
    versions: dict[date, Terms | None] = {}  # the version's terms on each day
    terms = {version.id: Terms.of(version) for version in rule.versions}
    test = early_payment_fact if early else promotion_fact
    # By company, so that a batch holds each company's invoices together: one
    # statement line (ledger entry) per company and batch (rules.batches.award_many). One
    # query, read a batch at a time (each batch's earnings are written meanwhile: the
    # invoices still to come name other sources). SQLite sorts what it read in table
    # order (_company_in_table_order).
    company = _company_in_table_order(session.get_bind().dialect)
    found = session.execute(query.order_by(company, Invoice.id).execution_options(yield_per=BATCH))
    for invoices in found.partitions():
        facts = []
        for invoice in invoices:
            day = invoice.paid_date if early else invoice.issue_date
            if day not in versions:
                version = version_on(rule, day)
                versions[day] = None if version is None else terms[version.id]
            version = versions[day]
            if version is None:
                continue
            fact = test(version, invoice)
            if fact is not None:
                facts.append(fact)
        made += award_many(session, rule, facts, now=now, unearned=True)
    return made


def award_referrals(session: Session, *, now: datetime | None = None) -> int:
    """Referrals whose invited company is a member and has paid an invoice: each
    referral rule in force on that payment day rewards the referrer once."""
    now = now or utcnow()
    made = 0
    rules = rules_of_kind(session, RuleKind.REFERRAL)
    due = session.execute(
        select(
            Referral,
            select(Invoice.paid_date)
            .where(
                Invoice.company_id == Referral.company_id,
                Invoice.kind == InvoiceKind.INVOICE,
                Invoice.paid_date.is_not(None),
            )
            .order_by(Invoice.paid_date)
            .limit(1)
            .scalar_subquery(),
        ).where(Referral.company_id.is_not(None), Referral.earned_at.is_(None))
    ).all()
    for referral, paid_on in due:
        if paid_on is None:
            continue
        fact = Occurrence(referral.referrer_id, paid_on, f"referral:{referral.id}", referral.name)
        earned = [award(session, rule, fact, now=now) for rule in rules]
        referral.earned_at = now
        made += any(earned)
    session.flush()
    return made


# --- what the manager's preview reads -----------------------------------------------------


def _invoices_in(session: Session, kind: RuleKind, version: RuleVersion, period: Period):
    """The facts of the period the version would have rewarded, chosen by the database
    (_facts_between) and read as rows, a batch at a time, by day."""
    query = _facts_between(kind, version, period.starts, period.ends, session.get_bind().dialect)
    if query is None:
        return
    rows = session.execute(
        query.order_by(_day_of(kind), Invoice.id).execution_options(yield_per=BATCH)
    )
    for company_id, on, source_key, document, amount, _ordinal in rows:
        yield Occurrence(company_id, on, source_key, document, amount=amount)


@preview_source(RuleKind.EARLY_PAYMENT)
def _early_payments(session: Session, version: RuleVersion, period: Period):
    return _invoices_in(session, RuleKind.EARLY_PAYMENT, version, period)


@preview_source(RuleKind.PRODUCT_GROUP)
def _promotions(session: Session, version: RuleVersion, period: Period):
    return _invoices_in(session, RuleKind.PRODUCT_GROUP, version, period)


@preview_source(RuleKind.REFERRAL)
def _referrals(session: Session, version: RuleVersion, period: Period):
    rows = session.execute(
        select(Referral).where(Referral.admitted_at.is_not(None), Referral.company_id.is_not(None))
    )
    for (referral,) in rows:
        day = referral.admitted_at.date()
        if period.contains(day):
            yield Occurrence(referral.referrer_id, day, f"referral:{referral.id}", referral.name)
