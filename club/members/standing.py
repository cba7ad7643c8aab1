"""A company's standing in the club: its tier.

Tiers are a company's standing, so they live with members, below the ledger: the
catalogue, meetings, boards and the month close ask here and never compute a tier
themselves. The figures a tier is judged by (confirmed base purchase points over the last
12 months) come from purchases; the job in club/jobs.py reads them and hands them to
`requalify`, so members never imports purchases.

Requalification: up at once; down only after a grace period (TIER_GRACE_MONTHS), the
account holder warned by mail and the company's home page showing what keeps the tier;
a tier's threshold and multiplier edits take effect at the next requalification.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import Integer, any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.core.periods import add_months, next_month
from club.core.roles import Role
from club.members.models import Company, MembershipStatus, Tier, TierChange, TierChangeReason, User

DEFAULT_GRACE_MONTHS = 3
BATCH = 500  # rows per IN list and per executemany


# --- reading tiers ----------------------------------------------------------------------------


def tiers(session: Session) -> list[Tier]:
    """The club's tiers, lowest first."""
    return list(session.scalars(select(Tier).order_by(Tier.position)))


def company_tier(session: Session, company: Company) -> Tier | None:
    """The company's tier: the one its last requalification gave it; a member never
    requalified yet holds the lowest tier. None for others, or when the club has none."""
    if company.tier is not None:
        return company.tier
    if company.status != MembershipStatus.MEMBER:
        return None
    return session.scalar(select(Tier).order_by(Tier.position).limit(1))


def company_tiers(session: Session) -> dict[int, Tier]:
    """Every member company's tier (company id: tier) for lists such as the leagues; the
    same answer as `company_tier` for each, in two queries."""
    by_id = {tier.id: tier for tier in tiers(session)}
    if not by_id:
        return {}
    lowest = min(by_id.values(), key=lambda tier: tier.position)
    rows = session.execute(
        select(Company.id, Company.tier_id, Company.status).where(
            (Company.tier_id.is_not(None)) | (Company.status == MembershipStatus.MEMBER)
        )
    )
    return {
        company_id: by_id[tier_id] if tier_id is not None else lowest
        for company_id, tier_id, _status in rows
    }


def reaches(session: Session, company: Company | None, tier: Tier | None) -> bool:
    """Whether the company holds `tier` or one above it (no tier asked: yes)."""
    if tier is None:
        return True
    held = company_tier(session, company) if company is not None else None
    return held is not None and held.position >= tier.position


def tier_multiplier_percent(session: Session, company_id: int, period: date) -> int:
    """The multiplier of the tier the company holds now (when its month `period` closes),
    in percent: 100 without a tier."""
    return tier_multipliers(session, [company_id]).get(company_id, 100)


def tier_multipliers(session: Session, company_ids: list[int]) -> dict[int, int]:
    """`tier_multiplier_percent` for many companies, in a few queries (by company id)."""
    lowest = session.scalar(select(Tier.multiplier_percent).order_by(Tier.position).limit(1))
    found: dict[int, int] = {}
    ids = list(dict.fromkeys(company_ids))
    for start in range(0, len(ids), BATCH):
        rows = session.execute(
            select(Company.id, Company.status, Tier.multiplier_percent)
            .outerjoin(Tier, Tier.id == Company.tier_id)
            .where(Company.id.in_(ids[start : start + BATCH]))
        )
        for company_id, status, multiplier in rows:
            if multiplier is None and status == MembershipStatus.MEMBER:
                multiplier = lowest
            found[company_id] = multiplier or 100
    return found


def sees_pilot_only(viewer) -> bool:
    """Whether pilot-only privileges and meetings are shown to and open to a viewer:
    supplier staff always, partners when their company is in the pilot group."""
    return not viewer.role.is_partner or bool(viewer.company and viewer.company.is_pilot)


# --- progress, as a company sees it ---------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a company stands: its tier, its figure, what the next tier needs and, when a
    drop is pending, what keeps the tier. Money is the points at `rate` of `currency`."""

    tier: Tier | None
    figure: int
    next_tier: Tier | None
    points_to_next: int
    reach_by: date
    drop_to: Tier | None
    drop_on: date | None
    points_to_keep: int
    currency: str
    rate: int | None

    def money(self, points: int) -> Decimal | None:
        return None if self.rate is None else Decimal(points * self.rate)

    @property
    def keep_by(self) -> date | None:
        return self.drop_on - timedelta(days=1) if self.drop_on else None


def progress(
    session: Session,
    company: Company,
    figure: int,
    *,
    today: date,
    currency: str,
    rate: int | None,
) -> Progress:
    """The company's progress from its 12-month figure (what the next requalification, on
    the 1st of next month, will judge)."""
    held = company_tier(session, company)
    ladder = tiers(session)
    above = [
        tier
        for tier in ladder
        if (held is None or tier.position > held.position)
        and (company.is_pilot or not tier.is_pilot_only)
    ]
    next_tier = above[0] if above else None
    to_keep = max(0, held.next_threshold - figure) if held and company.tier_drop_on else 0
    return Progress(
        tier=held,
        figure=figure,
        next_tier=next_tier,
        points_to_next=max(0, next_tier.next_threshold - figure) if next_tier else 0,
        reach_by=next_month(today) - timedelta(days=1),
        drop_to=company.tier_drop_to,
        drop_on=company.tier_drop_on,
        points_to_keep=to_keep,
        currency=currency,
        rate=rate,
    )


def tier_history(session: Session, company: Company) -> list[TierChange]:
    """The company's tiers, newest first."""
    return list(
        session.scalars(
            select(TierChange)
            .where(TierChange.company_id == company.id)
            .order_by(TierChange.starts_on.desc(), TierChange.id.desc())
        )
    )


