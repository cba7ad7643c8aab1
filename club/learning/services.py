"""Rules of learning: reading lessons, attempts at a quiz, grading, passes and points.

Grading happens on the server, once per attempt: the attempt is closed by a conditional
UPDATE (... WHERE submitted_at IS NULL), so a double click or two tabs grade it once. A
pass is a `course_pass` row, unique per person and course: whatever races, resets or
retries happen, the points are awarded once (the ledger's idempotency key says the same
a second time). The answer key never leaves this module before an attempt is submitted:
pages get `question_view(...)`, which carries no `correct` flag.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.learning.errors import AttemptRefused, CourseUnavailable, InvalidAnswer
from club.learning.models import (
    Attempt,
    AttemptStatus,
    Course,
    CoursePass,
    Lesson,
    LessonRead,
    QuizVersion,
)
from club.ledger import services as ledger
from club.members.models import Company, MembershipStatus, User

# A submission that left the browser just before the deadline still counts.
GRACE = timedelta(seconds=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
FINISHED = (AttemptStatus.PASSED, AttemptStatus.FAILED, AttemptStatus.EXPIRED)


# --- courses and lessons ----------------------------------------------------------


def published_courses(session: Session, *, language: str | None = None) -> list[Course]:
    """Published courses in every language, the reader's own language first."""
    courses = session.scalars(
        select(Course).where(Course.is_published.is_(True)).order_by(Course.title)
    ).all()
    return sorted(courses, key=lambda course: course.language != language)


def course_by_slug(session: Session, slug: str, *, include_unpublished: bool = False) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None or not (course.is_published or include_unpublished):
        raise CourseUnavailable(_("There is no such course."))
    return course


def current_version(session: Session, course: Course) -> QuizVersion | None:
    return session.scalar(
        select(QuizVersion)
        .where(QuizVersion.course_id == course.id)
        .order_by(QuizVersion.number.desc())
        .limit(1)
    )


def read_lesson_ids(session: Session, user: User, course: Course) -> set[int]:
    return set(
        session.scalars(
            select(LessonRead.lesson_id)
            .join(Lesson, Lesson.id == LessonRead.lesson_id)
            .where(LessonRead.user_id == user.id, Lesson.course_id == course.id)
        )
    )


def mark_read(session: Session, user: User, lesson: Lesson, *, now: datetime | None = None) -> bool:
    """Record that `user` read `lesson`; False if they had already."""
    exists = session.scalar(
        select(LessonRead.id).where(
            LessonRead.user_id == user.id, LessonRead.lesson_id == lesson.id
        )
    )
    if exists:
        return False
    try:
        with session.begin_nested():
            session.add(LessonRead(user_id=user.id, lesson_id=lesson.id, read_at=now or utcnow()))
    except IntegrityError:  # the same click from another tab, a moment earlier
        return False
    return True


# --- where a person stands ------------------------------------------------------------


def earns_points(user: User) -> bool:
    """Quiz points go to a member company's wallet; supplier staff take courses for
    practice and applicant, suspended or former members earn nothing."""
    return (
        user.role.is_partner
        and user.company is not None
        and user.company.status == MembershipStatus.MEMBER
    )


def counting_attempts(session: Session, user: User, course: Course) -> list[Attempt]:
    """The person's attempts that count against the policy (not reset), oldest first."""
    return list(
        session.scalars(
            select(Attempt)
            .where(
                Attempt.user_id == user.id,
                Attempt.course_id == course.id,
                Attempt.cleared_at.is_(None),
            )
            .order_by(Attempt.number)
        )
    )


def course_pass(session: Session, user: User, course: Course) -> CoursePass | None:
    return session.scalar(
        select(CoursePass).where(CoursePass.user_id == user.id, CoursePass.course_id == course.id)
    )


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


@dataclass
class QuizState:
    """What the person may do with the quiz now, and why not."""

    attempts: list[Attempt]
    open_attempt: Attempt | None
    passed: bool  # a pass that counts (not reset)
    ever_passed: CoursePass | None
    attempts_left: int | None  # None: unlimited
    next_start: datetime | None  # waiting time after a failed attempt
    refusal: str | None = None

    @property
    def can_start(self) -> bool:
        return self.refusal is None

    @property
    def used_up(self) -> bool:
        return self.attempts_left == 0 and self.open_attempt is None

    @property
    def may_review(self) -> bool:
        """The answer key is shown after a pass or once no attempt is left."""
        return self.ever_passed is not None or self.passed or self.used_up


