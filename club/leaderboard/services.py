"""Reading the boards: periods, the top, the viewer's own row with neighbours, leagues,
names as people and companies chose to show them, and a member's standing.

Every read is a handful of index range scans on the rollups (see models.py): the top is
the first rows of (period, points DESC, reached_at, id); a rank is 1 + the number of rows
with strictly more points (ties share the rank; the one who got there first is listed
first); neighbours are keyset queries next to the viewer's row. Nothing sums the ledger.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog import services as catalog
from club.core.clock import club_today, utcnow
from club.core.errors import ClubError
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.rollups import ALL_TIME
from club.members.models import Company, User

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
        if self.kind == "month":
            return format_date(date(self.year, self.number, 1), "LLLL yyyy")
        if self.kind == "quarter":
            return _("Q%(quarter)d %(year)d", quarter=self.number, year=self.year)
        if self.kind == "year":
            return str(self.year)
        return _("All time")

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


def this_month(now: datetime | None = None) -> Period:
    today = club_today(now or utcnow())
    return Period("month", today.year, today.month)


def this_quarter(now: datetime | None = None) -> Period:
    today = club_today(now or utcnow())
    return Period("quarter", today.year, (today.month - 1) // 3 + 1)


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


def period_choices(now: datetime | None = None, *, months: int = 12, quarters: int = 8):
    """For the picker: (heading, [periods]) groups, the current ones first."""
    month, quarter = this_month(now), this_quarter(now)
    current = [month, quarter, Period("year", month.year), Period("all")]
    past_months, past_quarters = [], []
    for _index in range(months):
        month = month.previous()
        past_months.append(month)
    for _index in range(quarters):
        quarter = quarter.previous()
        past_quarters.append(quarter)
    return [
        (_("Current"), current),
        (_("Past months"), past_months),
        (_("Past quarters"), past_quarters),
    ]


# --- leagues --------------------------------------------------------------------------------

_leagues_lock = threading.Lock()
_leagues: dict = {}


def league_members(session: Session) -> dict[str, frozenset[int]]:
    """Tier name: the ids of its companies, from catalog.company_tier (the tiers hook).
    Remembered for a minute: asking the hook about every company on each page view would
    cost more than the board itself."""
    with _leagues_lock:
        if _leagues and time.monotonic() - _leagues["at"] < LEAGUE_CACHE_SECONDS:
            return _leagues["members"]
    members: dict[str, set[int]] = defaultdict(set)
    for company in session.scalars(select(Company)):
        tier = catalog.company_tier(session, company)
        if tier:
            members[str(tier)].add(company.id)
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


@dataclass(frozen=True)
class _Spec:
    model: object  # the table
    owner: object
    points: object
    reached: object


def _spec(board: str) -> _Spec:
    if board == "people":
        model = PersonTotal.__table__
        return _Spec(model, model.c.person_id, model.c.points, model.c.reached_at)
    model = CompanyTotal.__table__
    if board == "companies":
        return _Spec(model, model.c.company_id, model.c.points, model.c.reached_at)
    if board == "activity":
        return _Spec(
            model, model.c.company_id, model.c.activity_points, model.c.activity_reached_at
        )
    raise UnknownBoard(_("Choose the people, companies or activity board."))


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


def _conditions(spec: _Spec, period: Period, companies: frozenset[int] | None) -> list:
    """The board's rows. Rows without points are no place on the board: each query adds
    `points > 0` only where it sets no other lower bound (SQLite would take that one as
    the start of the index range and read everything above zero)."""
    conditions = [spec.model.c.period == period.key]
    if companies is not None:
        if spec.model is PersonTotal.__table__:
            conditions.append(
                spec.owner.in_(select(USERS.c.id).where(USERS.c.company_id.in_(sorted(companies))))
            )
        else:
            conditions.append(spec.owner.in_(sorted(companies)))
    return conditions


def _columns(spec: _Spec):
    return (spec.model.c.id, spec.owner, spec.points, spec.reached)


def _rows(session: Session, query) -> list[Row]:
    return [
        Row(rank=0, points=points, owner_id=owner, reached_at=reached, row_id=row_id)
        for row_id, owner, points, reached in session.execute(query)
    ]


def _count(session: Session, spec: _Spec, conditions: list, *more) -> int:
    return session.scalar(select(func.count()).select_from(spec.model).where(*conditions, *more))


def viewer_owner(board: str, viewer) -> int | None:
    """Whose row is the viewer's own on this board."""
    if viewer is None or not getattr(viewer, "is_authenticated", True):
        return None
    if board == "people":
        return viewer.id if viewer.role.is_partner else None
    return viewer.company_id


