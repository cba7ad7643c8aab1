"""Reading a board: the top, the viewer's own row with neighbours, names as people and
companies chose to show them.

Every read is a handful of index range scans on the rollups (see models.py): the top is
the first rows of (period, points DESC, reached_at, id); a rank is 1 + the number of rows
with strictly more points (ties share the rank; the one who got there first is listed
first), summed from the score counts (a row per score, not a row per person; within a
league, counted in the league's rows); neighbours are keyset queries next to the viewer's
row. Nothing sums the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from club.core.periods import Period
from club.leaderboard import tops
from club.leaderboard.errors import UnknownBoard
from club.leaderboard.leagues import league_companies
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.scores import SCORES
from club.members.models import Company, User

TOP = 50
NEIGHBOURS = 2
BOARDS = ("people", "companies", "activity")
# Boards read through Core tables, not ORM entities: a page makes several small queries
# and the ORM's per-statement work would cost more than the index scans themselves.
USERS = User.__table__
COMPANIES = Company.__table__


@dataclass
class Row:
    rank: int
    points: int
    owner_id: int  # a user id on the people board, else a company id
    name: str = ""
    company: str | None = None  # people: the person's company, when it shows its name
    hidden: bool = False  # shown under a stand-in name
    is_viewer: bool = False
    reached_at: datetime | None = None
    row_id: int = 0
    tax_id: str | None = None  # companies that show their name
    country: str | None = None


@dataclass
class Board:
    board: str
    period: Period
    league: str | None
    top: list[Row]
    # The viewer's row with its neighbours, when the viewer is not in the top.
    around: list[Row] = field(default_factory=list)
    viewer: Row | None = None  # the viewer's own row (in the top or around), if any
    age: int | None = None  # seconds since the top was read, when it came from the cache

    @property
    def listing(self) -> list[Row | None]:
        """The rows as the page lists them: the top, then (after a gap, None) the
        viewer's rows when the viewer is not in the top."""
        return [*self.top, None, *self.around] if self.around else self.top


class _Queries:
    """A board's statements, built once and run with parameters. Building a statement
    costs SQLAlchemy more than running a cached one (about 0.35 ms against 0.1 ms here),
    and a page runs about ten.

    Rows without points are no place on the board: a statement adds `points > 0` only
    where it sets no other lower bound (SQLite would take that one as the start of the
    index range and read everything above zero)."""

    def __init__(self, board: str, league: bool) -> None:
        table, owner, points, reached = _columns(board)
        row_id = table.c.id

        def in_league(owner_column):
            """The league's companies, or their people."""
            companies = bindparam("companies", expanding=True)
            if board == "people":
                people = select(USERS.c.id).where(USERS.c.company_id.in_(companies))
                return owner_column.in_(people)
            return owner_column.in_(companies)

        where = [table.c.period == bindparam("period")]
        if league:
            where.append(in_league(owner))
        value, limit = bindparam("points"), bindparam("limit")
        forwards, backwards = (reached, row_id), (reached.desc(), row_id.desc())
        equal = select(row_id, owner, points, reached).where(*where, points == value)
        # Keyset bounds within equal points: just after / just before (reached, row_id).
        after = and_(
            reached >= bindparam("reached"),
            or_(reached > bindparam("reached"), row_id > bindparam("row_id")),
        )
        before = and_(
            reached <= bindparam("reached"),
            or_(reached < bindparam("reached"), row_id < bindparam("row_id")),
        )
        # The last place's points, read on their own: a bound the planner can see picks
        # the index (PostgreSQL estimates a bound from a subquery as a third of the table).
        self.cutoff = (
            select(points)
            .where(*where, points > 0)
            .order_by(points.desc())
            .offset(bindparam("offset"))
            .limit(1)
        )
        self.above = (
            select(row_id, owner, points, reached)
            .where(*where, points > bindparam("floor"))
            .order_by(points.desc(), *forwards)
        )
        self.equal_first = equal.order_by(*forwards).limit(limit)
        self.equal_after = equal.where(after).order_by(*forwards).limit(limit)
        self.equal_last = equal.order_by(*backwards).limit(limit)
        self.equal_before = equal.where(before).order_by(*backwards).limit(limit)
        # The viewer's own row, with the rows above it counted in the same statement:
        # from the score counts, or within a league by counting the league's rows.
        if league:
            above, self.held = _league_counts(table, owner, points, where, in_league)
        else:
            above, self.held = _score_counts(board, table, points)
        self.own = select(row_id, owner, points, reached, above).where(
            *where, owner == bindparam("owner"), points > 0
        )
        self.next_higher = select(func.min(points)).where(*where, points > value)
        self.next_lower = select(func.max(points)).where(*where, points < value, points > 0)


