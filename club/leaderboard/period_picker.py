"""The boards' periods: the one a URL or the API asks for, and those the picker offers.
The calendar itself is core.periods (a Period's `key` is the rollups' period key)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask_babel import gettext as _

from club.core import periods
from club.core.periods import Period

FIRST_YEAR = 2000


def parse_period(text: str | None, *, now: datetime | None = None) -> Period:
    """2026-11, 2026-Q4, 2026 or all (empty: this month); raises InvalidPeriod for
    anything else, a year before FIRST_YEAR or a period not begun."""
    return periods.parse(text, now=now, first_year=FIRST_YEAR)


def period_choices(now: datetime | None = None, *, months: int = 12, quarters: int = 8):
    """For the picker: (heading, periods) groups, the current ones first. Templates show
    each with the `period` filter."""
    current, past_months, past_quarters = _recent(periods.this_month(now), months, quarters)
    return (
        (_("Current"), current),
        (_("Past months"), past_months),
        (_("Past quarters"), past_quarters),
    )


@lru_cache(maxsize=64)
def _recent(month: Period, months: int, quarters: int):
    """The same two dozen periods on every page of a month: worked out once."""
    quarter = periods.quarter_of(month)
    current = (month, quarter, periods.year(month.year), periods.ALL)
    past_months = tuple(month.shifted(-back) for back in range(1, months + 1))
    past_quarters = tuple(quarter.shifted(-back) for back in range(1, quarters + 1))
    return current, past_months, past_quarters
