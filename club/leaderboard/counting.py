"""What a ledger entry adds to the leaderboards' rollups, and in which periods: one set
of rules for the live rollups (live.py) and for rebuilding and checking them (rebuild.py).

What counts, per entry:
- EARN adds its points (pending purchase points count when earned, at month close);
- FORFEIT subtracts the points it forfeits, CLAWBACK the points the credit note took
  back (`details["requested"]`, the part carried as a shortfall included), both from
  the period of the earning they reverse;
- ADJUST (a manual correction by the club manager) counts as activity, + or -, in its own
  period;
- CONFIRM (pending -> available, already counted when earned), HOLD, CAPTURE, RELEASE
  (spending), EXPIRE and SETTLE (paying off a shortfall) change no board.

An entry counts in the month of its `earned_at` in the club's time zone, except:
- purchase points ("purchase_month" sources) count in the purchase month itself, named
  by `details["period"]` or else by the PurchaseMonth the source names (purchases stamp
  a month's points at its last second in UTC, already the next month in Warsaw);
- a reversal of any other source counts in the month of the first EARN of the same
  wallet and source (its own month if there is none).
A month's points count in its quarter, its year and all time too (core.periods: a
Period's `key` is the rollups' period, M2026-11, Q2026-4, Y2026, ALL).
People rows take the entries that name a person; company rows all of the company's;
activity is everything but purchase points. `reached_at` is the `created_at` of the
newest entry that added to the row: ties on points go to the row that got there first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from club.core import periods
from club.core.clock import as_utc
from club.core.periods import ALL_TIME, Period
from club.ledger.models import Entry, EntryKind
from club.purchases.models import PurchaseMonth

PURCHASE_SOURCE = "purchase_month"
COUNTING = frozenset({EntryKind.EARN, EntryKind.FORFEIT, EntryKind.CLAWBACK, EntryKind.ADJUST})
REVERSALS = frozenset({EntryKind.FORFEIT, EntryKind.CLAWBACK})
# Rows written (or wallets looked up) per statement.
WRITE_CHUNK = 1_000


@cache
def period_keys(month: Period) -> tuple[str, str, str, str]:
    """The four rollup periods a month belongs to."""
    return (month.key, periods.quarter_of(month).key, periods.year(month.year).key, ALL_TIME)


@dataclass(frozen=True, slots=True)
class Item:
    """What a rollup needs of a ledger entry."""

    id: int
    wallet_id: int
    kind: EntryKind
    amount: int
    person_id: int | None
    source_type: str
    source_id: str
    details: dict | None
    earned_at: datetime
    created_at: datetime


def moment(value) -> datetime:
    """A stored moment as an aware datetime, also as SQLite's driver takes it (text)."""
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def as_item(entry) -> Item:
    """An Entry, or a dict of its columns (post_many writes rows, not ORM objects; the
    values may be the driver's: the kind's value, details as JSON text, time as text)."""
    if isinstance(entry, Entry):
        return Item(
            entry.id,
            entry.wallet_id,
            entry.kind,
            entry.amount,
            entry.person_id,
            entry.source_type,
            entry.source_id,
            entry.details,
            moment(entry.earned_at),
            moment(entry.created_at),
        )
    details = entry.get("details")
    if isinstance(details, str):
        details = json.loads(details)
    elif details is not None and not isinstance(details, dict):  # psycopg's Json wrapper
        details = getattr(details, "obj", None)
    created_at = moment(entry["created_at"])
    return Item(
        entry["id"],
        entry["wallet_id"],
        EntryKind(entry["kind"]),
        entry["amount"],
        entry.get("person_id"),
        entry["source_type"],
        entry["source_id"],
        details,
        moment(entry.get("earned_at") or created_at),
        created_at,
    )


def effect(item: Item) -> int:
    """The points an entry adds to (or takes from) a board; 0 for what never counts."""
    if item.kind not in COUNTING:
        return 0
    if item.kind == EntryKind.CLAWBACK and item.details and "requested" in item.details:
        return -int(item.details["requested"])
    return item.amount


class Months:
    """Which month an entry counts in; lookups remembered."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.purchase_months: dict[str, Period | None] = {}
        # (wallet id, source type, source id): the month of the first EARN of that source.
        self.earnings: dict[tuple[int, str, str], Period] = {}

    def of(self, item: Item) -> Period:
        if item.source_type == PURCHASE_SOURCE:
            month = self._purchase_month(item)
            if month is not None:
                return month
        if item.kind in REVERSALS:
            month = self._earning_month(item)
            if month is not None:
                return month
        return periods.month_of(item.earned_at)

    def saw(self, item: Item) -> None:
        """Rebuilding: remember the first earning of each source as it streams past."""
        if item.kind == EntryKind.EARN:
            self.earnings.setdefault(
                (item.wallet_id, item.source_type, item.source_id),
                periods.month_of(item.earned_at),
            )

    def _purchase_month(self, item: Item) -> Period | None:
        named = periods.from_arg((item.details or {}).get("period"))
        if named is not None and named.kind == "month":
            return named
        if item.source_id not in self.purchase_months:
            found = None
            if item.source_id.isdigit():
                found = self.session.scalar(
                    select(PurchaseMonth.period).where(PurchaseMonth.id == int(item.source_id))
                )
            self.purchase_months[item.source_id] = (
                periods.month_of(found) if found is not None else None
            )
        return self.purchase_months[item.source_id]

    def _earning_month(self, item: Item) -> Period | None:
        key = (item.wallet_id, item.source_type, item.source_id)
        if key not in self.earnings:
            earned_at = self.session.scalar(
                select(Entry.earned_at)
                .where(
                    Entry.source_type == item.source_type,
                    Entry.source_id == item.source_id,
                    Entry.wallet_id == item.wallet_id,
                    Entry.kind == EntryKind.EARN,
                    # An entry being written (no id yet) comes after every stored one.
                    Entry.id < item.id if item.id is not None else true(),
                )
                .order_by(Entry.id)
                .limit(1)
            )
            if earned_at is None:
                return None
            self.earnings[key] = periods.month_of(moment(earned_at))
        return self.earnings[key]


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


class Sums:
    """Rollup changes, summed per row: people {(period, person): [points, reached_at]},
    companies {(period, company): [points, reached_at, activity, activity_reached_at]}."""

    def __init__(self) -> None:
        self.people: dict[tuple[str, int], list] = {}
        self.companies: dict[tuple[str, int], list] = {}

    def add(
        self,
        item: Item,
        month: Period,
        company_id: int | None,
        *,
        people: bool = True,
        companies: bool = True,
    ) -> None:
        delta = effect(item)
        rose = item.created_at if delta > 0 else None
        activity = item.source_type != PURCHASE_SOURCE
        for key in period_keys(month):
            if people and item.person_id is not None:
                row = self.people.setdefault((key, item.person_id), [0, None])
                row[0] += delta
                row[1] = _later(row[1], rose)
            if companies and company_id is not None:
                row = self.companies.setdefault((key, company_id), [0, None, 0, None])
                row[0] += delta
                row[1] = _later(row[1], rose)
                if activity:
                    row[2] += delta
                    row[3] = _later(row[3], rose)