def _columns(board: str):
    """A board's table, and its owner, points and reached-at columns."""
    if board == "people":
        table = PersonTotal.__table__
        return table, table.c.person_id, table.c.points, table.c.reached_at
    if board == "companies":
        table = CompanyTotal.__table__
        return table, table.c.company_id, table.c.points, table.c.reached_at
    if board == "activity":
        table = CompanyTotal.__table__
        return table, table.c.company_id, table.c.activity_points, table.c.activity_reached_at
    raise UnknownBoard(_("Choose the people, companies or activity board."))


def _league_counts(table, owner, points, where, in_league):
    """Within a league: the rows above a row (a subquery of the row's statement), and the
    rows holding each score between two bounds, counted in the league's rows."""
    rival = table.alias("rival")
    above = (
        select(func.count())
        .where(
            rival.c.period == table.c.period,
            in_league(rival.c[owner.key]),
            rival.c[points.key] > points,
        )
        .scalar_subquery()
    )
    held = (
        select(points, func.count())
        .where(*where, points >= bindparam("low"), points <= bindparam("high"))
        .group_by(points)
    )
    return above, held


def _score_counts(board: str, table, points):
    """The whole club: the same two, summed from the score counts."""
    above = (
        select(func.coalesce(func.sum(SCORES.c.holders), 0))
        .where(
            SCORES.c.board == board,
            SCORES.c.period == table.c.period,
            SCORES.c.points > points,
        )
        .scalar_subquery()
    )
    held = (
        select(SCORES.c.points, func.sum(SCORES.c.holders))
        .where(
            SCORES.c.board == board,
            SCORES.c.period == bindparam("period"),
            SCORES.c.points >= bindparam("low"),
            SCORES.c.points <= bindparam("high"),
        )
        .group_by(SCORES.c.points)
    )
    return above, held


@cache
def _queries(board: str, league: bool) -> _Queries:
    return _Queries(board, league)


