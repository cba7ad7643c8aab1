"""The satisfaction question (offered once a quarter, answered, dismissed, summed up as
an NPS) and companies' purchase potentials."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from club.core import periods
from club.satisfaction import services as satisfaction
from club.satisfaction.models import Occasion

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def _answered(db_session, person, score, comment=None, *, at=NOW, occasion_id=1):
    question = satisfaction.offer(db_session, person, Occasion.REDEMPTION, occasion_id, now=at)
    assert question is not None
    return satisfaction.answer(
        db_session, person, question.id, score=score, comment=comment, now=at
    )


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
