"""The boards' tops kept a few seconds in the shared cache: the viewer's own row is read
afresh, hiding a name and changing a period that is over drop what they affect."""

from __future__ import annotations

import pytest

from club.core import shared_cache
from club.core.clock import utcnow
from club.core.periods import this_month
from club.leaderboard import services as boards
from club.leaderboard.services import Period
from club.members.accounts import update_profile
from tests.leaderboard.conftest import at, earn

OCTOBER = Period("month", 2026, 10)


@pytest.fixture
def cached(app, monkeypatch):
    monkeypatch.setitem(app.config, "BOARD_CACHE_SECONDS", 5)
    monkeypatch.setitem(app.extensions, shared_cache.EXTENSION_KEY, shared_cache.SharedCache(None))


def _points(result):
    return [(row.name, row.points) for row in result.top]


def test_the_top_comes_from_the_cache_but_the_viewer_sees_their_own_points_now(
    cached, db_session, club
):
    now = utcnow()
    earn(db_session, club.staff, 50, now)
    earn(db_session, club.other_staff, 40, now)
    first = boards.board(db_session, "people", this_month(), viewer=club.other_staff)
    assert first.age is None
    assert _points(first) == [("Staff A", 50), ("Staff B", 40)]
    earn(db_session, club.staff, 5, now)
    earn(db_session, club.other_staff, 30, now)
    again = boards.board(db_session, "people", this_month(), viewer=club.other_staff)
    assert again.age is not None
    assert _points(again) == [("Staff A", 50), ("Staff B", 70)]  # the viewer's row: now
    assert (again.viewer.rank, again.viewer.points) == (1, 70)
    assert boards.board(db_session, "people", this_month()).top[0].points == 50


def test_hiding_a_name_drops_the_cached_tops(cached, db_session, club):
    earn(db_session, club.staff, 50, at(2026, 10, 2))
    assert _points(boards.board(db_session, "people", OCTOBER)) == [("Staff A", 50)]
    update_profile(db_session, club.staff, name="Staff A", language="pl", is_shown_on_boards=False)
    result = boards.board(db_session, "people", OCTOBER)
    assert result.age is None
    assert [row.hidden for row in result.top] == [True]


def test_an_entry_in_a_period_that_is_over_drops_its_tops(cached, db_session, club):
    earn(db_session, club.staff, 50, at(2026, 10, 2))
    assert boards.board(db_session, "companies", OCTOBER).top[0].points == 50
    earn(db_session, club.staff, 7, at(2026, 10, 20))  # October is over: a late correction
    result = boards.board(db_session, "companies", OCTOBER)
    assert (result.age, result.top[0].points) == (None, 57)


def test_a_cache_whose_redis_does_not_answer_keeps_working_in_memory(caplog):
    store = shared_cache.SharedCache("redis://127.0.0.1:1/0")  # nothing listens there
    store.set("board-tops", "people|M2026-10||50", {"rows": [1]}, 5)
    assert store.get("board-tops", "people|M2026-10||50") == {"rows": [1]}
    store.forget("board-tops", "*|M2026-10|*")
    assert store.get("board-tops", "people|M2026-10||50") is None
    assert "Redis does not answer" in caplog.text
