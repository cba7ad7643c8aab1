"""The club's calendar, once: days, months, quarters and years cut in the club's time zone.

Every domain that needs "this quarter", "the month of this invoice" or "the bounds of a
year" asks here. Bounds are half-open [start, end) and come back as aware UTC datetimes,
ready to compare with stored timestamps; calendar values (an invoice date, a month's
first day) are plain dates in the club's zone. DST and leap years are zoneinfo's and the
date type's business, never ours: a local midnight is built with `datetime.combine` in the
zone and only then converted.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from club.core.clock import as_utc, utcnow
from club.core.errors import ClubError

ALL_TIME = "ALL"
KINDS = ("month", "quarter", "year", "all")


class InvalidPeriod(ClubError):
    pass


# --- the zone and today -------------------------------------------------------------------


def club_zone() -> ZoneInfo:
    """The club's own time zone (CLUB_TIMEZONE): its days, months and quarters."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local(moment: datetime) -> datetime:
    """A stored moment as the club's wall clock shows it."""
    return as_utc(moment).astimezone(club_zone())


def club_today(now: datetime | None = None) -> date:
    """Invoice dates, periods and deadlines are calendar dates in the club's time zone."""
    return local(now or utcnow()).date()


def local_midnight(day: date) -> datetime:
    """The first moment of a calendar day in the club's zone, as UTC."""
    return datetime.combine(day, time(0), tzinfo=club_zone()).astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in the club's zone (23 or 25 hours on DST days)."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def days_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the days from `first` to `last` inclusive; either side may be open.

    What a date filter on a page means: "from 1 December to 31 December" takes in all of
    31 December, local time.
    """
    start = local_midnight(first) if first else None
    end = local_midnight(last + timedelta(days=1)) if last else None
    return start, end


def coming_week(day: date) -> tuple[date, date]:
    """`day` and the six days after it: the week ahead, whatever the weekday."""
    return day, day + timedelta(days=6)


# --- months as dates ------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date | datetime, months: int):
    """The same day `months` later (or earlier), cut to the month's last day if needed:
    31 January + 1 month = 28 or 29 February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return add_months(month_start(day), 1)


def last_months(day: date, count: int) -> tuple[date, date]:
    """The `count` whole months before `day`'s month, as [first month's start, the start
    of `day`'s month): the rolling window that tiers read."""
    current = month_start(day)
    return add_months(current, -count), current


def months_between(first: date, later: date) -> int:
    """Whole calendar months from `first`'s month to `later`'s (negative when earlier)."""
    return (later.year - first.year) * 12 + later.month - first.month


