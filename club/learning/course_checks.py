"""What a course folder says, checked: its metadata (course.yaml) and its lessons
(lessons/NN-name.md with front matter), then the quiz (quiz_checks). Every problem names
its file and line; a course with any problem gives no CourseSpec at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from club.learning.course_files import (
    LinedDict,
    LinedList,
    Problems,
    check_keys,
    is_text,
    is_whole,
    line_of,
    read_yaml,
    split_front_matter,
)
from club.learning.quiz_checks import parse_quiz

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(\d{2,3})-[a-z0-9][a-z0-9-]*\.md$")
VIDEO = re.compile(r"^https://[^\s]+$")
LANGUAGES = ("en", "pl", "ru")
ATTEMPT_DEFAULTS = {"max": 3, "wait_minutes": 60, "time_limit_minutes": 20}


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


# --- course.yaml ----------------------------------------------------------------------


def _metadata(path: Path, data: LinedDict, problems: Problems) -> dict:
    """Title, language, summary, tags, points, pass mark and published, as far as valid."""
    spec: dict = {}
    if "title" in data:
        if is_text(data["title"]) and len(data["title"]) <= 200:
            spec["title"] = data["title"].strip()
        else:
            problems.add(
                path, line_of(data, "title"), "`title` must be text of 1 to 200 characters"
            )
    if "language" in data:
        if data["language"] in LANGUAGES:
            spec["language"] = data["language"]
        else:
            problems.add(
                path,
                line_of(data, "language"),
                f"`language` must be one of {', '.join(LANGUAGES)}, not {data['language']!r}",
            )
    if "summary" in data:
        if is_text(data["summary"]):
            spec["summary"] = data["summary"].strip()
        else:
            problems.add(path, line_of(data, "summary"), "`summary` must be non-empty text")
    tags = data.get("tags", [])
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(is_text(tag) and len(tag) <= 40 for tag in tags):
        problems.add(path, line_of(data, "tags"), "`tags` must be a list of short texts")
    else:
        spec["tags"] = [tag.strip() for tag in tags]
    if "points" in data:
        if is_whole(data["points"]) and data["points"] >= 0:
            spec["points"] = data["points"]
        else:
            problems.add(path, line_of(data, "points"), "`points` must be a whole number >= 0")
    if "pass_mark" in data:
        if is_whole(data["pass_mark"]) and 1 <= data["pass_mark"] <= 100:
            spec["pass_mark"] = data["pass_mark"]
        else:
            problems.add(
                path, line_of(data, "pass_mark"), "`pass_mark` must be a percent, 1 to 100"
            )
    if "published" in data:
        if isinstance(data["published"], bool):
            spec["published"] = data["published"]
        else:
            problems.add(path, line_of(data, "published"), "`published` must be true or false")
    return spec


def _attempt_policy(path: Path, data: LinedDict, problems: Problems) -> dict:
    """`attempts:` (max, wait_minutes, time_limit_minutes), the defaults filling gaps."""
    attempts = data.get("attempts") or LinedDict()
    if not isinstance(attempts, dict):
        problems.add(path, line_of(data, "attempts"), "`attempts` must be a mapping")
        attempts = LinedDict()
    if isinstance(attempts, LinedDict):
        check_keys(
            path,
            attempts,
            problems,
            required=set(),
            optional=set(ATTEMPT_DEFAULTS),
            what="attempts",
        )
    policy = {**ATTEMPT_DEFAULTS, **{k: v for k, v in attempts.items() if k in ATTEMPT_DEFAULTS}}
    if policy["max"] is not None and not (is_whole(policy["max"]) and policy["max"] >= 1):
        problems.add(
            path, line_of(attempts, "max"), "`attempts.max` must be null or a whole number >= 1"
        )
    if not (is_whole(policy["wait_minutes"]) and policy["wait_minutes"] >= 0):
        problems.add(
            path,
            line_of(attempts, "wait_minutes"),
            "`attempts.wait_minutes` must be a whole number >= 0",
        )
    limit = policy["time_limit_minutes"]
    if limit is not None and not (is_whole(limit) and limit >= 1):
        problems.add(
            path,
            line_of(attempts, "time_limit_minutes"),
            "`attempts.time_limit_minutes` must be null or a whole number >= 1",
        )
    return {
        "max_attempts": policy["max"],
        "wait_minutes": policy["wait_minutes"],
        "time_limit_minutes": limit,
    }


def _parse_course_yaml(folder: Path, problems: Problems) -> dict | None:
    path = folder / "course.yaml"
    data = read_yaml(path, problems)
    if data is None:
        return None
    check_keys(
        path,
        data,
        problems,
        required={"title", "language", "summary", "points", "pass_mark", "published"},
        optional={"tags", "attempts", "points_by_attempt"},
    )
    spec = _metadata(path, data, problems)
    spec.update(_attempt_policy(path, data, problems))
    scale = data.get("points_by_attempt", [100])
    if (
        not isinstance(scale, list)
        or not scale
        or not all(is_whole(value) and 0 <= value <= 100 for value in scale)
    ):
        problems.add(
            path,
            line_of(data, "points_by_attempt"),
            "`points_by_attempt` must be a non-empty list of percents 0 to 100",
        )
    else:
        spec["points_by_attempt"] = list(scale)
    return spec


# --- lessons ------------------------------------------------------------------------


def _attachments(path: Path, front: LinedDict, problems: Problems) -> list[dict]:
    """The files a lesson names, each present in lessons/ beside it."""
    attachments = []
    raw = front.get("attachments") or []
    if not isinstance(raw, list):
        problems.add(path, line_of(front, "attachments"), "`attachments` must be a list")
        raw = []
    for index, item in enumerate(raw):
        line = raw.item_lines[index] if isinstance(raw, LinedList) else None
        if not isinstance(item, LinedDict):
            problems.add(path, line, "each attachment needs `file` (and `title`)")
            continue
        check_keys(path, item, problems, required={"file"}, optional={"title"}, what="attachment")
        name = item.get("file")
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
            problems.add(
                path, line_of(item, "file"), "attachment `file` must be a file name in lessons/"
            )
            continue
        if not (path.parent / name).is_file():
            problems.add(
                path, line_of(item, "file"), f"attachment `{name}` does not exist in lessons/"
            )
            continue
        title = item.get("title", name)
        if not is_text(title):
            problems.add(path, line_of(item, "title"), "attachment `title` must be text")
            continue
        attachments.append({"file": name, "title": title.strip()})
    return attachments


def _parse_lesson(path: Path, position: int, problems: Problems) -> LessonSpec | None:
    """One lesson file: front matter (title, video, attachments), then Markdown."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.add(path, None, "not UTF-8 text")
        return None
    split = split_front_matter(text)
    if split is None:
        problems.add(path, 1, "front matter missing: start the file with `---`, the keys, `---`")
        return None
    front_text, body, first_line = split
    front = read_yaml(path, problems, first_line=first_line, text=front_text or "{}")
    if front is None:
        return None
    before = len(problems.items)
    check_keys(path, front, problems, required={"title"}, optional={"video", "attachments"})
    if "title" in front and not (is_text(front["title"]) and len(front["title"]) <= 200):
        problems.add(path, line_of(front, "title"), "`title` must be text of 1 to 200 characters")
    video = front.get("video")
    if video is not None and not (
        isinstance(video, str) and VIDEO.match(video) and len(video) <= 500
    ):
        problems.add(path, line_of(front, "video"), "`video` must be an https:// address")
    attachments = _attachments(path, front, problems)
    if len(problems.items) > before:
        return None
    return LessonSpec(
        name=path.stem,
        position=position,
        title=front["title"].strip(),
        body=body.strip() + "\n",
        video_url=video,
        attachments=attachments,
    )


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
        lesson = _parse_lesson(path, len(lessons) + 1, problems)
        if lesson is not None:
            lessons.append(lesson)
    return lessons


# --- a whole course -------------------------------------------------------------------


def parse_course(folder: Path, problems: Problems) -> CourseSpec | None:
    """Read one course folder; None (with `problems` filled) if anything is wrong."""
    if not SLUG.match(folder.name):
        problems.add(
            folder, None, "folder name (the slug) must be lower-case letters, digits and hyphens"
        )
    meta = _parse_course_yaml(folder, problems)
    lessons = _parse_lessons(folder, problems)
    quiz = parse_quiz(folder, problems)
    if problems or meta is None or quiz is None:
        return None
    return CourseSpec(slug=folder.name, lessons=lessons, quiz=quiz, **meta)
