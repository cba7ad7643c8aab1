"""The rollups from the whole ledger, set-based: `rebuild` recomputes them (and the
score counts) with one INSERT ... SELECT ... GROUP BY per table, `check` compares them
with the same SELECT for `ledger verify`. Nothing streams through Python.

The SELECT says in SQL what counting.py says in Python (which entries count, by how
much, in which month; the month's quarter, year and all time), and the live rollups
follow counting.py: `check` is where the two meet, and the rollup tests hold both to the
same cases. On SQLite the club's calendar comes from core.periods itself (SQLite knows
no time zones: the month of a moment and of a stored period are Python functions
registered on the connection); PostgreSQL converts with the zone's rules.
"""

# ruff: noqa: S608 (SQL put together from the code's own constants; values are bound)
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from club.core import periods
from club.leaderboard.counting import COUNTING, PURCHASE_SOURCE, REVERSALS, moment
from club.leaderboard.models import CompanyTotal, PersonTotal, ScoreCount
from club.leaderboard.scores import check_scores, rebuild_scores
from club.ledger.models import EntryKind


def _in(kinds) -> str:
    return ", ".join(f"'{kind.value}'" for kind in sorted(kinds))


def _sqlite_month(value) -> str | None:
    return None if value is None else periods.month_of(moment(value)).key


# A moment as SQLite keeps it (UTC, no offset); its first 13 characters name its hour.
_STORED_UTC = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?")


def _sqlite_month_by_hour():
    """_sqlite_month, worked out once per UTC hour rather than once per entry (the zone
    conversion is most of a rebuild's time on SQLite). An hour in which a month begins in
    the club's zone (a zone half an hour off UTC) is left to _sqlite_month."""
    hours: dict[str, str | None] = {}

    def club_month(value) -> str | None:
        if not isinstance(value, str) or not _STORED_UTC.fullmatch(value):
            return _sqlite_month(value)
        hour = value[:13]
        if hour not in hours:
            start = datetime.fromisoformat(f"{value[:10]}T{value[11:13]}:00:00+00:00")
            first = periods.month_of(start).key
            last = periods.month_of(start + timedelta(hours=1, microseconds=-1)).key
            hours[hour] = first if first == last else None
        return hours[hour] or _sqlite_month(value)

    return club_month


def _sqlite_named_month(value) -> str | None:
    named = periods.from_arg(value if isinstance(value, str) else None)
    return named.key if named is not None and named.kind == "month" else None


def _dialect_sql(session: Session) -> dict[str, str]:
    """The parts that differ: a moment's month in the club's zone, an entry's named
    purchase month and clawed-back points (details), a purchase month's id and month."""
    if session.get_bind().dialect.name == "postgresql":
        # Months as dates while the entries are grouped (a date hashes and sorts far
        # cheaper than text), written as the keys of core.periods once per group.
        zone = periods.club_zone().key.replace("'", "")
        named = "btrim(e.details->>'period')"
        return {
            "month": f"date_trunc('month', {{}} AT TIME ZONE '{zone}')::date",
            "named": (
                f"CASE WHEN {named} ~ '^[0-9]{{4}}-[0-9]{{1,2}}$' THEN CASE WHEN "
                f"split_part({named}, '-', 2)::int BETWEEN 1 AND 12 THEN make_date("
                f"split_part({named}, '-', 1)::int, split_part({named}, '-', 2)::int, 1) "
                "END END"
            ),
            "requested": "(e.details->>'requested')::bigint",
            "source_number": (
                "CASE WHEN e.source_id ~ '^[0-9]{1,18}$' THEN e.source_id::bigint END"
            ),
            "purchase_month": "date_trunc('month', pm.period)::date",
            "month_key": "'M' || to_char({}, 'YYYY-MM')",
            "entry_wallet": "e.wallet_id",
        }
    connection = session.connection().connection.driver_connection
    connection.create_function("club_month", 1, _sqlite_month_by_hour(), deterministic=True)
    connection.create_function("club_named_month", 1, _sqlite_named_month, deterministic=True)
    return {
        "month": "club_month({})",
        "named": "club_named_month(json_extract(e.details, '$.period'))",
        "requested": "CAST(json_extract(e.details, '$.requested') AS INTEGER)",
        "source_number": (
            "CASE WHEN e.source_id <> '' AND e.source_id NOT GLOB '*[^0-9]*' "
            "THEN CAST(e.source_id AS INTEGER) END"
        ),
        "purchase_month": "'M' || substr(pm.period, 1, 7)",
        "month_key": "{}",
        # The entries read in the table's order, each wallet looked up by its key (the
        # plus keeps SQLite from walking the entries wallet by wallet through an index).
        "entry_wallet": "+e.wallet_id",
    }