def quiz_state(session: Session, user: User, course: Course, *, now: datetime | None = None):
    now = now or utcnow()
    attempts = counting_attempts(session, user, course)
    open_attempt = next((a for a in attempts if a.is_open and not is_overdue(a, now)), None)
    finished = [a for a in attempts if not a.is_open or is_overdue(a, now)]
    passed = any(a.status == AttemptStatus.PASSED for a in attempts)
    left = None if course.max_attempts is None else max(course.max_attempts - len(attempts), 0)
    next_start = None
    if finished and course.wait_minutes and not passed:
        last = finished[-1]
        ended = last.submitted_at or last.deadline or last.started_at
        next_start = ended + timedelta(minutes=course.wait_minutes)
        if next_start <= now:
            next_start = None
    state = QuizState(
        attempts=attempts,
        open_attempt=open_attempt,
        passed=passed,
        ever_passed=course_pass(session, user, course),
        attempts_left=left,
        next_start=next_start,
    )
    if open_attempt is not None:
        state.refusal = None  # "start" resumes it
    elif passed:
        state.refusal = _("You passed this quiz. There is nothing more to do here.")
    elif left == 0:
        state.refusal = _("You have used all attempts at this quiz.")
    elif next_start is not None:
        state.refusal = _(
            "You can try again from %(time)s.", time=format_datetime(next_start, "short")
        )
    return state


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


def _lock_person(session: Session, user: User) -> None:
    """Serialise one person's quiz actions (PostgreSQL; SQLite's IMMEDIATE does it)."""
    session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _close_overdue(session: Session, user: User, course: Course, now: datetime) -> None:
    for attempt in session.scalars(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.status == AttemptStatus.OPEN,
        )
    ):
        if is_overdue(attempt, now):
            _expire(session, attempt, now)


def _expire(session: Session, attempt: Attempt, now: datetime) -> bool:
    result = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(status=AttemptStatus.EXPIRED, submitted_at=now, correct=0, percent=0)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    return result.rowcount == 1


def _draw(version: QuizVersion, seen: set[str], rng: random.Random) -> list[str]:
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
    _lock_person(session, user)
    _close_overdue(session, user, course, now)
    state = quiz_state(session, user, course, now=now)
    if state.open_attempt is not None:
        return state.open_attempt
    if state.refusal:
        raise AttemptRefused(state.refusal)
    version = current_version(session, course)
    if version is None:
        raise CourseUnavailable(_("This course has no quiz yet."))
    previous = session.scalars(
        select(Attempt.question_ids).where(
            Attempt.user_id == user.id, Attempt.course_id == course.id
        )
    ).all()
    seen = {question_id for ids in previous for question_id in ids}
    drawn = _draw(version, seen, rng)
    order = {}
    for question_id in drawn:
        question = version.question(question_id)
        if question["type"] in ("single", "multiple"):
            ids = [option["id"] for option in question["options"]]
            if version.shuffle_options:
                rng.shuffle(ids)
            order[question_id] = ids
    number = (
        session.scalar(
            select(func.max(Attempt.number)).where(
                Attempt.user_id == user.id, Attempt.course_id == course.id
            )
        )
        or 0
    ) + 1
    attempt = Attempt(
        user_id=user.id,
        course_id=course.id,
        quiz_version_id=version.id,
        number=number,
        status=AttemptStatus.OPEN,
        question_ids=drawn,
        option_order=order,
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
        running = session.scalar(
            select(Attempt).where(
                Attempt.user_id == user.id,
                Attempt.course_id == course.id,
                Attempt.status == AttemptStatus.OPEN,
            )
        )
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
        _expire(session, attempt, now)
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
    messages: list[str] = field(default_factory=list)


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
    _lock_person(session, attempt.user)
    session.refresh(attempt)
    if not attempt.is_open:
        return Outcome(attempt, graded_now=False)
    cleaned = clean_answers(attempt, raw)
    if is_overdue(attempt, now):
        graded = _expire(session, attempt, now)
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
        outcome.course_pass = _record_pass(session, attempt, now=now)
    return outcome


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())[:10]
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else raw


