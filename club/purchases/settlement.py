"""Settling a month: bringing the ledger in line with what its invoices say.

What the ledger lacks is worked out from the month's counters (what the ledger has been
told so far) and its facts, and posted as movements in order: EARN (pending) for new
invoices, CONFIRM for what was paid within the payment window, CLAWBACK when a credit
note lowered a month whose points were confirmed, FORFEIT for what was not paid in time
once the last window has closed (or what a credit note took off pending points).
Settling again posts only the difference, so running it twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.periods import club_today, local_midnight, month_of, next_month
from club.ledger import services as ledger
from club.ledger.models import Entry, EntryKind, Wallet
from club.purchases.models import PurchaseMonth
from club.purchases.month_facts import MonthFacts, month_facts
from club.rules import purchase_rules

SOURCE = "purchase_month"  # the ledger source of a month's points, by PurchaseMonth id

# A movement the ledger lacks: (kind, points, details, earned_at).
Movement = tuple[EntryKind, int, dict, datetime | None]


def settle_month(
    session: Session, month: PurchaseMonth, *, now: datetime | None = None
) -> list[Entry]:
    """Bring the ledger in line with the month's invoices; post only the difference."""
    now = now or utcnow()
    month = session.execute(
        select(PurchaseMonth)
        .where(PurchaseMonth.id == month.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    facts = month_facts(session, month, today=club_today(now))
    wallet = ledger.wallet_for(session, month.company_id)
    named = purchase_rules.labels(session, [month.rate_version_id, month.multiplier_version_id])
    posted, changes = post_difference(session, month, facts, wallet, now=now, labels=named)
    for name, value in changes.items():
        setattr(month, name, value)
    session.flush()
    return posted


def earned_at(period: date) -> datetime:
    """A month's points count as earned at its last moment in the club's zone: expiry
    runs from there, and the moment is in the month wherever the club reads it."""
    return local_midnight(next_month(period)) - timedelta(seconds=1)


def plan(month: PurchaseMonth, facts: MonthFacts, *, now: datetime, labels: dict | None = None):
    """What the ledger lacks for a month: a list of movements, in order, and the
    month's new counters. Nothing is written. `labels`: the rule versions by id
    (rules.purchase_rules.labels), named in the entries' details."""
    moment = earned_at(month.period)
    about = {
        "period": month_of(month.period).arg,
        "net_total": str(facts.net_total),
        "currency": month.currency,
        "rate": month.rate,
    }
    if month.multiplier_percent != 100:  # the statement splits base points and tier bonus
        about["multiplier_percent"] = month.multiplier_percent
    labels = labels or {}
    if (rate_rule := labels.get(month.rate_version_id)) is not None:
        about["rule"] = rate_rule
    if month.multiplier_percent != 100 and month.multiplier_version_id in labels:
        about["multiplier_rule"] = labels[month.multiplier_version_id]
    movements: list[Movement] = []
    earned, confirmed = month.earned, month.confirmed
    forfeited, clawed_back = month.forfeited, month.clawed_back
    claim = (earned - confirmed - forfeited) + (confirmed - clawed_back)  # pending + kept
    # Until the month is final its claim is the whole total (what is not paid in time is
    # then forfeited, visibly); afterwards only a late-recorded in-time payment adds to it.
    needed = facts.points_earned if month.settled_at is None else facts.points_confirmed

    if claim < needed:  # new invoices, or an in-time payment recorded late
        points = needed - claim
        movements.append((EntryKind.EARN, points, about, moment))
        earned += points
    kept = confirmed - clawed_back
    if kept < facts.points_confirmed:  # paid within the window
        points = facts.points_confirmed - kept
        paid = {**about, "paid_in_time": str(facts.paid_in_time)}
        movements.append((EntryKind.CONFIRM, points, paid, moment))
        confirmed += points
    elif kept > facts.points_confirmed:  # a credit note lowered the month
        points = kept - facts.points_confirmed
        movements.append((EntryKind.CLAWBACK, points, {**about, "credit_note": True}, None))
        clawed_back += points
    target = facts.points_confirmed if facts.windows_closed else facts.points_earned
    surplus = (earned - confirmed - forfeited) + (confirmed - clawed_back) - target
    if surplus > 0:  # not paid in time, or the total went down
        why = "late_or_unpaid" if facts.windows_closed else "credit_note"
        missed = {**about, "why": why, "late": facts.late, "unpaid": facts.unpaid}
        movements.append((EntryKind.FORFEIT, surplus, missed, None))
        forfeited += surplus
    changes = {
        "net_total": facts.net_total,
        "earned": earned,
        "confirmed": confirmed,
        "forfeited": forfeited,
        "clawed_back": clawed_back,
    }
    if facts.windows_closed and month.settled_at is None:
        changes["settled_at"] = now
    return movements, changes


def post_difference(
    session: Session,
    month: PurchaseMonth,
    facts: MonthFacts,
    wallet: Wallet,
    *,
    now: datetime,
    labels: dict | None = None,
) -> tuple[list[Entry], dict]:
    """Post what the ledger lacks, one movement at a time; returns the entries and the
    month's new counters (the month itself is left unchanged)."""
    movements, changes = plan(month, facts, now=now, labels=labels)
    source = ledger.Source(SOURCE, str(month.id))
    posted: list[Entry] = []
    for kind, points, details, moment in movements:
        options = {"source": source, "details": details, "now": now}
        if kind == EntryKind.EARN:
            entry = ledger.earn(session, wallet, points, pending=True, earned_at=moment, **options)
        elif kind == EntryKind.CONFIRM:
            entry = ledger.confirm(session, wallet, points, earned_at=moment, **options)
        elif kind == EntryKind.CLAWBACK:
            entry = ledger.clawback(session, wallet, points, **options)
        else:
            entry = ledger.forfeit(session, wallet, points, **options)
        posted.append(entry)
    return posted, changes
