"""How often a person may try a quiz: attempts limited in number, spaced by a waiting
time, each within its time limit; and the club manager's reset, after which the
attempts stop counting (the pass and its points stay).

Every quiz action of a person first locks that person's row (`lock_person`), so two tabs
cannot both start, grade or reset at once; the lock order is the person, then their
attempt, then the wallet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.formatting import datetime_
from club.learning.models import Attempt, AttemptStatus, Course, CoursePass
from club.learning.passes import course_pass
from club.members.models import User

# A submission that left the browser just before the deadline still counts.
GRACE = timedelta(seconds=30)


def counting_attempts(session: Session, user: User, course: Course) -> list[Attempt]:
    """The person's attempts that count against the policy (not reset), oldest first."""
    return list(
        session.scalars(
            select(Attempt)
            .where(
                Attempt.user_id == user.id,
                Attempt.course_id == course.id,
                Attempt.cleared_at.is_(None),
            )
            .order_by(Attempt.number)
        )
    )


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def seconds_left(attempt: Attempt, now: datetime) -> int | None:
    """Whole seconds until the attempt's deadline (0 once passed); None without a limit.
    The server's clock decides: the page's countdown only shows it."""
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))


def resume_step(attempt: Attempt) -> int:
    """Where a reloaded attempt continues: the first question without an answer kept."""
    draft = attempt.draft or {}
    for number, question_id in enumerate(attempt.question_ids, start=1):
        if not draft.get(question_id):
            return number
    return 1


@dataclass
class QuizState:
    """What the person may do with the quiz now, and why not."""

    attempts: list[Attempt]
    open_attempt: Attempt | None
    passed: bool  # a pass that counts (not reset)
    ever_passed: CoursePass | None
    attempts_left: int | None  # None: unlimited
    next_start: datetime | None  # waiting time after a failed attempt
    refusal: str | None = None

    @property
    def can_start(self) -> bool:
        return self.refusal is None

    @property
    def used_up(self) -> bool:
        return self.attempts_left == 0 and self.open_attempt is None

    @property
    def may_review(self) -> bool:
        """The answer key is shown after a pass or once no attempt is left."""
        return self.ever_passed is not None or self.passed or self.used_up


def quiz_state(session: Session, user: User, course: Course, *, now: datetime | None = None):
    now = now or utcnow()
    attempts = counting_attempts(session, user, course)
    open_attempt = next((a for a in attempts if a.is_open and not is_overdue(a, now)), None)
    finished = [a for a in attempts if not a.is_open or is_overdue(a, now)]
    passed = any(a.status == AttemptStatus.PASSED for a in attempts)
    left = None if course.max_attempts is None else max(course.max_attempts - len(attempts), 0)
    next_start = None
    if finished and course.wait_minutes and not passed:
        last = finished[-1]
        ended = last.submitted_at or last.deadline or last.started_at
        next_start = ended + timedelta(minutes=course.wait_minutes)
        if next_start <= now:
            next_start = None
    state = QuizState(
        attempts=attempts,
        open_attempt=open_attempt,
        passed=passed,
        ever_passed=course_pass(session, user, course),
        attempts_left=left,
        next_start=next_start,
    )
    if open_attempt is not None:
        state.refusal = None  # "start" resumes it
    elif passed:
        state.refusal = _("You passed this quiz. There is nothing more to do here.")
    elif left == 0:
        state.refusal = _("You have used all attempts at this quiz.")
    elif next_start is not None:
        state.refusal = _("You can try again from %(time)s.", time=datetime_(next_start, "short"))
    return state


# --- closing attempts -------------------------------------------------------------------


def lock_person(session: Session, user: User) -> None:
    """Serialise one person's quiz actions (PostgreSQL; SQLite's IMMEDIATE does it)."""
    session.execute(select(User.id).where(User.id == user.id).with_for_update())


def close_overdue(session: Session, user: User, course: Course, now: datetime) -> None:
    for attempt in session.scalars(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.status == AttemptStatus.OPEN,
        )
    ):
        if is_overdue(attempt, now):
            expire(session, attempt, now)


def expire(session: Session, attempt: Attempt, now: datetime) -> bool:
    result = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(status=AttemptStatus.EXPIRED, submitted_at=now, correct=0, percent=0)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    return result.rowcount == 1


# --- the club manager's reset -------------------------------------------------------------


def reset_progress(
    session: Session, user: User, course: Course, *, actor: User, now: datetime | None = None
) -> int:
    """Let a person take the quiz again: their attempts stop counting. The pass, its
    points and certificate stay, so a retake never earns twice."""
    now = now or utcnow()
    lock_person(session, user)
    # Every open attempt closes, overdue or not: none may be graded after the reset.
    for attempt in session.scalars(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.status == AttemptStatus.OPEN,
        )
    ):
        expire(session, attempt, now)
    result = session.execute(
        update(Attempt)
        .where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.cleared_at.is_(None),
        )
        .values(cleared_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "course.progress_reset",
        user,
        actor=actor,
        company_id=user.company_id,
        after={"course": course.slug, "attempts_cleared": result.rowcount},
        now=now,
    )
    session.flush()
    session.expire_all()
    return result.rowcount