def _record_pass(session: Session, attempt: Attempt, *, now: datetime) -> CoursePass | None:
    """The first pass of a person earns the course's points (the percent for the attempt
    it happened on); any later pass finds the unique row and earns nothing."""
    course, user = attempt.course, attempt.user
    if course_pass(session, user, course) is not None:
        return None
    percent_of_points = course.percent_for_attempt(attempt.number)
    points = course.points * percent_of_points // 100 if earns_points(user) else 0
    record = CoursePass(
        user_id=user.id,
        course_id=course.id,
        attempt_id=attempt.id,
        percent=attempt.percent,
        points=points,
        code=new_code(),
        passed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # passed in another tab a moment ago
        return None
    if points > 0:
        wallet = ledger.wallet_for(session, user.company_id)
        entry = ledger.earn(
            session,
            wallet,
            points,
            source=ledger.Source("course", str(course.id)),
            person=user,
            reason=_("the course “%(title)s”", title=course.title),
            details={
                "course": course.slug,
                "attempt": attempt.number,
                "percent_of_points": percent_of_points,
            },
            idempotency_key=f"quiz:{course.id}:{user.id}",
            now=now,
        )
        record.entry_id = entry.id
    audit.record(
        session,
        "course.passed",
        record,
        actor=user,
        company_id=user.company_id,
        after={"course": course.slug, "percent": attempt.percent, "points": points},
        now=now,
    )
    session.flush()
    return record


# --- the club manager's reset -------------------------------------------------------------


def reset_progress(
    session: Session, user: User, course: Course, *, actor: User, now: datetime | None = None
) -> int:
    """Let a person take the quiz again: their attempts stop counting. The pass, its
    points and certificate stay, so a retake never earns twice."""
    now = now or utcnow()
    _lock_person(session, user)
    _close_overdue(session, user, course, now)
    for attempt in session.scalars(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.status == AttemptStatus.OPEN,
        )
    ):
        _expire(session, attempt, now)
    result = session.execute(
        update(Attempt)
        .where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.cleared_at.is_(None),
        )
        .values(cleared_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "course.progress_reset",
        user,
        actor=actor,
        company_id=user.company_id,
        after={"course": course.slug, "attempts_cleared": result.rowcount},
        now=now,
    )
    session.flush()
    session.expire_all()
    return result.rowcount


# --- certificates --------------------------------------------------------------------


def find_certificate(session: Session, code: str) -> CoursePass | None:
    code = normalise_code(code)
    if len(code) != 11:
        return None
    return session.scalar(select(CoursePass).where(CoursePass.code == code))


# --- progress and coverage ----------------------------------------------------------------


NOT_STARTED, IN_PROGRESS, PASSED = "not_started", "in_progress", "passed"


@dataclass
class Progress:
    course: Course
    lessons_total: int
    lessons_read: int
    attempts: int
    course_pass: CoursePass | None
    best_percent: int | None

    @property
    def status(self) -> str:
        if self.course_pass is not None:
            return PASSED
        if self.lessons_read or self.attempts:
            return IN_PROGRESS
        return NOT_STARTED


def _lesson_totals(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(Lesson.course_id, func.count())
            .where(Lesson.is_current.is_(True))
            .group_by(Lesson.course_id)
        ).all()
    )


def _progress_facts(session: Session, user_ids: list[int]):
    """(reads, attempts, best percent, passes) keyed by (user id, course id)."""
    if not user_ids:
        return {}, {}, {}, {}
    reads = {
        (user_id, course_id): count
        for user_id, course_id, count in session.execute(
            select(LessonRead.user_id, Lesson.course_id, func.count())
            .join(Lesson, Lesson.id == LessonRead.lesson_id)
            .where(LessonRead.user_id.in_(user_ids), Lesson.is_current.is_(True))
            .group_by(LessonRead.user_id, Lesson.course_id)
        )
    }
    attempts, best = {}, {}
    for user_id, course_id, count, top in session.execute(
        select(Attempt.user_id, Attempt.course_id, func.count(), func.max(Attempt.percent))
        .where(Attempt.user_id.in_(user_ids), Attempt.cleared_at.is_(None))
        .group_by(Attempt.user_id, Attempt.course_id)
    ):
        attempts[(user_id, course_id)] = count
        best[(user_id, course_id)] = top
    passes = {
        (record.user_id, record.course_id): record
        for record in session.scalars(select(CoursePass).where(CoursePass.user_id.in_(user_ids)))
    }
    return reads, attempts, best, passes


