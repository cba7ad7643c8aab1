"""A company's timeline: every source merged, newest first, a page at a time, and only
that company's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from club.ledger import services as ledger
from club.portfolio.timeline import timeline
from club.relations.models import Complaint, ContactKind, ContactLog
from tests.portfolio.test_signals import invoice


def test_newest_first_paged_and_only_the_companys(db_session, club):
    invoice(db_session, club.company, date(2026, 9, 1), paid=date(2026, 9, 20))
    invoice(db_session, club.company, date(2026, 10, 1))
    invoice(db_session, club.other_company, date(2026, 10, 2))
    db_session.add(
        Complaint(
            company_id=club.company.id,
            external_id="RK-1",
            opened_on=date(2026, 10, 5),
            closed_on=date(2026, 10, 9),
            subject="Broken drum",
        )
    )
    db_session.add(
        ContactLog(
            company_id=club.company.id,
            author_id=club.account_manager.id,
            kind=ContactKind.VISIT,
            happened_on=date(2026, 10, 7),
            note="Visited.",
        )
    )
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(
        db_session,
        wallet,
        40,
        source=ledger.Source("quiz", "1"),
        now=datetime(2026, 10, 8, 9, tzinfo=UTC),
    )
    db_session.flush()

    first = timeline(db_session, club.company, page=1, size=4)
    kinds = [(item.kind, item.day or item.at.date()) for item in first.items]
    assert kinds == [
        ("complaint", date(2026, 10, 9)),
        ("points", date(2026, 10, 8)),
        ("contact", date(2026, 10, 7)),
        ("complaint", date(2026, 10, 5)),
    ]
    assert first.has_next and first.items[1].points == 40
    second = timeline(db_session, club.company, page=2, size=4)
    assert [item.kind for item in second.items] == ["invoice", "payment", "invoice"]
    assert not second.has_next
    assert all("FV/T" in item.title for item in second.items)
    assert sum(item.day == date(2026, 10, 2) for item in first.items + second.items) == 0
    assert [item.kind for item in timeline(db_session, club.other_company).items] == ["invoice"]
