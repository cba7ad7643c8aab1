"""Passes and certificates: a person's first pass of a course earns its points, once,
and carries the code printed on the certificate.

A pass is a `course_pass` row, unique per person and course: whatever races, resets or
retries happen, the points are awarded once (the ledger's idempotency key says the same
a second time).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.codes import new_code, normalize_code
from club.learning.models import Attempt, Course, CoursePass
from club.ledger import services as ledger
from club.members.models import MembershipStatus, User


def earns_points(user: User) -> bool:
    """Quiz points go to a member company's wallet; supplier staff take courses for
    practice and applicant, suspended or former members earn nothing."""
    return (
        user.role.is_partner
        and user.company is not None
        and user.company.status == MembershipStatus.MEMBER
    )


def course_pass(session: Session, user: User, course: Course) -> CoursePass | None:
    return session.scalar(
        select(CoursePass).where(CoursePass.user_id == user.id, CoursePass.course_id == course.id)
    )


def record_pass(session: Session, attempt: Attempt, *, now: datetime) -> CoursePass | None:
    """The first pass of a person earns the course's points (the percent for the attempt
    it happened on); any later pass finds the unique row and earns nothing."""
    course, user = attempt.course, attempt.user
    if course_pass(session, user, course) is not None:
        return None
    percent_of_points = course.percent_for_attempt(attempt.number)
    points = course.points * percent_of_points // 100 if earns_points(user) else 0
    record = CoursePass(
        user_id=user.id,
        course_id=course.id,
        attempt_id=attempt.id,
        percent=attempt.percent,
        points=points,
        code=new_code(),
        passed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # passed in another tab a moment ago
        return None
    if points > 0:
        wallet = ledger.wallet_for(session, user.company_id)
        entry = ledger.earn(
            session,
            wallet,
            points,
            source=ledger.Source("course", str(course.id)),
            person=user,
            reason=_("the course “%(title)s”", title=course.title),
            details={
                "course": course.slug,
                "attempt": attempt.number,
                "percent_of_points": percent_of_points,
            },
            idempotency_key=f"quiz:{course.id}:{user.id}",
            now=now,
        )
        record.entry_id = entry.id
    audit.record(
        session,
        "course.passed",
        record,
        actor=user,
        company_id=user.company_id,
        after={"course": course.slug, "percent": attempt.percent, "points": points},
        now=now,
    )
    session.flush()
    return record


def find_certificate(session: Session, typed: str) -> CoursePass | None:
    """The pass whose certificate carries the code, however it was typed."""
    code = normalize_code(typed)
    if code is None:
        return None
    return session.scalar(select(CoursePass).where(CoursePass.code == code))