def _counted(session: Session) -> str:
    """The counting entries summed per month they count in, person, company and kind
    (activity or purchases): points (+ or -) and when the newest that added was written."""
    sql = _dialect_sql(session)
    month = sql["month"]
    first_earning = (
        f"SELECT {month.format('first.earned_at')} FROM ledger_entry AS first "
        "WHERE first.source_type = e.source_type AND first.source_id = e.source_id "
        f"AND first.wallet_id = e.wallet_id AND first.kind = '{EntryKind.EARN.value}' "
        "AND first.id < e.id ORDER BY first.id LIMIT 1"
    )
    # Looked up only for purchase points (a join would parse every entry's source id).
    purchase_month = (
        f"SELECT {sql['purchase_month']} FROM purchase_month AS pm "
        f"WHERE pm.id = {sql['source_number']}"
    )
    clawback = EntryKind.CLAWBACK.value
    entries = (
        "SELECT e.person_id, w.company_id, e.created_at, "
        f"CASE WHEN e.kind = '{clawback}' AND {sql['requested']} IS NOT NULL "
        f"THEN -{sql['requested']} ELSE e.amount END AS delta, "
        f"CASE WHEN e.source_type <> '{PURCHASE_SOURCE}' THEN 1 ELSE 0 END AS activity, "
        "COALESCE("
        f"CASE WHEN e.source_type = '{PURCHASE_SOURCE}' "
        f"THEN COALESCE({sql['named']}, ({purchase_month})) END, "
        f"CASE WHEN e.kind IN ({_in(REVERSALS)}) THEN ({first_earning}) END, "
        f"{month.format('e.earned_at')}) AS month "
        f"FROM ledger_entry AS e JOIN wallet AS w ON w.id = {sql['entry_wallet']} "
        f"WHERE e.kind IN ({_in(COUNTING)})"
    )
    # One row per month, person, company and kind of points: each entry is read once
    # and its month worked out once; the periods are then summed from these rows.
    return (
        f"SELECT {sql['month_key'].format('c.month')} AS month, c.person_id, c.company_id, "
        "c.activity, SUM(c.delta) AS points, "
        "MAX(CASE WHEN c.delta > 0 THEN c.created_at END) AS reached_at "
        f"FROM ({entries}) AS c GROUP BY c.month, c.person_id, c.company_id, c.activity"
    )


MONTHS = "rollup_months"  # a temporary table of _counted's rows
# A month counts in its quarter, its year and all time too (core.periods' keys).
_PERIOD = (
    "CASE level.n WHEN 1 THEN m.month "
    "WHEN 2 THEN 'Q' || substr(m.month, 2, 4) || '-' || "
    "CAST((CAST(substr(m.month, 7, 2) AS INTEGER) + 2) / 3 AS TEXT) "
    f"WHEN 3 THEN 'Y' || substr(m.month, 2, 4) ELSE '{periods.ALL_TIME}' END"
)
_IN_PERIODS = (
    f"FROM {MONTHS} AS m CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL "
    "SELECT 3 UNION ALL SELECT 4) AS level"
)
PEOPLE = (
    f"SELECT {_PERIOD} AS period, m.person_id, SUM(m.points) AS points, "
    f"MAX(m.reached_at) AS reached_at {_IN_PERIODS} WHERE m.person_id IS NOT NULL "
    "GROUP BY 1, 2"
)
COMPANIES = (
    f"SELECT {_PERIOD} AS period, m.company_id, SUM(m.points) AS points, "
    "MAX(m.reached_at) AS reached_at, "
    "SUM(CASE WHEN m.activity = 1 THEN m.points ELSE 0 END) AS activity_points, "
    "MAX(CASE WHEN m.activity = 1 THEN m.reached_at END) AS activity_reached_at "
    f"{_IN_PERIODS} GROUP BY 1, 2"
)


