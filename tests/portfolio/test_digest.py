"""The weekly digest: each account manager hears, once a week, which companies of their
portfolio got worse, why, and where to look (a real SMTP server on loopback)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from club.jobs import score_portfolios, send_portfolio_digests
from club.relations.models import Complaint

MONDAY = datetime(2026, 11, 16, 7, tzinfo=UTC)


def test_a_weekly_digest_of_what_got_worse(db_session, club, mailbox):
    club.account_manager.language = "pl"
    score_portfolios(db_session, now=MONDAY - timedelta(days=7))
    db_session.add(
        Complaint(
            company_id=club.company.id,
            external_id="RK-9",
            opened_on=date(2026, 11, 12),
            subject="Late delivery",
        )
    )
    score_portfolios(db_session, now=MONDAY)
    db_session.commit()

    assert send_portfolio_digests(db_session, now=MONDAY) == 1  # the other portfolio held
    db_session.commit()
    (message,) = mailbox.messages
    assert message["To"] == club.account_manager.email
    body = message.get_content()
    assert "Hurtownia Żak: 85 → 70" in body
    assert "Otwarte reklamacje: 1" in body  # in Polish
    assert f"/portfolio/companies/{club.company.id}" in body
    assert "Другая" not in body

    # Once a week, however often the job runs.
    assert send_portfolio_digests(db_session, now=MONDAY + timedelta(hours=3)) == 0
    db_session.commit()
    assert len(mailbox.messages) == 1
