"""Demo learning: the shipped courses synced, and a few weeks of study played through the
real services (lessons read, failed and passed attempts, points, certificates).

Copes with whatever is in courses/: a course that is missing or has errors is skipped.
The people and dates are fixed relative to `now`, so the demo is the same on every run.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.learning import services
from club.learning.models import Attempt, Course
from club.learning.sync import courses_folder, sync_courses
from club.members.models import User

log = logging.getLogger("club.demo")

SEED = 2026

# (e-mail, course slug, days before now it began, steps). Steps: "read N" (the first N
# lessons), "fail", "pass". People of the companies the browser tests do not count the
# points of; staff@elektrosnab.example is left untouched for the browser test.
HISTORY = [
    ("andrey@sevmontazh.example", "avariynoe-osveshchenie", 19, ["read 3", "fail", "pass"]),
    ("yulia@sevmontazh.example", "how-our-club-works", 24, ["read 4", "pass"]),
    ("natalia@zdorovie.example", "how-our-club-works", 16, ["read 4", "pass"]),
    ("natalia@zdorovie.example", "avariynoe-osveshchenie", 6, ["read 2"]),
    ("agnieszka@zrodlo.example", "oswietlenie-szynowe", 12, ["read 3", "pass"]),
    ("zofia.kaminska@zak.example", "led-panels", 4, ["read 2"]),
    ("bartosz@elektro-baltyk.example", "led-panels", 9, ["read 4", "fail"]),
]


def _answers(attempt: Attempt, *, right: bool) -> dict[str, list[str]]:
    answers = {}
    for question_id in attempt.question_ids:
        question = attempt.quiz_version.question(question_id)
        if question["type"] == "number":
            answers[question_id] = [str(question["answer"] if right else question["answer"] + 99)]
        elif question["type"] == "true_false":
            answers[question_id] = ["true" if question["answer"] == right else "false"]
        else:
            answers[question_id] = [
                next(o["id"] for o in question["options"] if o["correct"] == right)
            ]
    return answers


def play_courses(session: Session, *, now: datetime) -> None:
    """Sync the shipped courses and play the HISTORY above. The caller commits."""
    folder = courses_folder()
    if not folder.is_dir():
        return
    report = sync_courses(session, folder, now=now - timedelta(days=40))
    for problem in report.problems:
        log.warning("demo courses: %s", problem)
    courses = {
        course.slug: course
        for course in session.scalars(select(Course).where(Course.is_published.is_(True)))
    }
    rng = random.Random(SEED)
    for email, slug, days_ago, steps in HISTORY:
        user = session.scalar(select(User).where(User.email == email))
        course = courses.get(slug)
        if user is None or course is None:
            continue
        moment = now - timedelta(days=days_ago, hours=rng.randint(0, 6))
        for step in steps:
            if step.startswith("read"):
                for lesson in course.lessons[: int(step.split()[1])]:
                    moment += timedelta(minutes=rng.randint(8, 20))
                    services.mark_read(session, user, lesson, now=moment)
                continue
            attempt = services.start_attempt(session, user, course, now=moment, rng=rng)
            moment += timedelta(minutes=rng.randint(5, 12))
            answers = _answers(attempt, right=step == "pass")
            services.submit_attempt(session, attempt, answers, now=moment)
            moment += timedelta(minutes=course.wait_minutes + rng.randint(30, 600))
    session.flush()