def _equal(
    session: Session,
    spec: _Spec,
    conditions: list,
    points,
    *,
    limit: int,
    after: tuple | None = None,
    before: tuple | None = None,
    backwards: bool = False,
) -> list[Row]:
    """Rows with exactly `points`, in board order (the earlier reached_at first): from
    the start, or from just after `after` = (reached_at, id); or backwards, from the end
    or from just before `before`. One range of the index (period, points, reached_at, id)."""
    query = select(*_columns(spec)).where(*conditions, spec.points == points)
    if after is not None:
        reached, row_id = after
        query = query.where(
            spec.reached >= reached, or_(spec.reached > reached, spec.model.c.id > row_id)
        )
    if before is not None:
        reached, row_id = before
        backwards = True
        query = query.where(
            spec.reached <= reached, or_(spec.reached < reached, spec.model.c.id < row_id)
        )
    if backwards:
        query = query.order_by(spec.reached.desc(), spec.model.c.id.desc())
    else:
        query = query.order_by(spec.reached, spec.model.c.id)
    return _rows(session, query.limit(limit))


def _top(session: Session, spec: _Spec, conditions: list, limit: int) -> list[Row]:
    """The first `limit` rows: the points of the last place (a backward scan of the
    index), the rows with more (fewer than `limit`, sorted), then the rows with exactly
    those points in the order they got there. The last place's points are read first,
    on their own: a bound the planner can see picks the index (PostgreSQL estimates a
    bound from a subquery as a third of the table and reads all of it)."""
    cutoff = session.scalar(
        select(spec.points)
        .where(*conditions, spec.points > 0)
        .order_by(spec.points.desc())
        .offset(limit - 1)
        .limit(1)
    )
    above = _rows(
        session,
        select(*_columns(spec))
        .where(*conditions, spec.points > (cutoff or 0))
        .order_by(spec.points.desc(), spec.reached, spec.model.c.id),
    )
    if cutoff is None:  # fewer rows than places: all of them
        return above
    return above + _equal(session, spec, conditions, cutoff, limit=limit - len(above))


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
    spec = _spec(board)
    companies = league_companies(session, league)
    conditions = _conditions(spec, period, companies)
    top = _top(session, spec, conditions, limit)
    for index, row in enumerate(top):  # every row with more points is listed before it
        tied = index and top[index - 1].points == row.points
        row.rank = top[index - 1].rank if tied else index + 1
    result = Board(board, period, league or None, top)

    owner = viewer_owner(board, viewer)
    if owner is not None:
        mine = session.execute(
            select(*_columns(spec)).where(*conditions, spec.owner == owner, spec.points > 0)
        ).first()
        if mine is not None:
            in_top = next((row for row in top if row.row_id == mine[0]), None)
            if in_top is not None:
                result.viewer = in_top
            else:
                result.around = _around(session, spec, conditions, mine, {r.row_id for r in top})
                result.viewer = next(row for row in result.around if row.row_id == mine[0])
    _name(session, board, [*result.top, *result.around], viewer)
    if result.viewer is not None:
        result.viewer.is_viewer = True
    return result


