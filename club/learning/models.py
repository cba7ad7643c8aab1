"""Courses loaded from courses/, lessons read, quiz attempts and passes.

The site never reads course files on a request: `courses sync` copies them into these
tables. A quiz's questions live in a QuizVersion (a new one whenever the quiz content
changes), and every attempt names the version it answered, so results stay readable
after a course changes. A person passes a course once: `course_pass` is unique per
person and course, and it carries the points awarded and the certificate's code.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import User, str_enum


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark_percent"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint("wait_minutes >= 0", name="wait_not_negative"),
        CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes >= 1", name="time_limit_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    points: Mapped[int] = mapped_column(nullable=False)
    pass_mark: Mapped[int] = mapped_column(nullable=False)
    max_attempts: Mapped[int | None] = mapped_column(nullable=True)
    wait_minutes: Mapped[int] = mapped_column(nullable=False, default=0)
    time_limit_minutes: Mapped[int | None] = mapped_column(nullable=True)
    # Percent of `points` by the attempt on which the first pass happened; last repeats.
    points_by_attempt: Mapped[list] = mapped_column(JSON, nullable=False, default=lambda: [100])
    is_published: Mapped[bool] = mapped_column(nullable=False, default=False)
    # False once its folder disappeared from courses/ (then it is also unpublished).
    is_in_files: Mapped[bool] = mapped_column(nullable=False, default=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        order_by="Lesson.position",
        primaryjoin="and_(Course.id == Lesson.course_id, Lesson.is_current)",
        viewonly=True,
    )

    def percent_for_attempt(self, number: int) -> int:
        scale = self.points_by_attempt or [100]
        return scale[min(number, len(scale)) - 1]

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.slug}>"


class Lesson(db.Model):
    """A lesson file; kept (not current) when it disappears, so reads stay valid."""

    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("course_id", "name", name="uq_lesson_course_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The file name without ".md", e.g. "01-what-makes-a-good-panel".
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    video_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # [{"file": "datasheet.pdf", "title": "..."}], files beside the lesson in the folder.
    attachments: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    is_current: Mapped[bool] = mapped_column(nullable=False, default=True)

    course: Mapped[Course] = relationship()

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.name}>"


class LessonRead(db.Model):
    __tablename__ = "lesson_read"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", name="uq_lesson_read"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), nullable=False, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<LessonRead user={self.user_id} lesson={self.lesson_id}>"


class QuizVersion(db.Model):
    """The quiz of a course as it was at one sync; the highest number is current.

    `questions` holds every question of the pool with its answer key; option ids are
    random per version, so they say nothing about the order in the file.
    """

    __tablename__ = "quiz_version"
    __table_args__ = (
        UniqueConstraint("course_id", "number", name="uq_quiz_version_number"),
        CheckConstraint("draw >= 1", name="draw_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    draw: Mapped[int] = mapped_column(nullable=False)
    shuffle_questions: Mapped[bool] = mapped_column(nullable=False, default=True)
    shuffle_options: Mapped[bool] = mapped_column(nullable=False, default=True)
    questions: Mapped[list] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    course: Mapped[Course] = relationship()

    def question(self, question_id: str) -> dict | None:
        return next((q for q in self.questions if q["id"] == question_id), None)

    def __repr__(self) -> str:
        return f"<QuizVersion {self.id} course={self.course_id} v{self.number}>"


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"  # submitted after the time limit, or never submitted in time


class Attempt(db.Model):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "number", name="uq_quiz_attempt_number"),
        # One attempt in progress per person and course, whatever two tabs do.
        Index(
            "uq_quiz_attempt_one_open",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        CheckConstraint("(status = 'open') = (submitted_at IS NULL)", name="open_until_submitted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True
    )
    quiz_version_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_version.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    # 1, 2, 3... over all of the person's attempts at the course, reset or not.
    number: Mapped[int] = mapped_column(nullable=False)
    status: Mapped[AttemptStatus] = mapped_column(
        str_enum(AttemptStatus, "attempt_status"), nullable=False, default=AttemptStatus.OPEN
    )
    # The drawn questions in the order shown, and each one's options in the order shown.
    question_ids: Mapped[list] = mapped_column(JSON, nullable=False)
    option_order: Mapped[dict] = mapped_column(JSON, nullable=False)
    # Answers saved step by step (htmx) before the attempt is submitted.
    draft: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    answers: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    correct: Mapped[int | None] = mapped_column(nullable=True)
    percent: Mapped[int | None] = mapped_column(nullable=True)
    pass_mark: Mapped[int] = mapped_column(nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A manager's "reset progress": the attempt no longer counts against the policy.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    quiz_version: Mapped[QuizVersion] = relationship()

    @property
    def total(self) -> int:
        return len(self.question_ids)

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN

    def __repr__(self) -> str:
        return f"<Attempt {self.id} user={self.user_id} course={self.course_id} {self.status}>"


class CoursePass(db.Model):
    """A person's first pass of a course: the points it earned and the certificate."""

    __tablename__ = "course_pass"
    __table_args__ = (
        # Points once per person and course, ever: the database says so, not only code.
        UniqueConstraint("user_id", "course_id", name="uq_course_pass_person_course"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    percent: Mapped[int] = mapped_column(nullable=False)
    points: Mapped[int] = mapped_column(nullable=False, default=0)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entry.id", ondelete="RESTRICT"), nullable=True
    )
    # Printed on the certificate, e.g. "7KQ2M-XW4PA"; checked on the public page.
    code: Mapped[str] = mapped_column(String(11), nullable=False, unique=True)
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    attempt: Mapped[Attempt] = relationship()

    def __repr__(self) -> str:
        return f"<CoursePass {self.id} user={self.user_id} course={self.course_id}>"
