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
from club.ledger.models import Entry, EntryKind, Wallet
from club.members.models import Company, MembershipStatus, User
from club.members.signals import company_admitted

EARNING = (MembershipStatus.MEMBER, MembershipStatus.APPLICANT)


def earns_points(user: User) -> bool:
    """Quiz points go to a member or applicant company's wallet (an applicant's stay
    pending until it is admitted); supplier staff take courses for practice and
    suspended or former members earn nothing."""
    return user.role.is_partner and user.company is not None and user.company.status in EARNING


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
            pending=user.company.status == MembershipStatus.APPLICANT,
            person=user,
            reason=_("the course “%(title)s”", title=course.title),
            details={
                "course": course.slug,
                "title": course.title,  # the statement names it in the reader's language
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


def confirm_on_admission(session: Session, company: Company, *, now: datetime) -> int:
    """An admitted applicant's staff's pending quiz points become available, from the day
    of admission (they expire counted from it). Idempotent: each earning is confirmed
    once, by its own key (a second run replays them). Returns how many earnings it saw."""
    wallet = session.scalar(select(Wallet).where(Wallet.company_id == company.id))
    if wallet is None:
        return 0
    earnings = session.scalars(
        select(Entry)
        .where(
            Entry.wallet_id == wallet.id,
            Entry.kind == EntryKind.EARN,
            Entry.source_type == "course",
            Entry.pending_delta > 0,
        )
        .order_by(Entry.id)
    ).all()
    for earning in earnings:
        ledger.confirm(
            session,
            wallet,
            earning.pending_delta,
            source=ledger.Source(earning.source_type, earning.source_id),
            earned_at=now,
            person=earning.person,
            reason=_("%(what)s: confirmed at admission", what=earning.reason),
            details={"earning": earning.id},
            idempotency_key=f"quiz-admitted:{earning.id}",
            now=now,
        )
    return len(earnings)


def find_certificate(session: Session, typed: str) -> CoursePass | None:
    """The pass whose certificate carries the code, however it was typed."""
    code = normalize_code(typed)
    if code is None:
        return None
    return session.scalar(select(CoursePass).where(CoursePass.code == code))


@company_admitted.connect
def _confirm_pending_quiz_points(session: Session, *, company: Company, now: datetime, **_kw):
    confirm_on_admission(session, company, now=now)