def _around(session: Session, spec: _Spec, conditions: list, mine, top_ids: set[int]):
    """The viewer's row with NEIGHBOURS rows either side (keyset queries), ranked."""
    row_id, owner, points, reached = mine
    more = _count(session, spec, conditions, spec.points > points)
    me = Row(rank=more + 1, points=points, owner_id=owner, reached_at=reached, row_id=row_id)

    # Above, nearest first: equal points reached earlier, then the next scores up (each
    # the smallest score above the last one read, found inside the same query).
    above = _equal(session, spec, conditions, points, limit=NEIGHBOURS, before=(reached, row_id))
    value = points
    while len(above) < NEIGHBOURS:
        higher = (
            select(func.min(spec.points)).where(*conditions, spec.points > value).scalar_subquery()
        )
        rows = _equal(
            session, spec, conditions, higher, limit=NEIGHBOURS - len(above), backwards=True
        )
        if not rows:
            break
        above += rows
        value = rows[0].points
    # Below, nearest first: equal points reached later, then the next scores down.
    below = _equal(session, spec, conditions, points, limit=NEIGHBOURS, after=(reached, row_id))
    value = points
    while len(below) < NEIGHBOURS:
        lower = (
            select(func.max(spec.points))
            .where(*conditions, spec.points < value, spec.points > 0)
            .scalar_subquery()
        )
        rows = _equal(session, spec, conditions, lower, limit=NEIGHBOURS - len(below))
        if not rows:
            break
        below += rows
        value = rows[0].points

    # Ranks: 1 + the rows with more points, from the viewer's count and how many rows
    # hold each score between the neighbours' (one short range of the index).
    neighbours = [*above, *below]
    if neighbours:
        low = min(row.points for row in neighbours)
        high = max(row.points for row in neighbours)
        held = dict(
            session.execute(
                select(spec.points, func.count())
                .where(*conditions, spec.points >= min(low, points), spec.points <= high)
                .group_by(spec.points)
            ).all()
        )
        for row in neighbours:
            if row.points > points:
                between = sum(n for v, n in held.items() if points < v <= row.points)
                row.rank = more + 1 - between
            else:
                between = sum(n for v, n in held.items() if row.points < v <= points)
                row.rank = more + 1 + between
    rows = [*reversed(above), me, *below]
    return [row for row in rows if row.row_id not in top_ids]


def _name(session: Session, board: str, rows: list[Row], viewer) -> None:
    if not rows:
        return
    ids = sorted({row.owner_id for row in rows})
    own = viewer_owner(board, viewer)
    if board == "people":
        people = {
            user_id: (name, shown, company, company_shown)
            for user_id, name, shown, company, company_shown in session.execute(
                select(
                    USERS.c.id,
                    USERS.c.name,
                    USERS.c.is_shown_on_boards,
                    COMPANIES.c.name,
                    COMPANIES.c.is_shown_on_boards,
                )
                .select_from(USERS)
                .outerjoin(COMPANIES, COMPANIES.c.id == USERS.c.company_id)
                .where(USERS.c.id.in_(ids))
            )
        }
        for row in rows:
            name, shown, company, company_shown = people.get(row.owner_id, ("", True, None, True))
            company = company if company_shown else None
            if shown or row.owner_id == own:
                row.name, row.company = name, company
            elif company:
                row.name, row.hidden = _("Member of %(company)s", company=company), True
            else:
                row.name, row.hidden = _("Anonymous member"), True
        return
    companies = {
        company_id: (name, shown, tax_id, country)
        for company_id, name, shown, tax_id, country in session.execute(
            select(
                COMPANIES.c.id,
                COMPANIES.c.name,
                COMPANIES.c.is_shown_on_boards,
                COMPANIES.c.tax_id,
                COMPANIES.c.country,
            ).where(COMPANIES.c.id.in_(ids))
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


def _rank_of(session: Session, period: Period, person_id: int) -> tuple[int, int | None]:
    spec = _spec("people")
    conditions = _conditions(spec, period, None)
    points = session.scalar(select(spec.points).where(*conditions, spec.owner == person_id))
    if points is None or points <= 0:
        return 0, None
    return points, _count(session, spec, conditions, spec.points > points) + 1


def standing(session: Session, user, *, now: datetime | None = None) -> Standing:
    """The member home's block: rank on this month's people board, the change since
    last month's, and the points to the next place."""
    period = this_month(now)
    points, rank = _rank_of(session, period, user.id)
    _points, previous_rank = _rank_of(session, period.previous(), user.id)
    to_next = None
    if rank is not None and rank > 1:
        spec = _spec("people")
        higher = session.scalar(
            select(func.min(spec.points)).where(
                *_conditions(spec, period, None), spec.points > points
            )
        )
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
