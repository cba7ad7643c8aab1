"""The club's calendar at its edges: New Year's Eve late at night, DST, leap days.

The club is in Europe/Warsaw: UTC+1 in winter, UTC+2 in summer (from the last Sunday of
March, 02:00, to the last Sunday of October, 03:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import Babel

from club.core import periods
from club.core.periods import Period


@pytest.fixture(autouse=True)
def club_in_warsaw():
    app = Flask(__name__)
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Warsaw"
    Babel(app)
    with app.app_context():
        yield


NEW_YEARS_EVE_LATE = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 in Warsaw


def test_new_years_eve_at_half_past_eleven_belongs_to_the_old_year():
    assert periods.club_today(NEW_YEARS_EVE_LATE) == date(2026, 12, 31)
    assert periods.year_of(NEW_YEARS_EVE_LATE) == Period("year", 2026)
    assert periods.quarter_of(NEW_YEARS_EVE_LATE) == Period("quarter", 2026, 4)
    assert periods.month_of(NEW_YEARS_EVE_LATE) == Period("month", 2026, 12)
    start, end = periods.year(2026).bounds()
    assert start <= NEW_YEARS_EVE_LATE < end
    # Half an hour later (UTC 23:00) is already the new year in Warsaw.
    assert periods.year_of(NEW_YEARS_EVE_LATE + timedelta(minutes=30)) == Period("year", 2027)


def test_year_bounds_are_local_midnights():
    start, end = periods.year(2026).bounds()
    assert start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_a_date_filter_takes_in_the_whole_last_day():
    start, end = periods.days_bounds(date(2026, 12, 1), date(2026, 12, 31))
    assert start == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert start <= NEW_YEARS_EVE_LATE < end
    assert periods.days_bounds(None, None) == (None, None)


def test_dst_days_are_23_and_25_hours_long():
    spring_start, spring_end = periods.day_bounds(date(2026, 3, 29))
    assert spring_end - spring_start == timedelta(hours=23)
    autumn_start, autumn_end = periods.day_bounds(date(2026, 10, 25))
    assert autumn_end - autumn_start == timedelta(hours=25)
    # A quarter that spans the March change: starts at UTC+1, ends at UTC+2.
    start, end = periods.quarter(2026, 2).bounds()
    assert start == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    start, end = periods.month(2026, 3).bounds()
    assert (start, end) == (
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    )


def test_leap_day_and_month_arithmetic():
    assert periods.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert periods.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert periods.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert periods.add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)
    assert periods.next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert periods.months_between(date(2025, 11, 30), date(2026, 2, 1)) == 3
    assert periods.month(2028, 2).ends == date(2028, 2, 29)
    assert periods.quarter(2028, 1).month_starts() == [
        date(2028, 1, 1),
        date(2028, 2, 1),
        date(2028, 3, 1),
    ]


def test_previous_next_and_a_year_before():
    assert periods.month(2026, 1).previous() == Period("month", 2025, 12)
    assert periods.quarter(2026, 1).previous() == Period("quarter", 2025, 4)
    assert periods.quarter(2026, 4).next() == Period("quarter", 2027, 1)
    assert periods.quarter(2026, 2).shifted(-6) == Period("quarter", 2024, 4)
    assert periods.year(2026).previous() == Period("year", 2025)
    assert periods.month(2026, 3).a_year_before() == Period("month", 2025, 3)
    assert periods.ALL.previous() == periods.ALL
    assert periods.quarter_of(periods.month(2026, 11)) == Period("quarter", 2026, 4)


def test_is_over_at_the_local_end():
    q4 = periods.quarter(2026, 4)
    assert not periods.is_over(q4, now=NEW_YEARS_EVE_LATE)
    assert periods.is_over(q4, now=NEW_YEARS_EVE_LATE + timedelta(minutes=30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", Period("month", 2026, 11)),
        ("2026-q4", Period("quarter", 2026, 4)),
        ("2026", Period("year", 2026)),
        ("all", periods.ALL),
    ],
)
def test_parse_reads_what_urls_write(text, expected):
    assert periods.parse(text, now=NEW_YEARS_EVE_LATE) == expected
    assert periods.parse(expected.arg, now=NEW_YEARS_EVE_LATE) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "1999", "2027", "next", "2026-00"])
def test_parse_refuses_what_is_not_a_period_or_has_not_begun(text):
    with pytest.raises(periods.InvalidPeriod):
        periods.parse(text, now=NEW_YEARS_EVE_LATE)
