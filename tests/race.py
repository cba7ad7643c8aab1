"""Run the same work in many threads at once, each with its own session and transaction,
as concurrent requests would: what concurrency tests use on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

from club.core.database import write_intent
from club.extensions import db


def race(app, work: Callable[[int], object], count: int) -> list:
    """Start `count` threads at the same moment; each calls work(index) and commits.
    Returns what the calls returned; any exception fails the test."""
    db.session.commit()  # the test's own transaction must not hold the write lock
    outcomes, errors = [], []
    barrier = threading.Barrier(count)

    def runner(index: int) -> None:
        with app.app_context(), write_intent():
            try:
                barrier.wait()
                outcomes.append(work(index))
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return outcomes
