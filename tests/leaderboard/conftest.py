"""Helpers for the leaderboard tests: earning at a given moment, reading rollups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from club.leaderboard import services as boards
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.ledger import services as ledger


def at(year: int, month: int, day: int = 15, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def earn(session, person_or_company, points, when, *, source=("quiz", "1"), **kwargs):
    """Points earned at `when` (and posted then: it is also the tie-break moment)."""
    person = person_or_company if hasattr(person_or_company, "email") else None
    company_id = person.company_id if person is not None else person_or_company.id
    wallet = ledger.wallet_for(session, company_id)
    return ledger.earn(
        session,
        wallet,
        points,
        source=ledger.Source(*source),
        person=person,
        earned_at=when,
        now=when,
        **kwargs,
    )


def person_points(session, person, period: str) -> int | None:
    return session.scalar(
        select(PersonTotal.points).where(
            PersonTotal.person_id == person.id, PersonTotal.period == period
        )
    )


def company_points(session, company, period: str) -> tuple[int, int] | None:
    row = session.execute(
        select(CompanyTotal.points, CompanyTotal.activity_points).where(
            CompanyTotal.company_id == company.id, CompanyTotal.period == period
        )
    ).first()
    return tuple(row) if row else None


@pytest.fixture(autouse=True)
def _fresh_leagues():
    boards.forget_leagues()
    yield
    boards.forget_leagues()
