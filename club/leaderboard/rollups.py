"""Rollups kept in step with the ledger: `record` (live, in the entry's transaction),
`rebuild` (from the whole ledger) and `check` (for `ledger verify`).

What counts, per entry (the same function live and when rebuilding):
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
People rows take the entries that name a person; company rows all of the company's;
activity is everything but purchase points. `reached_at` is the `created_at` of the
newest entry that added to the row: ties on points go to the row that got there first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from club.core.periods import club_zone
from club.leaderboard.models import CompanyTotal, PersonTotal, ScoreCount
from club.ledger.models import Entry, EntryKind, Wallet

PURCHASE_SOURCE = "purchase_month"
COUNTING = frozenset({EntryKind.EARN, EntryKind.FORFEIT, EntryKind.CLAWBACK, EntryKind.ADJUST})
REVERSALS = frozenset({EntryKind.FORFEIT, EntryKind.CLAWBACK})
ALL_TIME = "ALL"

# Rebuild and check work through the ledger this many people (or companies) at a time.
PEOPLE_CHUNK = 5_000
COMPANY_CHUNK = 500
WRITE_CHUNK = 1_000


def period_keys(year: int, month: int) -> tuple[str, str, str, str]:
    """The four rollup periods a month belongs to."""
    return (f"M{year}-{month:02d}", f"Q{year}-{(month - 1) // 3 + 1}", f"Y{year}", ALL_TIME)


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


def _moment(value) -> datetime:
    if isinstance(value, str):  # as SQLite's driver takes it
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _item(entry) -> Item:
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
            _moment(entry.earned_at),
            _moment(entry.created_at),
        )
    details = entry.get("details")
    if isinstance(details, str):
        details = json.loads(details)
    elif details is not None and not isinstance(details, dict):  # psycopg's Json wrapper
        details = getattr(details, "obj", None)
    created_at = _moment(entry["created_at"])
    return Item(
        entry["id"],
        entry["wallet_id"],
        EntryKind(entry["kind"]),
        entry["amount"],
        entry.get("person_id"),
        entry["source_type"],
        entry["source_id"],
        details,
        _moment(entry.get("earned_at") or created_at),
        created_at,
    )


def effect(item: Item) -> int:
    """The points an entry adds to (or takes from) a board; 0 for what never counts."""
    if item.kind not in COUNTING:
        return 0
    if item.kind == EntryKind.CLAWBACK and item.details and "requested" in item.details:
        return -int(item.details["requested"])
    return item.amount


class _Months:
    """Which month (year, month) an entry counts in; lookups remembered."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.zone = club_zone()
        self.purchase_months: dict[str, tuple[int, int] | None] = {}
        # (wallet id, source type, source id): the month of the first EARN of that source.
        self.earnings: dict[tuple[int, str, str], tuple[int, int]] = {}

    def local(self, moment: datetime) -> tuple[int, int]:
        local = moment.astimezone(self.zone)
        return local.year, local.month

    def of(self, item: Item) -> tuple[int, int]:
        if item.source_type == PURCHASE_SOURCE:
            month = self._purchase_month(item)
            if month is not None:
                return month
        if item.kind in REVERSALS:
            month = self._earning_month(item)
            if month is not None:
                return month
        return self.local(item.earned_at)

    def saw(self, item: Item) -> None:
        """Rebuilding: remember the first earning of each source as it streams past."""
        if item.kind == EntryKind.EARN:
            self.earnings.setdefault(
                (item.wallet_id, item.source_type, item.source_id), self.local(item.earned_at)
            )

    def _purchase_month(self, item: Item) -> tuple[int, int] | None:
        period = (item.details or {}).get("period")
        if isinstance(period, str) and len(period) == 7 and period[4] == "-":
            try:
                year, month = int(period[:4]), int(period[5:])
            except ValueError:
                pass
            else:
                if 1 <= month <= 12:
                    return year, month
        if item.source_id not in self.purchase_months:
            from club.purchases.models import PurchaseMonth

            found = None
            if item.source_id.isdigit():
                found = self.session.scalar(
                    select(PurchaseMonth.period).where(PurchaseMonth.id == int(item.source_id))
                )
            self.purchase_months[item.source_id] = (
                (found.year, found.month) if found is not None else None
            )
        return self.purchase_months[item.source_id]

    def _earning_month(self, item: Item) -> tuple[int, int] | None:
        key = (item.wallet_id, item.source_type, item.source_id)
        if key not in self.earnings:
            earned_at = self.session.scalar(
                select(Entry.earned_at)
                .where(
                    Entry.source_type == item.source_type,
                    Entry.source_id == item.source_id,
                    Entry.wallet_id == item.wallet_id,
                    Entry.kind == EntryKind.EARN,
                    Entry.id < item.id,
                )
                .order_by(Entry.id)
                .limit(1)
            )
            if earned_at is None:
                return None
            self.earnings[key] = self.local(_moment(earned_at))
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
        month: tuple[int, int],
        company_id: int | None,
        *,
        people: bool = True,
        companies: bool = True,
    ) -> None:
        delta = effect(item)
        rose = item.created_at if delta > 0 else None
        activity = item.source_type != PURCHASE_SOURCE
        for key in period_keys(*month):
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


