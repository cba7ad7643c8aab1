"""Grading, the attempt policy and awarding points once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from club.core.roles import Role
from club.learning import passes, services
from club.learning.errors import AttemptRefused, InvalidAnswer
from club.learning.models import AttemptStatus, CoursePass
from club.learning.sync import sync_courses
from club.ledger import services as ledger
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify
from club.members import admission
from club.members.models import MembershipStatus
from tests.learning.conftest import COURSE_YAML, QUIZ_YAML, key_of, write_course, wrong_of

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _entries(session, user) -> list[Entry]:
    return session.scalars(select(Entry).where(Entry.person_id == user.id)).all()


def _pass(session, user, course, *, now=NOW, rng=None):
    attempt = services.start_attempt(session, user, course, now=now, rng=rng)
    return services.submit_attempt(
        session, attempt, key_of(attempt), now=now + timedelta(minutes=5)
    )


def test_a_first_pass_earns_the_points_once_for_the_company(db_session, club, make_course, rng):
    course = make_course()
    outcome = _pass(db_session, club.staff, course, rng=rng)
    db_session.commit()
    assert outcome.graded_now and outcome.attempt.status == AttemptStatus.PASSED
    assert outcome.attempt.percent == 100
    assert outcome.course_pass.points == 60
    [entry] = _entries(db_session, club.staff)
    assert (
        entry.amount == 60 and entry.source_type == "course" and entry.source_id == str(course.id)
    )
    assert ledger.wallet_for(db_session, club.company.id).available == 60
    assert len(outcome.course_pass.code) == 11 and outcome.course_pass.code[5] == "-"
    # Passed: nothing more to start.
    with pytest.raises(AttemptRefused):
        services.start_attempt(db_session, club.staff, course, now=NOW + timedelta(days=1))
    assert verify(db_session).ok


def test_the_second_submission_of_the_same_attempt_grades_nothing(db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    first = services.submit_attempt(db_session, attempt, key_of(attempt), now=NOW)
    second = services.submit_attempt(db_session, attempt, wrong_of(attempt), now=NOW)
    db_session.commit()
    assert first.graded_now and not second.graded_now
    assert second.attempt.status == AttemptStatus.PASSED
    assert len(_entries(db_session, club.staff)) == 1


def test_points_shrink_with_the_attempt_that_passed(db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    failed = services.submit_attempt(db_session, attempt, wrong_of(attempt), now=NOW)
    assert failed.attempt.status == AttemptStatus.FAILED and failed.attempt.percent == 0
    # The waiting time (60 minutes) applies between attempts.
    with pytest.raises(AttemptRefused, match="try again"):
        services.start_attempt(db_session, club.staff, course, now=NOW + timedelta(minutes=30))
    outcome = _pass(db_session, club.staff, course, now=NOW + timedelta(minutes=61))
    assert outcome.attempt.number == 2
    assert outcome.course_pass.points == 30  # 50 % of 60


def test_attempts_run_out(db_session, club, make_course):
    course = make_course(course=COURSE_YAML.replace("wait_minutes: 60", "wait_minutes: 0"))
    for _ in range(3):
        attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
        services.submit_attempt(db_session, attempt, wrong_of(attempt), now=NOW)
    state = services.quiz_state(db_session, club.staff, course, now=NOW)
    assert state.attempts_left == 0 and state.may_review and not state.can_start
    with pytest.raises(AttemptRefused, match="used all attempts"):
        services.start_attempt(db_session, club.staff, course, now=NOW)


def test_a_failed_attempt_does_not_open_the_review(db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    services.submit_attempt(db_session, attempt, wrong_of(attempt), now=NOW)
    state = services.quiz_state(db_session, club.staff, course, now=NOW)
    assert not state.may_review and state.attempts_left == 2


def test_a_reset_lets_them_retake_but_never_pays_twice(db_session, club, make_course):
    course = make_course()
    _pass(db_session, club.staff, course)
    cleared = services.reset_progress(
        db_session, club.staff, course, actor=club.club_manager, now=NOW + timedelta(hours=1)
    )
    assert cleared == 1
    outcome = _pass(db_session, club.staff, course, now=NOW + timedelta(hours=2))
    db_session.commit()
    assert outcome.attempt.status == AttemptStatus.PASSED and outcome.course_pass is None
    assert len(_entries(db_session, club.staff)) == 1
    assert db_session.scalar(select(func.count()).select_from(CoursePass)) == 1


@pytest.mark.both_databases  # a constraint of the database itself
def test_the_database_refuses_a_second_pass_row(db_session, club, make_course):
    from sqlalchemy.exc import IntegrityError

    course = make_course()
    outcome = _pass(db_session, club.staff, course)
    db_session.commit()
    second = services.reset_progress(db_session, club.staff, course, actor=club.club_manager)
    assert second == 1
    attempt = services.start_attempt(db_session, club.staff, course)
    db_session.add(
        CoursePass(
            user_id=club.staff.id,
            course_id=course.id,
            attempt_id=attempt.id,
            percent=100,
            points=60,
            code="AAAAA-BBBBB",
        )
    )
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
    assert outcome.course_pass.points == 60


def test_supplier_staff_and_former_members_earn_nothing(
    db_session, club, make_course, make_company, make_user
):
    course = make_course()
    outcome = _pass(db_session, club.club_manager, course)
    assert outcome.course_pass is not None and outcome.course_pass.points == 0
    left = make_company("Gone", status=MembershipStatus.LEFT)
    former = make_user(Role.PARTNER_STAFF, left)
    assert _pass(db_session, former, course).course_pass.points == 0
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 0


def test_grading_each_question_type(db_session, club, make_course):
    course = make_course(
        quiz=QUIZ_YAML.replace("shuffle_questions: true", "shuffle_questions: false")
    )
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    assert attempt.question_ids == ["efficacy", "glare", "dali", "savings"]
    answers = key_of(attempt)
    answers["savings"] = ["15,4"]  # decimal comma, within the tolerance of 0.5
    answers["glare"] = answers["glare"][:1]  # only one of the two right options: wrong
    outcome = services.submit_attempt(db_session, attempt, answers, now=NOW)
    assert outcome.attempt.correct == 3 and outcome.attempt.percent == 75
    assert outcome.attempt.status == AttemptStatus.PASSED  # pass mark 75


def test_bad_answers_are_refused_and_nothing_is_written(db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    db_session.commit()
    cases = [
        ({"not-in-attempt": ["x"]}, "not in this attempt"),
        ({"efficacy": ["deadbeef"]}, "not one of this question"),
        ({"dali": ["maybe"]}, "not one of this question"),
        ({"efficacy": attempt.option_order["efficacy"][:2]}, "takes one answer"),
        ({"savings": ["fifteen"]}, "is not a number"),
    ]
    for answers, message in cases:
        with pytest.raises(InvalidAnswer, match=message):
            services.submit_attempt(db_session, attempt, answers, now=NOW)
        db_session.rollback()
        db_session.refresh(attempt)
        assert attempt.status == AttemptStatus.OPEN and attempt.submitted_at is None
    assert db_session.scalar(select(func.count()).select_from(CoursePass)) == 0


def test_a_late_submission_closes_the_attempt_without_points(db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=20)
    # Within the grace it still counts...
    on_time = NOW + timedelta(minutes=20, seconds=20)
    assert not services.is_overdue(attempt, on_time)
    late = NOW + timedelta(minutes=21)
    outcome = services.submit_attempt(db_session, attempt, key_of(attempt), now=late)
    db_session.commit()
    assert outcome.attempt.status == AttemptStatus.EXPIRED
    assert outcome.course_pass is None and _entries(db_session, club.staff) == []


def test_a_running_attempt_is_resumed_not_doubled(db_session, club, make_course):
    course = make_course()
    first = services.start_attempt(db_session, club.staff, course, now=NOW)
    again = services.start_attempt(db_session, club.staff, course, now=NOW + timedelta(minutes=1))
    assert first.id == again.id


def test_draw_prefers_questions_not_seen(db_session, club, make_course, rng):
    course = make_course(
        course=COURSE_YAML.replace("wait_minutes: 60", "wait_minutes: 0"),
        quiz="draw: 2\n" + QUIZ_YAML,
    )
    first = services.start_attempt(db_session, club.staff, course, now=NOW, rng=rng)
    services.submit_attempt(db_session, first, wrong_of(first), now=NOW)
    second = services.start_attempt(db_session, club.staff, course, now=NOW, rng=rng)
    assert len(second.question_ids) == 2
    assert not set(first.question_ids) & set(second.question_ids)


def test_the_page_data_of_a_running_attempt_has_no_answer_key(db_session, club, make_course):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course, now=NOW)
    for view in services.questions_view(attempt):
        assert "correct" not in str(view) and "answer" not in view and "explanation" not in view


def test_a_changed_quiz_keeps_earlier_attempts_on_their_version(
    db_session, club, make_course, courses_root
):
    course = make_course()
    old = services.start_attempt(db_session, club.staff, course, now=NOW)
    services.submit_attempt(db_session, old, wrong_of(old), now=NOW)
    db_session.commit()
    write_course(courses_root, quiz=QUIZ_YAML.replace("Beam angle", "Beam width"))
    report = sync_courses(db_session, courses_root)
    db_session.commit()
    assert report.updated == ["led-panels"]
    assert services.current_version(db_session, course).number == 2
    db_session.refresh(old)
    assert old.quiz_version.number == 1 and old.status == AttemptStatus.FAILED
    new = services.start_attempt(db_session, club.staff, course, now=NOW + timedelta(hours=2))
    assert new.quiz_version.number == 2


def test_reading_a_lesson_counts_once(db_session, club, make_course):
    course = make_course()
    lesson = course.lessons[0]
    assert services.mark_read(db_session, club.staff, lesson)
    assert not services.mark_read(db_session, club.staff, lesson)
    [progress] = services.progress_for(db_session, club.staff, [course])
    assert (progress.lessons_read, progress.lessons_total, progress.status) == (1, 2, "in_progress")


def test_certificate_codes_are_found_however_typed(db_session, club, make_course):
    course = make_course()
    code = _pass(db_session, club.staff, course).course_pass.code
    db_session.commit()
    assert (
        services.find_certificate(db_session, code.lower().replace("-", " ")).user_id
        == club.staff.id
    )
    assert services.find_certificate(db_session, "AAAAA-AAAAA") is None
    assert services.find_certificate(db_session, "x") is None


def test_course_certificates_issued_in_the_old_format_still_verify(db_session, club, make_course):
    course = make_course()
    record = _pass(db_session, club.staff, course).course_pass
    record.code = "LMNPQ-RSTLL"  # course codes once had L in their alphabet
    db_session.commit()
    assert services.find_certificate(db_session, "lmnpq rstll") == record


def test_coverage_counts_people_of_member_companies(db_session, club, make_course):
    course = make_course()
    _pass(db_session, club.staff, course)
    services.mark_read(db_session, club.holder, course.lessons[0])
    db_session.commit()
    by_course, by_company = services.club_coverage(db_session, [course])
    assert (by_course[course.id].people, by_course[course.id].passed) == (4, 1)
    assert by_course[course.id].in_progress == 1
    rows = services.company_coverage(db_session, club.company, [course])
    assert {row.person.name: row.cells[0].status for row in rows} == {
        "Holder A": "in_progress",
        "Staff A": "passed",
    }
    assert dict((c.name, n.passed) for c, n in by_company)["Hurtownia Żak"] == 1


def test_applicant_staff_quiz_points_wait_pending_and_are_confirmed_at_admission(
    db_session, club, make_course
):
    club.company.status = MembershipStatus.APPLICANT
    course = make_course()
    outcome = _pass(db_session, club.staff, course)
    db_session.commit()
    wallet = ledger.wallet_for(db_session, club.company.id)
    assert outcome.course_pass.points == 60 and (wallet.available, wallet.pending) == (0, 60)
    admitted_at = NOW + timedelta(days=30)
    assert admission.admit_due(
        db_session, {club.company.id: 500}, admitted_at.date(), now=admitted_at
    )
    assert passes.confirm_on_admission(db_session, club.company, now=admitted_at) == 1  # again
    db_session.commit()
    wallet = ledger.wallet_for(db_session, club.company.id)
    assert (wallet.available, wallet.pending) == (60, 0)
    confirmations = db_session.scalars(
        select(Entry).where(Entry.wallet_id == wallet.id, Entry.kind == EntryKind.CONFIRM)
    ).all()
    assert [(e.amount, e.person_id) for e in confirmations] == [(0, club.staff.id)]
    assert confirmations[0].available_delta == 60 and confirmations[0].earned_at == admitted_at
    assert verify(db_session).ok
