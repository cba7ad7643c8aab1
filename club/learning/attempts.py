"""Attempts at a quiz and their grading.

Grading happens on the server, once per attempt: the attempt is closed by a conditional
UPDATE (... WHERE submitted_at IS NULL), so a double click or two tabs grade it once. The
answer key never leaves this module before an attempt is submitted: pages get
`question_view(...)`, which carries no `correct` flag.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.learning.courses import current_version
from club.learning.errors import AttemptRefused, CourseUnavailable, InvalidAnswer
from club.learning.limits import close_overdue, expire, is_overdue, lock_person, quiz_state
from club.learning.models import Attempt, AttemptStatus, Course, CoursePass, QuizVersion
from club.learning.passes import record_pass
from club.members.models import User

# --- the questions as a page may show them -----------------------------------------------


def question_view(attempt: Attempt, question_id: str) -> dict:
    """One question of a running attempt, with no trace of the answer key."""
    question = attempt.quiz_version.question(question_id)
    view = {
        "id": question["id"],
        "type": question["type"],
        "text": question["text"],
        "unit": question.get("unit", ""),
        "options": [],
    }
    if question["type"] in ("single", "multiple"):
        texts = {option["id"]: option["text"] for option in question["options"]}
        view["options"] = [
            {"id": option_id, "text": texts[option_id]}
            for option_id in attempt.option_order[question_id]
        ]
    elif question["type"] == "true_false":
        view["options"] = [
            {"id": "true", "text": _("True")},
            {"id": "false", "text": _("False")},
        ]
    return view


def questions_view(attempt: Attempt) -> list[dict]:
    return [question_view(attempt, question_id) for question_id in attempt.question_ids]


def review(attempt: Attempt) -> list[dict]:
    """Each question with what was chosen, what was right and the explanation. Only for
    pages that checked `QuizState.may_review`."""
    answers = attempt.answers or {}
    items = []
    for question_id in attempt.question_ids:
        question = attempt.quiz_version.question(question_id)
        given = answers.get(question_id, [])
        item = {
            "id": question_id,
            "type": question["type"],
            "text": question["text"],
            "explanation": question.get("explanation", ""),
            "is_correct": _is_correct(question, given),
            "options": [],
            "given": given[0] if question["type"] == "number" and given else "",
            "answer": question.get("answer"),
            "unit": question.get("unit", ""),
        }
        if question["type"] in ("single", "multiple"):
            by_id = {option["id"]: option for option in question["options"]}
            item["options"] = [
                {
                    "text": by_id[option_id]["text"],
                    "correct": by_id[option_id]["correct"],
                    "chosen": option_id in given,
                }
                for option_id in attempt.option_order[question_id]
            ]
        elif question["type"] == "true_false":
            item["options"] = [
                {
                    "text": _("True"),
                    "correct": question["answer"] is True,
                    "chosen": "true" in given,
                },
                {
                    "text": _("False"),
                    "correct": question["answer"] is False,
                    "chosen": "false" in given,
                },
            ]
        items.append(item)
    return items


# --- starting an attempt --------------------------------------------------------------


def _draw(
    session: Session, user: User, course: Course, version: QuizVersion, rng: random.Random
) -> list[str]:
    """The attempt's questions: those the person has not seen yet first."""
    previous = session.scalars(
        select(Attempt.question_ids).where(
            Attempt.user_id == user.id, Attempt.course_id == course.id
        )
    ).all()
    seen = {question_id for ids in previous for question_id in ids}
    pool = [question["id"] for question in version.questions]
    unseen = [qid for qid in pool if qid not in seen]
    again = [qid for qid in pool if qid in seen]
    drawn = rng.sample(unseen, min(version.draw, len(unseen)))
    drawn += rng.sample(again, version.draw - len(drawn))
    if version.shuffle_questions:
        rng.shuffle(drawn)
    else:
        drawn.sort(key=pool.index)
    return drawn


def _option_order(version: QuizVersion, drawn: list[str], rng: random.Random) -> dict:
    order = {}
    for question_id in drawn:
        question = version.question(question_id)
        if question["type"] in ("single", "multiple"):
            ids = [option["id"] for option in question["options"]]
            if version.shuffle_options:
                rng.shuffle(ids)
            order[question_id] = ids
    return order


def _next_number(session: Session, user: User, course: Course) -> int:
    last = session.scalar(
        select(func.max(Attempt.number)).where(
            Attempt.user_id == user.id, Attempt.course_id == course.id
        )
    )
    return (last or 0) + 1


def _running(session: Session, user: User, course: Course) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.status == AttemptStatus.OPEN,
        )
    )