class Reader:
    """One board, period and league: runs its statements on the session's connection."""

    def __init__(
        self, session: Session, board: str, period: Period, companies: frozenset[int] | None
    ) -> None:
        self.queries = _queries(board, companies is not None)
        self.connection = session.connection()
        self.params: dict = {"period": period.key}
        if companies is not None:
            self.params["companies"] = sorted(companies)

    def rows(self, statement, **params) -> list[Row]:
        return [
            Row(rank=0, points=points, owner_id=owner, reached_at=reached, row_id=row_id)
            for row_id, owner, points, reached in self.connection.execute(
                statement, {**self.params, **params}
            )
        ]

    def first(self, statement, **params):
        return self.connection.execute(statement, {**self.params, **params}).first()

    def scalar(self, statement, **params):
        return self.connection.execute(statement, {**self.params, **params}).scalar()

    def top(self, limit: int) -> list[Row]:
        """The first `limit` rows: the points of the last place (a backward scan of the
        index), the rows with more (fewer than `limit`, sorted), then the rows with
        exactly those points in the order they got there."""
        queries = self.queries
        cutoff = self.scalar(queries.cutoff, offset=limit - 1)
        above = self.rows(queries.above, floor=cutoff or 0)
        if cutoff is None:  # fewer rows than places: all of them
            return above
        return above + self.rows(queries.equal_first, points=cutoff, limit=limit - len(above))

    def _side(self, equal, next_score, at_score, keyset: dict) -> list[Row]:
        """NEIGHBOURS rows on one side of the viewer, nearest first: those with equal
        points (`equal`), then those of each next score (`next_score` finds it,
        `at_score` lists its rows from the viewer's side)."""
        rows = self.rows(equal, **keyset, limit=NEIGHBOURS)
        value = keyset["points"]
        while len(rows) < NEIGHBOURS:
            value = self.scalar(next_score, points=value)
            if value is None:
                break
            rows += self.rows(at_score, points=value, limit=NEIGHBOURS - len(rows))
        return rows

    def around(self, mine, top_ids: set[int]) -> list[Row]:
        """The viewer's row with NEIGHBOURS rows either side (keyset queries), ranked."""
        queries = self.queries
        row_id, owner, points, reached, more = mine
        me = Row(rank=more + 1, points=points, owner_id=owner, reached_at=reached, row_id=row_id)
        keyset = {"points": points, "reached": reached, "row_id": row_id}

        # Above, nearest first: equal points reached earlier, then the next scores up;
        # below: equal points reached later, then the next scores down.
        above = self._side(queries.equal_before, queries.next_higher, queries.equal_last, keyset)
        below = self._side(queries.equal_after, queries.next_lower, queries.equal_first, keyset)

        # Ranks: 1 + the rows with more points, from the viewer's count and how many rows
        # hold each score between the neighbours' (one short range of the index).
        neighbours = [*above, *below]
        if neighbours:
            low = min(points, *(row.points for row in neighbours))
            high = max(row.points for row in neighbours)
            bounds = {**self.params, "low": low, "high": high}
            held = dict(self.connection.execute(queries.held, bounds).all())
            for row in neighbours:
                if row.points > points:
                    between = sum(n for v, n in held.items() if points < v <= row.points)
                    row.rank = more + 1 - between
                else:
                    between = sum(n for v, n in held.items() if row.points < v <= points)
                    row.rank = more + 1 + between
        rows = [*reversed(above), me, *below]
        return [row for row in rows if row.row_id not in top_ids]


def viewer_owner(board: str, viewer) -> int | None:
    """Whose row is the viewer's own on this board."""
    if viewer is None or not getattr(viewer, "is_authenticated", True):
        return None
    if board == "people":
        return viewer.id if viewer.role.is_partner else None
    return viewer.company_id


def board(
    session: Session,
    board: str,
    period: Period,
    *,
    viewer=None,
    league: str | None = None,
    limit: int = TOP,
) -> Board:
    """The top `limit` of a board and, for a viewer outside it, their row with two
    neighbours above and below. Names as their owners chose to show them."""
    _queries(board, False)  # an unknown board is refused before anything else
    companies = league_companies(session, league)
    reader = Reader(session, board, period, companies)
    cached = tops.read(board, period.key, league, limit)
    if cached is None:
        top = reader.top(limit)
        names = _name_facts(session, board, [row.owner_id for row in top])
        tops.keep(board, period.key, league, limit, _to_cache(top, names))
        age = None
    else:
        (top, names), age = _from_cache(cached[0]), cached[1]
    for index, row in enumerate(top):  # every row with more points is listed before it
        tied = index and top[index - 1].points == row.points
        row.rank = top[index - 1].rank if tied else index + 1
    result = Board(board, period, league or None, top, age=age)

    owner = viewer_owner(board, viewer)
    if owner is not None:
        mine = reader.first(reader.queries.own, owner=owner)
        if mine is not None:
            in_top = next((row for row in top if row.row_id == mine[0]), None)
            if in_top is not None:  # as it is now, even when the rest is a moment older
                in_top.points, in_top.rank = mine[2], mine[4] + 1
                result.viewer = in_top
            else:
                result.around = reader.around(mine, {row.row_id for row in top})
                result.viewer = next(row for row in result.around if row.row_id == mine[0])
    fresh = {row.owner_id for row in result.around} - names.keys()
    names |= _name_facts(session, board, sorted(fresh))
    _name(board, [*result.top, *result.around], names, viewer)
    if result.viewer is not None:
        result.viewer.is_viewer = True
    return result


