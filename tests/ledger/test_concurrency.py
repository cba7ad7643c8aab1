"""Many spenders at once on one wallet: never more spent than was there, nothing lost.

Runs on a file-backed SQLite database (BEGIN IMMEDIATE) and on PostgreSQL (FOR UPDATE),
with one thread per spender, each with its own connection and transaction.
"""

from __future__ import annotations

import threading

import pytest

from club.core.database import write_intent
from club.extensions import db
from club.ledger import services as ledger
from club.ledger.errors import InsufficientPoints
from club.ledger.models import Wallet
from club.ledger.verify import verify

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits

THREADS = 8
ATTEMPTS = 6
START = 1000


def _run_in_threads(app, work) -> list:
    db.session.commit()  # the test's own transaction must not hold the write lock
    results: list = []
    errors: list = []
    barrier = threading.Barrier(THREADS)

    def runner(index: int) -> None:
        with app.app_context(), write_intent():
            try:
                barrier.wait()
                for attempt in range(ATTEMPTS):
                    results.append(work(index, attempt))
            except Exception as error:  # surfaced below, with its thread
                errors.append((index, repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


@pytest.fixture
def funded_wallet(app, db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, START, source=ledger.Source("test", "fund"))
    wallet_id = wallet.id
    db_session.commit()
    return wallet_id


def _wallet(wallet_id: int) -> Wallet:
    return db.session.get(Wallet, wallet_id)


def test_concurrent_holds_never_overspend(app, db_session, funded_wallet):
    # 8 x 6 attempts of 37 points = 1776 asked for, 1000 there: 27 can succeed.
    def spend(index, attempt):
        wallet = _wallet(funded_wallet)
        try:
            ledger.hold(
                db.session, wallet, 37, source=ledger.Source("redemption", f"{index}-{attempt}")
            )
        except InsufficientPoints:
            db.session.rollback()
            return 0
        db.session.commit()
        return 37

    spent = sum(_run_in_threads(app, spend))
    db_session.expire_all()
    wallet = db_session.get(Wallet, funded_wallet)
    assert spent == 37 * (START // 37)
    assert wallet.held == spent and wallet.available == START - spent
    assert verify(db_session).problems == []


def test_concurrent_mixed_movements_lose_no_update(app, db_session, funded_wallet):
    # Earning, holding, releasing and capturing at once: the balances still add up.
    def work(index, attempt):
        wallet = _wallet(funded_wallet)
        source = ledger.Source("mixed", f"{index}-{attempt}")
        if index % 2:
            ledger.earn(db.session, wallet, 5, source=source)
            db.session.commit()
            return 5
        try:
            reservation = ledger.hold(db.session, wallet, 10, source=source)
        except InsufficientPoints:
            db.session.rollback()
            return 0
        db.session.commit()
        if attempt % 2:
            ledger.release(db.session, reservation)
            db.session.commit()
            return 0
        ledger.capture(db.session, reservation)
        db.session.commit()
        return -10

    net = sum(_run_in_threads(app, work))
    db_session.expire_all()
    wallet = db_session.get(Wallet, funded_wallet)
    assert wallet.available + wallet.held == START + net
    assert wallet.held == 0
    assert verify(db_session).problems == []


def test_the_same_idempotency_key_from_many_threads_earns_once(app, db_session, funded_wallet):
    def send(index, attempt):
        wallet = _wallet(funded_wallet)
        entry = ledger.earn(
            db.session,
            wallet,
            50,
            source=ledger.Source("erp", "x"),
            idempotency_key="erp-invoice-42",
        )
        db.session.commit()
        return entry.id

    ids = set(_run_in_threads(app, send))
    db_session.expire_all()
    assert len(ids) == 1
    assert db_session.get(Wallet, funded_wallet).available == START + 50


def test_sqlite_refuses_ledger_writes_without_the_write_lock(app, db_session, club):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows instead")
    wallet_id = ledger.wallet_for(db_session, club.company.id).id
    db_session.commit()
    caught = []

    def plain_transaction():  # a new thread: no write intent declared
        with app.app_context():
            try:
                ledger.earn(
                    db.session,
                    db.session.get(Wallet, wallet_id),
                    1,
                    source=ledger.Source("test", "x"),
                )
            except RuntimeError as error:
                caught.append(str(error))
            finally:
                db.session.remove()

    thread = threading.Thread(target=plain_transaction)
    thread.start()
    thread.join(timeout=60)
    assert caught and "BEGIN IMMEDIATE" in caught[0]
