"""Boards: ranks with ties, hidden names, the viewer's neighbourhood, periods, the
activity view and leagues."""

from __future__ import annotations

from datetime import timedelta

import pytest

from club.core.clock import utcnow
from club.core.roles import Role
from club.leaderboard import services as boards
from club.leaderboard.services import InvalidPeriod, Period, UnknownLeague, parse_period
from club.ledger import services as ledger
from club.members.tiers import ensure_default_tiers
from tests.leaderboard.conftest import at, earn

OCTOBER = Period("month", 2026, 10)


def _table(result):
    return [(row.rank, row.name, row.points) for row in result.top]


def test_ties_share_the_rank_and_whoever_got_there_first_is_listed_first(
    app_ctx, db_session, club, make_user
):
    second = make_user(Role.PARTNER_STAFF, club.other_company, name="Second")
    first = make_user(Role.PARTNER_STAFF, club.company, name="First")
    earn(db_session, second, 20, at(2026, 10, 1))  # Second's row is older...
    earn(db_session, club.staff, 50, at(2026, 10, 3))
    earn(db_session, first, 31, at(2026, 10, 5))
    earn(db_session, second, 10, at(2026, 10, 6))
    earn(db_session, club.holder, 10, at(2026, 10, 7))
    db_session.commit()
    result = boards.board(db_session, "people", OCTOBER)
    assert _table(result) == [
        (1, "Staff A", 50),
        (2, "First", 31),
        (3, "Second", 30),
        (4, "Holder A", 10),
    ]
    earn(db_session, second, 1, at(2026, 10, 8))  # ...but reaches 31 after First
    db_session.commit()
    result = boards.board(db_session, "people", OCTOBER)
    assert _table(result) == [
        (1, "Staff A", 50),
        (2, "First", 31),
        (2, "Second", 31),
        (4, "Holder A", 10),
    ]
    assert [row.company for row in result.top[:3]] == [
        "Hurtownia Żak",
        "Hurtownia Żak",
        "ООО «Другая»",
    ]


def test_hidden_names_and_the_viewer_always_sees_themselves(app_ctx, db_session, club):
    club.staff.is_shown_on_boards = False
    club.other_staff.is_shown_on_boards = False
    club.other_company.is_shown_on_boards = False
    earn(db_session, club.staff, 30, at(2026, 10, 3))
    earn(db_session, club.other_staff, 20, at(2026, 10, 3))
    earn(db_session, club.other_holder, 10, at(2026, 10, 3))
    db_session.commit()
    result = boards.board(db_session, "people", OCTOBER, viewer=club.holder)
    assert [(row.name, row.company, row.hidden) for row in result.top] == [
        ("Member of Hurtownia Żak", None, True),
        ("Anonymous member", None, True),
        ("Holder B", None, False),  # shows a name; its company shows none
    ]
    assert result.viewer is None  # the holder earned nothing this month
    mine = boards.board(db_session, "people", OCTOBER, viewer=club.staff)
    assert mine.viewer.name == "Staff A" and mine.viewer.is_viewer and mine.viewer.rank == 1
    companies = boards.board(db_session, "companies", OCTOBER, viewer=club.holder)
    assert [(row.name, row.hidden) for row in companies.top] == [
        ("Hurtownia Żak", False),
        ("Anonymous company", True),
    ]
    theirs = boards.board(db_session, "companies", OCTOBER, viewer=club.other_staff)
    assert theirs.viewer.name == "ООО «Другая»"
    assert theirs.viewer.tax_id == club.other_company.tax_id


