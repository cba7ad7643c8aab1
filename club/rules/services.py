"""Rules as the club manager keeps them: create, version from a date, preview against
last quarter's real data; and what each has spent against its budget."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session, selectinload

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.currencies import is_currency
from club.core.database import one_of
from club.core.periods import Period, club_today, quarter_of, this_quarter
from club.members import standing
from club.members.models import Company, Tier
from club.members.tax_ids import compact_tax_id, companies_with_tax_id
from club.rules.engine import Occurrence, applies_to, cap_period, points_for
from club.rules.errors import RulesError
from club.rules.models import (
    SINGLE_KINDS,
    Audience,
    CapPeriod,
    Earning,
    EventType,
    Rule,
    RuleKind,
    RuleVersion,
)

MAX_POINTS = 1_000_000_000  # within a 32-bit column, far above any real rule

# What a kind needs besides names, points and audience.
NEEDS_EVENT_TYPE = (RuleKind.FEATURE, RuleKind.CUSTOM_EVENT)


@dataclass
class RuleData:
    """A rule version as the manager's form gives it."""

    kind: RuleKind
    name_en: str
    name_pl: str
    name_ru: str
    effective_from: date
    points: int
    ends_on: date | None = None
    sponsor: str | None = None
    budget_points: int | None = None
    per_amount: Decimal | None = None
    currency: str | None = None
    product_group: str | None = None
    event_type_id: int | None = None
    days_early: int | None = None
    audience: Audience = Audience.ALL
    tier_id: int | None = None
    company_ids: list[int] = field(default_factory=list)
    cap_per_company: int | None = None
    cap_period: CapPeriod = CapPeriod.MONTH
    cap_per_person: int | None = None


def rules(session: Session) -> list[Rule]:
    return list(session.scalars(select(Rule).order_by(Rule.id.desc())))


def event_types(session: Session) -> list[EventType]:
    return list(session.scalars(select(EventType).order_by(EventType.code)))


def _check(session: Session, data: RuleData, today: date) -> None:
    """Refuse what the rule could not work with, with the field it belongs to."""
    if data.kind in SINGLE_KINDS:  # kept by their own pages (rules.purchase_rules)
        raise RulesError(_("This rule is changed on its own page."), field="kind")
    for name in ("name_en", "name_pl", "name_ru"):
        if not (getattr(data, name) or "").strip():
            raise RulesError(_("Name the rule in all three languages."), field=name)
    if not 0 < data.points <= MAX_POINTS:
        raise RulesError(_("Points must be a whole number above zero."), field="points")
    if data.effective_from < today:
        raise RulesError(_("A rule cannot start in the past."), field="effective_from")
    if data.ends_on is not None and data.ends_on < data.effective_from:
        raise RulesError(_("The rule must end after it starts."), field="ends_on")
    if (data.per_amount is None) != (data.currency is None):
        raise RulesError(_("Give both the amount and its currency."), field="per_amount")
    if data.currency is not None and not is_currency(data.currency):
        raise RulesError(_("Choose a currency code such as PLN or EUR."), field="currency")
    if data.kind == RuleKind.PRODUCT_GROUP and not (data.product_group and data.per_amount):
        raise RulesError(
            _("A promotion names a product group and gives points per amount."),
            field="product_group",
        )
    if data.kind in NEEDS_EVENT_TYPE and data.event_type_id is None:
        raise RulesError(_("Choose the event type the rule rewards."), field="event_type")
    if data.event_type_id is not None and session.get(EventType, data.event_type_id) is None:
        raise RulesError(_("Choose the event type the rule rewards."), field="event_type")
    if data.kind == RuleKind.EARLY_PAYMENT and not data.days_early:
        raise RulesError(_("Say how many days before the due date count."), field="days_early")
    if data.audience == Audience.TIER and session.get(Tier, data.tier_id or 0) is None:
        raise RulesError(_("Choose the lowest tier the rule is for."), field="tier")
    if data.audience == Audience.COMPANIES and not data.company_ids:
        raise RulesError(_("List the companies the rule is for."), field="companies")