# --- live -----------------------------------------------------------------------------


def record(session: Session, entries: Iterable) -> None:
    """Add new ledger entries to the rollups, in the caller's transaction.

    `entries`: Entry objects (flushed, with ids) or dicts of their columns. Entries that
    change no board (spending, expiry, confirmations) cost nothing: no query."""
    items = [item for item in map(_item, entries) if item.kind in COUNTING]
    if not items:
        return
    companies = _company_ids(session, {item.wallet_id for item in items})
    months = _Months(session)
    sums = Sums()
    for item in items:
        sums.add(item, months.of(item), companies.get(item.wallet_id))
    _upsert(session, sums)


def _company_ids(session: Session, wallet_ids: set[int]) -> dict[int, int]:
    """Wallet id: company id, from the wallets this session holds when it can."""
    found: dict[int, int] = {}
    missing = []
    for wallet_id in wallet_ids:
        wallet = session.identity_map.get(session.identity_key(Wallet, wallet_id))
        if wallet is not None and "company_id" in wallet.__dict__:
            found[wallet_id] = wallet.company_id
        else:
            missing.append(wallet_id)
    for start in range(0, len(missing), WRITE_CHUNK):
        found.update(
            session.execute(
                select(Wallet.id, Wallet.company_id).where(
                    Wallet.id.in_(missing[start : start + WRITE_CHUNK])
                )
            ).all()
        )
    return found


UPSERT_CHUNK = 500  # rows per INSERT ... VALUES (...), (...) statement
_UPSERTS: dict[tuple[str, str, int], str] = {}
_MOMENTS: dict[str, object] = {}


def _upsert_sql(dialect, model, count: int) -> str:
    """INSERT of `count` rows ... ON CONFLICT (period, who) DO UPDATE adding the points
    and moving reached_at to the later moment (NULL: nothing added), RETURNING the
    totals now stored, as driver SQL: the hot path of every ledger entry skips compiling
    a statement. One statement for all the rows, so that it can return them."""
    cache_key = (dialect.name, model.__tablename__, count)
    if cache_key in _UPSERTS:
        return _UPSERTS[cache_key]
    table = model.__tablename__
    if model is PersonTotal:
        columns, keys = ("period", "person_id", "points", "reached_at"), "period, person_id"
        pairs = [("points", "reached_at")]
        returning = "period, person_id, points"
    else:
        columns = (
            "period",
            "company_id",
            "points",
            "reached_at",
            "activity_points",
            "activity_reached_at",
        )
        keys = "period, company_id"
        pairs = [("points", "reached_at"), ("activity_points", "activity_reached_at")]
        returning = "period, company_id, points, activity_points"
    changes = []
    for points, reached in pairs:
        changes.append(f"{points} = {table}.{points} + excluded.{points}")
        if dialect.name == "postgresql":  # GREATEST ignores NULLs
            later = f"GREATEST({table}.{reached}, excluded.{reached})"
        else:  # SQLite's two-argument max() is NULL if either is
            later = (
                f"max(coalesce({table}.{reached}, excluded.{reached}), "
                f"coalesce(excluded.{reached}, {table}.{reached}))"
            )
        changes.append(f"{reached} = {later}")
    mark = "%s" if dialect.name == "postgresql" else "?"
    row = f"({', '.join(mark for _column in columns)})"
    _UPSERTS[cache_key] = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from the models)
        f"VALUES {', '.join(row for _row in range(count))} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {', '.join(changes)} RETURNING {returning}"
    )
    return _UPSERTS[cache_key]