# --- requalification ------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    tier_id: int | None
    drop_to_id: int | None
    drop_on: date | None


def grace_months() -> int:
    if not has_app_context():
        return DEFAULT_GRACE_MONTHS
    return int(current_app.config.get("TIER_GRACE_MONTHS", DEFAULT_GRACE_MONTHS))


def _earned(ladder: list[Tier], figure: int, is_pilot: bool) -> Tier:
    """The highest tier whose threshold the figure reaches (the lowest is free), among
    those open to the company (a pilot-only tier to the pilot group only)."""
    earned = ladder[0]
    for tier in ladder:
        if figure >= tier.threshold and (is_pilot or not tier.is_pilot_only):
            earned = tier
    return earned


def _decide(state: _State, earned: Tier, positions: dict[int, int], today: date, grace: int):
    """The company's next state and why its tier changes (None: it does not)."""
    if state.tier_id is None:
        return _State(earned.id, None, None), TierChangeReason.FIRST
    held = positions[state.tier_id]
    if earned.position > held:
        return _State(earned.id, None, None), TierChangeReason.UP
    if earned.position == held:
        return _State(state.tier_id, None, None), None
    if state.drop_on is not None and today >= state.drop_on:
        return _State(earned.id, None, None), TierChangeReason.DOWN
    drop_on = state.drop_on or add_months(today, grace)
    return _State(state.tier_id, earned.id, drop_on), None


def apply_tier_edits(session: Session) -> list[Tier]:
    """Edited thresholds and multipliers take effect (the start of a requalification);
    returns the tiers, lowest first."""
    ladder = tiers(session)
    for tier in ladder:
        if tier.pending_threshold is not None:
            tier.threshold, tier.pending_threshold = tier.pending_threshold, None
        if tier.pending_multiplier_percent is not None:
            tier.multiplier_percent = tier.pending_multiplier_percent
            tier.pending_multiplier_percent = None
    session.flush()
    return ladder


def requalify(
    session: Session,
    figures: Mapping[int, int],
    *,
    today: date,
    now: datetime | None = None,
) -> int:
    """Give every member company the tier its figure (company id: confirmed base points
    over the last 12 months) earns: up at once, down once its grace period has passed,
    a pending drop set (and the account holder warned) or lifted. Idempotent: a second
    run with the same figures changes nothing. Returns the companies whose tier changed.

    Companies are read without locks, then those that change are locked and decided
    again on what the lock shows, so two runs at once change each company once."""
    now = now or utcnow()
    ladder = apply_tier_edits(session)
    if not ladder:
        return 0
    positions = {tier.id: tier.position for tier in ladder}
    grace = grace_months()

    def decisions(rows) -> dict[int, tuple[_State, _State, TierChangeReason | None]]:
        found = {}
        for company_id, tier_id, drop_to_id, drop_on, is_pilot in rows:
            state = _State(tier_id, drop_to_id, drop_on)
            earned = _earned(ladder, figures.get(company_id, 0), is_pilot)
            new, reason = _decide(state, earned, positions, today, grace)
            if new != state:
                found[company_id] = (state, new, reason)
        return found

    columns = (
        Company.id,
        Company.tier_id,
        Company.tier_drop_to_id,
        Company.tier_drop_on,
        Company.is_pilot,
    )
    members = session.execute(
        select(*columns).where(Company.status == MembershipStatus.MEMBER).order_by(Company.id)
    ).all()
    candidates = sorted(decisions(members))
    changes = {}
    dialect = session.get_bind().dialect.name
    for start in range(0, len(candidates), BATCH):
        locked = session.execute(
            select(*columns)
            .where(
                _one_of(Company.id, candidates[start : start + BATCH], dialect),
                Company.status == MembershipStatus.MEMBER,
            )
            .order_by(Company.id)
            .with_for_update()
        ).all()
        changes.update(decisions(locked))
    _write(session, changes, figures, today=today, now=now)
    return sum(1 for _old, _new, reason in changes.values() if reason is not None)


