"""post_many (the month close's bulk path) posts exactly what earn(pending=True),
confirm and forfeit post one movement at a time, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from club.ledger import services as ledger
from club.ledger.errors import LedgerError
from club.ledger.models import Allocation, Entry, EntryKind, Lot, Wallet
from club.ledger.signals import entries_posted
from club.ledger.verify import verify

T0 = datetime(2026, 11, 1, 1, 5, tzinfo=UTC)
SEPTEMBER_END = datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC)
OCTOBER_END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
QUIZ = ledger.Source("quiz", "1")
CREDIT = ledger.Source("credit_note", "KOR/1")


def _plan():
    """(wallet index, kind, points, earned_at, details) in order, wallets interleaved;
    wallet 2 carries a clawback shortfall when it starts."""
    plan = []
    for step, (earned_at, month) in enumerate(((SEPTEMBER_END, "09"), (OCTOBER_END, "10"))):
        about = {"period": f"2026-{month}", "net_total": "1234.50", "rate": 500}
        for index in (0, 1, 2):
            points = 40 + 17 * index + step
            plan.append((index, EntryKind.EARN, points, earned_at, about))
            plan.append(
                (index, EntryKind.CONFIRM, points // 2, earned_at, {**about, "paid_in_time": "9"})
            )
        for index in (2, 0, 1):
            late = [{"number": f"FV/{index}/{month}", "days_late": index}]
            plan.append(
                (index, EntryKind.FORFEIT, 3 + index, None, {**about, "late": late, "unpaid": []})
            )
    plan.append((1, EntryKind.EARN, 1, None, None))  # earned now, no details
    return plan


def _one_at_a_time(db_session, wallet, kind, points, earned_at, details):
    source = ledger.Source("purchase_month", f"{wallet.id}")
    if kind == EntryKind.EARN:
        return ledger.earn(
            db_session,
            wallet,
            points,
            source=source,
            pending=True,
            earned_at=earned_at,
            details=details,
            now=T0,
        )
    if kind == EntryKind.CONFIRM:
        return ledger.confirm(
            db_session,
            wallet,
            points,
            source=source,
            earned_at=earned_at,
            details=details,
            now=T0,
        )
    return ledger.forfeit(db_session, wallet, points, source=source, details=details, now=T0)


def _ledger_of(db_session, wallet_id):
    wallet = db_session.get(Wallet, wallet_id, populate_existing=True)
    entries = db_session.scalars(
        select(Entry).where(Entry.wallet_id == wallet_id).order_by(Entry.id)
    ).all()
    lots = db_session.scalars(select(Lot).where(Lot.wallet_id == wallet_id)).all()
    lots_by_entry = {lot.entry_id: lot for lot in lots}
    allocations = db_session.scalar(
        select(func.count())
        .select_from(Allocation)
        .where(Allocation.entry_id.in_([entry.id for entry in entries]))
    )
    return (
        [
            (
                e.kind,
                e.amount,
                e.available_delta,
                e.pending_delta,
                e.held_delta,
                e.source_type,
                e.reason,
                e.details,
                e.person_id,
                e.actor_id,
                e.hold_id,
                e.idempotency_key,
                e.created_at,
                e.earned_at,
                None
                if e.id not in lots_by_entry
                else (
                    lots_by_entry[e.id].points,
                    lots_by_entry[e.id].remaining,
                    lots_by_entry[e.id].earned_at,
                    lots_by_entry[e.id].expires_at,
                    lots_by_entry[e.id].expiry_warned_at,
                ),
            )
            for e in entries
        ],
        allocations,
        (wallet.available, wallet.pending, wallet.held, wallet.shortfall),
    )


@pytest.fixture
def twins(db_session, make_company):
    """Three wallets for post_many and three for the one-at-a-time services; the third
    of each owes a shortfall (clawed back more than it had)."""
    wallets = [ledger.wallet_for(db_session, make_company(f"Twin {n}").id) for n in range(6)]
    for wallet in (wallets[2], wallets[5]):
        ledger.earn(db_session, wallet, 10, source=QUIZ, now=T0 - timedelta(days=40))
        ledger.clawback(db_session, wallet, 25, source=CREDIT, now=T0 - timedelta(days=3))
    db_session.flush()
    return wallets[:3], wallets[3:]


def test_post_many_posts_what_one_movement_at_a_time_posts(db_session, twins):
    bulk, single = twins
    plan = _plan()
    posted = ledger.post_many(
        db_session,
        [
            ledger.Movement(
                wallet_id=bulk[index].id,
                kind=kind,
                points=points,
                source=ledger.Source("purchase_month", f"{bulk[index].id}"),
                earned_at=earned_at,
                details=details,
            )
            for index, kind, points, earned_at, details in plan
        ],
        now=T0,
    )
    for index, kind, points, earned_at, details in plan:
        _one_at_a_time(db_session, single[index], kind, points, earned_at, details)
    db_session.flush()

    # Entries in the movements' order, ids ascending.
    assert len(posted) == len(plan) and posted == sorted(posted)
    entries = db_session.scalars(select(Entry).where(Entry.id.in_(posted))).all()
    by_id = {entry.id: entry for entry in entries}
    assert [(by_id[i].wallet_id, by_id[i].kind) for i in posted] == [
        (bulk[index].id, kind) for index, kind, *_ in plan
    ]
    for bulk_wallet, single_wallet in zip(bulk, single, strict=True):
        alone, batched = (
            _ledger_of(db_session, single_wallet.id),
            _ledger_of(db_session, bulk_wallet.id),
        )
        assert batched == alone
    assert _ledger_of(db_session, bulk[2].id)[2][3] == 0  # the shortfall was settled
    assert verify(db_session).problems == []


def test_wallets_already_loaded_show_the_new_balances(db_session, twins):
    wallet = twins[0][0]
    assert (wallet.available, wallet.pending) == (0, 0)
    source = ledger.Source("purchase_month", "1")
    ledger.post_many(
        db_session,
        [
            ledger.Movement(wallet.id, EntryKind.EARN, 50, source, OCTOBER_END),
            ledger.Movement(wallet.id, EntryKind.CONFIRM, 20, source, OCTOBER_END),
        ],
        now=T0,
    )
    assert (wallet.available, wallet.pending, wallet.updated_at) == (20, 30, T0)


def test_post_many_refuses_what_the_services_refuse_and_writes_nothing(db_session, twins):
    wallet = twins[0][0]
    source = ledger.Source("purchase_month", "1")
    before = db_session.scalar(select(func.count()).select_from(Entry))
    with pytest.raises(LedgerError, match="pending"):
        ledger.post_many(
            db_session,
            [
                ledger.Movement(wallet.id, EntryKind.EARN, 10, source, OCTOBER_END),
                ledger.Movement(wallet.id, EntryKind.CONFIRM, 11, source, OCTOBER_END),
            ],
            now=T0,
        )
    assert db_session.scalar(select(func.count()).select_from(Entry)) == before
    with pytest.raises(ValueError, match="does not post"):
        ledger.post_many(
            db_session, [ledger.Movement(wallet.id, EntryKind.HOLD, 1, source)], now=T0
        )
    with pytest.raises(LedgerError):
        ledger.post_many(
            db_session, [ledger.Movement(wallet.id, EntryKind.EARN, 0, source)], now=T0
        )
    assert ledger.post_many(db_session, [], now=T0) == []


def test_posts_gathered_announces_every_post_once_at_the_end(db_session, twins):
    """Within posts_gathered, post_many's entries reach the listeners in one
    announcement when the block ends (nested blocks gather into the outer one), in the
    order written; a block left by an error announces nothing."""
    wallet, other = twins[0][0], twins[0][1]
    source = ledger.Source("purchase_month", "1")
    heard: list[list[int]] = []

    def post(*wallets):
        return ledger.post_many(
            db_session,
            [ledger.Movement(w.id, EntryKind.EARN, 5, source, OCTOBER_END) for w in wallets],
            now=T0,
        )

    with entries_posted.connected_to(lambda _s, rows: heard.append([r["id"] for r in rows])):
        with ledger.posts_gathered(db_session):
            first = post(wallet, other)
            with ledger.posts_gathered(db_session):
                second = post(other)
            assert heard == []
        assert heard == [first + second]
        heard.clear()
        with pytest.raises(RuntimeError), ledger.posts_gathered(db_session):
            post(wallet)
            raise RuntimeError
        assert heard == []
        third = post(wallet)  # outside any block: announced at once, as before
        assert heard == [third]
