"""The club manager's quarter: its three months as week rows, each day with the meetings
that start on it in the club's time zone."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core import periods
from club.core.periods import Period
from club.events.models import Meeting


@dataclass
class CalendarMonth:
    period: Period  # a month
    weeks: list[list[tuple[date, list[Meeting]]]] = field(default_factory=list)


def quarter_calendar(session: Session, quarter: Period) -> list[CalendarMonth]:
    """The quarter's three months as week rows (Monday first), days of the neighbouring
    months included to fill the weeks."""
    start, end = quarter.bounds()
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(periods.local(meeting.starts_at).date(), []).append(meeting)
    weeks_of = calendar.Calendar(firstweekday=0).monthdatescalendar
    return [
        CalendarMonth(
            periods.month_of(first),
            [
                [(day, by_day.get(day, [])) for day in week]
                for week in weeks_of(first.year, first.month)
            ],
        )
        for first in quarter.month_starts()
    ]