def start_attempt(
    session: Session,
    user: User,
    course: Course,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """A new attempt, or the one already running. Raises AttemptRefused when the policy
    says no (passed, used up, waiting time)."""
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    if not course.is_published:
        raise CourseUnavailable(_("This course is not open at the moment."))
    lock_person(session, user)
    close_overdue(session, user, course, now)
    state = quiz_state(session, user, course, now=now)
    if state.open_attempt is not None:
        return state.open_attempt
    if state.refusal:
        raise AttemptRefused(state.refusal)
    version = current_version(session, course)
    if version is None:
        raise CourseUnavailable(_("This course has no quiz yet."))
    drawn = _draw(session, user, course, version, rng)
    attempt = Attempt(
        user_id=user.id,
        course_id=course.id,
        quiz_version_id=version.id,
        number=_next_number(session, user, course),
        status=AttemptStatus.OPEN,
        question_ids=drawn,
        option_order=_option_order(version, drawn, rng),
        draft={},
        pass_mark=course.pass_mark,
        started_at=now,
        deadline=now + timedelta(minutes=course.time_limit_minutes)
        if course.time_limit_minutes
        else None,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # Another tab started one at the same moment: carry on with that one.
        running = _running(session, user, course)
        if running is None:
            raise
        return running
    return attempt


# --- answers -----------------------------------------------------------------------


def parse_number(text: str) -> Decimal | None:
    """ "1 234,5" or "1234.5" as typed by people; None if it is not a number."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def clean_answers(attempt: Attempt, raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Check submitted answers against the attempt; raise InvalidAnswer on anything a
    genuine form cannot produce. Keys are question ids, values lists of option ids (or
    one typed number)."""
    position = {question_id: index for index, question_id in enumerate(attempt.question_ids)}
    cleaned: dict[str, list[str]] = {}
    for question_id, values in raw.items():
        if question_id not in position:
            raise InvalidAnswer(_("The answers name a question that is not in this attempt."))
        question = attempt.quiz_version.question(question_id)
        values = [value for value in values if value != ""]
        label = position[question_id] + 1
        if question["type"] == "number":
            if len(values) > 1:
                raise InvalidAnswer(_("Question %(num)d has more than one answer.", num=label))
            if values and parse_number(values[0]) is None:
                raise InvalidAnswer(
                    _(
                        "Question %(num)d: “%(text)s” is not a number.",
                        num=label,
                        text=values[0][:40],
                    )
                )
            cleaned[question_id] = values[:1]
            continue
        if question["type"] == "true_false":
            allowed = {"true", "false"}
        else:
            allowed = set(attempt.option_order[question_id])
        if any(value not in allowed for value in values):
            raise InvalidAnswer(
                _("Question %(num)d: that option is not one of this question's.", num=label)
            )
        if question["type"] != "multiple" and len(values) > 1:
            raise InvalidAnswer(_("Question %(num)d takes one answer.", num=label))
        cleaned[question_id] = sorted(set(values))
    return cleaned


def _is_correct(question: dict, given: list[str]) -> bool:
    kind = question["type"]
    if kind == "number":
        value = parse_number(given[0]) if given else None
        if value is None:
            return False
        answer = Decimal(str(question["answer"]))
        tolerance = Decimal(str(question.get("tolerance") or 0))
        return abs(value - answer) <= tolerance
    if kind == "true_false":
        return given == (["true"] if question["answer"] else ["false"])
    correct = {option["id"] for option in question["options"] if option["correct"]}
    if kind == "single":
        return len(given) == 1 and given[0] in correct
    return set(given) == correct


def save_draft(
    session: Session,
    attempt: Attempt,
    raw: dict[str, list[str]],
    *,
    now: datetime | None = None,
) -> Attempt:
    """Keep answers given step by step until the attempt is submitted."""
    now = now or utcnow()
    if not attempt.is_open:
        raise AttemptRefused(_("This attempt has been submitted already."))
    if is_overdue(attempt, now):
        expire(session, attempt, now)
        return attempt
    cleaned = clean_answers(attempt, raw)
    attempt.draft = {**(attempt.draft or {}), **cleaned}
    session.flush()
    return attempt


@dataclass
class Outcome:
    attempt: Attempt
    graded_now: bool  # False: it had been graded already (double click, second tab)
    course_pass: CoursePass | None = None  # set when this submission was the first pass


def submit_attempt(
    session: Session,
    attempt: Attempt,
    raw: dict[str, list[str]],
    *,
    now: datetime | None = None,
) -> Outcome:
    """Grade the attempt once. Bad answers raise InvalidAnswer with nothing written; a
    submission after the time limit closes the attempt as expired, with no points."""
    now = now or utcnow()
    # Lock order as everywhere here: the person, then their attempt, then the wallet.
    lock_person(session, attempt.user)
    session.refresh(attempt)
    if not attempt.is_open:
        return Outcome(attempt, graded_now=False)
    cleaned = clean_answers(attempt, raw)
    if is_overdue(attempt, now):
        graded = expire(session, attempt, now)
        return Outcome(attempt, graded_now=graded)
    answers = {**(attempt.draft or {}), **cleaned}
    version = attempt.quiz_version
    correct = sum(
        _is_correct(version.question(question_id), answers.get(question_id, []))
        for question_id in attempt.question_ids
    )
    percent = correct * 100 // len(attempt.question_ids)
    passed = percent >= attempt.pass_mark
    result = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(
            status=AttemptStatus.PASSED if passed else AttemptStatus.FAILED,
            submitted_at=now,
            answers=answers,
            correct=correct,
            percent=percent,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    if result.rowcount != 1:
        return Outcome(attempt, graded_now=False)
    outcome = Outcome(attempt, graded_now=True)
    if passed:
        outcome.course_pass = record_pass(session, attempt, now=now)
    return outcome
