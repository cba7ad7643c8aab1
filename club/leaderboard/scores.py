"""Score counts: how many rows of a board hold each score in a period, kept as changes
(live.py adds them), counted anew, folded together now and then, and checked."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from club.leaderboard.counting import WRITE_CHUNK
from club.leaderboard.models import CompanyTotal, PersonTotal, ScoreCount

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