def test_a_viewer_outside_the_top_sees_their_row_with_two_neighbours(
    app_ctx, db_session, club, make_user
):
    people = [make_user(Role.PARTNER_STAFF, club.company, name=f"P{i:02d}") for i in range(60)]
    for index, person in enumerate(people):
        earn(db_session, person, 100 - index, at(2026, 10, 2, minute=index))
    # A colleague with as many points as P55, earlier: listed before P55, same place.
    tie = make_user(Role.PARTNER_STAFF, club.other_company, name="Tie")
    earn(db_session, tie, 45, at(2026, 10, 1))
    db_session.commit()
    result = boards.board(db_session, "people", OCTOBER, viewer=people[55])
    assert len(result.top) == 50 and result.top[-1].rank == 50
    assert [(row.rank, row.name, row.points) for row in result.around] == [
        (55, "P54", 46),
        (56, "Tie", 45),
        (56, "P55", 45),
        (58, "P56", 44),
        (59, "P57", 43),
    ]
    assert result.viewer.name == "P55" and result.viewer.is_viewer
    # Just below the top: neighbours already in the top are not repeated.
    result = boards.board(db_session, "people", OCTOBER, viewer=people[50])
    assert [row.name for row in result.around] == ["P50", "P51", "P52"]
    assert result.viewer.rank == 51
    # In the top: no separate rows.
    result = boards.board(db_session, "people", OCTOBER, viewer=people[3])
    assert result.around == [] and result.viewer.rank == 4
    # The last one: two above, none below.
    result = boards.board(db_session, "people", OCTOBER, viewer=people[59])
    assert [(row.rank, row.name) for row in result.around] == [
        (59, "P57"),
        (60, "P58"),
        (61, "P59"),
    ]


def test_every_period_kind_and_a_past_quarter(app_ctx, db_session, club):
    earn(db_session, club.staff, 5, at(2025, 11, 3))
    earn(db_session, club.staff, 7, at(2026, 5, 10))
    earn(db_session, club.holder, 9, at(2026, 6, 30))
    db_session.commit()

    def points(text):
        return [
            (row.name, row.points)
            for row in boards.board(db_session, "people", parse_period(text)).top
        ]

    assert points("2025-Q4") == [("Staff A", 5)]
    assert points("2025-11") == [("Staff A", 5)]
    assert points("2025") == [("Staff A", 5)]
    assert points("2026-05") == [("Staff A", 7)]
    assert points("2026-Q2") == [("Holder A", 9), ("Staff A", 7)]
    assert points("2026") == [("Holder A", 9), ("Staff A", 7)]
    assert points("all") == [("Staff A", 12), ("Holder A", 9)]
    assert points("2026-Q1") == []


