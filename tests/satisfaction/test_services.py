"""The satisfaction question (offered once a quarter, answered, dismissed, summed up as
an NPS) and companies' purchase potentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from club.audit.models import AuditEntry
from club.catalog import services as catalog
from club.catalog.models import RedemptionStatus
from club.core import periods
from club.core.errors import NotAllowed
from club.core.roles import Role
from club.events import services as events
from club.members.models import Company
from club.satisfaction import potential_import
from club.satisfaction import services as satisfaction
from club.satisfaction.errors import InvalidPotential, NotAsked, SatisfactionError
from club.satisfaction.models import CompanyPotential, Occasion, SurveyAnswer
from tests.events.conftest import make_meeting, started  # noqa: F401

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def _answered(db_session, person, score, comment=None, *, at=NOW, occasion_id=1):
    question = satisfaction.offer(db_session, person, Occasion.REDEMPTION, occasion_id, now=at)
    assert question is not None
    return satisfaction.answer(db_session, person, question, score=score, comment=comment, now=at)


def test_the_summary_counts_promoters_passives_detractors_and_rounds_the_score(
    db_session, club, make_user
):
    # Five people of the first company, one of the other: 9, 10, 7, 6, 0 and 8.
    people = [club.holder, club.staff] + [
        make_user(company=club.company, commit=False) for _ in range(3)
    ]
    db_session.flush()
    for person, score in zip(people, (9, 10, 7, 6, 0), strict=True):
        _answered(db_session, person, score, "Great" if score == 10 else None)
    _answered(db_session, club.other_holder, 8, "  Slow shipping  ")
    start, end = periods.quarter(2026, 4).bounds()

    summary = satisfaction.nps_summary(db_session, start, end)
    assert (summary.responses, summary.promoters, summary.passives, summary.detractors) == (
        6,
        2,
        2,
        2,
    )
    assert summary.score == 0
    assert [(c[1], c[2], c[3], c[4]) for c in summary.comments] == [
        (8, "Slow shipping", "ООО «Другая»", Occasion.REDEMPTION),
        (10, "Great", "Hurtownia Żak", Occasion.REDEMPTION),
    ]

    mine = satisfaction.nps_summary(db_session, start, end, company_ids=[club.company.id])
    # 100 * (2 - 2) / 5 = 0; the other company's 8 is not counted.
    assert (mine.responses, mine.passives, mine.score) == (5, 1, 0)
    by_query = select(Company.id).where(Company.id == club.company.id)
    assert satisfaction.nps_summary(db_session, start, end, by_query) == mine
    only_other = satisfaction.nps_summary(db_session, start, end, [club.other_company.id])
    assert only_other.score == 0 and only_other.passives == 1

    # Another period, or no companies: no responses, no score (never zero).
    empty = satisfaction.nps_summary(db_session, *periods.quarter(2026, 3).bounds())
    assert (empty.responses, empty.score, empty.comments) == (0, None, [])
    assert satisfaction.nps_summary(db_session, start, end, company_ids=[]).score is None


def test_the_score_rounds_half_away_from_zero():
    assert satisfaction.nps_score(1, 0, 8) == 13  # 12.5
    assert satisfaction.nps_score(0, 1, 8) == -13  # -12.5
    assert satisfaction.nps_score(2, 1, 3) == 33
    assert satisfaction.nps_score(0, 0, 0) is None


def test_potentials_by_company_and_currency_and_a_company_without_one_is_absent(db_session, club):
    manager = club.account_manager
    satisfaction.set_potential(
        db_session, club.company, year=2026, currency="PLN", amount=Decimal("120000"), actor=manager
    )
    satisfaction.set_potential(
        db_session,
        club.company,
        year=2026,
        currency="eur",
        amount=Decimal("5000.50"),
        actor=manager,
    )
    satisfaction.set_potential(
        db_session, club.company, year=2025, currency="PLN", amount=Decimal("90000"), actor=manager
    )
    found = satisfaction.potentials(db_session, [club.company.id, club.other_company.id], 2026)
    assert found == {club.company.id: [(Decimal("5000.50"), "EUR"), (Decimal("120000.00"), "PLN")]}
    assert club.other_company.id not in found
    assert satisfaction.potentials(db_session, [club.company.id], 2024) == {}
    every = select(Company.id)
    assert satisfaction.potentials(db_session, every, 2026) == found


# --- once a quarter -----------------------------------------------------------------------


def test_a_person_is_asked_once_per_quarter_of_the_club_calendar(db_session, club):
    q4_start, q4_end = periods.quarter(2026, 4).bounds()
    # Warsaw is UTC+1 in winter: the quarter ends at 23:00 UTC on 31 December.
    assert q4_end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    last_moment = q4_end - timedelta(microseconds=1)

    first = satisfaction.offer(db_session, club.holder, Occasion.REDEMPTION, 7, now=q4_start)
    assert first is not None and first.quarter == "2026-Q4"
    # Dismissed or answered, the quarter's ask is used, up to its last moment.
    satisfaction.dismiss(db_session, club.holder, first)
    assert not satisfaction.may_ask(db_session, club.holder, now=last_moment)
    assert satisfaction.offer(db_session, club.holder, Occasion.MEETING, 3, now=last_moment) is None
    # The first moment of Q1 local time (still 31 December in UTC) asks again.
    assert satisfaction.may_ask(db_session, club.holder, now=q4_end)
    second = satisfaction.offer(db_session, club.holder, Occasion.MEETING, 3, now=q4_end)
    assert second is not None and second.quarter == "2027-Q1"
    # Another person of the same company is asked on their own account; unanswered, the
    # question waits through the next quarter, then is no longer shown.
    staff_question = satisfaction.offer(db_session, club.staff, Occasion.MEETING, 3, now=q4_start)
    next_q_end = periods.quarter(2027, 1).bounds()[1]
    assert satisfaction.open_question(db_session, club.staff, now=q4_start) == staff_question
    late = next_q_end - timedelta(microseconds=1)
    assert satisfaction.open_question(db_session, club.staff, now=late) == staff_question
    assert satisfaction.open_question(db_session, club.staff, now=next_q_end) is None


def test_only_active_partner_people_are_asked(db_session, club, make_user):
    assert not satisfaction.may_ask(db_session, club.club_manager, now=NOW)
    assert not satisfaction.may_ask(db_session, club.account_manager, now=NOW)
    gone = make_user(Role.PARTNER_STAFF, club.company, is_active=False)
    assert satisfaction.offer(db_session, gone, Occasion.MEETING, 1, now=NOW) is None


def test_the_database_keeps_one_question_per_person_and_quarter(db_session, club):
    satisfaction.offer(db_session, club.staff, Occasion.MEETING, 1, now=NOW)
    # A second occasion that slipped past may_ask (a race) is not asked, and the
    # transaction goes on.
    twin = SurveyAnswer(
        user_id=club.staff.id,
        company_id=club.company.id,
        occasion_kind=Occasion.MEETING,
        occasion_id=2,
        quarter="2026-Q4",
        asked_at=NOW,
    )
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(twin)
        db_session.flush()
    count = select(func.count()).select_from(SurveyAnswer)
    assert db_session.scalar(count) == 1


# --- answering ------------------------------------------------------------------------------


def test_answer_checks_the_score_the_comment_and_whose_question_it_is(db_session, club):
    question = satisfaction.offer(db_session, club.holder, Occasion.REDEMPTION, 1, now=NOW)
    assert satisfaction.open_question(db_session, club.holder, now=NOW) == question
    assert satisfaction.open_question(db_session, club.staff, now=NOW) is None
    assert satisfaction.question_of(db_session, club.staff, question.id) is None
    for score in (-1, 11, True, "9"):
        with pytest.raises(SatisfactionError):
            satisfaction.answer(db_session, club.holder, question, score=score)
    with pytest.raises(SatisfactionError):
        satisfaction.answer(db_session, club.holder, question, score=5, comment="x" * 1001)
    with pytest.raises(NotAllowed):
        satisfaction.answer(db_session, club.staff, question, score=5)

    satisfaction.answer(db_session, club.holder, question, score=0, comment="   ", now=NOW)
    assert (question.score, question.comment, question.answered_at) == (0, None, NOW)
    assert satisfaction.open_question(db_session, club.holder, now=NOW) is None
    with pytest.raises(NotAsked):
        satisfaction.answer(db_session, club.holder, question, score=10)
    with pytest.raises(NotAsked):
        satisfaction.dismiss(db_session, club.holder, question)


def test_a_dismissed_question_is_not_counted(db_session, club):
    question = satisfaction.offer(db_session, club.holder, Occasion.REDEMPTION, 1, now=NOW)
    satisfaction.dismiss(db_session, club.holder, question)
    summary = satisfaction.nps_summary(db_session, *periods.quarter(2026, 4).bounds())
    assert (summary.responses, summary.score) == (0, None)


# --- the occasions ---------------------------------------------------------------------------


def test_a_fulfilled_redemption_asks_its_account_holder(db_session, club, funded, make_privilege):
    privilege = make_privilege(points=100)
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    catalog.move(db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager)
    assert satisfaction.open_question(db_session, club.holder) is None  # not yet
    catalog.move(db_session, redemption, RedemptionStatus.FULFILLED, actor=club.club_manager)
    question = satisfaction.open_question(db_session, club.holder)
    assert (question.occasion_kind, question.occasion_id) == (Occasion.REDEMPTION, redemption.id)
    assert question.company_id == club.company.id
    assert satisfaction.open_question(db_session, club.staff) is None


def test_a_closed_meeting_asks_its_attendees_not_the_no_shows(
    db_session,
    club,
    make_meeting,  # noqa: F811  (the fixture, imported)
):
    meeting = make_meeting(capacity=3, attendance_points=0)
    came = events.register(db_session, meeting, club.staff, actor=club.staff)
    events.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    db_session.commit()
    at = started(meeting)
    events.check_in(db_session, came, actor=club.club_manager, now=at)
    events.walk_in(db_session, meeting, club.holder, actor=club.club_manager, now=at)
    events.close_meeting(db_session, meeting, actor=club.club_manager, now=at)
    for person in (club.staff, club.holder):
        question = satisfaction.open_question(db_session, person, now=at)
        assert (question.occasion_kind, question.occasion_id) == (Occasion.MEETING, meeting.id)
        assert question.asked_at == at
    assert satisfaction.open_question(db_session, club.other_staff, now=at) is None


# --- potentials --------------------------------------------------------------------------------


REFUSED_POTENTIALS = [
    (1999, "PLN", Decimal("1"), "year"),
    (2101, "PLN", Decimal("1"), "year"),
    (2026, "XYZ", Decimal("1"), "currency"),
    (2026, "XAU", Decimal("1"), "currency"),  # a metal, not money
    (2026, "PL", Decimal("1"), "currency"),
    (2026, "PLN", Decimal("0"), "amount"),
    (2026, "PLN", Decimal("-5"), "amount"),
    (2026, "PLN", Decimal("0.001"), "amount"),
    (2026, "PLN", Decimal("1000000000000"), "amount"),
    (2026, "PLN", Decimal("NaN"), "amount"),
]


def test_a_potential_outside_the_range_is_refused(db_session, club):
    for year, currency, amount, field in REFUSED_POTENTIALS:
        with pytest.raises(InvalidPotential) as refused:
            satisfaction.set_potential(
                db_session,
                club.company,
                year=year,
                currency=currency,
                amount=amount,
                actor=club.account_manager,
            )
        assert refused.value.field == field, (year, currency, amount)
    assert db_session.scalar(select(func.count()).select_from(CompanyPotential)) == 0


def test_a_new_estimate_replaces_the_current_one_and_the_history_keeps_both(db_session, club):
    def enter(amount, at):
        return satisfaction.set_potential(
            db_session,
            club.company,
            year=2026,
            currency="PLN",
            amount=amount,
            actor=club.account_manager,
            now=at,
        )

    enter(Decimal("100000"), NOW)
    enter(Decimal("100000"), NOW)  # the same again: nothing new
    current = enter(Decimal("150000.25"), NOW + timedelta(days=1))
    assert (current.amount, current.entered_at) == (Decimal("150000.25"), NOW + timedelta(days=1))
    assert satisfaction.company_potentials(db_session, club.company) == [current]
    enter(None, NOW + timedelta(days=2))  # withdrawn
    assert satisfaction.potentials(db_session, [club.company.id], 2026) == {}
    history = satisfaction.potential_history(db_session, club.company)
    assert [change.amount for change in history] == [None, Decimal("150000.25"), Decimal("100000")]
    actions = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.company_id == club.company.id)
    ).all()
    assert actions.count("potential.set") == 2 and actions.count("potential.withdrawn") == 1


def test_the_database_refuses_a_potential_of_zero(db_session, club):
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(
            CompanyPotential(company_id=club.company.id, year=2026, currency="PLN", amount=0)
        )
        db_session.flush()


# --- the import ---------------------------------------------------------------------------------


def test_the_import_writes_every_row_or_none(db_session, club):
    a, b = club.company.id, club.other_company.id
    good = (
        f"company_id;year;currency;amount;company\r\n"
        f"{a};2026;PLN;1 200 000,50;Żak\r\n"
        f"{b};2026;rub;90000;Другая\r\n"
        f"{b};2026;;;Другая\r\n"
    ).encode("utf-8-sig")
    result = potential_import.import_potentials(db_session, good, actor=club.club_manager)
    assert (result.saved, result.problems) == (2, [])
    assert satisfaction.potentials(db_session, [a, b], 2026) == {
        a: [(Decimal("1200000.50"), "PLN")],
        b: [(Decimal("90000.00"), "RUB")],
    }

    bad = (
        "company_id,year,currency,amount\n"
        f"{a},2026,PLN,1300000\n"
        f"{a},2026,EUR,-1\n"
        "999999,2026,PLN,10\n"
        f"{b},20x6,PLN,10\n"
        f"{a},2026,PLN,5\n"
        f"{b},2027,DEM,10\n"
    ).encode()
    result = potential_import.import_potentials(db_session, bad, actor=club.club_manager)
    assert result.saved == 0
    assert [line for line, _reason in result.problems] == [3, 4, 5, 6, 7]
    assert "line 2" in result.problems[3][1]
    assert "999999" in result.problems[1][1]
    # Nothing of the bad file was written, not even its good first row.
    assert satisfaction.potentials(db_session, [a], 2026) == {a: [(Decimal("1200000.50"), "PLN")]}


UNREADABLE = [
    (b"", "empty"),
    (b"company_id,year,amount\n1,2026,5\n", "currency"),
    ("company_id;year;currency;amount\n1;2026;PLN;5,5\n".encode("cp1250") + b"\xff", "UTF-8"),
]


def test_a_file_the_import_cannot_read_is_refused_whole(db_session, club):
    for data, reason in UNREADABLE:
        result = potential_import.import_potentials(db_session, data, actor=club.club_manager)
        assert result.saved == 0 and reason in result.problems[0][1], result.problems
