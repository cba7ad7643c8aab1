"""Load courses/ into the database: validate every course, then upsert it by slug.

The format is described in courses/README.md. Each problem names the file, the line and
what is wrong; a course with any problem is not written at all (each course is written in
a savepoint, after it validated completely), and the problems of all courses are reported
in one run. A course whose folder disappeared is unpublished, never deleted. A quiz whose
content changed gets a new QuizVersion; earlier attempts keep the version they answered.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.learning.models import Course, Lesson, QuizVersion

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(\d{2,3})-[a-z0-9][a-z0-9-]*\.md$")
QUESTION_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGES = ("en", "pl", "ru")
QUESTION_TYPES = ("single", "multiple", "true_false", "number")
ATTEMPT_DEFAULTS = {"max": 3, "wait_minutes": 60, "time_limit_minutes": 20}


# --- problems -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class Problems:
    """Collects the problems of one course, each with its file and line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[Problem] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        try:
            shown = path.relative_to(self.root.parent)
        except ValueError:
            shown = path
        self.items.append(Problem(str(shown), line, message))

    def __bool__(self) -> bool:
        return bool(self.items)


# --- YAML that remembers lines ------------------------------------------------------


class LinedDict(dict):
    line: int = 0
    key_lines: dict


class LinedList(list):
    line: int = 0
    item_lines: list


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str, *, first_line: int = 1) -> Any:
    """Parse YAML keeping each mapping key's and list item's line (1-based, in the file)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return _build(loader, node, first_line - 1)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else None
        raise YamlProblem(line, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlProblem(None, f"not valid YAML: {error}") from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node, offset: int) -> Any:
    if node is None:
        return None
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        result = LinedDict()
        result.line, result.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, offset)
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key, str):
                raise YamlProblem(key_line, f"keys must be text, not {key!r}")
            if key in result:
                raise YamlProblem(key_line, f"`{key}` appears twice")
            result[key] = _build(loader, value_node, offset)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        result = LinedList()
        result.line = line
        result.item_lines = [item.start_mark.line + 1 + offset for item in node.value]
        result.extend(_build(loader, item, offset) for item in node.value)
        return result
    return loader.construct_object(node, deep=True)


def _line(mapping, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line) if isinstance(mapping, LinedDict) else 0


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


# --- what a course folder says ------------------------------------------------------


@dataclass
class LessonSpec:
    name: str
    position: int
    title: str
    body: str
    video_url: str | None
    attachments: list[dict]


@dataclass
class CourseSpec:
    slug: str
    title: str
    language: str
    summary: str
    tags: list[str]
    points: int
    pass_mark: int
    published: bool
    max_attempts: int | None
    wait_minutes: int
    time_limit_minutes: int | None
    points_by_attempt: list[int]
    lessons: list[LessonSpec] = field(default_factory=list)
    quiz: dict = field(default_factory=dict)

    def quiz_hash(self) -> str:
        return _hash(self.quiz)

    def content_hash(self) -> str:
        data = {key: value for key, value in self.__dict__.items() if key != "lessons"}
        data["lessons"] = [lesson.__dict__ for lesson in self.lessons]
        return _hash(data)


def _hash(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _read_yaml_file(
    path: Path, problems: Problems, *, first_line: int = 1, text: str | None = None
):
    if text is None:
        if not path.is_file():
            problems.add(path, None, "file is missing")
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.add(path, None, "not UTF-8 text")
            return None
    try:
        data = load_yaml(text, first_line=first_line)
    except YamlProblem as error:
        problems.add(path, error.line, error.message)
        return None
    if not isinstance(data, LinedDict):
        problems.add(path, first_line, "expected a mapping of keys to values")
        return None
    return data


def _check_keys(path, data: LinedDict, problems, *, required: set, optional: set, what: str = ""):
    prefix = f"{what}: " if what else ""
    for key in data:
        if key not in required | optional:
            known = ", ".join(sorted(required | optional))
            problems.add(path, _line(data, key), f"{prefix}unknown key `{key}` (known: {known})")
    for key in sorted(required - set(data)):
        problems.add(path, data.line, f"{prefix}`{key}` is required")


def _parse_course_yaml(folder: Path, problems: Problems) -> dict | None:
    path = folder / "course.yaml"
    data = _read_yaml_file(path, problems)
    if data is None:
        return None
    _check_keys(
        path,
        data,
        problems,
        required={"title", "language", "summary", "points", "pass_mark", "published"},
        optional={"tags", "attempts", "points_by_attempt"},
    )
    spec: dict = {}
    if "title" in data:
        if _text(data["title"]) and len(data["title"]) <= 200:
            spec["title"] = data["title"].strip()
        else:
            problems.add(path, _line(data, "title"), "`title` must be text of 1 to 200 characters")
    if "language" in data:
        if data["language"] in LANGUAGES:
            spec["language"] = data["language"]
        else:
            problems.add(
                path,
                _line(data, "language"),
                f"`language` must be one of {', '.join(LANGUAGES)}, not {data['language']!r}",
            )
    if "summary" in data:
        if _text(data["summary"]):
            spec["summary"] = data["summary"].strip()
        else:
            problems.add(path, _line(data, "summary"), "`summary` must be non-empty text")
    tags = data.get("tags", [])
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(_text(tag) and len(tag) <= 40 for tag in tags):
        problems.add(path, _line(data, "tags"), "`tags` must be a list of short texts")
    else:
        spec["tags"] = [tag.strip() for tag in tags]
    if "points" in data:
        if _is_int(data["points"]) and data["points"] >= 0:
            spec["points"] = data["points"]
        else:
            problems.add(path, _line(data, "points"), "`points` must be a whole number >= 0")
    if "pass_mark" in data:
        if _is_int(data["pass_mark"]) and 1 <= data["pass_mark"] <= 100:
            spec["pass_mark"] = data["pass_mark"]
        else:
            problems.add(path, _line(data, "pass_mark"), "`pass_mark` must be a percent, 1 to 100")
    if "published" in data:
        if isinstance(data["published"], bool):
            spec["published"] = data["published"]
        else:
            problems.add(path, _line(data, "published"), "`published` must be true or false")
    attempts = data.get("attempts") or LinedDict()
    if not isinstance(attempts, dict):
        problems.add(path, _line(data, "attempts"), "`attempts` must be a mapping")
        attempts = LinedDict()
    if isinstance(attempts, LinedDict):
        _check_keys(
            path,
            attempts,
            problems,
            required=set(),
            optional=set(ATTEMPT_DEFAULTS),
            what="attempts",
        )
    policy = {**ATTEMPT_DEFAULTS, **{k: v for k, v in attempts.items() if k in ATTEMPT_DEFAULTS}}
    if policy["max"] is not None and not (_is_int(policy["max"]) and policy["max"] >= 1):
        problems.add(
            path, _line(attempts, "max"), "`attempts.max` must be null or a whole number >= 1"
        )
    if not (_is_int(policy["wait_minutes"]) and policy["wait_minutes"] >= 0):
        problems.add(
            path,
            _line(attempts, "wait_minutes"),
            "`attempts.wait_minutes` must be a whole number >= 0",
        )
    limit = policy["time_limit_minutes"]
    if limit is not None and not (_is_int(limit) and limit >= 1):
        problems.add(
            path,
            _line(attempts, "time_limit_minutes"),
            "`attempts.time_limit_minutes` must be null or a whole number >= 1",
        )
    spec["max_attempts"] = policy["max"]
    spec["wait_minutes"] = policy["wait_minutes"]
    spec["time_limit_minutes"] = limit
    scale = data.get("points_by_attempt", [100])
    if (
        not isinstance(scale, list)
        or not scale
        or not all(_is_int(value) and 0 <= value <= 100 for value in scale)
    ):
        problems.add(
            path,
            _line(data, "points_by_attempt"),
            "`points_by_attempt` must be a non-empty list of percents 0 to 100",
        )
    else:
        spec["points_by_attempt"] = list(scale)
    return spec


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the front matter starts) or None."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), 2
    return None


def _parse_lessons(folder: Path, problems: Problems) -> list[LessonSpec]:
    lessons_dir = folder / "lessons"
    if not lessons_dir.is_dir():
        problems.add(lessons_dir, None, "folder `lessons/` is missing")
        return []
    lessons: list[LessonSpec] = []
    numbers: dict[str, Path] = {}
    files = sorted(p for p in lessons_dir.iterdir() if p.suffix == ".md")
    if not files:
        problems.add(lessons_dir, None, "no lessons: add at least one `NN-name.md` file")
    for path in files:
        match = LESSON_FILE.match(path.name)
        if not match:
            problems.add(
                path,
                None,
                "lesson file names must look like `NN-name.md` (digits, lower-case, hyphens)",
            )
            continue
        if match.group(1) in numbers:
            problems.add(
                path,
                None,
                f"lesson number {match.group(1)} is also used by {numbers[match.group(1)].name}",
            )
            continue
        numbers[match.group(1)] = path
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.add(path, None, "not UTF-8 text")
            continue
        split = _split_front_matter(text)
        if split is None:
            problems.add(
                path, 1, "front matter missing: start the file with `---`, the keys, `---`"
            )
            continue
        front_text, body, first_line = split
        front = _read_yaml_file(path, problems, first_line=first_line, text=front_text or "{}")
        if front is None:
            continue
        if not isinstance(front, LinedDict):  # "{}" parses to a LinedDict too
            continue
        before = len(problems.items)
        _check_keys(path, front, problems, required={"title"}, optional={"video", "attachments"})
        if "title" in front and not (_text(front["title"]) and len(front["title"]) <= 200):
            problems.add(path, _line(front, "title"), "`title` must be text of 1 to 200 characters")
        video = front.get("video")
        if video is not None and not (
            isinstance(video, str) and re.match(r"^https://[^\s]+$", video) and len(video) <= 500
        ):
            problems.add(path, _line(front, "video"), "`video` must be an https:// address")
        attachments = []
        raw = front.get("attachments") or []
        if not isinstance(raw, list):
            problems.add(path, _line(front, "attachments"), "`attachments` must be a list")
            raw = []
        for index, item in enumerate(raw):
            line = raw.item_lines[index] if isinstance(raw, LinedList) else None
            if not isinstance(item, LinedDict):
                problems.add(path, line, "each attachment needs `file` (and `title`)")
                continue
            _check_keys(
                path, item, problems, required={"file"}, optional={"title"}, what="attachment"
            )
            name = item.get("file")
            if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
                problems.add(
                    path, _line(item, "file"), "attachment `file` must be a file name in lessons/"
                )
                continue
            if not (lessons_dir / name).is_file():
                problems.add(
                    path, _line(item, "file"), f"attachment `{name}` does not exist in lessons/"
                )
                continue
            title = item.get("title", name)
            if not _text(title):
                problems.add(path, _line(item, "title"), "attachment `title` must be text")
                continue
            attachments.append({"file": name, "title": title.strip()})
        if len(problems.items) > before:
            continue
        lessons.append(
            LessonSpec(
                name=path.stem,
                position=len(lessons) + 1,
                title=front["title"].strip(),
                body=body.strip() + "\n",
                video_url=video,
                attachments=attachments,
            )
        )
    return lessons


def _parse_options(path, question, problems, qid) -> list[dict]:
    options = question.get("options")
    if not isinstance(options, list) or len(options) < 2:
        problems.add(
            path, _line(question, "options"), f"question `{qid}`: needs at least 2 options"
        )
        return []
    parsed = []
    for index, option in enumerate(options):
        line = options.item_lines[index] if isinstance(options, LinedList) else None
        if not isinstance(option, LinedDict):
            problems.add(path, line, f"question `{qid}`: each option needs `text`")
            continue
        _check_keys(
            path,
            option,
            problems,
            required={"text"},
            optional={"correct"},
            what=f"question `{qid}` option",
        )
        if "text" in option and not _text(option["text"]):
            problems.add(
                path, _line(option, "text"), f"question `{qid}`: option text must not be empty"
            )
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            problems.add(
                path, _line(option, "correct"), f"question `{qid}`: `correct` must be true or false"
            )
        parsed.append({"text": str(option.get("text", "")).strip(), "correct": correct is True})
    return parsed


def _parse_quiz(folder: Path, problems: Problems) -> dict | None:
    path = folder / "quiz.yaml"
    data = _read_yaml_file(path, problems)
    if data is None:
        return None
    _check_keys(
        path,
        data,
        problems,
        required={"questions"},
        optional={"draw", "shuffle_questions", "shuffle_options"},
    )
    for key in ("shuffle_questions", "shuffle_options"):
        if key in data and not isinstance(data[key], bool):
            problems.add(path, _line(data, key), f"`{key}` must be true or false")
    raw = data.get("questions")
    if "questions" in data and (not isinstance(raw, list) or not raw):
        problems.add(
            path, _line(data, "questions"), "`questions` must be a list of at least one question"
        )
    if not isinstance(raw, list):
        raw = []
    questions: list[dict] = []
    seen: dict[str, int] = {}
    for index, question in enumerate(raw):
        line = raw.item_lines[index] if isinstance(raw, LinedList) else None
        if not isinstance(question, LinedDict):
            problems.add(path, line, "each question must be a mapping with `id`, `type`, `text`")
            continue
        qid = question.get("id")
        if not isinstance(qid, str) or not QUESTION_ID.match(qid):
            problems.add(
                path,
                _line(question, "id"),
                "question `id` is required: lower-case letters, digits, hyphens",
            )
            qid = f"#{index + 1}"
        elif qid in seen:
            problems.add(
                path,
                _line(question, "id"),
                f"question id `{qid}` is already used on line {seen[qid]}",
            )
        else:
            seen[qid] = _line(question, "id")
        kind = question.get("type")
        common = {"id", "type", "text"}
        extra = {
            "single": {"options"},
            "multiple": {"options"},
            "true_false": {"answer"},
            "number": {"answer"},
        }
        optional = {"explanation"} | ({"tolerance", "unit"} if kind == "number" else set())
        if kind not in QUESTION_TYPES:
            problems.add(
                path,
                _line(question, "type"),
                f"question `{qid}`: `type` must be one of {', '.join(QUESTION_TYPES)}",
            )
            continue
        _check_keys(
            path,
            question,
            problems,
            required=common | extra[kind],
            optional=optional,
            what=f"question `{qid}`",
        )
        if "text" in question and not _text(question["text"]):
            problems.add(
                path, _line(question, "text"), f"question `{qid}`: `text` must not be empty"
            )
        explanation = question.get("explanation", "")
        if explanation is not None and not isinstance(explanation, str):
            problems.add(
                path,
                _line(question, "explanation"),
                f"question `{qid}`: `explanation` must be text",
            )
            explanation = ""
        item: dict = {
            "id": qid,
            "type": kind,
            "text": str(question.get("text", "")).strip(),
            "explanation": (explanation or "").strip(),
        }
        if kind in ("single", "multiple"):
            options = _parse_options(path, question, problems, qid)
            correct = sum(option["correct"] for option in options)
            if options and kind == "single" and correct != 1:
                problems.add(
                    path,
                    _line(question, "options"),
                    f"question `{qid}`: a single-choice question needs exactly one correct option, "
                    f"it has {correct}",
                )
            if options and kind == "multiple" and correct < 1:
                problems.add(
                    path,
                    _line(question, "options"),
                    f"question `{qid}`: no option is marked correct",
                )
            item["options"] = options
        elif kind == "true_false":
            if "answer" in question and not isinstance(question["answer"], bool):
                problems.add(
                    path,
                    _line(question, "answer"),
                    f"question `{qid}`: `answer` must be true or false",
                )
            item["answer"] = question.get("answer")
        else:
            answer = question.get("answer")
            if "answer" in question and not _is_number(answer):
                problems.add(
                    path, _line(question, "answer"), f"question `{qid}`: `answer` must be a number"
                )
            tolerance = question.get("tolerance", 0)
            if not (_is_number(tolerance) and tolerance >= 0):
                problems.add(
                    path,
                    _line(question, "tolerance"),
                    f"question `{qid}`: `tolerance` must be a number >= 0",
                )
            unit = question.get("unit", "")
            if unit is not None and not isinstance(unit, str):
                problems.add(
                    path, _line(question, "unit"), f"question `{qid}`: `unit` must be text"
                )
            item.update({"answer": answer, "tolerance": tolerance, "unit": unit or ""})
        questions.append(item)
    draw = data.get("draw", len(questions) or 1)
    if not (_is_int(draw) and draw >= 1):
        problems.add(path, _line(data, "draw"), "`draw` must be a whole number >= 1")
    elif questions and draw > len(questions):
        problems.add(
            path,
            _line(data, "draw"),
            f"`draw` is {draw} but the pool has only {len(questions)} questions",
        )
    return {
        "draw": draw,
        "shuffle_questions": data.get("shuffle_questions", True),
        "shuffle_options": data.get("shuffle_options", True),
        "questions": questions,
    }


def parse_course(folder: Path, problems: Problems) -> CourseSpec | None:
    """Read one course folder; None (with `problems` filled) if anything is wrong."""
    if not SLUG.match(folder.name):
        problems.add(
            folder, None, "folder name (the slug) must be lower-case letters, digits and hyphens"
        )
    meta = _parse_course_yaml(folder, problems)
    lessons = _parse_lessons(folder, problems)
    quiz = _parse_quiz(folder, problems)
    if problems or meta is None or quiz is None:
        return None
    return CourseSpec(slug=folder.name, lessons=lessons, quiz=quiz, **meta)


def courses_folder() -> Path:
    """COURSES_FOLDER from the config, or courses/ beside the code."""
    from flask import current_app

    from club import ROOT

    return Path(current_app.config.get("COURSES_FOLDER") or ROOT / "courses")


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

    existing = {
        lesson.name: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    for lesson in existing.values():
        lesson.is_current = False
    for item in spec.lessons:
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
    session.flush()
    return outcome


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
    session.flush()
    return report


def course_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Course)) or 0