def progress_for(session: Session, user: User, courses: list[Course]) -> list[Progress]:
    totals = _lesson_totals(session)
    reads, attempts, best, passes = _progress_facts(session, [user.id])
    result = []
    for course in courses:
        key = (user.id, course.id)
        record = passes.get(key)
        result.append(
            Progress(
                course=course,
                lessons_total=totals.get(course.id, 0),
                lessons_read=reads.get(key, 0),
                attempts=attempts.get(key, 0),
                course_pass=record,
                best_percent=max(
                    (
                        p
                        for p in (best.get(key), record.percent if record else None)
                        if p is not None
                    ),
                    default=None,
                ),
            )
        )
    return result


@dataclass
class PersonRow:
    person: User
    cells: list[Progress]

    @property
    def passed(self) -> int:
        return sum(cell.status == PASSED for cell in self.cells)


def company_coverage(session: Session, company: Company, courses: list[Course]) -> list[PersonRow]:
    """Each active person of the company against each course."""
    people = session.scalars(
        select(User)
        .where(User.company_id == company.id, User.is_active.is_(True))
        .order_by(User.name)
    ).all()
    totals = _lesson_totals(session)
    reads, attempts, best, passes = _progress_facts(session, [p.id for p in people])
    rows = []
    for person in people:
        cells = []
        for course in courses:
            key = (person.id, course.id)
            record = passes.get(key)
            cells.append(
                Progress(
                    course,
                    totals.get(course.id, 0),
                    reads.get(key, 0),
                    attempts.get(key, 0),
                    record,
                    record.percent if record else best.get(key),
                )
            )
        rows.append(PersonRow(person, cells))
    return rows


@dataclass
class CoverageCount:
    people: int = 0
    in_progress: int = 0
    passed: int = 0
    points: int = 0

    @property
    def share(self) -> int:
        return self.passed * 100 // self.people if self.people else 0


def club_coverage(
    session: Session, courses: list[Course], *, company_ids: list[int] | None = None
) -> tuple[dict[int, CoverageCount], list[tuple[Company, CoverageCount]]]:
    """Per course (across companies) and per company (across courses): people in member
    companies, how many are in progress, how many passed."""
    query = (
        select(User)
        .join(Company, Company.id == User.company_id)
        .where(User.is_active.is_(True), Company.status == MembershipStatus.MEMBER)
    )
    if company_ids is not None:
        query = query.where(Company.id.in_(company_ids))
    people = session.scalars(query).all()
    reads, attempts, _best, passes = _progress_facts(session, [p.id for p in people])
    by_course = {course.id: CoverageCount() for course in courses}
    by_company: dict[int, CoverageCount] = {}
    companies: dict[int, Company] = {}
    for person in people:
        companies[person.company_id] = person.company
        company_count = by_company.setdefault(person.company_id, CoverageCount())
        company_count.people += 1
        for course in courses:
            key = (person.id, course.id)
            count = by_course[course.id]
            count.people += 1
            if key in passes:
                count.passed += 1
                count.points += passes[key].points
                company_count.passed += 1
                company_count.points += passes[key].points
            elif reads.get(key) or attempts.get(key):
                count.in_progress += 1
                company_count.in_progress += 1
    ordered = sorted(companies.values(), key=lambda company: company.name)
    return by_course, [(company, by_company[company.id]) for company in ordered]


def course_people(session: Session, course: Course, *, company_ids: list[int] | None = None):
    """Everyone who started or passed the course, with their progress."""
    started = (
        select(LessonRead.user_id)
        .join(Lesson, Lesson.id == LessonRead.lesson_id)
        .where(Lesson.course_id == course.id)
        .union(
            select(Attempt.user_id).where(Attempt.course_id == course.id),
            select(CoursePass.user_id).where(CoursePass.course_id == course.id),
        )
    )
    query = select(User).where(User.id.in_(started)).order_by(User.name)
    if company_ids is not None:
        query = query.where(User.company_id.in_(company_ids))
    people = session.scalars(query).all()
    totals = _lesson_totals(session)
    reads, attempts, best, passes = _progress_facts(session, [p.id for p in people])
    rows = []
    for person in people:
        key = (person.id, course.id)
        record = passes.get(key)
        rows.append(
            (
                person,
                Progress(
                    course,
                    totals.get(course.id, 0),
                    reads.get(key, 0),
                    attempts.get(key, 0),
                    record,
                    record.percent if record else best.get(key),
                ),
            )
        )
    return rows
