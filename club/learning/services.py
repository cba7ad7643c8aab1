"""Rules of learning, as views and other domains call them: courses and progress
(courses), attempts and grading (attempts), how often a quiz may be tried (limits), passes
and certificates (passes). Each lives in its own module; this one names them all."""

from __future__ import annotations

from club.learning.attempts import (
    Outcome,
    clean_answers,
    parse_number,
    question_view,
    questions_view,
    review,
    save_draft,
    start_attempt,
    submit_attempt,
)
from club.learning.courses import (
    IN_PROGRESS,
    NOT_STARTED,
    PASSED,
    CoverageCount,
    PersonRow,
    Progress,
    club_coverage,
    company_coverage,
    course_by_slug,
    course_people,
    current_version,
    mark_read,
    progress_for,
    published_courses,
    read_lesson_ids,
)
from club.learning.limits import (
    GRACE,
    QuizState,
    counting_attempts,
    is_overdue,
    quiz_state,
    reset_progress,
    resume_step,
    seconds_left,
)
from club.learning.passes import course_pass, earns_points, find_certificate

__all__ = [
    "GRACE",
    "IN_PROGRESS",
    "NOT_STARTED",
    "PASSED",
    "CoverageCount",
    "Outcome",
    "PersonRow",
    "Progress",
    "QuizState",
    "clean_answers",
    "club_coverage",
    "company_coverage",
    "counting_attempts",
    "course_by_slug",
    "course_pass",
    "course_people",
    "current_version",
    "earns_points",
    "find_certificate",
    "is_overdue",
    "mark_read",
    "parse_number",
    "progress_for",
    "published_courses",
    "question_view",
    "questions_view",
    "quiz_state",
    "read_lesson_ids",
    "reset_progress",
    "resume_step",
    "review",
    "save_draft",
    "seconds_left",
    "start_attempt",
    "submit_attempt",
]
