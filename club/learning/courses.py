"""Courses and lessons as people find them, and how far each person has come: their own
progress, their company's coverage and the club's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.learning.errors import CourseUnavailable
from club.learning.models import Attempt, Course, CoursePass, Lesson, LessonRead, QuizVersion
from club.members.models import Company, MembershipStatus, User

# --- courses and lessons ----------------------------------------------------------


def published_courses(session: Session, *, language: str | None = None) -> list[Course]:
    """Published courses in every language, the reader's own language first."""
    courses = session.scalars(
        select(Course).where(Course.is_published.is_(True)).order_by(Course.title)
    ).all()
    return sorted(courses, key=lambda course: course.language != language)


def course_by_slug(session: Session, slug: str, *, include_unpublished: bool = False) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None or not (course.is_published or include_unpublished):
        raise CourseUnavailable(_("There is no such course."))
    return course


def current_version(session: Session, course: Course) -> QuizVersion | None:
    return session.scalar(
        select(QuizVersion)
        .where(QuizVersion.course_id == course.id)
        .order_by(QuizVersion.number.desc())
        .limit(1)
    )


def read_lesson_ids(session: Session, user: User, course: Course) -> set[int]:
    return set(
        session.scalars(
            select(LessonRead.lesson_id)
            .join(Lesson, Lesson.id == LessonRead.lesson_id)
            .where(LessonRead.user_id == user.id, Lesson.course_id == course.id)
        )
    )


def mark_read(session: Session, user: User, lesson: Lesson, *, now: datetime | None = None) -> bool:
    """Record that `user` read `lesson`; False if they had already."""
    exists = session.scalar(
        select(LessonRead.id).where(
            LessonRead.user_id == user.id, LessonRead.lesson_id == lesson.id
        )
    )
    if exists:
        return False
    try:
        with session.begin_nested():
            session.add(LessonRead(user_id=user.id, lesson_id=lesson.id, read_at=now or utcnow()))
    except IntegrityError:  # the same click from another tab, a moment earlier
        return False
    return True


# --- progress and coverage ----------------------------------------------------------------


NOT_STARTED, IN_PROGRESS, PASSED = "not_started", "in_progress", "passed"


@dataclass
class Progress:
    course: Course
    lessons_total: int
    lessons_read: int
    attempts: int
    course_pass: CoursePass | None
    best_percent: int | None

    @property
    def status(self) -> str:
        if self.course_pass is not None:
            return PASSED
        if self.lessons_read or self.attempts:
            return IN_PROGRESS
        return NOT_STARTED


@dataclass
class _Facts:
    """Lessons per course, and per (person id, course id): lessons read, attempts that
    count, their best percent and the pass."""

    totals: dict[int, int]
    reads: dict[tuple[int, int], int]
    attempts: dict[tuple[int, int], int]
    best: dict[tuple[int, int], int]
    passes: dict[tuple[int, int], CoursePass]

    def progress(self, person_id: int, course: Course) -> Progress:
        """The score shown is the pass's, or the best attempt's before a pass."""
        key = (person_id, course.id)
        record = self.passes.get(key)
        return Progress(
            course,
            self.totals.get(course.id, 0),
            self.reads.get(key, 0),
            self.attempts.get(key, 0),
            record,
            record.percent if record else self.best.get(key),
        )


def _lesson_totals(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(Lesson.course_id, func.count())
            .where(Lesson.is_current.is_(True))
            .group_by(Lesson.course_id)
        ).all()
    )


def _facts(session: Session, user_ids: list[int]) -> _Facts:
    totals = _lesson_totals(session)
    if not user_ids:
        return _Facts(totals, {}, {}, {}, {})
    reads = {
        (user_id, course_id): count
        for user_id, course_id, count in session.execute(
            select(LessonRead.user_id, Lesson.course_id, func.count())
            .join(Lesson, Lesson.id == LessonRead.lesson_id)
            .where(LessonRead.user_id.in_(user_ids), Lesson.is_current.is_(True))
            .group_by(LessonRead.user_id, Lesson.course_id)
        )
    }
    attempts, best = {}, {}
    for user_id, course_id, count, top in session.execute(
        select(Attempt.user_id, Attempt.course_id, func.count(), func.max(Attempt.percent))
        .where(Attempt.user_id.in_(user_ids), Attempt.cleared_at.is_(None))
        .group_by(Attempt.user_id, Attempt.course_id)
    ):
        attempts[(user_id, course_id)] = count
        best[(user_id, course_id)] = top
    passes = {
        (record.user_id, record.course_id): record
        for record in session.scalars(select(CoursePass).where(CoursePass.user_id.in_(user_ids)))
    }
    return _Facts(totals, reads, attempts, best, passes)