def test_the_activity_view_leaves_purchases_out(app_ctx, db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(
        db_session,
        wallet,
        100,
        source=ledger.Source("purchase_month", "99"),
        details={"period": "2026-09"},
        earned_at=at(2026, 9, 30, 23, 59),  # October in Warsaw; September's purchases
        pending=True,
        now=at(2026, 10, 1),
    )
    earn(db_session, club.staff, 10, at(2026, 9, 3))
    earn(db_session, club.other_staff, 30, at(2026, 9, 4))
    db_session.commit()
    september = Period("month", 2026, 9)
    total = boards.board(db_session, "companies", september)
    activity = boards.board(db_session, "activity", september)
    assert [(r.name, r.points) for r in total.top] == [("Hurtownia Żak", 110), ("ООО «Другая»", 30)]
    assert [(r.name, r.points) for r in activity.top] == [
        ("ООО «Другая»", 30),
        ("Hurtownia Żak", 10),
    ]
    assert boards.board(db_session, "companies", OCTOBER).top == []


def test_leagues_filter_companies_and_their_people(app_ctx, db_session, club, monkeypatch):
    earn(db_session, club.staff, 10, at(2026, 10, 3))
    earn(db_session, club.other_staff, 20, at(2026, 10, 3))
    db_session.commit()
    assert boards.leagues(db_session) == []
    with pytest.raises(UnknownLeague, match="no tiers yet"):
        boards.board(db_session, "people", OCTOBER, league="Gold")
    ladder = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    club.company.tier, club.other_company.tier = ladder["gold"], ladder["silver"]
    db_session.commit()
    boards.forget_leagues()
    assert [tier.code for tier in boards.leagues(db_session)] == ["silver", "gold"]
    people = boards.board(db_session, "people", OCTOBER, league="gold", viewer=club.staff)
    assert [row.name for row in people.top] == ["Staff A"] and people.viewer.rank == 1
    companies = boards.board(db_session, "companies", OCTOBER, league="silver")
    assert [row.name for row in companies.top] == ["ООО «Другая»"]
    outside = boards.board(db_session, "people", OCTOBER, league="silver", viewer=club.staff)
    assert outside.viewer is None
    with pytest.raises(UnknownLeague, match="silver, gold"):
        boards.board(db_session, "people", OCTOBER, league="platinum")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-Q5", "Q1 to Q4"),
        ("2026-13", "01 to 12"),
        ("garbage", "Choose a period"),
        ("2026-11-01", "Choose a period"),
        ("1999", "Boards start"),
        ("2999-01", "has not started"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(app_ctx, text, message):
    with pytest.raises(InvalidPeriod, match=message):
        parse_period(text, now=at(2026, 11, 28))


def test_periods_read_as_the_api_writes_them(app_ctx):
    now = at(2026, 11, 28)
    assert parse_period("2026-Q4", now=now).key == "Q2026-4"
    assert parse_period("2026-q4", now=now).arg == "2026-Q4"
    assert parse_period("2026-11", now=now).key == "M2026-11"
    assert parse_period("2026", now=now).key == "Y2026"
    assert parse_period("ALL", now=now).key == "ALL"
    assert parse_period("", now=now) == Period("month", 2026, 11)
    assert parse_period("2026-Q4", now=now).ends.isoformat() == "2026-12-31"
    # Midnight of 1 December in Warsaw is still 30 November in UTC.
    assert parse_period("2026-12", now=at(2026, 11, 30, 23, 30)).key == "M2026-12"


def test_my_standing_this_month(app_ctx, db_session, club, make_user):
    now = utcnow()
    this = boards.this_month(now)
    last = this.previous()
    last_moment = at(last.year, last.number, 10)
    if now - timedelta(minutes=5) < at(this.year, this.number, 1, 0, 0):
        pytest.skip("too close to the start of a month")
    rival = make_user(Role.PARTNER_STAFF, club.other_company, name="Rival")
    earn(db_session, club.staff, 5, last_moment)
    earn(db_session, rival, 9, last_moment)
    earn(db_session, club.staff, 20, now - timedelta(minutes=2))
    earn(db_session, rival, 26, now - timedelta(minutes=1))
    db_session.commit()
    mine = boards.standing(db_session, club.staff)
    assert (mine.rank, mine.previous_rank, mine.change, mine.to_next, mine.points) == (
        2,
        2,
        0,
        6,
        20,
    )
    earn(db_session, club.staff, 6, now)
    mine = boards.standing(db_session, club.staff)
    assert (mine.rank, mine.to_next) == (1, None)  # shares the first place
    theirs = boards.standing(db_session, rival)
    assert (theirs.rank, theirs.previous_rank, theirs.change) == (1, 1, 0)
    nobody = boards.standing(db_session, club.holder)
    assert (nobody.rank, nobody.previous_rank, nobody.change) == (None, None, None)


def test_every_viewers_neighbours_and_ranks_match_the_definition(
    app_ctx, db_session, club, make_user, monkeypatch
):
    """Big ties, scores held by one person, gaps: for each viewer outside the top, the
    rows around them are the two before and two after in board order (points down,
    then whoever got there first), ranked 1 + the rows with more points, and the same
    within a league."""
    scores = [50, 40, 40, 40, 35, 30, 30, 25, 20, 20, 20, 20, 15, 10, 5, 5]
    people = []
    for index, points in enumerate(scores):
        company = club.company if index % 3 else club.other_company
        person = make_user(Role.PARTNER_STAFF, company, name=f"P{index:02d}")
        # Reached in an order unlike the creation order, so ids do not decide ties.
        earn(db_session, person, points, at(2026, 10, 2, minute=(index * 7) % 60))
        people.append(person)
    db_session.commit()

    def expected(members, viewer):
        ordered = sorted(
            members, key=lambda p: (-scores[people.index(p)], (people.index(p) * 7) % 60)
        )
        place = ordered.index(viewer)
        rows = ordered[max(0, place - 2) : place + 3]
        return [
            (1 + sum(scores[people.index(o)] > scores[people.index(p)] for o in members), p.name)
            for p in rows
        ]

    def check(members, league=None):
        for viewer in members:
            result = boards.board(
                db_session, "people", OCTOBER, viewer=viewer, league=league, limit=2
            )
            if result.around:  # outside the top: the top's rows are not repeated
                top_names = {row.name for row in result.top}
                wanted = [row for row in expected(members, viewer) if row[1] not in top_names]
                assert [(row.rank, row.name) for row in result.around] == wanted, viewer.name
            else:
                assert result.viewer.name in {row.name for row in result.top}

    check(people)
    gold = club.company.id
    ladder = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    club.company.tier, club.other_company.tier = ladder["gold"], ladder["silver"]
    db_session.commit()
    boards.forget_leagues()
    check([p for p in people if p.company_id == gold], league="gold")