def quarter_number(day: date) -> int:
    return (day.month - 1) // 3 + 1


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A month ("month", 2026, 11), a quarter ("quarter", 2026, 4), a year ("year", 2026)
    or all time ("all")."""

    kind: str
    year: int | None = None
    number: int | None = None

    @property
    def key(self) -> str:
        """A short stable key: M2026-11, Q2026-4, Y2026, ALL."""
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
    def starts(self) -> date | None:
        """The first day (None for all time)."""
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        if self.kind == "year":
            return date(self.year, 1, 1)
        return None

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}.get(self.kind, 0)

    @property
    def following_start(self) -> date | None:
        """The first day after the period."""
        return add_months(self.starts, self.months) if self.kind != "all" else None

    @property
    def ends(self) -> date | None:
        """The last day."""
        following = self.following_start
        return following - timedelta(days=1) if following else None

    def month_starts(self) -> list[date]:
        """The first day of each month of the period."""
        return [add_months(self.starts, index) for index in range(self.months)]

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in the club's zone, as UTC datetimes."""
        if self.kind == "all":
            raise ValueError("all time has no bounds")
        return local_midnight(self.starts), local_midnight(self.following_start)

    def contains(self, day: date) -> bool:
        return self.kind == "all" or self.starts <= day <= self.ends

    def previous(self) -> Period:
        return self.shifted(-1)

    def next(self) -> Period:
        return self.shifted(1)

    def shifted(self, by: int) -> Period:
        """The period `by` periods of the same kind later (earlier when negative)."""
        if self.kind == "all":
            return self
        if self.kind == "year":
            return Period("year", self.year + by)
        per_year = 12 if self.kind == "month" else 4
        index = self.year * per_year + self.number - 1 + by
        return Period(self.kind, index // per_year, index % per_year + 1)

    def a_year_before(self) -> Period:
        return Period(self.kind, self.year - 1, self.number) if self.kind != "all" else self


ALL = Period("all")


def month(year: int, number: int) -> Period:
    return Period("month", year, number)


def quarter(year: int, number: int) -> Period:
    return Period("quarter", year, number)


def year(number: int) -> Period:
    return Period("year", number)


def _day(value: date | datetime) -> date:
    return local(value).date() if isinstance(value, datetime) else value


def month_of(value: date | datetime) -> Period:
    """The month of a calendar date, or of a moment in the club's zone."""
    day = _day(value)
    return Period("month", day.year, day.month)


def quarter_of(value: date | datetime | Period) -> Period:
    """The quarter of a calendar date, of a moment (club zone) or of a month."""
    if isinstance(value, Period):
        return Period("quarter", value.year, (value.number - 1) // 3 + 1)
    day = _day(value)
    return Period("quarter", day.year, quarter_number(day))


def year_of(value: date | datetime) -> Period:
    return Period("year", _day(value).year)


def this_month(now: datetime | None = None) -> Period:
    return month_of(club_today(now))


def this_quarter(now: datetime | None = None) -> Period:
    return quarter_of(club_today(now))


def this_year(now: datetime | None = None) -> Period:
    return year_of(club_today(now))


def is_over(period: Period, *, now: datetime | None = None) -> bool:
    """Whether the period's last local moment has passed."""
    return period.kind != "all" and period.bounds()[1] <= (now or utcnow())


MONTH_ARG = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER_ARG = re.compile(r"^(\d{4})-[Qq](\d+)$")
YEAR_ARG = re.compile(r"^(\d{4})$")


def parse(
    text: str | None, *, now: datetime | None = None, first_year: int = 2000, default=None
) -> Period:
    """2026-11, 2026-Q4, 2026 or all (empty: `default`, else this month); raises
    InvalidPeriod for anything else, a year before `first_year` or a period not begun."""
    text = (text or "").strip()
    now = now or utcnow()
    if not text:
        return default if default is not None else this_month(now)
    if text.lower() == "all":
        return ALL
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
    if period.year < first_year:
        raise InvalidPeriod(_("Boards start in %(year)d.", year=first_year))
    if period.starts > club_today(now):
        raise InvalidPeriod(_("%(period)s has not started yet.", period=period.arg))
    return period


def from_arg(text: str | None) -> Period | None:
    """A period as URLs and stored details write it (2026-11, 2026-Q4, 2026, all), or
    None for anything else. Unlike `parse`, no check against today or a first year: for
    reading what was written (a statement's filter, an entry's purchase month)."""
    text = (text or "").strip()
    if text.lower() == "all":
        return ALL
    if match := MONTH_ARG.match(text):
        return month(int(match[1]), int(match[2])) if 1 <= int(match[2]) <= 12 else None
    if match := QUARTER_ARG.match(text):
        return quarter(int(match[1]), int(match[2])) if 1 <= int(match[2]) <= 4 else None
    if match := YEAR_ARG.match(text):
        return year(int(match[1]))
    return None


def quarter_from_arg(
    text: str | None, *, first_year: int = 2000, last_year: int = 9998
) -> Period | None:
    """A quarter as URLs write it (2026-Q4), begun or not: a planner looks ahead, where
    `parse` refuses what has not started. None for anything else, so that a page falls
    back to its own default."""
    found = from_arg(text)
    if found is None or found.kind != "quarter" or not first_year <= found.year <= last_year:
        return None
    return found