def _one_of(column, ids: list[int], dialect: str):
    """`column IN (ids)`; on PostgreSQL as one array (binding hundreds of parameters
    costs more than the lookups)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _write(session: Session, changes: dict, figures: Mapping[int, int], *, today, now) -> None:
    if not changes:
        return
    # One UPDATE per new state and batch: companies moving together share their values.
    by_state: dict[_State, list[int]] = defaultdict(list)
    for company_id, (_old, new, _reason) in changes.items():
        by_state[new].append(company_id)
    for new, ids in by_state.items():
        for start in range(0, len(ids), BATCH):
            session.execute(
                update(Company.__table__)
                .where(Company.__table__.c.id.in_(ids[start : start + BATCH]))
                .values(
                    tier_id=new.tier_id,
                    tier_drop_to_id=new.drop_to_id,
                    tier_drop_on=new.drop_on,
                )
            )
    moved = [
        (company_id, old, new, reason)
        for company_id, (old, new, reason) in changes.items()
        if reason is not None
    ]
    table = TierChange.__table__
    dialect = session.get_bind().dialect.name
    closing = [company_id for company_id, old, _new, _r in moved if old.tier_id is not None]
    for start in range(0, len(closing), BATCH):
        session.execute(
            update(table)
            .where(
                _one_of(table.c.company_id, closing[start : start + BATCH], dialect),
                table.c.ends_on.is_(None),
            )
            .values(ends_on=today)
        )
    rows = [
        {
            "company_id": company_id,
            "tier_id": new.tier_id,
            "previous_tier_id": old.tier_id,
            "starts_on": today,
            "reason": reason.value,
            "figure": figures.get(company_id, 0),
            "created_at": now,
        }
        for company_id, old, new, reason in moved
    ]
    for start in range(0, len(rows), BATCH):  # multi-row INSERTs, not one per row
        session.execute(insert(table).values(rows[start : start + BATCH]))
    warned = [
        company_id
        for company_id, (old, new, _reason) in changes.items()
        if new.drop_on is not None and old.drop_on is None
    ]
    _expire_companies(session, set(changes))
    _warn_of_drops(session, warned, figures)


def _warn_of_drops(session: Session, company_ids: list[int], figures: Mapping[int, int]) -> None:
    """Mail each account holder once, when a drop becomes pending."""
    for start in range(0, len(company_ids), BATCH):
        holders = session.scalars(
            select(User).where(
                User.company_id.in_(company_ids[start : start + BATCH]),
                User.role == Role.ACCOUNT_HOLDER,
                User.is_active.is_(True),
            )
        ).all()
        for holder in holders:
            if holder.is_invited:
                continue  # nobody to tell yet; the home page shows it
            company = session.get(Company, holder.company_id)
            queue_mail(
                session,
                to=holder.email,
                template="tier_drop_pending",
                locale=holder.language,
                user=holder,
                company=company,
                tier=company.tier,
                drop_to=company.tier_drop_to,
                drop_on=company.tier_drop_on,
                points_to_keep=max(0, company.tier.threshold - figures.get(company.id, 0)),
            )


def _expire_companies(session: Session, ids: set[int]) -> None:
    """Companies this session has loaded read their tier columns again (written past
    the ORM)."""
    names = ["tier_id", "tier_drop_to_id", "tier_drop_on", "tier", "tier_drop_to"]
    for state in list(session.identity_map.all_states()):
        if state.class_ is Company and state.identity[0] in ids and state.obj() is not None:
            session.expire(state.obj(), names)


def set_company_tier(
    session: Session,
    company: Company,
    tier: Tier,
    *,
    actor,
    today: date,
    now: datetime | None = None,
) -> bool:
    """The club manager gives a company a tier (a contract, a move from an older
    programme). It holds like any other: the next requalification moves it up at once, or
    starts the grace period before a drop. Audited; False when it already holds it."""
    now = now or utcnow()
    session.execute(select(Company.id).where(Company.id == company.id).with_for_update())
    session.refresh(company, ["tier_id", "tier_drop_to_id", "tier_drop_on"])
    if company.tier_id == tier.id:
        return False
    before = company.tier.code if company.tier else None
    open_rows = select(TierChange).where(
        TierChange.company_id == company.id, TierChange.ends_on.is_(None)
    )
    for change in session.scalars(open_rows):
        change.ends_on = today
    session.flush()  # the open row is closed before the new one opens
    session.add(
        TierChange(
            company_id=company.id,
            tier_id=tier.id,
            previous_tier_id=company.tier_id,
            starts_on=today,
            reason=TierChangeReason.MANAGER,
            actor_id=actor.id,
            created_at=now,
        )
    )
    company.tier, company.tier_drop_to, company.tier_drop_on = tier, None, None
    session.flush()
    audit.record(
        session, "company.tier_set", company, actor=actor, company_id=company.id,
        before={"tier": before}, after={"tier": tier.code}, now=now,
    )  # fmt: skip
    return True