def _moment_converter(dialect):
    """The column type's own converter for moments (so stored as the ORM stores them)."""
    if dialect.name not in _MOMENTS:
        column = PersonTotal.__table__.c.reached_at
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        _MOMENTS[dialect.name] = process or (lambda value: value)
    return _MOMENTS[dialect.name]


def _score_sql(dialect, count: int) -> str:
    """INSERT of `count` score changes, as one statement (psycopg's executemany would
    send one per row)."""
    cache_key = (dialect.name, "leaderboard_score", count)
    if cache_key not in _UPSERTS:
        mark = "%s" if dialect.name == "postgresql" else "?"
        row = f"({mark}, {mark}, {mark}, {mark})"
        _UPSERTS[cache_key] = (
            "INSERT INTO leaderboard_score (board, period, points, holders) "  # noqa: S608
            f"VALUES {', '.join(row for _row in range(count))}"
        )
    return _UPSERTS[cache_key]


def _chunks(rows: list[tuple]) -> Iterator[tuple[int, tuple]]:
    """The rows as multi-row statements' parameters: (rows in the chunk, their values)."""
    for start in range(0, len(rows), UPSERT_CHUNK):
        chunk = rows[start : start + UPSERT_CHUNK]
        yield len(chunk), tuple(value for row in chunk for value in row)


def _upsert_rows(connection, model, rows: list[tuple]) -> list[tuple]:
    """Upsert the rows (in the order given), in chunks; what each row holds now."""
    stored = []
    for count, values in _chunks(rows):
        stored += connection.exec_driver_sql(
            _upsert_sql(connection.dialect, model, count), values
        ).all()
    return stored


def _moved(changes: dict, board: str, period: str, before: int, after: int) -> None:
    """A row's score went from `before` to `after`: one holder less there, one more here
    (scores of zero or below are no place on a board)."""
    if before == after:
        return
    if before > 0:
        changes[(board, period, before)] = changes.get((board, period, before), 0) - 1
    if after > 0:
        changes[(board, period, after)] = changes.get((board, period, after), 0) + 1


def _upsert(session: Session, sums: Sums) -> None:
    # Sorted rows: two transactions touching the same rows lock them in the same order.
    connection = session.connection()
    moment = _moment_converter(connection.dialect)
    changes: dict[tuple[str, str, int], int] = {}
    people = sorted(sums.people.items())
    rows = [
        (period, person_id, points, moment(reached))
        for (period, person_id), (points, reached) in people
    ]
    for period, person_id, points in _upsert_rows(connection, PersonTotal, rows):
        added = sums.people[(period, person_id)][0]
        _moved(changes, "people", period, points - added, points)
    companies = sorted(sums.companies.items())
    rows = [
        (period, company_id, points, moment(reached), activity, moment(activity_reached))
        for (period, company_id), (points, reached, activity, activity_reached) in companies
    ]
    for period, company_id, points, activity in _upsert_rows(connection, CompanyTotal, rows):
        added = sums.companies[(period, company_id)]
        _moved(changes, "companies", period, points - added[0], points)
        _moved(changes, "activity", period, activity - added[2], activity)
    rows = [
        (board, period, points, n) for (board, period, points), n in sorted(changes.items()) if n
    ]
    for count, values in _chunks(rows):
        connection.exec_driver_sql(_score_sql(connection.dialect, count), values)


def _person_rows(sums: Sums) -> list[dict]:
    return [
        {"period": period, "person_id": person_id, "points": points, "reached_at": reached_at}
        for (period, person_id), (points, reached_at) in sorted(sums.people.items())
    ]


def _company_rows(sums: Sums) -> list[dict]:
    return [
        {
            "period": period,
            "company_id": company_id,
            "points": points,
            "reached_at": reached_at,
            "activity_points": activity,
            "activity_reached_at": activity_reached_at,
        }
        for (period, company_id), (points, reached_at, activity, activity_reached_at) in sorted(
            sums.companies.items()
        )
    ]


# --- score counts ---------------------------------------------------------------------

SCORES = ScoreCount.__table__


