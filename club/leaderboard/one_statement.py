"""The rollups' share of a ledger entry's one statement on PostgreSQL (the ledger sends
signals.entry_writing; listeners.py passes the entry here): the person's and the
company's rows upserted, and the score changes they make, as data-modifying CTEs.

What an entry adds where is worked out in Python by the same rules as every other path
(counting.py: `Months`, `Sums`); only the writing is SQL. The rows go in as one array per
column (unnest), so the statement has one shape whatever the rows, and SQLAlchemy
compiles it once (multi-row VALUES with bound parameters are never cached). The score
changes are what live.py's `_moved` makes of the upserts' returned totals: -1 at the old
score, +1 at the new, scores above zero only. (The SQL stays under psycopg's 4 KB limit
for queries it keeps parsed.)"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from club.leaderboard import tops
from club.leaderboard.counting import COUNTING, Months, Sums, as_item
from club.leaderboard.live import company_ids
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.scores import SCORES
from club.ledger.signals import StatementPart

PEOPLE, COMPANIES = PersonTotal.__table__, CompanyTotal.__table__
_MOMENTS = ARRAY(DateTime(timezone=True))


def _added(prefix: str, pairs: tuple[tuple[str, str], ...]):
    """The rows to add, from one array per column: period, then each points/reached."""
    arrays = [bindparam(f"{prefix}period", type_=ARRAY(String))]
    for points, reached in pairs:
        arrays += [
            bindparam(f"{prefix}{points}", type_=ARRAY(Integer)),
            bindparam(f"{prefix}{reached}", type_=_MOMENTS),
        ]
    names = ["period", *(name for pair in pairs for name in pair)]
    return func.unnest(*arrays).table_valued(*names).render_derived(name=f"{prefix}add")


def _upsert(table, owner: str, pairs, prefix: str):
    """INSERT ... ON CONFLICT adding the points and moving each reached-at to the later
    moment (GREATEST ignores NULLs), RETURNING each row's period and totals now."""
    added = _added(prefix, pairs)
    columns = ["period", owner, *(name for pair in pairs for name in pair)]
    rows = select(
        added.c.period,
        bindparam(f"{prefix}owner", type_=table.c[owner].type),
        *(added.c[name] for pair in pairs for name in pair),
    )
    statement = pg_insert(table).from_select(columns, rows)
    changes = {}
    for points, reached in pairs:
        changes[points] = table.c[points] + statement.excluded[points]
        changes[reached] = func.greatest(table.c[reached], statement.excluded[reached])
    returned = [table.c.period, *(table.c[points] for points, _reached in pairs)]
    upsert = statement.on_conflict_do_update(index_elements=["period", owner], set_=changes)
    return upsert.returning(*returned)


def _moves(rows, prefix: str, score):
    """Score changes from the upserted rows: Python sends, per row that changed, a -1
    shifted back by what was added (the score before) and a +1 unshifted (the score
    now); scores of zero or below are no place on a board."""
    moves = (
        func.unnest(
            bindparam(f"{prefix}period", type_=ARRAY(String)),
            bindparam(f"{prefix}board", type_=ARRAY(String)),
            bindparam(f"{prefix}shift", type_=ARRAY(Integer)),
            bindparam(f"{prefix}n", type_=ARRAY(Integer)),
        )
        .table_valued("period", "board", "shift", "n")
        .render_derived(name=f"{prefix}mv")
    )
    value = score(rows, moves) + moves.c.shift
    return (
        select(moves.c.board, rows.c.period, value, moves.c.n)
        .select_from(rows.join(moves, moves.c.period == rows.c.period))
        .where(value > 0)
    )


def _company_score(rows, moves):
    return case(
        (moves.c.board == literal_column("'activity'"), rows.c.activity_points), else_=rows.c.points
    )


@cache
def _ctes(people: bool, companies: bool) -> tuple:
    ctes, moves = [], []
    if people:
        rows = _upsert(PEOPLE, "person_id", (("points", "reached_at"),), "p_").cte("lb_people")
        ctes.append(rows)
        moves.append(_moves(rows, "pm_", lambda rows, _moves: rows.c.points))
    if companies:
        pairs = (("points", "reached_at"), ("activity_points", "activity_reached_at"))
        rows = _upsert(COMPANIES, "company_id", pairs, "c_").cte("lb_companies")
        ctes.append(rows)
        moves.append(_moves(rows, "cm_", _company_score))
    changes = union_all(*moves) if len(moves) > 1 else moves[0]
    scores = insert(SCORES).from_select(["board", "period", "points", "holders"], changes)
    ctes.append(scores.cte("lb_scores"))
    return tuple(ctes)


def _columns(rows: list, prefix: str, names: tuple[str, ...]) -> dict:
    """Sorted rows ((period, owner), values) as one list per column."""
    params = {f"{prefix}owner": rows[0][0][1], f"{prefix}period": [key[0] for key, _v in rows]}
    for index, name in enumerate(names):
        params[f"{prefix}{name}"] = [values[index] for _key, values in rows]
    return params


def _shifts(prefix: str, changes: list[tuple[str, str, int]]) -> dict:
    """(board, period, points added) as the moves' arrays: -1 at before, +1 at now."""
    moves = [
        move
        for board, period, added in changes
        if added
        for move in ((period, board, -added, -1), (period, board, 0, 1))
    ]
    return {
        f"{prefix}{name}": [move[index] for move in moves]
        for index, name in enumerate(("period", "board", "shift", "n"))
    }


def statement_part(session: Session, entry) -> StatementPart | None:
    """What the entry changes on the boards, as CTEs for its statement; None if nothing."""
    item = as_item(entry)
    if item.kind not in COUNTING:
        return None
    company_id = company_ids(session, {item.wallet_id}).get(item.wallet_id)
    sums = Sums()
    sums.add(item, Months(session).of(item), company_id)
    # Sorted rows: two transactions touching the same rows lock them in the same order.
    people, companies = sorted(sums.people.items()), sorted(sums.companies.items())
    if not people and not companies:
        return None
    tops.forget_past(session, {period for (period, _owner), _sums in [*people, *companies]})
    params: dict = {}
    if people:
        params |= _columns(people, "p_", ("points", "reached_at"))
        params |= _shifts("pm_", [("people", period, v[0]) for (period, _o), v in people])
    if companies:
        names = ("points", "reached_at", "activity_points", "activity_reached_at")
        params |= _columns(companies, "c_", names)
        changes = [
            (board, period, v[index])
            for (period, _owner), v in companies
            for board, index in (("companies", 0), ("activity", 2))
        ]
        params |= _shifts("cm_", changes)
    return StatementPart(_ctes(bool(people), bool(companies)), params)
