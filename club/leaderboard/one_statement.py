"""The rollups' share of a ledger entry's one statement on PostgreSQL (the ledger sends
signals.entry_writing; listeners.py passes the entry here): the person's and the
company's rows upserted, and the score changes they make, as data-modifying CTEs.

What an entry adds where is worked out in Python by the same rules as every other path
(counting.py: `Months`, `Sums`); only the writing is SQL. The CTEs are built once per
shape (how many person and company rows) and take the values as parameters, so the
statement's compiled form is cached. The score changes are what live.py's `_moved` makes
of the upserts' returned totals: -1 at the old score, +1 at the new, scores above zero."""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, case, func, insert, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from club.leaderboard import tops
from club.leaderboard.counting import COUNTING, Months, Sums, as_item
from club.leaderboard.live import company_ids
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.scores import SCORES
from club.ledger.signals import StatementPart

PEOPLE, COMPANIES = PersonTotal.__table__, CompanyTotal.__table__


def _param(name: str, column):
    return bindparam(name, type_=column.type)


def _upsert(table, owner: str, pairs: tuple[tuple[str, str], ...], rows: int, prefix: str):
    """INSERT of `rows` rows ON CONFLICT adding the points and moving each reached-at to
    the later moment (GREATEST ignores NULLs), RETURNING each row's period and, per
    points column, the total now and the total before (now minus what was added)."""
    values = []
    for index in range(rows):
        row = {"period": _param(f"{prefix}period{index}", table.c.period)}
        row[owner] = _param(f"{prefix}owner", table.c[owner])
        for points, reached in pairs:
            row[points] = _param(f"{prefix}{points}{index}", table.c[points])
            row[reached] = _param(f"{prefix}{reached}{index}", table.c[reached])
        values.append(row)
    statement = pg_insert(table).values(values)
    changes = {}
    for points, reached in pairs:
        changes[points] = table.c[points] + statement.excluded[points]
        changes[reached] = func.greatest(table.c[reached], statement.excluded[reached])
    returned = [table.c.period]
    for points, _reached in pairs:
        added = case(
            *(
                (
                    table.c.period == bindparam(f"{prefix}period{index}"),
                    bindparam(f"{prefix}{points}{index}"),
                )
                for index in range(rows)
            ),
            else_=0,
        )
        returned += [
            table.c[points].label(points),
            (table.c[points] - added).label(f"{points}_before"),
        ]
    return statement.on_conflict_do_update(
        index_elements=["period", owner], set_=changes
    ).returning(*returned)


def _moves(board: str, rows, points: str):
    """Score changes of a board from upserted rows: -1 at the score before, +1 at now."""
    now, before = rows.c[points], rows.c[f"{points}_before"]
    return (
        select(literal(board), rows.c.period, before, literal(-1)).where(before > 0, before != now),
        select(literal(board), rows.c.period, now, literal(1)).where(now > 0, before != now),
    )


@cache
def _ctes(people: int, companies: int) -> tuple:
    ctes, moves = [], []
    if people:
        rows = _upsert(PEOPLE, "person_id", (("points", "reached_at"),), people, "lbp_").cte(
            "rollup_people"
        )
        ctes.append(rows)
        moves += _moves("people", rows, "points")
    if companies:
        pairs = (("points", "reached_at"), ("activity_points", "activity_reached_at"))
        rows = _upsert(COMPANIES, "company_id", pairs, companies, "lbc_").cte("rollup_companies")
        ctes.append(rows)
        moves += _moves("companies", rows, "points") + _moves("activity", rows, "activity_points")
    scores = insert(SCORES).from_select(["board", "period", "points", "holders"], union_all(*moves))
    ctes.append(scores.cte("rollup_scores"))
    return tuple(ctes)


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
    for index, ((period, person_id), (points, reached)) in enumerate(people):
        params |= {
            "lbp_owner": person_id,
            f"lbp_period{index}": period,
            f"lbp_points{index}": points,
            f"lbp_reached_at{index}": reached,
        }
    for index, ((period, company), (points, reached, activity, activity_reached)) in enumerate(
        companies
    ):
        params |= {
            "lbc_owner": company,
            f"lbc_period{index}": period,
            f"lbc_points{index}": points,
            f"lbc_reached_at{index}": reached,
            f"lbc_activity_points{index}": activity,
            f"lbc_activity_reached_at{index}": activity_reached,
        }
    return StatementPart(_ctes(len(people), len(companies)), params)
