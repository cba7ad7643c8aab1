"""The demo syncs the shipped courses and plays some study through the real services."""

from __future__ import annotations

from sqlalchemy import func, select

from club.learning.models import Attempt, AttemptStatus, Course, CoursePass, LessonRead
from club.ledger.models import Entry
from club.ledger.verify import verify


def test_the_demo_has_courses_passes_and_progress(demo_session):
    session = demo_session  # the demo club, loaded once (the `demo` fixture)
    slugs = set(session.scalars(select(Course.slug)))
    if not slugs:
        return  # no shipped course yet
    passes = session.scalars(select(CoursePass)).all()
    assert passes and all(len(record.code) == 11 for record in passes)
    assert session.scalar(select(func.count()).select_from(LessonRead)) > 5
    assert session.scalar(
        select(func.count()).select_from(Attempt).where(Attempt.status == AttemptStatus.FAILED)
    )
    earned = session.scalars(select(Entry).where(Entry.source_type == "course")).all()
    assert sum(entry.amount for entry in earned) == sum(record.points for record in passes)
    assert verify(session).ok