def _counted_scores():
    """What the score counts should be, from the rollups: (board, period, points, rows)."""
    person, company = PersonTotal.__table__, CompanyTotal.__table__
    return union_all(
        select(literal("people"), person.c.period, person.c.points, func.count())
        .where(person.c.points > 0)
        .group_by(person.c.period, person.c.points),
        select(literal("companies"), company.c.period, company.c.points, func.count())
        .where(company.c.points > 0)
        .group_by(company.c.period, company.c.points),
        select(literal("activity"), company.c.period, company.c.activity_points, func.count())
        .where(company.c.activity_points > 0)
        .group_by(company.c.period, company.c.activity_points),
    )


def rebuild_scores(session: Session | Connection) -> int:
    """Count the scores anew from the rollups (after a rebuild, or a bulk load)."""
    session.execute(delete(ScoreCount))
    session.execute(
        insert(ScoreCount).from_select(["board", "period", "points", "holders"], _counted_scores())
    )
    # Counted, not the INSERT's rowcount: psycopg reports -1 for an INSERT ... SELECT.
    return session.scalar(select(func.count()).select_from(ScoreCount))


def compact_scores(session: Session) -> int:
    """Fold each score's changes into one row (dropping scores nobody holds), so that a
    rank reads one row per score. Only this job deletes score rows. On PostgreSQL it first
    takes a lock that lets running posts finish and makes new ones wait the moment it
    takes (SQLite: the caller holds the write lock). Returns the rows removed."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(
            "LOCK TABLE leaderboard_score IN SHARE ROW EXCLUSIVE MODE"
        )
    groups = session.execute(
        select(SCORES.c.board, SCORES.c.period, SCORES.c.points, func.sum(SCORES.c.holders))
        .group_by(SCORES.c.board, SCORES.c.period, SCORES.c.points)
        .having(or_(func.count() > 1, func.sum(SCORES.c.holders) == 0))
    ).all()
    removed = 0
    for start in range(0, len(groups), WRITE_CHUNK):
        chunk = groups[start : start + WRITE_CHUNK]
        removed += session.execute(
            delete(SCORES).where(
                SCORES.c.board == bindparam("b"),
                SCORES.c.period == bindparam("p"),
                SCORES.c.points == bindparam("s"),
            ),
            [{"b": board, "p": period, "s": points} for board, period, points, _n in chunk],
        ).rowcount
        kept = [
            {"board": board, "period": period, "points": points, "holders": holders}
            for board, period, points, holders in chunk
            if holders
        ]
        if kept:
            session.execute(insert(ScoreCount), kept)
            removed -= len(kept)
    return removed


def check_scores(session: Session, *, limit: int = 50) -> list[str]:
    """Problems where the score counts disagree with the rollups."""
    counted = _counted_scores().subquery()
    expected = {
        (board, period, points): rows
        for board, period, points, rows in session.execute(select(counted))
    }
    stored = {
        (board, period, points): holders
        for board, period, points, holders in session.execute(
            select(
                SCORES.c.board, SCORES.c.period, SCORES.c.points, func.sum(SCORES.c.holders)
            ).group_by(SCORES.c.board, SCORES.c.period, SCORES.c.points)
        )
        if holders
    }
    problems = []
    for key in sorted(stored.keys() | expected.keys()):
        if stored.get(key, 0) != expected.get(key, 0):
            board, period, points = key
            problems.append(
                f"leaderboard {board} {period}: {stored.get(key, 0)} counted at {points} "
                f"points, the rollups hold {expected.get(key, 0)}"
            )
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more score problems"]
    return problems


# --- from the whole ledger ------------------------------------------------------------

_ITEM_COLUMNS = (
    Entry.id,
    Entry.wallet_id,
    Entry.kind,
    Entry.amount,
    Entry.person_id,
    Entry.source_type,
    Entry.source_id,
    Entry.details,
    Entry.earned_at,
    Entry.created_at,
)


def _stream(session: Session, *conditions) -> Iterator[Item]:
    query = (
        select(*_ITEM_COLUMNS)
        .where(Entry.kind.in_(COUNTING), *conditions)
        .order_by(Entry.id)
        .execution_options(yield_per=5_000)
    )
    for row in session.execute(query):
        yield Item(*row[:8], _moment(row[8]), _moment(row[9]))


def _id_ranges(session: Session, column, step: int) -> Iterator[tuple[int, int]]:
    top = session.scalar(select(func.max(column))) or 0
    for low in range(0, top + 1, step):
        yield low, low + step


def _people_chunks(session: Session) -> Iterator[tuple[tuple[int, int], Sums]]:
    """What the people rows should be, a range of person ids at a time."""
    from club.members.models import User

    months = _Months(session)
    for low, high in _id_ranges(session, User.id, PEOPLE_CHUNK):
        sums = Sums()
        for item in _stream(session, Entry.person_id >= low, Entry.person_id < high):
            sums.add(item, months.of(item), None, companies=False)
        yield (low, high), sums


def _company_chunks(session: Session) -> Iterator[tuple[tuple[int, int], Sums]]:
    """What the company rows should be, a range of company ids at a time."""
    from club.members.models import Company

    for low, high in _id_ranges(session, Company.id, COMPANY_CHUNK):
        wallets = dict(
            session.execute(
                select(Wallet.id, Wallet.company_id).where(
                    Wallet.company_id >= low, Wallet.company_id < high
                )
            ).all()
        )
        sums = Sums()
        if wallets:
            months = _Months(session)  # earnings are per wallet: one chunk's worth
            for item in _stream(session, Entry.wallet_id.in_(sorted(wallets))):
                months.saw(item)
                sums.add(item, months.of(item), wallets[item.wallet_id], people=False)
        yield (low, high), sums


@dataclass
class Rebuilt:
    people: int = 0
    companies: int = 0
    scores: int = 0


def rebuild(session: Session) -> Rebuilt:
    """Recompute every rollup from the ledger (the caller commits). On PostgreSQL new
    entries wait until this transaction ends; on SQLite call it inside write_intent()."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE ledger_entry IN SHARE MODE")
    session.execute(delete(PersonTotal))
    session.execute(delete(CompanyTotal))
    done = Rebuilt()
    for _range, sums in _people_chunks(session):
        rows = _person_rows(sums)
        for start in range(0, len(rows), WRITE_CHUNK):
            session.execute(insert(PersonTotal), rows[start : start + WRITE_CHUNK])
        done.people += len(rows)
    for _range, sums in _company_chunks(session):
        rows = _company_rows(sums)
        for start in range(0, len(rows), WRITE_CHUNK):
            session.execute(insert(CompanyTotal), rows[start : start + WRITE_CHUNK])
        done.companies += len(rows)
    done.scores = rebuild_scores(session)
    session.expire_all()
    return done


