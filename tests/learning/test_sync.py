"""`courses sync`: every error names file, line and problem; nothing is half-loaded."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from club.learning.models import Attempt, Course, Lesson, QuizVersion
from club.learning.sync import sync_courses
from tests.learning.conftest import COURSE_YAML, LESSON, QUIZ_YAML, write_course

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _problems(report) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_a_valid_course_is_loaded_then_unchanged(db_session, courses_root):
    write_course(courses_root)
    report = sync_courses(db_session, courses_root)
    assert report.ok and report.created == ["led-panels"]
    course = db_session.scalar(select(Course))
    assert (course.title, course.language, course.points, course.pass_mark) == (
        "LED panels: choosing and selling",
        "en",
        60,
        75,
    )
    assert (course.max_attempts, course.wait_minutes, course.time_limit_minutes) == (3, 60, 20)
    assert course.points_by_attempt == [100, 50, 25] and course.tags == ["led", "panels"]
    assert [lesson.title for lesson in course.lessons] == [
        "What makes a good panel",
        "Choosing for the room",
    ]
    assert course.lessons[0].attachments == [{"file": "datasheet.pdf", "title": "Datasheet"}]
    assert course.lessons[0].video_url.startswith("https://")
    version = db_session.scalar(select(QuizVersion))
    assert len(version.questions) == 4 and version.draw == 4
    again = sync_courses(db_session, courses_root)
    assert again.unchanged == ["led-panels"] and _count(db_session, QuizVersion) == 1


def test_errors_name_file_and_line_and_load_nothing_of_that_course(db_session, courses_root):
    write_course(courses_root, "good")
    bad_quiz = QUIZ_YAML.replace("        correct: true\n", "", 1)  # efficacy: no correct option
    write_course(courses_root, "bad", quiz=bad_quiz, course=COURSE_YAML + "colour: red\n")
    report = sync_courses(db_session, courses_root)
    problems = _problems(report)
    assert report.created == ["good"]
    assert any(
        p.startswith("courses/bad/course.yaml:13: unknown key `colour`") for p in problems
    ), problems
    assert any(
        p.startswith(
            "courses/bad/quiz.yaml:7: question `efficacy`: "
            "a single-choice question needs exactly one"
        )
        for p in problems
    ), problems
    assert db_session.scalar(select(Course.slug)) == "good" and _count(db_session, Course) == 1


def test_the_last_sync_keeps_its_problems_for_the_to_do_list(db_session, courses_root):
    from club.learning.sync import last_sync_problems

    assert last_sync_problems(db_session) == (None, {}, 0)
    write_course(courses_root, "good")
    write_course(courses_root, "bad", course=COURSE_YAML + "colour: red\n")
    sync_courses(db_session, courses_root)
    synced_at, by_course, count = last_sync_problems(db_session)
    assert synced_at is not None and count == 1 and list(by_course) == ["bad"]
    assert by_course["bad"][0].startswith("courses/bad/course.yaml:13: unknown key")
    shutil.rmtree(courses_root / "bad")
    sync_courses(db_session, courses_root)
    assert last_sync_problems(db_session)[1:] == ({}, 0)  # the latest sync counts


def test_every_rule_is_checked(db_session, courses_root):
    cases = {
        "broken-yaml": ({"course": "title: [unclosed\n"}, "course.yaml:2: not valid YAML"),
        "missing-key": (
            {"course": COURSE_YAML.replace("points: 60\n", "")},
            "`points` is required",
        ),
        "bad-language": (
            {"course": COURSE_YAML.replace("language: en", "language: de")},
            "course.yaml:2: `language`",
        ),
        "bad-pass-mark": (
            {"course": COURSE_YAML.replace("pass_mark: 75", "pass_mark: 150")},
            "course.yaml:6: `pass_mark`",
        ),
        "no-front-matter": (
            {"lessons": {"01-x.md": "# no front matter\n"}},
            "01-x.md:1: front matter missing",
        ),
        "bad-lesson-name": ({"lessons": {"intro.md": LESSON}}, "intro.md: lesson file names"),
        "missing-attachment": (
            {"attachment": False},
            "01-good-panel.md:5: attachment `datasheet.pdf` does not exist",
        ),
        "bad-video": (
            {"lessons": {"01-a.md": "---\ntitle: A\nvideo: http://x\n---\nbody\n"}},
            "01-a.md:3: `video`",
        ),
        "dup-question": (
            {"quiz": QUIZ_YAML.replace("id: glare", "id: efficacy")},
            "question id `efficacy` is already used on line 4",
        ),
        "tf-no-bool": (
            {"quiz": QUIZ_YAML.replace("answer: true", "answer: yes please")},
            "`answer` must be true or false",
        ),
        "number-text": (
            {"quiz": QUIZ_YAML.replace("answer: 15", "answer: fifteen")},
            "question `savings`: `answer` must be a number",
        ),
        "draw-too-big": (
            {"quiz": "draw: 9\n" + QUIZ_YAML},
            "quiz.yaml:1: `draw` is 9 but the pool has only 4",
        ),
        "multi-none": (
            {
                "quiz": QUIZ_YAML.replace(
                    '{text: "A microprismatic diffuser", correct: true}', '{text: "A"}'
                ).replace('{text: "A low UGR rating", correct: true}', '{text: "B"}')
            },
            "question `glare`: no option is marked correct",
        ),
        "Bad_Slug": ({}, "folder name (the slug)"),
    }
    for slug, (kwargs, _expected) in cases.items():
        write_course(courses_root, slug, **kwargs)
    report = sync_courses(db_session, courses_root)
    problems = _problems(report)
    for slug, (_kwargs, expected) in cases.items():
        assert any(p.startswith(f"courses/{slug}") and expected in p for p in problems), (
            slug,
            problems,
        )
    assert _count(db_session, Course) == 0 and _count(db_session, Lesson) == 0


def test_duplicate_slugs_are_refused(db_session, courses_root):
    write_course(courses_root, "led-panels")
    write_course(courses_root, "LED-panels")
    report = sync_courses(db_session, courses_root)
    problems = _problems(report)
    assert any("courses/led-panels: duplicate slug: also used by LED-panels" in p for p in problems)
    assert _count(db_session, Course) == 0


def test_a_removed_course_is_unpublished_not_deleted(db_session, courses_root, club):
    from club.learning import services

    write_course(courses_root)
    sync_courses(db_session, courses_root)
    course = db_session.scalar(select(Course))
    services.start_attempt(db_session, club.staff, course)
    db_session.commit()
    shutil.rmtree(courses_root / "led-panels")
    report = sync_courses(db_session, courses_root)
    db_session.commit()
    assert report.unpublished == ["led-panels"]
    db_session.refresh(course)
    assert not course.is_published and not course.is_in_files
    assert _count(db_session, Attempt) == 1
    # Back again: published as its file says.
    write_course(courses_root)
    assert sync_courses(db_session, courses_root).updated == ["led-panels"]
    assert course.is_published


def test_a_removed_lesson_keeps_its_reads(db_session, courses_root, club):
    from club.learning import services

    write_course(courses_root)
    sync_courses(db_session, courses_root)
    course = db_session.scalar(select(Course))
    services.mark_read(db_session, club.staff, course.lessons[1])
    (courses_root / "led-panels" / "lessons" / "02-room.md").unlink()
    sync_courses(db_session, courses_root)
    db_session.commit()
    db_session.refresh(course)
    assert [lesson.name for lesson in course.lessons] == ["01-good-panel"]
    [progress] = services.progress_for(db_session, club.staff, [course])
    assert (progress.lessons_read, progress.lessons_total) == (0, 1)


def test_the_command_reports_and_exits_1_on_errors(app, db_session, courses_root):
    write_course(courses_root, "good")
    write_course(courses_root, "bad", quiz="questions: []\n")
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["club", "courses", "sync"])
    assert result.exit_code == 1
    assert "created     good" in result.output
    assert (
        "courses/bad/quiz.yaml:1: `questions` must be a list of at least one question"
        in result.output
    )
    assert "1 courses loaded, 1 errors" in result.output


def test_the_shipped_courses_load(db_session, tmp_path):
    from club import ROOT

    shipped = ROOT / "courses"
    folders = [p for p in shipped.iterdir() if p.is_dir()] if shipped.is_dir() else []
    if not folders:
        import pytest

        pytest.skip("no course in courses/ yet")
    report = sync_courses(db_session, shipped)
    assert report.ok, _problems(report)
    assert len(report.created) == len(folders)
