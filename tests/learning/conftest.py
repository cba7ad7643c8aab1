"""Course folders written under tmp_path, synced into the test database."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from club.learning.sync import sync_courses

COURSE_YAML = """\
title: "LED panels: choosing and selling"
language: en
summary: What distinguishes a good panel.
tags: [led, panels]
points: 60
pass_mark: 75
published: true
attempts:
  max: 3
  wait_minutes: 60
  time_limit_minutes: 20
points_by_attempt: [100, 50, 25]
"""

LESSON = """\
---
title: "What makes a good panel"
video: https://www.youtube.com/watch?v=abc
attachments:
  - file: datasheet.pdf
    title: "Datasheet"
---
# Efficacy

Lumens per **watt**.
"""

LESSON_2 = """\
---
title: "Choosing for the room"
---
Offices want UGR < 19.
"""

QUIZ_YAML = """\
shuffle_questions: true
shuffle_options: true
questions:
  - id: efficacy
    type: single
    text: "Which figure tells you how efficient a panel is?"
    options:
      - text: "Lumens per watt"
        correct: true
      - text: "Colour temperature"
      - text: "Beam angle"
    explanation: "Efficacy is lm/W."
  - id: glare
    type: multiple
    text: "What lowers glare?"
    options:
      - {text: "A microprismatic diffuser", correct: true}
      - {text: "A low UGR rating", correct: true}
      - {text: "A higher wattage"}
    explanation: "Diffusers and UGR."
  - id: dali
    type: true_false
    text: "A DALI driver can be dimmed."
    answer: true
    explanation: "Yes."
  - id: savings
    type: number
    text: "Savings per year in EUR?"
    answer: 15
    tolerance: 0.5
    unit: EUR
    explanation: "60 kWh x 0.25."
"""


def write_course(
    root: Path,
    slug: str = "led-panels",
    *,
    course=COURSE_YAML,
    quiz=QUIZ_YAML,
    lessons=None,
    attachment: bool = True,
) -> Path:
    folder = root / slug
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    (folder / "course.yaml").write_text(textwrap.dedent(course), encoding="utf-8")
    (folder / "quiz.yaml").write_text(textwrap.dedent(quiz), encoding="utf-8")
    if lessons is None:
        lessons = {"01-good-panel.md": LESSON, "02-room.md": LESSON_2}
    for name, text in lessons.items():
        (folder / "lessons" / name).write_text(text, encoding="utf-8")
    if attachment:
        (folder / "lessons" / "datasheet.pdf").write_bytes(b"%PDF-1.4 datasheet")
    return folder


@pytest.fixture
def courses_root(tmp_path, app):
    root = tmp_path / "courses"
    root.mkdir()
    app.config["COURSES_FOLDER"] = str(root)
    yield root
    app.config.pop("COURSES_FOLDER", None)


@pytest.fixture
def make_course(db_session, courses_root):
    """Write a course folder (keyword arguments as write_course) and sync it."""

    def make(slug: str = "led-panels", **kwargs):
        from sqlalchemy import select

        from club.learning.models import Course

        write_course(courses_root, slug, **kwargs)
        report = sync_courses(db_session, courses_root)
        assert report.ok, [str(p) for p in report.problems]
        db_session.commit()
        return db_session.scalar(select(Course).where(Course.slug == slug))

    return make


@pytest.fixture
def rng():
    return random.Random(7)


def key_of(attempt) -> dict[str, list[str]]:
    """The right answers to an attempt, as a form would post them."""
    answers = {}
    for question_id in attempt.question_ids:
        question = attempt.quiz_version.question(question_id)
        if question["type"] == "number":
            answers[question_id] = [str(question["answer"])]
        elif question["type"] == "true_false":
            answers[question_id] = ["true" if question["answer"] else "false"]
        else:
            answers[question_id] = [o["id"] for o in question["options"] if o["correct"]]
    return answers


def wrong_of(attempt) -> dict[str, list[str]]:
    answers = {}
    for question_id in attempt.question_ids:
        question = attempt.quiz_version.question(question_id)
        if question["type"] == "number":
            answers[question_id] = ["999"]
        elif question["type"] == "true_false":
            answers[question_id] = ["false" if question["answer"] else "true"]
        else:
            answers[question_id] = [next(o["id"] for o in question["options"] if not o["correct"])]
    return answers