def progress_for(session: Session, user: User, courses: list[Course]) -> list[Progress]:
    facts = _facts(session, [user.id])
    result = [facts.progress(user.id, course) for course in courses]
    for progress in result:
        # One's own page shows one's best score: a retake after a reset may beat the pass.
        best = facts.best.get((user.id, progress.course.id))
        if best is not None and progress.best_percent is not None:
            progress.best_percent = max(progress.best_percent, best)
    return result


@dataclass
class PersonRow:
    person: User
    cells: list[Progress]

    @property
    def passed(self) -> int:
        return sum(cell.status == PASSED for cell in self.cells)


def company_coverage(session: Session, company: Company, courses: list[Course]) -> list[PersonRow]:
    """Each active person of the company against each course."""
    people = session.scalars(
        select(User)
        .where(User.company_id == company.id, User.is_active.is_(True))
        .order_by(User.name)
    ).all()
    facts = _facts(session, [person.id for person in people])
    return [
        PersonRow(person, [facts.progress(person.id, course) for course in courses])
        for person in people
    ]


@dataclass
class CoverageCount:
    people: int = 0
    in_progress: int = 0
    passed: int = 0
    points: int = 0

    @property
    def share(self) -> int:
        return self.passed * 100 // self.people if self.people else 0

    def add(self, progress: Progress) -> None:
        if progress.course_pass is not None:
            self.passed += 1
            self.points += progress.course_pass.points
        elif progress.lessons_read or progress.attempts:
            self.in_progress += 1


def club_coverage(
    session: Session, courses: list[Course], *, company_ids: list[int] | None = None
) -> tuple[dict[int, CoverageCount], list[tuple[Company, CoverageCount]]]:
    """Per course (across companies) and per company (across courses): people in member
    companies, how many are in progress, how many passed."""
    query = (
        select(User)
        .join(Company, Company.id == User.company_id)
        .where(User.is_active.is_(True), Company.status == MembershipStatus.MEMBER)
    )
    if company_ids is not None:
        query = query.where(Company.id.in_(company_ids))
    people = session.scalars(query).all()
    facts = _facts(session, [person.id for person in people])
    by_course = {course.id: CoverageCount() for course in courses}
    by_company: dict[int, CoverageCount] = {}
    companies: dict[int, Company] = {}
    for person in people:
        companies[person.company_id] = person.company
        company_count = by_company.setdefault(person.company_id, CoverageCount())
        company_count.people += 1
        for course in courses:
            progress = facts.progress(person.id, course)
            by_course[course.id].people += 1
            by_course[course.id].add(progress)
            company_count.add(progress)
    ordered = sorted(companies.values(), key=lambda company: company.name)
    return by_course, [(company, by_company[company.id]) for company in ordered]


def course_people(session: Session, course: Course, *, company_ids: list[int] | None = None):
    """Everyone who started or passed the course, with their progress."""
    started = (
        select(LessonRead.user_id)
        .join(Lesson, Lesson.id == LessonRead.lesson_id)
        .where(Lesson.course_id == course.id)
        .union(
            select(Attempt.user_id).where(Attempt.course_id == course.id),
            select(CoursePass.user_id).where(CoursePass.course_id == course.id),
        )
    )
    query = select(User).where(User.id.in_(started)).order_by(User.name)
    if company_ids is not None:
        query = query.where(User.company_id.in_(company_ids))
    people = session.scalars(query).all()
    facts = _facts(session, [person.id for person in people])
    return [(person, facts.progress(person.id, course)) for person in people]
