"""Worked examples of the ledger's rules, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from club.ledger import services as ledger
from club.ledger.errors import HoldClosed, IdempotencyConflict, InsufficientPoints, LedgerError
from club.ledger.models import Allocation, Entry, EntryKind, HoldStatus, Lot
from club.ledger.verify import verify

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
QUIZ = ledger.Source("quiz", "1")


@pytest.fixture
def wallet(db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    db_session.commit()
    return wallet


def _balances(wallet):
    return wallet.available, wallet.pending, wallet.held


def _assert_consistent(db_session):
    db_session.flush()
    report = verify(db_session)
    assert report.problems == []


def test_one_wallet_per_company(db_session, club, wallet):
    assert ledger.wallet_for(db_session, club.company.id).id == wallet.id
    db_session.add(type(wallet)(company_id=club.company.id))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_confirmed_earning_is_available_and_expires_after_24_months(db_session, wallet, club):
    entry = ledger.earn(db_session, wallet, 120, source=QUIZ, person=club.staff, now=T0)
    assert _balances(wallet) == (120, 0, 0)
    assert entry.person_id == club.staff.id and entry.amount == 120
    lot = db_session.get(Lot, entry.id)
    assert lot.expires_at == datetime(2028, 1, 15, 12, 0, tzinfo=UTC)
    _assert_consistent(db_session)


def test_pending_points_are_confirmed_or_forfeited(db_session, wallet):
    month = ledger.Source("purchase_month", "1:2026-01")
    ledger.earn(db_session, wallet, 100, source=month, pending=True, now=T0)
    assert _balances(wallet) == (0, 100, 0)
    ledger.confirm(db_session, wallet, 70, source=month, earned_at=T0, now=T0)
    ledger.forfeit(db_session, wallet, 30, source=month, reason="paid late", now=T0)
    assert _balances(wallet) == (70, 0, 0)
    with pytest.raises(LedgerError):
        ledger.forfeit(db_session, wallet, 1, source=month, now=T0)
    _assert_consistent(db_session)


def test_spending_takes_the_soonest_expiring_lots_first(db_session, wallet):
    old = ledger.earn(db_session, wallet, 50, source=QUIZ, now=T0)
    new = ledger.earn(db_session, wallet, 50, source=QUIZ, now=T0 + timedelta(days=30))
    reservation = ledger.hold(
        db_session, wallet, 70, source=ledger.Source("redemption", "1"), now=T0 + timedelta(days=31)
    )
    assert _balances(wallet) == (30, 0, 70)
    assert db_session.get(Lot, old.id).remaining == 0
    assert db_session.get(Lot, new.id).remaining == 30
    ledger.capture(db_session, reservation, now=T0 + timedelta(days=40))
    assert _balances(wallet) == (30, 0, 0)
    assert reservation.status == HoldStatus.CAPTURED
    _assert_consistent(db_session)


def test_release_gives_the_points_back_to_their_lots(db_session, wallet):
    first = ledger.earn(db_session, wallet, 40, source=QUIZ, now=T0)
    reservation = ledger.hold(
        db_session, wallet, 30, source=ledger.Source("redemption", "2"), now=T0
    )
    ledger.release(db_session, reservation, reason="rejected", now=T0)
    assert _balances(wallet) == (40, 0, 0)
    assert db_session.get(Lot, first.id).remaining == 40
    # A second release (a double click) changes nothing; a capture after it is refused.
    ledger.release(db_session, reservation, now=T0)
    assert _balances(wallet) == (40, 0, 0)
    with pytest.raises(HoldClosed):
        ledger.capture(db_session, reservation, now=T0)
    _assert_consistent(db_session)


def test_cannot_hold_more_than_available(db_session, wallet):
    ledger.earn(db_session, wallet, 10, source=QUIZ, now=T0)
    with pytest.raises(InsufficientPoints):
        ledger.hold(db_session, wallet, 11, source=ledger.Source("redemption", "3"), now=T0)
    assert _balances(wallet) == (10, 0, 0)


def test_expiry_takes_lots_past_their_date_once(db_session, wallet):
    ledger.earn(db_session, wallet, 30, source=QUIZ, now=T0)
    ledger.earn(db_session, wallet, 20, source=QUIZ, now=T0 + timedelta(days=60))
    assert ledger.expire(db_session, wallet, now=T0 + timedelta(days=700)) is None
    entry = ledger.expire(db_session, wallet, now=datetime(2028, 1, 16, tzinfo=UTC))
    assert entry.amount == -30 and _balances(wallet) == (20, 0, 0)
    assert ledger.expire(db_session, wallet, now=datetime(2028, 1, 16, tzinfo=UTC)) is None
    _assert_consistent(db_session)


def test_next_expiry_sums_the_soonest_day(db_session, wallet):
    ledger.earn(db_session, wallet, 30, source=QUIZ, now=T0)
    ledger.earn(db_session, wallet, 5, source=QUIZ, now=T0 + timedelta(hours=3))
    ledger.earn(db_session, wallet, 20, source=QUIZ, now=T0 + timedelta(days=60))
    upcoming = ledger.next_expiry(db_session, wallet)
    assert upcoming.points == 35
    assert upcoming.expires_at == datetime(2028, 1, 15, 12, 0, tzinfo=UTC)


def test_clawback_never_makes_available_negative_and_carries_the_rest(db_session, wallet):
    ledger.earn(db_session, wallet, 30, source=QUIZ, now=T0)
    credit = ledger.Source("credit_note", "KOR/1")
    entry = ledger.clawback(db_session, wallet, 50, source=credit, now=T0)
    assert entry.amount == -30 and entry.details["carried"] == 20
    assert _balances(wallet) == (0, 0, 0) and wallet.shortfall == 20
    # The next 25 points pay the 20 carried first.
    ledger.earn(db_session, wallet, 25, source=QUIZ, now=T0 + timedelta(days=1))
    assert _balances(wallet) == (5, 0, 0) and wallet.shortfall == 0
    kinds = db_session.scalars(select(Entry.kind).order_by(Entry.id)).all()
    assert kinds[-1] == EntryKind.SETTLE
    _assert_consistent(db_session)


def test_manual_adjustment_needs_a_reason_and_cannot_overdraw(db_session, wallet, club):
    with pytest.raises(LedgerError, match="Say why"):
        ledger.adjust(db_session, wallet, 10, reason=" ", actor=club.club_manager, now=T0)
    ledger.adjust(db_session, wallet, 10, reason="goodwill", actor=club.club_manager, now=T0)
    with pytest.raises(InsufficientPoints):
        ledger.adjust(db_session, wallet, -11, reason="typo", actor=club.club_manager, now=T0)
    ledger.adjust(db_session, wallet, -4, reason="typo", actor=club.club_manager, now=T0)
    assert _balances(wallet) == (6, 0, 0)
    _assert_consistent(db_session)


def test_the_same_idempotency_key_earns_once(db_session, wallet):
    first = ledger.earn(db_session, wallet, 10, source=QUIZ, idempotency_key="erp-1", now=T0)
    again = ledger.earn(db_session, wallet, 10, source=QUIZ, idempotency_key="erp-1", now=T0)
    assert again.id == first.id and wallet.available == 10
    with pytest.raises(IdempotencyConflict):
        ledger.adjust(db_session, wallet, 5, reason="x", actor=None, idempotency_key="erp-1")
    held = ledger.hold(db_session, wallet, 3, source=QUIZ, idempotency_key="h-1", now=T0)
    assert ledger.hold(db_session, wallet, 3, source=QUIZ, idempotency_key="h-1").id == held.id
    assert wallet.available == 7
    _assert_consistent(db_session)


@pytest.mark.parametrize("points", [0, -5, 1.5, True])
def test_points_are_positive_integers(db_session, wallet, points):
    with pytest.raises(LedgerError):
        ledger.earn(db_session, wallet, points, source=QUIZ)


def test_the_database_refuses_to_change_or_delete_an_entry(db_session, wallet):
    entry = ledger.earn(db_session, wallet, 10, source=QUIZ, now=T0)
    db_session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(
            text("UPDATE ledger_entry SET amount = 99 WHERE id = :id"), {"id": entry.id}
        )
    db_session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text("DELETE FROM ledger_entry WHERE id = :id"), {"id": entry.id})
    db_session.rollback()


def test_the_database_refuses_a_negative_available_balance(db_session, wallet):
    with pytest.raises(IntegrityError):
        db_session.execute(
            text("UPDATE wallet SET available = -1 WHERE id = :id"), {"id": wallet.id}
        )


def test_verify_finds_a_tampered_balance(app, db_session, wallet):
    ledger.earn(db_session, wallet, 10, source=QUIZ, now=T0)
    db_session.commit()
    db_session.execute(text("UPDATE wallet SET available = 11 WHERE id = :id"), {"id": wallet.id})
    db_session.commit()
    problems = verify(db_session).problems
    assert any("available is 11, entries say 10" in problem for problem in problems)
    result = app.test_cli_runner().invoke(args=["club", "ledger", "verify"])
    assert result.exit_code == 1 and "problems" in result.output


def test_verify_of_one_wallet_sees_only_that_wallets_problems(
    app, db_session, wallet, make_company
):
    other = ledger.wallet_for(db_session, make_company().id)
    ledger.earn(db_session, wallet, 10, source=QUIZ, now=T0)
    held = ledger.earn(db_session, other, 10, source=QUIZ, now=T0)
    ledger.hold(db_session, other, 4, source=QUIZ, now=T0)
    db_session.commit()
    db_session.execute(text("UPDATE lot SET remaining = 9 WHERE entry_id = :id"), {"id": held.id})
    db_session.commit()

    mine = verify(db_session, wallet_id=wallet.id)
    theirs = verify(db_session, wallet_id=other.id)
    assert (mine.wallets, mine.entries, mine.lots, mine.problems) == (1, 1, 1, [])
    assert theirs.wallets == 1 and theirs.lots == 1
    assert any(f"lot {held.id}: 9 left" in problem for problem in theirs.problems)

    command = ["club", "ledger", "verify", "--wallet"]
    result = app.test_cli_runner().invoke(args=[*command, str(wallet.id)])
    assert result.exit_code == 0 and "checked 1 wallets" in result.output, result.output
    result = app.test_cli_runner().invoke(args=[*command, str(other.id)])
    assert result.exit_code == 1
    result = app.test_cli_runner().invoke(args=[*command, "0"])
    assert result.exit_code == 2 and "wallet" in result.output.lower()


def test_verify_command_passes_on_a_consistent_ledger(app, db_session, wallet):
    ledger.earn(db_session, wallet, 10, source=QUIZ, now=T0)
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["club", "ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "all consistent" in result.output


def test_allocations_record_what_each_spend_took(db_session, wallet):
    a = ledger.earn(db_session, wallet, 5, source=QUIZ, now=T0)
    b = ledger.earn(db_session, wallet, 5, source=QUIZ, now=T0 + timedelta(days=1))
    reservation = ledger.hold(db_session, wallet, 7, source=QUIZ, now=T0)
    hold_entry = db_session.scalar(select(Entry).where(Entry.hold_id == reservation.id))
    taken = db_session.execute(
        select(Allocation.lot_id, Allocation.points)
        .where(Allocation.entry_id == hold_entry.id)
        .order_by(Allocation.id)
    ).all()
    assert taken == [(a.id, 5), (b.id, 2)]


def test_the_statement_cuts_days_at_the_clubs_midnight(db_session, wallet):
    # Warsaw is UTC+1 in winter: 23:30 on 31 December there is 22:30 UTC, and 00:30 on
    # 1 January there is still 31 December (23:30) in UTC.
    late = ledger.earn(
        db_session, wallet, 5, source=QUIZ, now=datetime(2025, 12, 31, 22, 30, tzinfo=UTC)
    )
    early = ledger.earn(
        db_session, wallet, 7, source=QUIZ, now=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    )

    def listed(**days):
        return {entry.id for entry in db_session.scalars(ledger.statement_query(wallet, **days))}

    assert listed(last=date(2025, 12, 31)) == {late.id}
    assert listed(first=date(2026, 1, 1)) == {early.id}
    assert listed(first=date(2025, 12, 31), last=date(2025, 12, 31)) == {late.id}
    assert listed() == {late.id, early.id}
