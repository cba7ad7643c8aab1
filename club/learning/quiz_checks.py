"""A course's quiz.yaml, checked: the pool of questions (single or multiple choice, true or
false, a number with a tolerance), how many are drawn and whether they are shuffled.
Every problem names the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from club.learning.course_files import (
    LinedDict,
    LinedList,
    Problems,
    check_keys,
    is_number,
    is_text,
    is_whole,
    line_of,
    read_yaml,
)

QUESTION_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUESTION_TYPES = ("single", "multiple", "true_false", "number")
# The keys each type of question needs beyond id, type and text.
TYPE_KEYS = {
    "single": {"options"},
    "multiple": {"options"},
    "true_false": {"answer"},
    "number": {"answer"},
}


def _parse_options(path: Path, question: LinedDict, problems: Problems, qid: str) -> list[dict]:
    options = question.get("options")
    if not isinstance(options, list) or len(options) < 2:
        problems.add(
            path, line_of(question, "options"), f"question `{qid}`: needs at least 2 options"
        )
        return []
    parsed = []
    for index, option in enumerate(options):
        line = options.item_lines[index] if isinstance(options, LinedList) else None
        if not isinstance(option, LinedDict):
            problems.add(path, line, f"question `{qid}`: each option needs `text`")
            continue
        check_keys(
            path,
            option,
            problems,
            required={"text"},
            optional={"correct"},
            what=f"question `{qid}` option",
        )
        if "text" in option and not is_text(option["text"]):
            problems.add(
                path, line_of(option, "text"), f"question `{qid}`: option text must not be empty"
            )
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            problems.add(
                path,
                line_of(option, "correct"),
                f"question `{qid}`: `correct` must be true or false",
            )
        parsed.append({"text": str(option.get("text", "")).strip(), "correct": correct is True})
    return parsed


def _choice_fields(
    path: Path, question: LinedDict, problems: Problems, qid: str, kind: str
) -> dict:
    options = _parse_options(path, question, problems, qid)
    correct = sum(option["correct"] for option in options)
    if options and kind == "single" and correct != 1:
        problems.add(
            path,
            line_of(question, "options"),
            f"question `{qid}`: a single-choice question needs exactly one correct option, "
            f"it has {correct}",
        )
    if options and kind == "multiple" and correct < 1:
        problems.add(
            path, line_of(question, "options"), f"question `{qid}`: no option is marked correct"
        )
    return {"options": options}


def _true_false_fields(path: Path, question: LinedDict, problems: Problems, qid: str) -> dict:
    if "answer" in question and not isinstance(question["answer"], bool):
        problems.add(
            path, line_of(question, "answer"), f"question `{qid}`: `answer` must be true or false"
        )
    return {"answer": question.get("answer")}


def _number_fields(path: Path, question: LinedDict, problems: Problems, qid: str) -> dict:
    answer = question.get("answer")
    if "answer" in question and not is_number(answer):
        problems.add(
            path, line_of(question, "answer"), f"question `{qid}`: `answer` must be a number"
        )
    tolerance = question.get("tolerance", 0)
    if not (is_number(tolerance) and tolerance >= 0):
        problems.add(
            path,
            line_of(question, "tolerance"),
            f"question `{qid}`: `tolerance` must be a number >= 0",
        )
    unit = question.get("unit", "")
    if unit is not None and not isinstance(unit, str):
        problems.add(path, line_of(question, "unit"), f"question `{qid}`: `unit` must be text")
    return {"answer": answer, "tolerance": tolerance, "unit": unit or ""}


def _question_id(
    path: Path, question: LinedDict, problems: Problems, index: int, seen: dict[str, int]
) -> str:
    """The question's id; a stand-in (#3) for messages when it has none."""
    qid = question.get("id")
    if not isinstance(qid, str) or not QUESTION_ID.match(qid):
        problems.add(
            path,
            line_of(question, "id"),
            "question `id` is required: lower-case letters, digits, hyphens",
        )
        return f"#{index + 1}"
    if qid in seen:
        problems.add(
            path,
            line_of(question, "id"),
            f"question id `{qid}` is already used on line {seen[qid]}",
        )
    else:
        seen[qid] = line_of(question, "id")
    return qid


def _parse_question(path: Path, question: LinedDict, problems: Problems, qid: str) -> dict | None:
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        problems.add(
            path,
            line_of(question, "type"),
            f"question `{qid}`: `type` must be one of {', '.join(QUESTION_TYPES)}",
        )
        return None
    check_keys(
        path,
        question,
        problems,
        required={"id", "type", "text"} | TYPE_KEYS[kind],
        optional={"explanation"} | ({"tolerance", "unit"} if kind == "number" else set()),
        what=f"question `{qid}`",
    )
    if "text" in question and not is_text(question["text"]):
        problems.add(path, line_of(question, "text"), f"question `{qid}`: `text` must not be empty")
    explanation = question.get("explanation", "")
    if explanation is not None and not isinstance(explanation, str):
        problems.add(
            path, line_of(question, "explanation"), f"question `{qid}`: `explanation` must be text"
        )
        explanation = ""
    item: dict = {
        "id": qid,
        "type": kind,
        "text": str(question.get("text", "")).strip(),
        "explanation": (explanation or "").strip(),
    }
    if kind in ("single", "multiple"):
        item.update(_choice_fields(path, question, problems, qid, kind))
    elif kind == "true_false":
        item.update(_true_false_fields(path, question, problems, qid))
    else:
        item.update(_number_fields(path, question, problems, qid))
    return item


def _parse_questions(path: Path, data: LinedDict, problems: Problems) -> list[dict]:
    raw = data.get("questions")
    if "questions" in data and (not isinstance(raw, list) or not raw):
        problems.add(
            path, line_of(data, "questions"), "`questions` must be a list of at least one question"
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
        qid = _question_id(path, question, problems, index, seen)
        item = _parse_question(path, question, problems, qid)
        if item is not None:
            questions.append(item)
    return questions


def parse_quiz(folder: Path, problems: Problems) -> dict | None:
    path = folder / "quiz.yaml"
    data = read_yaml(path, problems)
    if data is None:
        return None
    check_keys(
        path,
        data,
        problems,
        required={"questions"},
        optional={"draw", "shuffle_questions", "shuffle_options"},
    )
    for key in ("shuffle_questions", "shuffle_options"):
        if key in data and not isinstance(data[key], bool):
            problems.add(path, line_of(data, key), f"`{key}` must be true or false")
    questions = _parse_questions(path, data, problems)
    draw = data.get("draw", len(questions) or 1)
    if not (is_whole(draw) and draw >= 1):
        problems.add(path, line_of(data, "draw"), "`draw` must be a whole number >= 1")
    elif questions and draw > len(questions):
        problems.add(
            path,
            line_of(data, "draw"),
            f"`draw` is {draw} but the pool has only {len(questions)} questions",
        )
    return {
        "draw": draw,
        "shuffle_questions": data.get("shuffle_questions", True),
        "shuffle_options": data.get("shuffle_options", True),
        "questions": questions,
    }