def _sum_months(session: Session) -> None:
    """The ledger summed by month into a temporary table (dropped by _forget_months)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    _room_to_group(session)
    session.execute(text(f"DROP TABLE IF EXISTS {MONTHS}"))
    if postgresql:  # grouped in a hash, not sorted (the estimate of the groups is far off)
        session.connection().exec_driver_sql("SET LOCAL enable_sort = off")
    session.execute(text(f"CREATE TEMPORARY TABLE {MONTHS} AS {_counted(session)}"))
    if postgresql:
        session.connection().exec_driver_sql("SET LOCAL enable_sort = on")


def _forget_months(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {MONTHS}"))


PERSON_COLUMNS = "period, person_id, points, reached_at"
COMPANY_COLUMNS = "period, company_id, points, reached_at, activity_points, activity_reached_at"


@dataclass
class Rebuilt:
    people: int = 0
    companies: int = 0
    scores: int = 0


def rebuild(session: Session) -> Rebuilt:
    """Recompute every rollup from the ledger (the caller commits). On PostgreSQL new
    entries wait until this transaction ends, and so do the boards (the tables are
    reloaded: see _reloading); on SQLite call it inside write_intent()."""
    period = "period"
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE ledger_entry IN SHARE MODE")
        period = 'period COLLATE "C"'  # the keys are ASCII: the same order, sorted faster
    _sum_months(session)
    with _reloading(session, ROLLUP_TABLES):
        # Ordered, so that ids follow (period, owner), as before, and the indexes are
        # built from rows in their order.
        session.execute(
            text(
                f"INSERT INTO leaderboard_person ({PERSON_COLUMNS}) "
                f"SELECT {PERSON_COLUMNS} FROM ({PEOPLE}) AS rows ORDER BY {period}, person_id"
            )
        )
        session.execute(
            text(
                f"INSERT INTO leaderboard_company ({COMPANY_COLUMNS}) "
                f"SELECT {COMPANY_COLUMNS} FROM ({COMPANIES}) AS rows ORDER BY {period}, company_id"
            )
        )
        _forget_months(session)
        scores = rebuild_scores(session)
    done = Rebuilt(
        people=session.scalar(text("SELECT count(*) FROM leaderboard_person")),
        companies=session.scalar(text("SELECT count(*) FROM leaderboard_company")),
        scores=scores,
    )
    session.expire_all()
    return done


ROLLUP_TABLES = (PersonTotal.__tablename__, CompanyTotal.__tablename__, ScoreCount.__tablename__)


@contextmanager
def _reloading(session: Session, tables: tuple[str, ...]):
    """The tables emptied for a reload. On PostgreSQL they are truncated and loaded
    without their secondary indexes, unique and foreign keys, which are then made again
    as they were: one sort per index and one join per key instead of an index insert and
    a key lookup per row (the load takes a third of the time). The tables are locked
    until the transaction ends, so boards read meanwhile wait for the rebuild."""
    if session.get_bind().dialect.name != "postgresql":
        # SQLite: the indexes declared apart from the tables (the unique ones live in
        # the tables' own definitions and stay).
        indexes = session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND sql IS NOT NULL AND tbl_name IN ({', '.join(map(repr, tables))}) "
                "ORDER BY name"
            )
        ).all()
        for name, _definition in indexes:
            session.execute(text(f'DROP INDEX "{name}"'))
        for table in tables:
            session.execute(text(f"DELETE FROM {table}"))
        yield
        for _name, definition in indexes:
            session.execute(text(definition))
        return
    connection = session.connection()
    names = ", ".join(tables)
    connection.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    oids = {"tables": list(tables)}
    constraints = connection.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(CAST(:tables AS regclass[])) "
            "AND contype IN ('u', 'f') ORDER BY contype DESC, conname"
        ),
        oids,
    ).all()
    indexes = connection.execute(
        text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index AS i WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c "
            "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) ORDER BY 1"
        ),
        oids,
    ).all()
    for table, name, _definition in constraints:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    connection.exec_driver_sql(f"TRUNCATE {names}")
    yield
    for _name, definition in indexes:
        connection.exec_driver_sql(definition)
    for table, name, definition in reversed(constraints):
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _room_to_group(session: Session) -> None:
    """PostgreSQL: memory enough to group the rows in one pass (for this transaction),
    and no JIT: the reversals' subquery makes the plan look costly enough to compile,
    which takes longer than the expressions it would speed up."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("SET LOCAL work_mem = '256MB'")
        session.connection().exec_driver_sql("SET LOCAL jit = off")


def _differences(session: Session, table: str, owner: str, columns: str, expected: str, limit):
    """Keys of rows that differ between the table and what the ledger gives (at most
    `limit` + 1), and both sides' rows for them."""
    session.execute(text(f"DROP TABLE IF EXISTS expected_{table}"))
    session.execute(text(f"CREATE TEMPORARY TABLE expected_{table} AS {expected}"))
    try:
        keys = session.execute(
            text(
                f"SELECT period, {owner} FROM (SELECT {columns} FROM expected_{table} "
                f"EXCEPT SELECT {columns} FROM {table}) AS missing UNION "
                f"SELECT period, {owner} FROM (SELECT {columns} FROM {table} "
                f"EXCEPT SELECT {columns} FROM expected_{table}) AS extra "
                f"ORDER BY period, {owner} LIMIT {int(limit) + 1}"
            )
        ).all()
        sides = []
        for source in (table, f"expected_{table}"):
            rows = {}
            for key in keys:
                row = session.execute(
                    text(
                        f"SELECT {columns} FROM {source} "
                        f"WHERE period = :period AND {owner} = :owner"
                    ),
                    {"period": key[0], "owner": key[1]},
                ).first()
                if row is not None:
                    rows[tuple(key)] = [
                        moment(value) if value is not None and index % 2 else value
                        for index, value in enumerate(row[2:], start=0)
                    ]
            sides.append(rows)
        return sides
    finally:
        session.execute(text(f"DROP TABLE expected_{table}"))


def check(session: Session, *, limit: int = 50) -> list[str]:
    """Problems where the rollups disagree with the ledger (at most `limit` listed)."""
    problems: list[str] = []
    _sum_months(session)
    try:
        stored, expected = _differences(
            session, "leaderboard_person", "person_id", PERSON_COLUMNS, PEOPLE, limit
        )
        _compare("person", stored, expected, problems)
        stored, expected = _differences(
            session, "leaderboard_company", "company_id", COMPANY_COLUMNS, COMPANIES, limit
        )
        _compare("company", stored, expected, problems)
    finally:
        _forget_months(session)
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
