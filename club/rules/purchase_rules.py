"""The two rules the month close reads: the purchase rate and the tier multiplier.

Both are rules like the campaigns (one of each per club, kinds in SINGLE_KINDS):
versioned from a date, listed on the earning rules page, named on the statement, and
each purchase month keeps the versions it was closed with.

- The purchase rate: net amount per point in each currency and the grace days, from the
  1st of a month (purchases.earning_rule sets and checks it; it is edited on the purchase
  rate page).
- The tier multiplier: the percent each tier multiplies a month's purchase points by.
  The tiers page edits the percents (members.tiers; an edit waits for the next
  requalification), and members sits below the rules, so the rule is recorded here as it
  is used: whenever the month close finds the tiers' percents differ from the latest
  version, it records a new version from that day and closes with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.periods import club_today
from club.members.models import Company, MembershipStatus
from club.members.standing import tiers
from club.rules.models import Rule, RuleKind, RuleVersion

BATCH = 500  # companies per IN list

NAMES = {
    RuleKind.PURCHASE_RATE: ("Purchase points", "Punkty za zakupy", "Баллы за покупки"),
    RuleKind.TIER_MULTIPLIER: ("Tier multiplier", "Mnożnik poziomu", "Множитель уровня"),
}


def single_rule(
    session: Session, kind: RuleKind, *, create: bool = False, lock: bool = False
) -> Rule | None:
    """The club's rule of a single kind (created when asked and missing); `lock` takes
    its row lock, so two writers of a version queue up."""
    query = select(Rule).where(Rule.kind == kind)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    rule = session.scalar(query)
    if rule is None and create:
        rule = Rule(kind=kind, versions=[])
        session.add(rule)
        session.flush()
    return rule


def new_version(rule: Rule, **values) -> RuleVersion:
    """The rule's next version (named as the kind is), added to it."""
    en, pl, ru = NAMES[rule.kind]
    number = max((version.number for version in rule.versions), default=0) + 1
    version = RuleVersion(number=number, name_en=en, name_pl=pl, name_ru=ru, points=1, **values)
    rule.versions.append(version)
    return version


def by_start(rule: Rule | None) -> list[RuleVersion]:
    """The rule's versions, the latest start first (on one day, the later version)."""
    if rule is None:
        return []
    return sorted(rule.versions, key=lambda v: (v.effective_from, v.number), reverse=True)


# --- the tier multiplier -------------------------------------------------------------------


def _ladder(session: Session) -> list[dict]:
    return [
        {"tier_id": tier.id, "code": tier.code, "percent": tier.multiplier_percent}
        for tier in tiers(session)
    ]


def multiplier_in_force(session: Session, *, now: datetime | None = None) -> RuleVersion | None:
    """The tier multiplier version in force now: the latest, or a new one from today when
    the tiers' percents changed since (None while the club has no tiers)."""
    now = now or utcnow()
    ladder = _ladder(session)
    if not ladder:
        return None
    latest = next(iter(by_start(single_rule(session, RuleKind.TIER_MULTIPLIER))), None)
    if latest is not None and latest.tier_multipliers == ladder:
        return latest
    rule = single_rule(session, RuleKind.TIER_MULTIPLIER, create=True, lock=True)
    latest = next(iter(by_start(rule)), None)  # another close may have recorded it
    if latest is not None and latest.tier_multipliers == ladder:
        return latest
    version = new_version(rule, effective_from=club_today(now), tier_multipliers=ladder)
    version.created_at = now
    session.flush()
    return version


def multipliers(
    session: Session, company_ids: list[int], *, now: datetime | None = None
) -> tuple[RuleVersion | None, dict[int, int]]:
    """The version in force and the percent of the tier each company holds as its month
    closes (a member never requalified holds the lowest tier; 100 without a tier)."""
    version = multiplier_in_force(session, now=now)
    if version is None:
        return None, {company_id: 100 for company_id in company_ids}
    percents = {item["tier_id"]: item["percent"] for item in version.tier_multipliers}
    lowest = version.tier_multipliers[0]["percent"]
    found: dict[int, int] = {}
    ids = list(dict.fromkeys(company_ids))
    for start in range(0, len(ids), BATCH):
        rows = session.execute(
            select(Company.id, Company.status, Company.tier_id).where(
                Company.id.in_(ids[start : start + BATCH])
            )
        )
        for company_id, status, tier_id in rows:
            if tier_id is not None:
                found[company_id] = percents.get(tier_id, 100)
            else:
                found[company_id] = lowest if status == MembershipStatus.MEMBER else 100
    return version, found


def labels(session: Session, version_ids) -> dict[int, dict]:
    """What the statement names a version by: {id: {"rule", "version", "names"}}."""
    ids = sorted({version_id for version_id in version_ids if version_id is not None})
    found = {}
    for start in range(0, len(ids), BATCH):
        for version in session.scalars(
            select(RuleVersion).where(RuleVersion.id.in_(ids[start : start + BATCH]))
        ):
            found[version.id] = {
                "rule": version.rule_id,
                "version": version.number,
                "names": {"en": version.name_en, "pl": version.name_pl, "ru": version.name_ru},
            }
    return found
