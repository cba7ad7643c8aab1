"""The rollups from the whole ledger: `rebuild` recomputes them (and the score counts),
`check` compares them with it for `ledger verify`. Both work through the ledger a range
of people (or companies) at a time, with the same rules as the live rollups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from club.leaderboard.counting import COUNTING, WRITE_CHUNK, Item, Months, Sums, moment
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.scores import check_scores, rebuild_scores
from club.ledger.models import Entry, Wallet
from club.members.models import Company, User

# Rebuild and check work through the ledger this many people (or companies) at a time.
PEOPLE_CHUNK = 5_000
COMPANY_CHUNK = 500


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
        yield Item(*row[:8], moment(row[8]), moment(row[9]))


def _id_ranges(session: Session, column, step: int) -> Iterator[tuple[int, int]]:
    top = session.scalar(select(func.max(column))) or 0
    for low in range(0, top + 1, step):
        yield low, low + step


def _people_chunks(session: Session) -> Iterator[tuple[tuple[int, int], Sums]]:
    """What the people rows should be, a range of person ids at a time."""
    months = Months(session)
    for low, high in _id_ranges(session, User.id, PEOPLE_CHUNK):
        sums = Sums()
        for item in _stream(session, Entry.person_id >= low, Entry.person_id < high):
            sums.add(item, months.of(item), None, companies=False)
        yield (low, high), sums


def _company_chunks(session: Session) -> Iterator[tuple[tuple[int, int], Sums]]:
    """What the company rows should be, a range of company ids at a time."""
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
            months = Months(session)  # earnings are per wallet: one chunk's worth
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
            (period, person_id): [points, moment(reached) if reached else None]
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
                moment(reached) if reached else None,
                activity,
                moment(activity_reached) if activity_reached else None,
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
