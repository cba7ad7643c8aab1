"""Two tabs, double clicks and a racing reset never award a pass twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from club.extensions import db
from club.learning import services
from club.learning.models import Attempt, AttemptStatus, Course, CoursePass
from club.ledger.models import Entry
from club.ledger.verify import verify
from club.members.models import User
from tests.learning.conftest import key_of
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_many_submissions_of_one_attempt_grade_and_award_once(app, db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    answers = key_of(attempt)
    attempt_id = attempt.id
    db_session.commit()

    def submit(_index):
        outcome = services.submit_attempt(
            db.session, db.session.get(Attempt, attempt_id), answers, now=NOW
        )
        return outcome.graded_now

    outcomes = race(app, submit, 6)
    assert sorted(outcomes) == [False] * 5 + [True]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(CoursePass)) == 1
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 1
    assert verify(db_session).ok


def test_two_tabs_starting_get_one_attempt(app, db_session, club, make_course):
    course_id = make_course().id
    staff_id = club.staff.id

    def start(_index):
        attempt = services.start_attempt(
            db.session, db.session.get(User, staff_id), db.session.get(Course, course_id), now=NOW
        )
        return attempt.id

    ids = race(app, start, 5)
    assert len(set(ids)) == 1


def test_passing_while_a_manager_resets_awards_once(app, db_session, club, make_course):
    """Two attempts passed around a reset, all at once: one pass row, one entry."""
    course = make_course()
    course_id, staff_id, manager_id = course.id, club.staff.id, club.club_manager.id
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    answers = key_of(attempt)
    attempt_id = attempt.id
    db_session.commit()

    def work(index):
        if index == 0:
            return services.reset_progress(
                db.session,
                db.session.get(User, staff_id),
                db.session.get(Course, course_id),
                actor=db.session.get(User, manager_id),
            )
        return services.submit_attempt(
            db.session, db.session.get(Attempt, attempt_id), answers, now=NOW
        ).graded_now

    race(app, work, 4)
    db_session.expire_all()
    # Whatever order it ran in, a retake after the reset earns nothing more.
    staff, course = db_session.get(User, staff_id), db_session.get(Course, course_id)
    services.reset_progress(db_session, staff, course, actor=db_session.get(User, manager_id))
    retake = services.start_attempt(db_session, staff, course)
    services.submit_attempt(db_session, retake, key_of(retake))
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Entry)) <= 1
    assert db_session.scalar(select(func.count()).select_from(CoursePass)) <= 1
    statuses = set(db_session.scalars(select(Attempt.status)))
    assert AttemptStatus.OPEN not in statuses
    assert verify(db_session).ok