def _to_cache(top: list[Row], names: dict) -> dict:
    return {
        "rows": [
            [row.row_id, row.owner_id, row.points, row.reached_at and row.reached_at.isoformat()]
            for row in top
        ],
        "names": [[owner, *facts] for owner, facts in names.items()],
    }


def _from_cache(value: dict) -> tuple[list[Row], dict]:
    top = [
        Row(
            rank=0,
            points=points,
            owner_id=owner,
            reached_at=reached and datetime.fromisoformat(reached),
            row_id=row_id,
        )
        for row_id, owner, points, reached in value["rows"]
    ]
    return top, {owner: tuple(facts) for owner, *facts in value["names"]}


# Names in one statement: the page's people with their companies joined by primary key,
# or the page's companies. The ids go as one array on PostgreSQL: psycopg binds
# fifty-five separate parameters slower than the read.
@cache
def _name_queries(dialect: str):
    def among(column):
        if dialect == "postgresql":
            return column == any_(bindparam("ids", type_=ARRAY(Integer)))
        return column.in_(bindparam("ids", expanding=True))

    people = (
        select(
            USERS.c.id,
            USERS.c.name,
            USERS.c.is_shown_on_boards,
            COMPANIES.c.name,
            COMPANIES.c.is_shown_on_boards,
        )
        .select_from(USERS.outerjoin(COMPANIES, COMPANIES.c.id == USERS.c.company_id))
        .where(among(USERS.c.id))
    )
    companies = select(
        COMPANIES.c.id,
        COMPANIES.c.name,
        COMPANIES.c.is_shown_on_boards,
        COMPANIES.c.tax_id,
        COMPANIES.c.country,
    ).where(among(COMPANIES.c.id))
    return people, companies


def _name_facts(session: Session, board: str, ids: list[int]) -> dict[int, tuple]:
    """What naming the rows takes, by owner: people (name, shown, their company's name
    if it shows it); companies (name, shown, tax id, country)."""
    if not ids:
        return {}
    connection = session.connection()
    people_query, companies_query = _name_queries(connection.dialect.name)
    if board == "people":
        return {
            user_id: (name, shown, company if company_shown else None)
            for user_id, name, shown, company, company_shown in connection.execute(
                people_query, {"ids": sorted(set(ids))}
            )
        }
    return {
        company_id: (name, shown, tax_id, country)
        for company_id, name, shown, tax_id, country in connection.execute(
            companies_query, {"ids": sorted(set(ids))}
        )
    }


def _name(board: str, rows: list[Row], names: dict[int, tuple], viewer) -> None:
    """Names as their owners chose to show them (the viewer always sees their own)."""
    own = viewer_owner(board, viewer)
    if board == "people":
        for row in rows:
            name, shown, company = names.get(row.owner_id, ("", True, None))
            if shown or row.owner_id == own:
                row.name, row.company = name, company
            elif company:
                row.name, row.hidden = _("Member of %(company)s", company=company), True
            else:
                row.name, row.hidden = _("Anonymous member"), True
        return
    for row in rows:
        name, shown, tax_id, country = names.get(row.owner_id, ("", True, None, None))
        if shown or row.owner_id == own:
            row.name, row.tax_id, row.country = name, tax_id, country
        else:
            row.name, row.hidden = _("Anonymous company"), True
