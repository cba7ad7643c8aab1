"""Reading the boards: periods, the top, the viewer's own row with neighbours, leagues,
names as people and companies chose to show them, and a member's standing.

Every read is a handful of index range scans on the rollups (see models.py): the top is
the first rows of (period, points DESC, reached_at, id); a rank is 1 + the number of rows
with strictly more points (ties share the rank; the one who got there first is listed
first), summed from the score counts (a row per score, not a row per person; within a
league, counted in the league's rows); neighbours are keyset queries next to the viewer's
row. Nothing sums the ledger.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.core.periods import club_today
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.rollups import ALL_TIME, SCORES
from club.members.models import Company, User
from club.members.standing import company_tiers

TOP = 50
NEIGHBOURS = 2
FIRST_YEAR = 2000
BOARDS = ("people", "companies", "activity")
LEAGUE_CACHE_SECONDS = 60
# Boards read through Core tables, not ORM entities: a page makes several small queries
# and the ORM's per-statement work would cost more than the index scans themselves.
USERS = User.__table__
COMPANIES = Company.__table__


class LeaderboardError(ClubError):
    pass


class InvalidPeriod(LeaderboardError):
    pass


class UnknownLeague(LeaderboardError):
    pass


class UnknownBoard(LeaderboardError):
    pass


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A board's period: ("month", 2026, 11), ("quarter", 2026, 4), ("year", 2026, None)
    or ("all", None, None)."""

    kind: str
    year: int | None = None
    number: int | None = None

    @property
    def key(self) -> str:
        """The rollup key: M2026-11, Q2026-4, Y2026, ALL."""
        if self.kind == "month":
            return f"M{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"Q{self.year}-{self.number}"
        if self.kind == "year":
            return f"Y{self.year}"
        return ALL_TIME

    @property
    def arg(self) -> str:
        """As URLs and the API write it: 2026-11, 2026-Q4, 2026, all."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "year":
            return str(self.year)
        return "all"

    @property
    def label(self) -> str:
        """As people read it, in the request's language (the picker shows two dozen)."""
        return _label(str(get_locale()), self)

    @property
    def starts(self) -> date | None:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        if self.kind == "year":
            return date(self.year, 1, 1)
        return None

    @property
    def ends(self) -> date | None:
        """The last day."""
        if self.kind == "all":
            return None
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        index = self.starts.month - 1 + months
        following = date(self.starts.year + index // 12, index % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)

    def previous(self) -> Period:
        if self.kind == "month":
            if self.number == 1:
                return Period("month", self.year - 1, 12)
            return Period("month", self.year, self.number - 1)
        if self.kind == "quarter":
            if self.number == 1:
                return Period("quarter", self.year - 1, 4)
            return Period("quarter", self.year, self.number - 1)
        if self.kind == "year":
            return Period("year", self.year - 1)
        return self


@lru_cache(maxsize=2048)
def _label(locale: str, period: Period) -> str:
    """Remembered per language: Babel's date formatting is slow next to a board's SQL.
    `locale` is the request's (so in the key), and the functions below use it."""
    if period.kind == "month":
        return format_date(date(period.year, period.number, 1), "LLLL yyyy")
    if period.kind == "quarter":
        return _("Q%(quarter)d %(year)d", quarter=period.number, year=period.year)
    if period.kind == "year":
        return str(period.year)
    return _("All time")


def this_month(now: datetime | None = None) -> Period:
    today = club_today(now or utcnow())
    return Period("month", today.year, today.month)


def this_quarter(now: datetime | None = None) -> Period:
    return quarter_of(this_month(now))


def quarter_of(month: Period) -> Period:
    """The quarter a month belongs to."""
    return Period("quarter", month.year, (month.number - 1) // 3 + 1)


MONTH_ARG = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER_ARG = re.compile(r"^(\d{4})-[Qq](\d+)$")
YEAR_ARG = re.compile(r"^(\d{4})$")


def parse_period(text: str | None, *, now: datetime | None = None) -> Period:
    """2026-11, 2026-Q4, 2026 or all (empty: this month); raises InvalidPeriod."""
    text = (text or "").strip()
    now = now or utcnow()
    if not text:
        return this_month(now)
    if text.lower() == "all":
        return Period("all")
    if match := MONTH_ARG.match(text):
        period = Period("month", int(match[1]), int(match[2]))
        if not 1 <= period.number <= 12:
            raise InvalidPeriod(_("A month is 01 to 12, as in 2026-11."))
    elif match := QUARTER_ARG.match(text):
        period = Period("quarter", int(match[1]), int(match[2]))
        if not 1 <= period.number <= 4:
            raise InvalidPeriod(_("A quarter is Q1 to Q4, as in 2026-Q4."))
    elif match := YEAR_ARG.match(text):
        period = Period("year", int(match[1]))
    else:
        raise InvalidPeriod(
            _("Choose a period like 2026-11 (a month), 2026-Q4 (a quarter), 2026 or all.")
        )
    if period.year < FIRST_YEAR:
        raise InvalidPeriod(_("Boards start in %(year)d.", year=FIRST_YEAR))
    if period.starts > club_today(now):
        raise InvalidPeriod(_("%(period)s has not started yet.", period=period.arg))
    return period


@dataclass(frozen=True)
class Choice:
    """A period as the picker offers it."""

    period: Period
    arg: str
    label: str


def period_choices(now: datetime | None = None, *, months: int = 12, quarters: int = 8):
    """For the picker: (heading, [choices]) groups, the current ones first."""
    return _period_choices(str(get_locale()), this_month(now), months, quarters)


@lru_cache(maxsize=64)
def _period_choices(locale: str, month: Period, months: int, quarters: int):
    """Remembered per language and month: the same two dozen labels on every page."""
    quarter = quarter_of(month)
    current = [month, quarter, Period("year", month.year), Period("all")]
    past_months, past_quarters = [], []
    for _index in range(months):
        month = month.previous()
        past_months.append(month)
    for _index in range(quarters):
        quarter = quarter.previous()
        past_quarters.append(quarter)
    return tuple(
        (heading, tuple(Choice(period, period.arg, period.label) for period in periods))
        for heading, periods in (
            (_("Current"), current),
            (_("Past months"), past_months),
            (_("Past quarters"), past_quarters),
        )
    )


# --- leagues --------------------------------------------------------------------------------

_leagues_lock = threading.Lock()
_leagues: dict = {}


def league_members(session: Session) -> dict[str, frozenset[int]]:
    """Tier name: the ids of its companies, from members.standing.company_tiers (the tiers hook).
    Remembered for a minute: asking the hook about every company on each page view would
    cost more than the board itself."""
    with _leagues_lock:
        if _leagues and time.monotonic() - _leagues["at"] < LEAGUE_CACHE_SECONDS:
            return _leagues["members"]
    members: dict[str, set[int]] = defaultdict(set)
    for company_id, tier in company_tiers(session).items():
        if tier:
            members[str(tier)].add(company_id)
    found = {tier: frozenset(ids) for tier, ids in members.items()}
    with _leagues_lock:
        _leagues.update(at=time.monotonic(), members=found)
    return found


def forget_leagues() -> None:
    """Ask the tiers hook again on the next read (tests, and when tiers change)."""
    with _leagues_lock:
        _leagues.clear()


def leagues(session: Session) -> list[str]:
    return sorted(league_members(session))


def league_companies(session: Session, league: str | None) -> frozenset[int] | None:
    """The companies of a league (None: no league asked for); raises UnknownLeague."""
    league = (league or "").strip()
    if not league:
        return None
    members = league_members(session)
    if league not in members:
        known = ", ".join(sorted(members))
        raise UnknownLeague(
            _("There is no league %(league)s; leagues: %(known)s.", league=league, known=known)
            if known
            else _("There is no league %(league)s: the club has no tiers yet.", league=league)
        )
    return members[league]


# --- boards ------------------------------------------------------------------------------


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
        if board == "people":
            table = PersonTotal.__table__
            owner, points, reached = table.c.person_id, table.c.points, table.c.reached_at
        elif board == "companies":
            table = CompanyTotal.__table__
            owner, points, reached = table.c.company_id, table.c.points, table.c.reached_at
        elif board == "activity":
            table = CompanyTotal.__table__
            owner = table.c.company_id
            points, reached = table.c.activity_points, table.c.activity_reached_at
        else:
            raise UnknownBoard(_("Choose the people, companies or activity board."))
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
            self.held = (
                select(points, func.count())
                .where(*where, points >= bindparam("low"), points <= bindparam("high"))
                .group_by(points)
            )
        else:
            scores = [SCORES.c.board == board, SCORES.c.period == bindparam("period")]
            above = (
                select(func.coalesce(func.sum(SCORES.c.holders), 0))
                .where(
                    SCORES.c.board == board,
                    SCORES.c.period == table.c.period,
                    SCORES.c.points > points,
                )
                .scalar_subquery()
            )
            self.held = (
                select(SCORES.c.points, func.sum(SCORES.c.holders))
                .where(
                    *scores,
                    SCORES.c.points >= bindparam("low"),
                    SCORES.c.points <= bindparam("high"),
                )
                .group_by(SCORES.c.points)
            )
        self.own = select(row_id, owner, points, reached, above).where(
            *where, owner == bindparam("owner"), points > 0
        )
        self.next_higher = select(func.min(points)).where(*where, points > value)
        self.next_lower = select(func.max(points)).where(*where, points < value, points > 0)


@cache
def _queries(board: str, league: bool) -> _Queries:
    return _Queries(board, league)


class _Reader:
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
    reader = _Reader(session, board, period, companies)
    top = reader.top(limit)
    for index, row in enumerate(top):  # every row with more points is listed before it
        tied = index and top[index - 1].points == row.points
        row.rank = top[index - 1].rank if tied else index + 1
    result = Board(board, period, league or None, top)

    owner = viewer_owner(board, viewer)
    if owner is not None:
        mine = reader.first(reader.queries.own, owner=owner)
        if mine is not None:
            in_top = next((row for row in top if row.row_id == mine[0]), None)
            if in_top is not None:
                result.viewer = in_top
            else:
                result.around = reader.around(mine, {row.row_id for row in top})
                result.viewer = next(row for row in result.around if row.row_id == mine[0])
    _name(session, board, [*result.top, *result.around], viewer)
    if result.viewer is not None:
        result.viewer.is_viewer = True
    return result


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


def _name(session: Session, board: str, rows: list[Row], viewer) -> None:
    if not rows:
        return
    ids = sorted({row.owner_id for row in rows})
    own = viewer_owner(board, viewer)
    connection = session.connection()
    people_query, companies_query = _name_queries(connection.dialect.name)
    if board == "people":
        people = {
            user_id: (name, shown, company if company_shown else None)
            for user_id, name, shown, company, company_shown in connection.execute(
                people_query, {"ids": ids}
            )
        }
        for row in rows:
            name, shown, company = people.get(row.owner_id, ("", True, None))
            if shown or row.owner_id == own:
                row.name, row.company = name, company
            elif company:
                row.name, row.hidden = _("Member of %(company)s", company=company), True
            else:
                row.name, row.hidden = _("Anonymous member"), True
        return
    companies = {
        company_id: (name, shown, tax_id, country)
        for company_id, name, shown, tax_id, country in connection.execute(
            companies_query, {"ids": ids}
        )
    }
    for row in rows:
        name, shown, tax_id, country = companies.get(row.owner_id, ("", True, None, None))
        if shown or row.owner_id == own:
            row.name, row.tax_id, row.country = name, tax_id, country
        else:
            row.name, row.hidden = _("Anonymous company"), True


# --- a member's standing -----------------------------------------------------------------


@dataclass
class Standing:
    period: Period
    points: int
    rank: int | None  # None: no points this month yet
    previous_rank: int | None  # on last month's board
    to_next: int | None  # points to share the next place up; None when first

    @property
    def change(self) -> int | None:
        """Places gained since last month (negative: lost)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def _rank_of(reader: _Reader, person_id: int) -> tuple[int, int | None]:
    mine = reader.first(reader.queries.own, owner=person_id)
    if mine is None:
        return 0, None
    _row_id, _owner, points, _reached, more = mine
    return points, more + 1


def standing(session: Session, user, *, now: datetime | None = None) -> Standing:
    """The member home's block: rank on this month's people board, the change since
    last month's, and the points to the next place."""
    period = this_month(now)
    reader = _Reader(session, "people", period, None)
    points, rank = _rank_of(reader, user.id)
    _points, previous_rank = _rank_of(_Reader(session, "people", period.previous(), None), user.id)
    to_next = None
    if rank is not None and rank > 1:
        higher = reader.scalar(reader.queries.next_higher, points=points)
        to_next = higher - points if higher is not None else None
    return Standing(period, points, rank, previous_rank, to_next)


# --- showing the company on boards -------------------------------------------------------


def set_company_shown(
    session: Session, company: Company, shown: bool, *, actor, now: datetime | None = None
) -> None:
    """The account holder shows or hides the company's name on the boards."""
    if actor.company_id != company.id:
        raise LeaderboardError(_("Only the company's own account holder can change this."))
    before = company.is_shown_on_boards
    if before == shown:
        return
    company.is_shown_on_boards = shown
    session.flush()
    audit.record(
        session,
        "company.boards_visibility",
        company,
        actor=actor,
        company_id=company.id,
        before={"is_shown_on_boards": before},
        after={"is_shown_on_boards": shown},
        now=now,
    )
