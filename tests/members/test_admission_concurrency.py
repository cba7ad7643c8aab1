"""Two admission runs, and two forfeit runs, at the same moment: each change happens once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.awards.models import MembershipCertificate
from club.extensions import db
from club.jobs import admit_applicants, forfeit_frozen_points
from club.ledger import services as ledger
from club.ledger.models import Entry
from club.ledger.verify import verify
from club.members import admission
from club.members.admission_models import MembershipChange
from club.members.models import MembershipStatus
from club.purchases.models import PurchaseMonth
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits

NOW = datetime(2026, 12, 2, 1, 50, tzinfo=UTC)


def _count(session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


def test_two_admission_runs_at_once_admit_once(app, db_session, club, mailbox):
    company = club.company
    company.status = MembershipStatus.APPLICANT
    db_session.add(
        PurchaseMonth(
            company_id=company.id,
            period=date(2026, 11, 1),
            rate=500,
            grace_days=7,
            net_total=Decimal(60_000),
            earned=120,
            confirmed=120,
            closed_at=NOW,
        )
    )
    db_session.commit()

    outcomes = race(app, lambda index: admit_applicants(db.session, now=NOW), 2)

    db_session.expire_all()
    assert sorted(outcomes) == [0, 1]
    assert db_session.get(type(company), company.id).status == MembershipStatus.MEMBER
    assert _count(db_session, MembershipChange, company_id=company.id) == 1
    assert _count(db_session, MembershipCertificate, company_id=company.id) == 1
    assert [m["To"] for m in mailbox.messages] == [club.holder.email]


def test_two_forfeit_runs_at_once_forfeit_once(app, db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 300, source=ledger.Source("bonus", "1"), now=NOW)
    admission.set_membership(
        db_session,
        club.company,
        "leave",
        actor=club.club_manager,
        reason="Contract ended",
        now=datetime(2026, 5, 2, 9, 0, tzinfo=UTC),
    )
    db_session.commit()

    outcomes = race(app, lambda index: forfeit_frozen_points(db.session, now=NOW), 2)

    db_session.expire_all()
    assert sorted(outcomes) == [0, 1]
    assert _count(db_session, Entry, source_type="membership") == 1
    assert ledger.wallet_for(db_session, club.company.id).available == 0
    assert verify(db_session).ok
