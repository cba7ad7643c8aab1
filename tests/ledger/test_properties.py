"""Random sequences of movements on one wallet, checked after every step.

A Hypothesis state machine earns, confirms, forfeits, holds, captures, releases, expires,
adjusts and claws back points on a fresh wallet, replays requests with the same
idempotency key and tries movements the services must refuse. After each step the ledger
must pass `verify()` and agree, balance by balance and lot by lot, with a small reference
model kept here in plain Python. The clock is injected (`now=`); time only moves forward.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from club.ledger import services as ledger
from club.ledger.errors import HoldClosed, IdempotencyConflict, InsufficientPoints, LedgerError
from club.ledger.models import Allocation, Entry, EntryKind, Hold, HoldStatus, Lot, Wallet
from club.ledger.verify import verify

# The last day of January in a leap year: lots earned on month ends and on 29 February.
T0 = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
QUIZ = ledger.Source("quiz", "1")
MONTH = ledger.Source("purchase_month", "1:2024-01")
CREDIT = ledger.Source("credit_note", "KOR/1")
REDEMPTION = ledger.Source("redemption", "1")

SETTINGS = settings(
    max_examples=16,
    stateful_step_count=25,
    deadline=None,
    database=None,
    # Every step goes to the database: shrink one failure, and skip the "explain" phase,
    # which re-runs a failing sequence many times; a failure then shrinks in seconds
    # rather than running into Hypothesis's five-minute shrinking limit.
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

points_st = st.integers(1, 150)
pick_st = st.integers(0, 1_000)
seconds_st = st.integers(0, 86_399)
# How long before `now` the points were earned: sometimes so long that they are due.
earned_back_st = st.one_of(st.none(), st.integers(0, 400), st.integers(700, 800))


def up_to(balance: int, *, over: int = 10) -> st.SearchStrategy[int]:
    """Points to ask for: mostly what `balance` covers, sometimes more (to be refused)."""
    return st.integers(1, balance + over + balance // 4)


def two_years_later(moment: datetime) -> datetime:
    """Points expire 24 months after they were earned; 29 February falls back to the 28th."""
    try:
        return moment.replace(year=moment.year + 2)
    except ValueError:
        return moment.replace(year=moment.year + 2, day=28)


# --- the reference model --------------------------------------------------------------


@dataclass
class RefLot:
    remaining: int
    expires_at: datetime


@dataclass
class RefHold:
    points: int
    taken: list[tuple[int, int]]  # (lot, points) in the order they were taken
    status: HoldStatus = HoldStatus.HELD
    closing_entry: int | None = None


@dataclass
class Reference:
    lots: dict[int, RefLot] = field(default_factory=dict)  # by the id of the lot's entry
    pending: int = 0
    shortfall: int = 0
    holds: dict[int, RefHold] = field(default_factory=dict)
    entries: int = 0

    @property
    def available(self) -> int:
        return sum(lot.remaining for lot in self.lots.values())

    @property
    def held(self) -> int:
        return sum(h.points for h in self.holds.values() if h.status == HoldStatus.HELD)

    def take(self, points: int) -> list[tuple[int, int]]:
        """Spend from the soonest-expiring lots (the older entry first on a tie)."""
        assert 0 < points <= self.available
        taken = []
        for lot_id in sorted(self.lots, key=lambda i: (self.lots[i].expires_at, i)):
            lot = self.lots[lot_id]
            if not lot.remaining:
                continue
            part = min(points, lot.remaining)
            lot.remaining -= part
            points -= part
            taken.append((lot_id, part))
            if not points:
                break
        return taken

    def add_lot(self, lot_id: int, points: int, earned_at: datetime) -> None:
        """New available points; a carried shortfall is paid first, from all that is there."""
        self.lots[lot_id] = RefLot(points, two_years_later(earned_at))
        self.entries += 1
        settle = min(self.shortfall, self.available)
        if settle:
            self.shortfall -= settle
            self.take(settle)
            self.entries += 1

    def expire(self, now: datetime) -> tuple[int, int]:
        due = [lot for lot in self.lots.values() if lot.remaining and lot.expires_at <= now]
        total = sum(lot.remaining for lot in due)
        for lot in due:
            lot.remaining = 0
        if total:
            self.entries += 1
        return total, len(due)

    def state(self) -> dict:
        return {
            "balances": (self.available, self.pending, self.held, self.shortfall),
            "lots": {i: (lot.remaining, lot.expires_at) for i, lot in self.lots.items()},
            "holds": {i: h.status for i, h in self.holds.items()},
            "entries": self.entries,
        }


@dataclass
class Keyed:
    """A movement made with an idempotency key, to be replayed."""

    kind: EntryKind
    key: str
    call: Callable  # call(now) makes the same request again
    result_id: int


# --- the test -------------------------------------------------------------------------


@pytest.mark.slow
def test_random_movements_keep_the_ledger_consistent(app, db_session, club, make_company):
    assert app.config["POINTS_EXPIRY_MONTHS"] == 24
    manager = club.club_manager
    company_id = make_company().id
    run = uuid.uuid4().hex[:8]
    key_numbers = itertools.count()

    class LedgerMachine(RuleBasedStateMachine):
        """Each example runs in a SAVEPOINT rolled back at its end: it starts from a new,
        empty wallet, and the database does not grow from one example to the next (verify()
        reads every wallet, and shrinking a failure runs hundreds of examples)."""

        def __init__(self) -> None:
            super().__init__()
            db_session.rollback()  # whatever an earlier (failed) example left behind
            self.example = db_session.begin_nested()
            self.wallet = ledger.wallet_for(db_session, company_id)
            db_session.flush()
            self.wallet_id = self.wallet.id
            self.now = T0
            self.ref = Reference()
            self.keyed: list[Keyed] = []

        def teardown(self) -> None:
            if self.example.is_active:
                # Every step checked this wallet; the whole ledger and the rollups beside
                # it are checked once an example.
                db_session.flush()
                problems = verify(db_session).problems
                self.example.rollback()
                assert problems == []

        # --- helpers ------------------------------------------------------------------

        def new_key(self, keyed: bool) -> str | None:
            return f"{run}-{next(key_numbers)}" if keyed else None

        def remember(self, kind: EntryKind, key: str | None, call: Callable, result_id: int):
            if key is not None:
                self.keyed.append(Keyed(kind, key, call, result_id))

        def db_state(self) -> dict:
            balances = db_session.execute(
                select(Wallet.available, Wallet.pending, Wallet.held, Wallet.shortfall).where(
                    Wallet.id == self.wallet_id
                )
            ).one()
            lots = db_session.execute(
                select(Lot.entry_id, Lot.remaining, Lot.expires_at).where(
                    Lot.wallet_id == self.wallet_id
                )
            ).all()
            holds = db_session.execute(
                select(Hold.id, Hold.status).where(Hold.wallet_id == self.wallet_id)
            ).all()
            entries = db_session.scalar(
                select(func.count()).select_from(Entry).where(Entry.wallet_id == self.wallet_id)
            )
            return {
                "balances": tuple(balances),
                "lots": {i: (remaining, expires) for i, remaining, expires in lots},
                "holds": dict(holds),
                "entries": entries,
            }

        def refused(self, error: type[Exception], call: Callable[[], object]) -> None:
            """The service raises `error` and writes nothing; then we roll back, as a request
            would (to a SAVEPOINT: the example's own transaction goes on)."""
            before = self.db_state()
            savepoint = db_session.begin_nested()
            with pytest.raises(error):
                call()
            assert self.db_state() == before, "a refused movement wrote something"
            savepoint.rollback()
            assert self.db_state() == before

        def allocations_of(self, entry_id: int) -> list[tuple[int, int]]:
            rows = db_session.execute(
                select(Allocation.lot_id, Allocation.points)
                .where(Allocation.entry_id == entry_id)
                .order_by(Allocation.id)
            ).all()
            return [tuple(row) for row in rows]

        def pick_hold(self, pick: int) -> tuple[int, RefHold]:
            hold_id = sorted(self.ref.holds)[pick % len(self.ref.holds)]
            return hold_id, self.ref.holds[hold_id]

        # --- a start and time -----------------------------------------------------------

        @initialize(
            earnings=st.lists(st.tuples(points_st, earned_back_st), max_size=4),
            pending=st.lists(points_st, max_size=2),
        )
        def start(self, earnings: list, pending: list) -> None:
            """Some lots with different expiry dates and some pending points to work on."""
            for points, back in earnings:
                self.earn(points, pending=False, back=back, keyed=False)
            for points in pending:
                self.earn(points, pending=True, back=None, keyed=False)

        @rule(days=st.integers(0, 60), seconds=seconds_st, forget=st.booleans())
        def tick(self, days: int, seconds: int, forget: bool) -> None:
            self.now += timedelta(days=days, seconds=seconds)
            if forget:
                db_session.expire_all()  # later steps read everything back from the database

        # --- earning --------------------------------------------------------------------

        @rule(points=points_st, pending=st.booleans(), back=earned_back_st, keyed=st.booleans())
        def earn(self, points: int, pending: bool, back: int | None, keyed: bool) -> None:
            earned_at = None if back is None else self.now - timedelta(days=back)
            key = self.new_key(keyed)

            def call(now):
                return ledger.earn(
                    db_session,
                    self.wallet,
                    points,
                    source=QUIZ,
                    pending=pending,
                    earned_at=earned_at,
                    idempotency_key=key,
                    now=now,
                )

            entry = call(self.now)
            assert entry.amount == points and entry.earned_at == (earned_at or self.now)
            if pending:
                self.ref.pending += points
                self.ref.entries += 1
            else:
                self.ref.add_lot(entry.id, points, earned_at or self.now)
            self.remember(EntryKind.EARN, key, call, entry.id)

        @rule(data=st.data(), back=st.integers(0, 800), keyed=st.booleans())
        def confirm(self, data, back: int, keyed: bool) -> None:
            points = data.draw(up_to(self.ref.pending), label="points")
            earned_at = self.now - timedelta(days=back)
            key = self.new_key(keyed)

            def call(now):
                return ledger.confirm(
                    db_session,
                    self.wallet,
                    points,
                    source=MONTH,
                    earned_at=earned_at,
                    idempotency_key=key,
                    now=now,
                )

            if points > self.ref.pending:
                self.refused(LedgerError, lambda: call(self.now))
                return
            entry = call(self.now)
            self.ref.pending -= points
            self.ref.add_lot(entry.id, points, earned_at)
            self.remember(EntryKind.CONFIRM, key, call, entry.id)

        @rule(data=st.data(), keyed=st.booleans())
        def forfeit(self, data, keyed: bool) -> None:
            points = data.draw(up_to(self.ref.pending), label="points")
            key = self.new_key(keyed)

            def call(now):
                return ledger.forfeit(
                    db_session, self.wallet, points, source=MONTH, idempotency_key=key, now=now
                )

            if points > self.ref.pending:
                self.refused(LedgerError, lambda: call(self.now))
                return
            entry = call(self.now)
            assert entry.amount == -points
            self.ref.pending -= points
            self.ref.entries += 1
            self.remember(EntryKind.FORFEIT, key, call, entry.id)

        # --- spending -------------------------------------------------------------------

        @rule(data=st.data(), keyed=st.booleans())
        def hold(self, data, keyed: bool) -> None:
            points = data.draw(up_to(self.ref.available), label="points")
            key = self.new_key(keyed)

            def call(now):
                return ledger.hold(
                    db_session,
                    self.wallet,
                    points,
                    source=REDEMPTION,
                    idempotency_key=key,
                    now=now,
                )

            if points > self.ref.available:
                self.refused(InsufficientPoints, lambda: call(self.now))
                return
            reservation = call(self.now)
            taken = self.ref.take(points)
            self.ref.holds[reservation.id] = RefHold(points, taken)
            self.ref.entries += 1
            hold_entry = db_session.scalar(
                select(Entry).where(Entry.hold_id == reservation.id, Entry.kind == EntryKind.HOLD)
            )
            assert self.allocations_of(hold_entry.id) == taken
            self.remember(EntryKind.HOLD, key, call, reservation.id)

        @precondition(lambda self: self.ref.holds)
        @rule(pick=pick_st)
        def capture(self, pick: int) -> None:
            hold_id, ref_hold = self.pick_hold(pick)
            reservation = db_session.get(Hold, hold_id)

            def call():
                return ledger.capture(db_session, reservation, now=self.now)

            if ref_hold.status == HoldStatus.RELEASED:
                self.refused(HoldClosed, call)
                return
            entry = call()
            if ref_hold.status == HoldStatus.CAPTURED:  # a double click: the same entry
                assert entry.id == ref_hold.closing_entry
                return
            assert entry.amount == -ref_hold.points
            ref_hold.status = HoldStatus.CAPTURED
            ref_hold.closing_entry = entry.id
            self.ref.entries += 1

        @precondition(lambda self: self.ref.holds)
        @rule(pick=pick_st)
        def release(self, pick: int) -> None:
            hold_id, ref_hold = self.pick_hold(pick)
            reservation = db_session.get(Hold, hold_id)

            def call():
                return ledger.release(db_session, reservation, now=self.now)

            if ref_hold.status == HoldStatus.CAPTURED:
                self.refused(HoldClosed, call)
                return
            entry = call()
            if ref_hold.status == HoldStatus.RELEASED:
                assert entry.id == ref_hold.closing_entry
                return
            assert entry.amount == 0 and entry.available_delta == ref_hold.points
            # The points go back to the lots they came from, expired or not.
            for lot_id, part in ref_hold.taken:
                self.ref.lots[lot_id].remaining += part
            ref_hold.status = HoldStatus.RELEASED
            ref_hold.closing_entry = entry.id
            self.ref.entries += 1
            assert self.allocations_of(entry.id) == [(lot, -part) for lot, part in ref_hold.taken]

        # --- taking points away ---------------------------------------------------------

        @rule(days=st.one_of(st.integers(0, 120), st.integers(600, 800)), seconds=seconds_st)
        def expire(self, days: int, seconds: int) -> None:
            self.now += timedelta(days=days, seconds=seconds)
            total, lots = self.ref.expire(self.now)
            entry = ledger.expire(db_session, self.wallet, now=self.now)
            if total:
                assert entry is not None
                assert entry.amount == -total and entry.details == {"lots": lots}
            else:
                assert entry is None

        @rule(data=st.data(), add=st.booleans(), keyed=st.booleans())
        def adjust(self, data, add: bool, keyed: bool) -> None:
            if add:
                points = data.draw(points_st, label="points")
            else:
                points = -data.draw(up_to(self.ref.available), label="minus points")
            key = self.new_key(keyed)

            def call(now):
                return ledger.adjust(
                    db_session,
                    self.wallet,
                    points,
                    reason="correction",
                    actor=manager,
                    idempotency_key=key,
                    now=now,
                )

            if -points > self.ref.available:
                self.refused(InsufficientPoints, lambda: call(self.now))
                return
            entry = call(self.now)
            assert entry.amount == points
            if points > 0:
                self.ref.add_lot(entry.id, points, self.now)
            else:
                assert self.allocations_of(entry.id) == self.ref.take(-points)
                self.ref.entries += 1
            self.remember(EntryKind.ADJUST, key, call, entry.id)

        @rule(data=st.data(), keyed=st.booleans())
        def clawback(self, data, keyed: bool) -> None:
            # Often more than is available: the rest is carried as a shortfall.
            points = data.draw(up_to(self.ref.available, over=40), label="points")
            key = self.new_key(keyed)

            def call(now):
                return ledger.clawback(
                    db_session, self.wallet, points, source=CREDIT, idempotency_key=key, now=now
                )

            entry = call(self.now)
            take = min(points, self.ref.available)
            assert entry.amount == -take
            assert entry.details == {"requested": points, "carried": points - take}
            if take:
                assert self.allocations_of(entry.id) == self.ref.take(take)
            self.ref.shortfall += points - take
            self.ref.entries += 1
            self.remember(EntryKind.CLAWBACK, key, call, entry.id)

        # --- the same request again -----------------------------------------------------

        @precondition(lambda self: self.keyed)
        @rule(pick=pick_st, something_else=st.booleans())
        def replay(self, pick: int, something_else: bool) -> None:
            """The same key returns the first result and writes nothing, even much later;
            the key used for another kind of movement is refused."""
            request = self.keyed[pick % len(self.keyed)]
            if not something_else:
                assert request.call(self.now).id == request.result_id
                return
            if request.kind == EntryKind.EARN:
                other = ledger.clawback
                kwargs = {"source": CREDIT}
            else:
                other = ledger.earn
                kwargs = {"source": QUIZ}
            self.refused(
                IdempotencyConflict,
                lambda: other(
                    db_session,
                    self.wallet,
                    1,
                    idempotency_key=request.key,
                    now=self.now,
                    **kwargs,
                ),
            )

        # --- after every step -----------------------------------------------------------

        @invariant()
        def ledger_is_consistent(self) -> None:
            db_session.flush()
            assert verify(db_session, wallet_id=self.wallet_id).problems == []

        @invariant()
        def ledger_matches_the_reference(self) -> None:
            assert self.db_state() == self.ref.state()
            assert all(lot.remaining >= 0 for lot in self.ref.lots.values())
            assert self.ref.pending >= 0 and self.ref.shortfall >= 0

    # SQLite explores the sequences; PostgreSQL, where each step costs several round
    # trips, runs fewer of them: what differs there is locking and SQL, which any
    # sequence of movements exercises.
    examples = 12 if db_session.get_bind().dialect.name == "postgresql" else SETTINGS.max_examples
    run_state_machine_as_test(LedgerMachine, settings=settings(SETTINGS, max_examples=examples))


# --- what counts as points ------------------------------------------------------------

NOT_POINTS = [0, -3, 1.5, 2.0, False, True, "5", None]


def _taking_points(db_session, wallet) -> dict[str, Callable]:
    return {
        "earn": lambda p: ledger.earn(db_session, wallet, p, source=QUIZ, now=T0),
        "confirm": lambda p: ledger.confirm(
            db_session, wallet, p, source=MONTH, earned_at=T0, now=T0
        ),
        "forfeit": lambda p: ledger.forfeit(db_session, wallet, p, source=MONTH, now=T0),
        "hold": lambda p: ledger.hold(db_session, wallet, p, source=REDEMPTION, now=T0),
        "clawback": lambda p: ledger.clawback(db_session, wallet, p, source=CREDIT, now=T0),
        "adjust": lambda p: ledger.adjust(db_session, wallet, p, reason="x", actor=None, now=T0),
    }


@pytest.mark.parametrize("service", ["earn", "confirm", "forfeit", "hold", "clawback", "adjust"])
def test_every_service_takes_only_whole_points(db_session, make_company, service):
    """Zero, fractions, text, None and booleans are refused while the wallet could cover
    them (an adjustment may be negative, but a bool is not a number of points)."""
    wallet = ledger.wallet_for(db_session, make_company().id)
    ledger.earn(db_session, wallet, 50, source=QUIZ, now=T0)
    ledger.earn(db_session, wallet, 50, source=MONTH, pending=True, now=T0)
    db_session.commit()
    call = _taking_points(db_session, wallet)[service]
    for points in NOT_POINTS:
        if service == "adjust" and points == -3:
            continue  # a valid adjustment
        with pytest.raises(LedgerError):
            call(points)
        db_session.rollback()
    assert (wallet.available, wallet.pending, wallet.held) == (50, 50, 0)
    assert verify(db_session).problems == []