def _version(session: Session, data: RuleData, number: int, actor, now: datetime) -> RuleVersion:
    version = RuleVersion(
        number=number,
        effective_from=data.effective_from,
        ends_on=data.ends_on,
        name_en=data.name_en.strip(),
        name_pl=data.name_pl.strip(),
        name_ru=data.name_ru.strip(),
        points=data.points,
        per_amount=data.per_amount,
        currency=data.currency,
        product_group=(data.product_group or "").strip().lower() or None,
        event_type_id=data.event_type_id,
        days_early=data.days_early,
        audience=data.audience,
        tier_id=data.tier_id if data.audience == Audience.TIER else None,
        cap_per_company=data.cap_per_company,
        cap_period=data.cap_period,
        cap_per_person=data.cap_per_person,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    if data.audience == Audience.COMPANIES:
        version.companies = list(
            session.scalars(select(Company).where(Company.id.in_(data.company_ids)))
        )
    if version.tier_id is not None:  # a version not yet saved loads no relationship
        version.tier = session.get(Tier, version.tier_id)
    return version


def create_rule(session: Session, data: RuleData, *, actor, now: datetime | None = None) -> Rule:
    now = now or utcnow()
    _check(session, data, club_today(now))
    rule = Rule(
        kind=data.kind,
        sponsor=(data.sponsor or "").strip() or None,
        budget_points=data.budget_points,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    rule.versions = [_version(session, data, 1, actor, now)]
    session.add(rule)
    session.flush()
    audit.record(session, "bonus_rule.create", rule, actor=actor, after=_snapshot(rule), now=now)
    return rule


def add_version(
    session: Session, rule: Rule, data: RuleData, *, actor, now: datetime | None = None
) -> RuleVersion:
    """A change from a date on: earnings before it keep the version they were made with."""
    now = now or utcnow()
    data.kind = rule.kind
    _check(session, data, club_today(now))
    if data.effective_from <= rule.latest.effective_from:
        raise RulesError(
            _("A new version starts after the current one's start."), field="effective_from"
        )
    if data.budget_points is not None and data.budget_points < rule.spent_points:
        raise RulesError(
            _("The rule has already given more points than this budget."), field="budget_points"
        )
    before = _snapshot(rule)
    version = _version(session, data, rule.latest.number + 1, actor, now)
    rule.versions.append(version)
    rule.sponsor = (data.sponsor or "").strip() or None
    rule.budget_points = data.budget_points
    session.flush()
    audit.record(
        session,
        "bonus_rule.version",
        rule,
        actor=actor,
        before=before,
        after=_snapshot(rule),
        now=now,
    )
    return version


def _snapshot(rule: Rule) -> dict:
    latest = rule.latest
    return {
        "kind": rule.kind.value,
        "sponsor": rule.sponsor,
        "budget_points": rule.budget_points,
        "version": latest.number,
        "effective_from": latest.effective_from.isoformat(),
        "ends_on": latest.ends_on.isoformat() if latest.ends_on else None,
        "points": latest.points,
        "per_amount": None if latest.per_amount is None else str(latest.per_amount),
        "audience": latest.audience.value,
    }


# --- preview ------------------------------------------------------------------------------

# kind -> the facts of a period a rule of that kind would have rewarded, from real data.
# Sources above rules (purchases) register theirs with `preview_source`.
PreviewSource = Callable[[Session, RuleVersion, Period], Iterable[Occurrence]]
PREVIEW_SOURCES: dict[RuleKind, PreviewSource] = {}


def preview_source(kind: RuleKind) -> Callable[[PreviewSource], PreviewSource]:
    def register(function: PreviewSource) -> PreviewSource:
        PREVIEW_SOURCES[kind] = function
        return function

    return register


@dataclass(frozen=True)
class Preview:
    period: Period
    points: int
    companies: int


def preview(session: Session, data: RuleData, *, now: datetime | None = None) -> Preview:
    """What the rule would have given last quarter, had it been in force all of it:
    last quarter's real facts through the same audience, rate, caps and budget."""
    period = this_quarter(now).previous()
    version = _version(session, data, 0, None, now or utcnow())
    version.effective_from, version.ends_on = period.starts, None
    source = PREVIEW_SOURCES.get(data.kind)
    facts = sorted(source(session, version, period), key=lambda f: f.day) if source else []
    budget = data.budget_points
    by_company: dict[int, int] = defaultdict(int)
    by_cap: dict[tuple, int] = defaultdict(int)
    by_person: dict[int, int] = defaultdict(int)
    dialect = session.get_bind().dialect
    companies = {
        c.id: c
        for c in session.scalars(
            select(Company).where(
                one_of(Company.id, sorted({fact.company_id for fact in facts}), dialect)
            )
        )
    }
    included: dict[int, bool] = {}  # applies_to, asked once per company
    held = standing.company_tiers(session) if version.audience == Audience.TIER else None
    for fact in facts:
        if (applies := included.get(fact.company_id)) is None:
            company = companies.get(fact.company_id)
            applies = company is not None and applies_to(session, version, company, held=held)
            included[fact.company_id] = applies
        if not applies:
            continue
        points = points_for(version, fact.amount)
        key = (fact.company_id, cap_period(version, fact.day).key)
        limits = [] if budget is None else [budget]
        if version.cap_per_company is not None:
            limits.append(version.cap_per_company - by_cap[key])
        if version.cap_per_person is not None and fact.person_id is not None:
            limits.append(version.cap_per_person - by_person[fact.person_id])
        points = min([points, *limits])
        if points <= 0:
            continue
        by_company[fact.company_id] += points
        by_cap[key] += points
        if fact.person_id is not None:
            by_person[fact.person_id] += points
        if budget is not None:
            budget -= points
    return Preview(period, sum(by_company.values()), len(by_company))


def companies_by_tax_id(session: Session, tax_ids: list[str]) -> list[int]:
    """The listed companies' ids; an unknown or ambiguous tax id is refused by name."""
    found = []
    for tax_id in tax_ids:
        companies = companies_with_tax_id(session, compact_tax_id(tax_id), limit=2)
        if len(companies) != 1:
            raise RulesError(
                _("No single company has tax id %(tax_id)s.", tax_id=tax_id[:40]),
                field="companies",
            )
        found.append(companies[0].id)
    return found


def spend(session: Session) -> dict[int, tuple[int, int]]:
    """Each rule's points given and companies rewarded (rule id: (points, companies))."""
    rows = session.execute(
        select(
            Earning.rule_id, func.sum(Earning.points), func.count(distinct(Earning.company_id))
        ).group_by(Earning.rule_id)
    )
    return {rule_id: (int(points), companies) for rule_id, points, companies in rows}


# A budget is near its end once this share of it (in percent) is given out.
BUDGET_NEAR_END_PERCENT = 80


def budgets_near_end(session: Session, *, today: date) -> list[Rule]:
    """Rules still running whose budget is at least BUDGET_NEAR_END_PERCENT given out,
    the fullest first: one query, whatever the number of rules."""
    running = (
        select(RuleVersion.id)
        .where(
            RuleVersion.rule_id == Rule.id,
            or_(RuleVersion.ends_on.is_(None), RuleVersion.ends_on >= today),
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Rule)
            .where(
                Rule.budget_points.is_not(None),
                Rule.spent_points * 100 >= Rule.budget_points * BUDGET_NEAR_END_PERCENT,
                running,
            )
            .order_by((Rule.spent_points * 1.0 / Rule.budget_points).desc(), Rule.id)
            .options(selectinload(Rule.versions))
        )
    )


# --- sponsors ----------------------------------------------------------------------------


def point_value() -> Decimal:
    """What a point costs whoever funds it, in the club's currency: the club's configured
    value per point (INSIGHT_POINT_VALUE, shared with the KPI dashboard; 1.00 unset)."""
    return Decimal(str(current_app.config.get("INSIGHT_POINT_VALUE", "1.00")))


def sponsored_points(session: Session, period: Period) -> dict[tuple[str, str], int]:
    """Points earned through each sponsor's rules in a period, by sponsor and quarter of
    the day earned: {(sponsor, "2026-Q2"): points}."""
    rows = session.execute(
        select(Rule.sponsor, Earning.earned_on, func.sum(Earning.points))
        .join(Rule, Rule.id == Earning.rule_id)
        .where(
            Rule.sponsor.is_not(None),
            Earning.earned_on >= period.starts,
            Earning.earned_on <= period.ends,
        )
        .group_by(Rule.sponsor, Earning.earned_on)
    )
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for sponsor, day, points in rows:
        totals[(sponsor, quarter_of(day).arg)] += int(points)
    return dict(totals)
