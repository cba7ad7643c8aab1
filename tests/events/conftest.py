"""Meetings for the tests: published, a week ahead, with seats to fill."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from club.core.clock import utcnow
from club.events import services
from club.events.services import MeetingData


def meeting_data(**changes) -> MeetingData:
    start = (utcnow() + timedelta(days=10)).replace(tzinfo=None, second=0, microsecond=0)
    values = {
        "title": "Śniadanie biznesowe: oświetlenie biur",
        "format": "business_breakfast",
        "theme": "LED panels in offices",
        "description": "Breakfast and a talk.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "timezone": "Europe/Warsaw",
        "place": "Hotel Bristol, Krakowskie Przedmieście 42, Warszawa",
        "online_url": "",
        "capacity": 2,
        "seats_per_company": None,
        "audience": "members",
        "min_tier_id": None,
        "invited_company_ids": [],
        "registration_opens_at": None,
        "registration_closes_at": None,
        "attendance_points": 50,
        "speakers": [("Jan Kowalski", "Lighting designer", "20 years of offices.")],
    }
    values.update(changes)
    return MeetingData(**values)


@pytest.fixture
def make_meeting(app, db_session, club):
    def make(*, publish: bool = True, **changes):
        meeting = services.save_meeting(
            db_session, None, meeting_data(**changes), actor=club.club_manager
        )
        if publish:
            services.publish(db_session, meeting, actor=club.club_manager)
        db_session.commit()
        return meeting

    return make


def started(meeting, *, minutes: int = 5) -> datetime:
    """A moment just after the meeting began."""
    return meeting.starts_at + timedelta(minutes=minutes)
