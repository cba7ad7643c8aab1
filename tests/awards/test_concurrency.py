"""First downloads and choices at the same moment: one certificate per company, distinct
numbers, one consistent list per quarter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from club.awards import services
from club.awards.models import Distinction, MembershipCertificate, QuarterAward
from club.extensions import db
from club.members.models import Company, User
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits

NOW = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)


def test_simultaneous_first_downloads_issue_one_numbered_certificate_each(
    app, db_session, make_company
):
    company_ids = [make_company(f"Racer {n}").id for n in range(3)]

    def issue(index):
        company = db.session.get(Company, company_ids[index % 3])
        certificate = services.issue_membership_certificate(db.session, company, now=NOW)
        db.session.commit()
        return certificate.company_id, certificate.number

    outcomes = race(app, issue, 6)
    numbers = dict(outcomes)
    assert len(outcomes) == 6 and len(numbers) == 3  # both racers of a company agree
    assert sorted(numbers.values()) == ["2026/0001", "2026/0002", "2026/0003"]
    assert db_session.scalar(select(func.count()).select_from(MembershipCertificate)) == 3


def test_two_managers_choosing_at_once_leave_one_whole_list(app, db_session, club, make_company):
    ids = [club.company.id, club.other_company.id, make_company("Trzecia").id]
    manager_id = club.club_manager.id

    def choose(index):
        order = ids[index % 3 :] + ids[: index % 3]
        services.choose_best(db.session, 2026, 3, order, db.session.get(User, manager_id), now=NOW)
        db.session.commit()
        return order

    orders = race(app, choose, 4)
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(QuarterAward)) == 1
    award = services.award_of(db_session, 2026, 3)
    final = [d.company_id for d in award.distinctions]
    assert final in orders and [d.place for d in award.distinctions] == [1, 2, 3]
    assert db_session.scalar(select(func.count()).select_from(Distinction)) == 3
