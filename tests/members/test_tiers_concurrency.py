"""Two requalifications at once (the scheduler and the command): each company changes
tier once and gets one history row, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from club.extensions import db
from club.jobs import requalify_companies
from club.members.models import Company, TierChange
from club.members.tiers import ensure_default_tiers
from club.purchases.models import PurchaseMonth
from tests.race import race

# Threads race, each on a connection of its own: the data must really be committed.
pytestmark = pytest.mark.real_commits

NOW = datetime(2026, 4, 1, 0, 20, tzinfo=UTC)


def test_requalifications_at_once_change_each_company_once(app, db_session, club):
    ensure_default_tiers(db_session)
    db_session.add(
        PurchaseMonth(
            company_id=club.company.id, period=date(2026, 3, 1), rate=500, grace_days=7,
            earned=1100, confirmed=1100, closed_at=NOW,
        )
    )  # fmt: skip
    db_session.commit()

    changed = race(app, lambda _index: requalify_companies(db.session, now=NOW), 3)

    assert sorted(changed) == [0, 0, 2]
    rows = db_session.execute(
        select(TierChange.company_id, func.count()).group_by(TierChange.company_id)
    ).all()
    assert sorted(count for _company, count in rows) == [1, 1]
    db_session.expire_all()
    assert db_session.get(Company, club.company.id).tier.code == "gold"