def check(session: Session, *, limit: int = 50) -> list[str]:
    """Problems where the rollups disagree with the ledger (at most `limit` listed)."""
    problems: list[str] = []
    table = PersonTotal.__table__
    for (low, high), sums in _people_chunks(session):
        stored = {
            (period, person_id): [points, _moment(reached) if reached else None]
            for period, person_id, points, reached in session.execute(
                select(table.c.period, table.c.person_id, table.c.points, table.c.reached_at).where(
                    table.c.person_id >= low, table.c.person_id < high
                )
            )
        }
        _compare("person", stored, sums.people, problems)
    table = CompanyTotal.__table__
    for (low, high), sums in _company_chunks(session):
        stored = {
            (period, company_id): [
                points,
                _moment(reached) if reached else None,
                activity,
                _moment(activity_reached) if activity_reached else None,
            ]
            for period, company_id, points, reached, activity, activity_reached in session.execute(
                select(
                    table.c.period,
                    table.c.company_id,
                    table.c.points,
                    table.c.reached_at,
                    table.c.activity_points,
                    table.c.activity_reached_at,
                ).where(table.c.company_id >= low, table.c.company_id < high)
            )
        }
        _compare("company", stored, sums.companies, problems)
    problems += check_scores(session, limit=limit)
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more rollup problems"]
    return problems


def _describe(values: list | None) -> str:
    if values is None:
        return "no row"
    text = f"{values[0]} points"
    if len(values) > 2:
        text += f", {values[2]} activity points"
    reached = [value.isoformat() for value in values[1::2] if value is not None]
    return text + (f" (reached {' / '.join(reached)})" if reached else "")


def _compare(what: str, stored: dict, expected: dict, problems: list[str]) -> None:
    for key in sorted(stored.keys() | expected.keys()):
        have, want = stored.get(key), expected.get(key)
        if have != want:
            period, owner = key
            problems.append(
                f"leaderboard {what} {owner} {period}: rollup has {_describe(have)}, "
                f"the ledger says {_describe(want)}"
            )
