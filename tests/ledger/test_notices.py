"""The e-mail 30 days before points expire: once, to the account holder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from club.jobs import warn_expiring
from club.ledger import services as ledger

EARNED = datetime(2024, 12, 10, 12, tzinfo=UTC)  # expires 2026-12-10


def test_the_holder_is_warned_once_in_their_language(db_session, club, mailbox):
    club.holder.language = "pl"
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 120, source=ledger.Source("quiz", "1"), now=EARNED)
    ledger.earn(
        db_session, wallet, 30, source=ledger.Source("quiz", "2"), now=EARNED + timedelta(days=60)
    )
    db_session.commit()
    assert warn_expiring(db_session, now=datetime(2026, 11, 1, tzinfo=UTC)) == 0
    assert warn_expiring(db_session, now=datetime(2026, 11, 20, tzinfo=UTC)) == 1
    db_session.commit()
    (message,) = mailbox.messages
    assert message["To"] == club.holder.email
    assert "120" in message.get_content()
    assert warn_expiring(db_session, now=datetime(2026, 11, 21, tzinfo=UTC)) == 0
    db_session.commit()
    assert len(mailbox.messages) == 1


def test_no_holder_no_mail_but_no_repeat_later(db_session, club, mailbox):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 10, source=ledger.Source("quiz", "1"), now=EARNED)
    club.holder.is_active = False
    db_session.commit()
    assert warn_expiring(db_session, now=datetime(2026, 11, 20, tzinfo=UTC)) == 0
    db_session.commit()
    assert mailbox.messages == []
