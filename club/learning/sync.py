"""Load courses/ into the database: validate every course, then upsert it by slug.

The format is described in courses/README.md. Each problem names the file, the line and
what is wrong (course_files, course_checks, quiz_checks); a course with any problem is not
written at all (each course is written in a savepoint, after it validated completely),
and the problems of all courses are reported in one run. A course whose folder
disappeared is unpublished, never deleted. A quiz whose content changed gets a new
QuizVersion; earlier attempts keep the version they answered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.audit.models import AuditEntry
from club.core.clock import utcnow
from club.learning.course_checks import CourseSpec, LessonSpec, parse_course
from club.learning.course_files import Problem, Problems
from club.learning.models import Course, Lesson, QuizVersion

__all__ = [
    "CourseSpec",
    "LessonSpec",
    "Problem",
    "SyncReport",
    "courses_folder",
    "last_sync_problems",
    "parse_course",
    "save_course",
    "sync_courses",
]


def courses_folder() -> Path:
    """COURSES_FOLDER from the config, or courses/ beside the code (the app's root is
    the club package, so the project is its parent)."""
    default = Path(current_app.root_path).parent / "courses"
    return Path(current_app.config.get("COURSES_FOLDER") or default)


# --- writing ------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _option_ids(count: int) -> list[str]:
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(secrets.token_hex(4))
    return list(ids)


def _versioned_questions(quiz: dict) -> list[dict]:
    """The pool with a fresh random id on every option (per version, not per file order)."""
    questions = []
    for question in quiz["questions"]:
        item = dict(question)
        if question["type"] in ("single", "multiple"):
            ids = _option_ids(len(question["options"]))
            item["options"] = [
                {"id": option_id, **option}
                for option_id, option in zip(ids, question["options"], strict=True)
            ]
        questions.append(item)
    return questions


def save_course(session: Session, spec: CourseSpec, *, now: datetime) -> str:
    """Upsert one validated course; 'created', 'updated' or 'unchanged'. Flushes."""
    course = session.scalar(select(Course).where(Course.slug == spec.slug))
    content_hash = spec.content_hash()
    if course is not None and course.content_hash == content_hash and course.is_in_files:
        return "unchanged"
    outcome = "updated" if course is not None else "created"
    if course is None:
        course = Course(slug=spec.slug, created_at=now)
        session.add(course)
    course.title = spec.title
    course.language = spec.language
    course.summary = spec.summary
    course.tags = spec.tags
    course.points = spec.points
    course.pass_mark = spec.pass_mark
    course.max_attempts = spec.max_attempts
    course.wait_minutes = spec.wait_minutes
    course.time_limit_minutes = spec.time_limit_minutes
    course.points_by_attempt = spec.points_by_attempt
    course.is_published = spec.published
    course.is_in_files = True
    course.content_hash = content_hash
    course.synced_at = now
    session.flush()
    _save_lessons(session, course, spec.lessons)
    _save_quiz(session, course, spec, now=now)
    session.flush()
    return outcome


def _save_lessons(session: Session, course: Course, lessons: list[LessonSpec]) -> None:
    """Lessons by name: a lesson gone from the folder stays for the records, not current."""
    existing = {
        lesson.name: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    for lesson in existing.values():
        lesson.is_current = False
    for item in lessons:
        lesson = existing.get(item.name)
        if lesson is None:
            lesson = Lesson(course_id=course.id, name=item.name)
            session.add(lesson)
        lesson.position = item.position
        lesson.title = item.title
        lesson.body = item.body
        lesson.video_url = item.video_url
        lesson.attachments = item.attachments
        lesson.is_current = True


def _save_quiz(session: Session, course: Course, spec: CourseSpec, *, now: datetime) -> None:
    """A new QuizVersion when the quiz changed; earlier attempts keep theirs."""
    quiz_hash = spec.quiz_hash()
    latest = session.scalar(
        select(QuizVersion)
        .where(QuizVersion.course_id == course.id)
        .order_by(QuizVersion.number.desc())
        .limit(1)
    )
    if latest is None or latest.content_hash != quiz_hash:
        session.add(
            QuizVersion(
                course_id=course.id,
                number=(latest.number + 1) if latest else 1,
                content_hash=quiz_hash,
                draw=spec.quiz["draw"],
                shuffle_questions=spec.quiz["shuffle_questions"],
                shuffle_options=spec.quiz["shuffle_options"],
                questions=_versioned_questions(spec.quiz),
                created_at=now,
            )
        )


def sync_courses(session: Session, folder: Path, *, now: datetime | None = None) -> SyncReport:
    """Validate every course in `folder` and save the valid ones. The caller commits."""
    now = now or utcnow()
    report = SyncReport()
    problems = Problems(folder)
    if not folder.is_dir():
        problems.add(folder, None, "the courses folder does not exist")
        report.problems = problems.items
        return report
    folders = sorted(
        p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    lowered: dict[str, list[Path]] = {}
    for path in folders:
        lowered.setdefault(path.name.lower(), []).append(path)
    present: set[str] = set()
    for path in folders:
        present.add(path.name)
        course_problems = Problems(folder)
        if len(lowered[path.name.lower()]) > 1:
            others = ", ".join(p.name for p in lowered[path.name.lower()] if p != path)
            course_problems.add(path, None, f"duplicate slug: also used by {others}")
        spec = parse_course(path, course_problems)
        if spec is None or course_problems:
            report.problems.extend(course_problems.items)
            continue
        with session.begin_nested():
            outcome = save_course(session, spec, now=now)
        getattr(report, outcome).append(spec.slug)
    # A course whose folder is gone is unpublished; its attempts and passes stay.
    for course in session.scalars(
        select(Course).where(Course.slug.not_in(present) if present else Course.id.is_not(None))
    ):
        if course.is_in_files or course.is_published:
            course.is_in_files = False
            course.is_published = False
            course.synced_at = now
            report.unpublished.append(course.slug)
    # Kept for the club manager's to-do list: which courses the last sync left out.
    audit.record(
        session,
        "courses.synced",
        None,
        object_type="courses",
        object_id=folder.name[:64] or "-",
        after={
            "loaded": len(report.created) + len(report.updated) + len(report.unchanged),
            "problems": [str(problem) for problem in report.problems[:MAX_PROBLEMS_KEPT]],
            "problem_count": len(report.problems),
        },
        now=now,
    )
    session.flush()
    return report


MAX_PROBLEMS_KEPT = 50


def last_sync_problems(session: Session) -> tuple[datetime | None, dict[str, list[str]], int]:
    """When courses were last synced, the problems it found by course folder (the first
    MAX_PROBLEMS_KEPT) and how many there were in all."""
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "courses.synced")
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None, {}, 0
    by_course: dict[str, list[str]] = {}
    for problem in (entry.after or {}).get("problems", []):
        parts = Path(problem.split(":", 1)[0]).parts
        by_course.setdefault(parts[1] if len(parts) > 1 else parts[0], []).append(problem)
    return entry.created_at, by_course, (entry.after or {}).get("problem_count", 0)
