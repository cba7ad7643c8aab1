"""The webhook outbox listens to the domains below it; none of them imports this.

Connected when the webhooks package is imported (its __init__ imports this module), which
create_app does for every process that posts (it registers every model)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.events.models import Meeting, Registration
from club.events.signals import registration_changed
from club.ledger.models import Entry, EntryKind, Hold
from club.ledger.signals import entries_posted, entry_posted
from club.members.models import Company, Tier
from club.members.signals import TierMove, company_admitted, tiers_changed
from club.webhooks import outbox

# Which ledger movements integrators hear about, and as what.
LEDGER_EVENTS = {
    EntryKind.EARN.value: outbox.POINTS_EARNED,
    EntryKind.CAPTURE.value: outbox.POINTS_REDEEMED,
    EntryKind.EXPIRE.value: outbox.POINTS_EXPIRED,
}


def _iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.isoformat() if isinstance(moment, datetime) else str(moment)


def _entry_data(row: dict, company: dict) -> dict:
    return {
        "company": company,
        "entry_id": row["id"],
        "points": abs(row["amount"]),
        "pending": row["kind"] == EntryKind.EARN.value and row["pending_delta"] > 0,
        "source": {"type": row["source_type"], "id": row["source_id"]},
        "person_id": row.get("person_id"),
        "earned_at": _iso(row.get("earned_at")),
    }


def _ledger_rows(session: Session, rows: list[dict]) -> None:
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        if row["kind"] in LEDGER_EVENTS:
            by_type.setdefault(LEDGER_EVENTS[row["kind"]], []).append(row)
    for event_type, found in by_type.items():
        if not outbox.subscribers(session, event_type):
            continue
        companies = outbox.wallet_companies(session, (row["wallet_id"] for row in found))
        refs = outbox.company_refs(session, companies.values())
        outbox.record(
            session,
            event_type,
            (_entry_data(row, refs[companies[row["wallet_id"]]]) for row in found),
        )


@entry_posted.connect
def _entry(session: Session, *, entry: Entry, in_statement: bool = False) -> None:
    # However the entry was written (`in_statement`: one statement on PostgreSQL), it is
    # one event for the integrators.
    kind = entry.kind.value if isinstance(entry.kind, EntryKind) else entry.kind
    if kind not in LEDGER_EVENTS:
        return
    source = (entry.source_type, entry.source_id)
    if entry.hold_id is not None:  # a capture: name what the hold was for (a redemption)
        hold = session.get(Hold, entry.hold_id)
        source = (hold.source_type, hold.source_id)
    row = {
        "id": entry.id,
        "wallet_id": entry.wallet_id,
        "kind": kind,
        "amount": entry.amount,
        "pending_delta": entry.pending_delta,
        "source_type": source[0],
        "source_id": source[1],
        "person_id": entry.person_id,
        "earned_at": entry.earned_at,
    }
    _ledger_rows(session, [row])


@entries_posted.connect
def _entries(session: Session, *, rows: list[dict]) -> None:
    _ledger_rows(session, rows)


@company_admitted.connect
def _admitted(session: Session, *, company: Company, now: datetime, **_kw) -> None:
    ref = outbox.company_refs(session, [company.id])[company.id]
    outbox.record(
        session, outbox.COMPANY_ADMITTED, [{"company": ref, "admitted_at": _iso(now)}], now=now
    )


@tiers_changed.connect
def _tiers(session: Session, *, changes: list[TierMove], now: datetime) -> None:
    if not outbox.subscribers(session, outbox.TIER_CHANGED):
        return
    codes = {tier_id: code for tier_id, code in session.execute(select(Tier.id, Tier.code))}
    refs = outbox.company_refs(session, (change.company_id for change in changes))
    outbox.record(
        session,
        outbox.TIER_CHANGED,
        (
            {
                "company": refs[change.company_id],
                "from_tier": codes.get(change.from_tier_id),
                "to_tier": codes.get(change.to_tier_id),
                "reason": change.reason,
                "starts_on": change.starts_on.isoformat(),
            }
            for change in changes
        ),
        now=now,
    )


@registration_changed.connect
def _registration(session: Session, *, registration: Registration, now: datetime) -> None:
    if not outbox.subscribers(session, outbox.MEETING_REGISTRATION):
        return
    meeting = session.get(Meeting, registration.meeting_id)
    ref = outbox.company_refs(session, [registration.company_id])[registration.company_id]
    data = {
        "company": ref,
        "registration_id": registration.id,
        "status": registration.status.value,
        "person_id": registration.user_id,
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "starts_at": _iso(meeting.starts_at),
        },
    }
    outbox.record(session, outbox.MEETING_REGISTRATION, [data], now=now or utcnow())
