"""The demo syncs the shipped courses and plays some study through the real services."""

from __future__ import annotations

from sqlalchemy import func, select

from club.demo import load_demo
from club.learning.models import Attempt, AttemptStatus, Course, CoursePass, LessonRead
from club.ledger.models import Entry
from club.ledger.verify import verify


def test_the_demo_has_courses_passes_and_progress(app_ctx):
    from club.extensions import db

    load_demo(db.session)
    db.session.commit()
    slugs = set(db.session.scalars(select(Course.slug)))
    if not slugs:
        return  # no shipped course yet
    passes = db.session.scalars(select(CoursePass)).all()
    assert passes and all(len(record.code) == 11 for record in passes)
    assert db.session.scalar(select(func.count()).select_from(LessonRead)) > 5
    assert db.session.scalar(
        select(func.count()).select_from(Attempt).where(Attempt.status == AttemptStatus.FAILED)
    )
    earned = db.session.scalars(select(Entry).where(Entry.source_type == "course")).all()
    assert sum(entry.amount for entry in earned) == sum(record.points for record in passes)
    assert verify(db.session).ok
