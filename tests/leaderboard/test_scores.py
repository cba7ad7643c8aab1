"""Score counts: how many rows of a board hold each score, which ranks read instead of
counting every row above. They follow every rollup change, fold together when compacted,
are rebuilt and verified with the rollups, and take concurrent posts without waiting."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from club.core.roles import Role
from club.extensions import db
from club.leaderboard import services as boards
from club.leaderboard.models import PersonTotal, ScoreCount
from club.leaderboard.rollups import check_scores, compact_scores, rebuild
from club.leaderboard.services import Period
from club.ledger import services as ledger
from club.ledger.verify import verify
from tests.leaderboard.conftest import at, earn
from tests.race import race

OCTOBER = Period("month", 2026, 10)


def _counted_rank(session, person, period: str) -> int:
    """The rank by definition: 1 + the rows with more points (counted the slow way)."""
    points = session.scalar(
        select(PersonTotal.points).where(
            PersonTotal.person_id == person.id, PersonTotal.period == period
        )
    )
    above = session.scalar(
        select(func.count()).where(PersonTotal.period == period, PersonTotal.points > points)
    )
    return above + 1


def _score_rows(session) -> list[tuple]:
    return sorted(
        tuple(row)
        for row in session.execute(
            select(ScoreCount.board, ScoreCount.period, ScoreCount.points, ScoreCount.holders)
        )
    )


def test_ranks_read_from_score_counts_that_follow_every_change(db_session, club, make_user):
    people = [make_user(Role.PARTNER_STAFF, club.company) for _ in range(6)]
    for index, person in enumerate(people):  # 10, 20, 20, 30, 30, 30
        earn(db_session, person, [10, 20, 20, 30, 30, 30][index], at(2026, 10, 2, 8, index))
    # A company's pending points forfeited: its row rose to 200 and fell back to 0.
    earn(db_session, club.other_company, 200, at(2026, 10, 3), pending=True, source=("r", "1"))
    wallet = ledger.wallet_for(db_session, club.other_company.id)
    ledger.forfeit(db_session, wallet, 200, source=ledger.Source("r", "1"))
    db_session.flush()
    assert check_scores(db_session) == []
    changes = [
        row[3] for row in _score_rows(db_session) if row[:3] == ("companies", "M2026-10", 200)
    ]
    assert changes == [-1, 1]  # one holder came and went
    # The viewer outside a top of one: own rank and the neighbours' from the counts.
    result = boards.board(db_session, "people", OCTOBER, viewer=people[1], limit=1)
    assert result.viewer.rank == _counted_rank(db_session, people[1], "M2026-10") == 4
    ranks = {row.owner_id: row.rank for row in result.around}
    assert ranks[people[0].id] == 6 and ranks[people[2].id] == 4
    assert [row.rank for row in result.around] == sorted(row.rank for row in result.around)
    standing = boards.standing(db_session, people[0], now=at(2026, 10, 20))
    assert (standing.rank, standing.to_next) == (6, 10)


def test_compacting_folds_the_changes_into_one_row_per_score(db_session, club, make_user):
    people = [make_user(Role.PARTNER_STAFF, club.company) for _ in range(4)]
    for step in range(3):
        for index, person in enumerate(people):
            earn(db_session, person, 5 * (index % 2 + 1), at(2026, 10, 5 + step, 9, index))
    db_session.flush()
    before = _score_rows(db_session)
    ranks = [row.rank for row in boards.board(db_session, "people", OCTOBER).top]
    assert len(before) > len({row[:3] for row in before})  # several rows for a score
    removed = compact_scores(db_session)
    after = _score_rows(db_session)
    assert removed == len(before) - len(after) > 0
    assert len(after) == len({row[:3] for row in after})  # one row per score
    assert all(holders > 0 for *_key, holders in after)  # scores nobody holds are gone
    assert check_scores(db_session) == []
    assert [row.rank for row in boards.board(db_session, "people", OCTOBER).top] == ranks
    assert compact_scores(db_session) == 0  # nothing left to fold


def test_verify_reports_a_wrong_score_count_and_rebuild_mends_it(db_session, club):
    earn(db_session, club.staff, 10, at(2026, 10, 1))
    db_session.execute(
        text(
            "INSERT INTO leaderboard_score (board, period, points, holders) "
            "VALUES ('people', 'M2026-10', 10, 1)"
        )
    )
    problems = verify(db_session).problems
    assert "leaderboard people M2026-10: 2 counted at 10 points, the rollups hold 1" in problems
    rebuild(db_session)
    assert verify(db_session).problems == []
    assert ("people", "M2026-10", 10, 1) in _score_rows(db_session)


@pytest.mark.real_commits  # threads racing, each on its own connection
def test_concurrent_posts_with_equal_scores_and_a_compaction_never_deadlock(
    app, db_session, club, make_company, make_user
):
    """Posts for different companies reach the same scores at once, two posts a
    transaction, while the compaction runs: nothing waits on a shared score row, so no
    transaction can deadlock, and the counts still agree with the rollups."""
    companies = [make_company() for _ in range(6)]
    people = [make_user(Role.PARTNER_STAFF, company) for company in companies]
    for company in companies:
        ledger.wallet_for(db_session, company.id)
    ids = [(person.id, company.id) for person, company in zip(people, companies, strict=True)]
    db_session.commit()

    def work(index: int):
        from club.members.models import User

        if index == len(ids):
            return compact_scores(db.session)
        person_id, company_id = ids[index]
        person = db.session.get(User, person_id)
        for attempt in range(2):
            wallet = ledger.wallet_for(db.session, company_id)
            ledger.earn(
                db.session,
                wallet,
                10,
                source=ledger.Source("quiz", f"{index}-{attempt}"),
                person=person,
            )
        return index

    race(app, work, len(ids) + 1)
    db_session.expire_all()
    assert verify(db_session).problems == []
    compact_scores(db_session)
    month = boards.this_month().key
    assert ("people", month, 20, 6) in _score_rows(db_session)
