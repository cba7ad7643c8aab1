"""A big club for the leaderboard benchmark: companies, people and three years of ledger.

    build(people=100_000, seed=7)   # inside an app context: 10,000 companies, ~5M entries

What is written is what the services would have written, through the database's bulk
path (COPY on PostgreSQL, executemany on SQLite) instead of the ORM:

- companies (a tenth of the people; a quarter join during the three years), one account
  holder each, the rest partner staff (skewed: a few big companies, many small ones),
  one wallet each;
- per company and month, the purchase close: the previous month's points earned
  pending, the month before's confirmed (a lot) and what was not paid in time forfeited;
- per person, course passes and meeting attendances (points available at once, a lot
  each, the person named; how often a person earns is Pareto-skewed);
- redemptions (a hold, the lots it takes recorded as allocations, captured a few days
  later; the last ones still held), a few clawbacks, and the monthly expiry of lots
  past their 24 months;
- wallets' balances as the sums of their entries, lots' remaining points as the FIFO
  spending left them (so `flask club ledger verify` finds nothing).

Entries get ids in time order, as posting them one by one would. The ledger's
append-only triggers stay in place (they refuse UPDATE and DELETE, not INSERT); foreign
keys and checks stay on. Secondary indexes of the ledger tables are dropped for the load
and created again afterwards (the same Index objects, so the same definitions).
"""

from __future__ import annotations

import heapq
import json
import random
import time
from array import array
from collections import deque
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

START = datetime(2023, 12, 1, tzinfo=UTC)  # three years of history ...
END = datetime(2026, 11, 28, tzinfo=UTC)  # ... up to the day of the benchmark
EXPIRY_MONTHS = 24
CHUNK = 200_000  # entries per bulk write

ENTRY_COLUMNS = (
    "id",
    "wallet_id",
    "kind",
    "amount",
    "available_delta",
    "pending_delta",
    "held_delta",
    "person_id",
    "source_type",
    "source_id",
    "reason",
    "details",
    "actor_id",
    "hold_id",
    "idempotency_key",
    "created_at",
    "earned_at",
)
HOLD_COLUMNS = (
    "id",
    "wallet_id",
    "points",
    "status",
    "source_type",
    "source_id",
    "created_at",
    "closed_at",
)
LOT_COLUMNS = ("entry_id", "wallet_id", "points", "remaining", "earned_at", "expires_at")
ALLOCATION_COLUMNS = ("entry_id", "lot_id", "points")
COMPANY_COLUMNS = (
    "id",
    "name",
    "tax_id",
    "country",
    "street",
    "postal_code",
    "city",
    "status",
    "joined_on",
    "created_at",
)
USER_COLUMNS = (
    "id",
    "email",
    "name",
    "password_hash",
    "role",
    "company_id",
    "language",
    "is_shown_on_boards",
    "is_active",
    "session_generation",
    "created_at",
)
WALLET_COLUMNS = (
    "id",
    "company_id",
    "available",
    "pending",
    "held",
    "shortfall",
    "created_at",
    "updated_at",
)

CITIES = ("Łódź", "Kraków", "Warszawa", "Poznań", "Gdańsk", "Wrocław", "Lublin", "Katowice")
FIRST = ("Anna", "Piotr", "Ewa", "Jan", "Zofia", "Michał", "Ola", "Tomasz", "Ирина", "Олег")
LAST = ("Nowak", "Kowalska", "Wiśniewski", "Żak", "Lewandowska", "Zieliński", "Иванова")


def _months(count: int) -> list[datetime]:
    """The first instants of `count` months from START."""
    out = []
    year, month = START.year, START.month
    for _ in range(count):
        out.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class Stamps:
    """Seconds since START as the text each database stores for a UTCDateTime."""

    def __init__(self, dialect: str) -> None:
        self.suffix = ".000000" if dialect == "sqlite" else "+00"
        days = (END - START).days + 2 + 31 * (EXPIRY_MONTHS + 1)
        self.days = [(START + timedelta(days=d)).date().isoformat() for d in range(days)]

    def __call__(self, seconds: int) -> str:
        day, rest = divmod(int(seconds), 86400)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        return f"{self.days[day]} {hour:02d}:{minute:02d}:{second:02d}{self.suffix}"


class Loader:
    """Bulk writes through the driver: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine) -> None:
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.driver = self.raw.driver_connection
        if self.dialect == "sqlite":
            # For the loading connection only: a big page cache (the unique index of
            # idempotency keys is filled in random order), no fsync per commit.
            self.driver.execute("PRAGMA cache_size = -1000000")
            self.driver.execute("PRAGMA synchronous = OFF")
            self.driver.execute("BEGIN IMMEDIATE")

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.driver.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        with (
            self.driver.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            buffer = []
            for row in rows:
                buffer.append(
                    "\t".join("\\N" if value is None else str(value) for value in row) + "\n"
                )
                if len(buffer) >= 20_000:
                    copy.write("".join(buffer))
                    buffer.clear()
            if buffer:
                copy.write("".join(buffer))

    def execute(self, sql: str, rows=None) -> None:
        if self.dialect == "sqlite":
            sql = sql.replace("%s", "?")
            if rows is None:
                self.driver.execute(sql)
            else:
                self.driver.executemany(sql, rows)
            return
        with self.driver.cursor() as cursor:
            if rows is None:
                cursor.execute(sql)
            else:
                cursor.executemany(sql, rows)

    def commit(self) -> None:
        if self.dialect == "sqlite":
            self.driver.execute("COMMIT")
            self.driver.execute("BEGIN IMMEDIATE")
        else:
            self.driver.commit()

    def close(self) -> None:
        if self.dialect == "sqlite":
            self.driver.execute("COMMIT")
            self.driver.execute("PRAGMA synchronous = NORMAL")
        else:
            self.driver.commit()
        self.raw.close()


def _ledger_indexes():
    """The secondary indexes of the tables the generator fills in bulk."""
    from club.ledger.models import Allocation, Entry, Hold, Lot

    models = [Entry, Lot, Allocation, Hold]
    try:
        from club.leaderboard.models import CompanyTotal, PersonTotal

        models += [PersonTotal, CompanyTotal]
    except ImportError:
        pass
    return [index for model in models for index in model.__table__.indexes]


def build(people: int = 100_000, seed: int = 7, log=print) -> dict:
    """Fill the (empty, created) database of the current app; returns counts and times."""
    from club.extensions import db
    from club.members.services import hash_password

    rng = random.Random(seed)
    engine = db.engine
    dialect = engine.dialect.name
    stamp = Stamps(dialect)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    n_companies = max(1, people // 10)
    target_entries = people * 50
    months = _months(36 + EXPIRY_MONTHS + 2)
    month_seconds = [int((m - START).total_seconds()) for m in months]
    end_seconds = int((END - START).total_seconds())
    n_months = next(i for i, s in enumerate(month_seconds) if s >= end_seconds)  # 36

    def expires(seconds: int, month_index: int) -> int:
        offset = seconds - month_seconds[month_index]
        target = month_index + EXPIRY_MONTHS
        return min(month_seconds[target] + offset, month_seconds[target + 1] - 1)

    # --- companies, people, wallets ----------------------------------------------------
    loader = Loader(engine)
    created = stamp(0)
    join_month = [
        0 if rng.random() < 0.75 else rng.randrange(1, n_months) for _ in range(n_companies)
    ]
    companies = [
        (
            c + 1,
            f"Firma {c + 1} Sp. z o.o.",
            f"{1_000_000_000 + c * 7919:010d}",
            "PL",
            f"ul. Długa {c % 200 + 1}",
            f"{c % 90 + 10:02d}-{c % 900 + 100:03d}",
            CITIES[c % len(CITIES)],
            "member",
            months[join_month[c]].date().isoformat(),
            stamp(month_seconds[join_month[c]]),
        )
        for c in range(n_companies)
    ]
    from club.members.models import Company

    if "is_shown_on_boards" in Company.__table__.c:  # one in twenty-five hides its name
        loader.write(
            "company",
            (*COMPANY_COLUMNS, "is_shown_on_boards"),
            [(*row, row[0] % 25 != 0) for row in companies],
        )
    else:
        loader.write("company", COMPANY_COLUMNS, companies)
    # Company sizes: Pareto, at least the account holder.
    sizes = [rng.paretovariate(1.3) for _ in range(n_companies)]
    scale = (people - n_companies) / sum(sizes)
    staff = [int(s * scale) for s in sizes]
    for c in rng.sample(range(n_companies), people - n_companies - sum(staff)):
        staff[c] += 1
    password = hash_password("benchmark password")
    person_company: list[int] = [0]  # index = user id
    users = []
    for c in range(n_companies):
        for k in range(staff[c] + 1):
            uid = len(person_company)
            person_company.append(c)
            users.append(
                (
                    uid,
                    f"person{uid}@firma{c + 1}.example",
                    f"{FIRST[uid % len(FIRST)]} {LAST[(uid // 7) % len(LAST)]} {uid}",
                    password,
                    "account_holder" if k == 0 else "partner_staff",
                    c + 1,
                    "pl" if uid % 5 else "ru",
                    uid % 20 != 0,  # one in twenty hides their name from boards
                    uid % 50 != 0,  # one in fifty deactivated
                    1,
                    stamp(month_seconds[join_month[c]]),
                )
            )
    loader.write("user", USER_COLUMNS, users)
    loader.write(
        "wallet",
        WALLET_COLUMNS,
        [(c + 1, c + 1, 0, 0, 0, 0, created, created) for c in range(n_companies)],
    )
    loader.commit()
    del users, companies
    timings["people_seconds"] = round(time.perf_counter() - started, 1)
    log(f"  {n_companies:,} companies, {people:,} people ({timings['people_seconds']} s)")

    # --- the ledger's secondary indexes go while it loads --------------------------------
    loader.close()
    indexes = _ledger_indexes()
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    loader = Loader(engine)

    # --- three years, event by event, in time order --------------------------------------
    rollup_rows = None
    available = [0] * n_companies
    pending = [0] * n_companies
    held = [0] * n_companies
    waiting: list[list[tuple[int, int]]] = [[] for _ in range(n_companies)]  # (points, month)
    # How often a company redeems in a month: some hoard (their points expire), most
    # spend now and then, a few every month.
    spending = [rng.choice((0.0, 0.05, 0.15, 0.3, 0.5)) for _ in range(n_companies)]
    purchase_size = [int(rng.lognormvariate(6.0, 1.0)) + 20 for _ in range(n_companies)]
    lots_of: list[deque] = [deque() for _ in range(n_companies)]
    lot_entry, lot_wallet, lot_points, lot_remaining, lot_earned, lot_expires = (
        array("q") for _ in range(6)
    )
    allocation_rows = [array("q"), array("q"), array("q")]  # entry, lot entry, points
    entries: list[tuple] = []
    holds: list[tuple] = []
    counts = {"entries": 0, "holds": 0}
    next_id = [1, 1]  # entry, hold
    earned_count = [0] * (people + 1)
    person_weight = [rng.paretovariate(1.6) for _ in range(people + 1)]
    # Company events per company-month, roughly: close (earn, confirm, some forfeits),
    # redemptions (hold, capture), expiry, clawbacks.
    person_events = max(0, target_entries - int(n_companies * n_months * 0.97 * 2.3))
    per_month = person_events / n_months

    # The rollups, worked out as entries are made: the leaderboard's own Item, effect,
    # months and sums (rollups.py), so they are what rebuild() computes from the ledger;
    # written with the bulk loader at the end instead of rebuild()'s ORM inserts.
    try:
        from club.leaderboard import rollups
        from club.ledger.models import EntryKind

        sums = rollups.Sums()
        board_months = rollups.Months(db.session)
        counting = {kind.value for kind in rollups.COUNTING}
    except ImportError:
        sums = None

    def flush(final: bool = False) -> None:
        loader.write("hold", HOLD_COLUMNS, holds)
        loader.write("ledger_entry", ENTRY_COLUMNS, entries)
        counts["entries"] += len(entries)
        counts["holds"] += len(holds)
        entries.clear()
        holds.clear()
        loader.commit()

    def post(
        wallet,
        kind,
        amount,
        avail,
        pend,
        hld,
        person,
        stype,
        sid,
        reason,
        t,
        hold_id=None,
        key=None,
        details=None,
    ) -> int:
        entry_id = next_id[0]
        next_id[0] += 1
        text = stamp(t)
        entries.append(
            (
                entry_id,
                wallet + 1,
                kind,
                amount,
                avail,
                pend,
                hld,
                person,
                stype,
                sid,
                reason,
                details,
                None,
                hold_id,
                key,
                text,
                text,
            )
        )
        available[wallet] += avail
        pending[wallet] += pend
        held[wallet] += hld
        if sums is not None and kind in counting:
            moment = START + timedelta(seconds=t)
            item = rollups.Item(
                entry_id,
                wallet + 1,
                EntryKind(kind),
                amount,
                person,
                stype,
                sid,
                json.loads(details) if details else None,
                moment,
                moment,
            )
            sums.add(item, board_months.of(item), wallet + 1)
        if len(entries) >= CHUNK:
            flush()
        return entry_id

    def add_lot(wallet, entry_id, points, t, month_index) -> None:
        lots_of[wallet].append(len(lot_entry))
        lot_entry.append(entry_id)
        lot_wallet.append(wallet + 1)
        lot_points.append(points)
        lot_remaining.append(points)
        lot_earned.append(t)
        lot_expires.append(expires(t, month_index))

    def consume(wallet, entry_id, points) -> None:
        queue = lots_of[wallet]
        while points:
            lot = queue[0]
            take = min(points, lot_remaining[lot])
            lot_remaining[lot] -= take
            points -= take
            allocation_rows[0].append(entry_id)
            allocation_rows[1].append(lot_entry[lot])
            allocation_rows[2].append(take)
            if lot_remaining[lot] == 0:
                queue.popleft()

    events: list[tuple] = []  # (seconds, order, kind, args...)
    order = 0
    for m in range(n_months):
        ms, me = month_seconds[m], min(month_seconds[m + 1], end_seconds)
        active = [c for c in range(n_companies) if join_month[c] <= m]
        for c in active:
            order += 1
            # 00:30 expiry run, 01:00 month close (earn last month, settle the one before).
            heapq.heappush(events, (ms + 1800 + c % 1800, order, "expire", c))
            if m > join_month[c]:
                order += 1
                heapq.heappush(events, (ms + 3600 + c % 3600, order, "close", c))
            if rng.random() < spending[c]:
                order += 1
                heapq.heappush(events, (rng.randrange(ms + 7200, me), order, "redeem", c))
            if rng.random() < 0.02:
                order += 1
                heapq.heappush(events, (rng.randrange(ms + 7200, me), order, "clawback", c))
        weights = [
            person_weight[u] if join_month[person_company[u]] <= m else 0.0
            for u in range(1, people + 1)
        ]
        chosen = rng.choices(
            range(1, people + 1),
            cum_weights=list(accumulate(weights)),
            k=int(per_month * (me - ms) / (month_seconds[m + 1] - ms)),
        )
        for person in chosen:
            order += 1
            heapq.heappush(events, (rng.randrange(ms + 7200, me), order, "person", person))
        while events and events[0][0] < me:
            t, _order, what, arg = heapq.heappop(events)
            if what == "person":
                person = arg
                c = person_company[person]
                earned_count[person] += 1
                n = earned_count[person]
                if rng.random() < 0.6:
                    points, stype, reason = rng.choice((50, 100, 150, 200)), "course", "Passed: "
                else:
                    points, stype, reason = rng.choice((100, 200, 300)), "meeting", "Attended: "
                sid = str(n)
                entry_id = post(
                    c,
                    "earn",
                    points,
                    points,
                    0,
                    0,
                    person,
                    stype,
                    sid,
                    f"{reason}{stype} {sid}",
                    t,
                    key=f"{stype}:{sid}:person:{person}",
                )
                add_lot(c, entry_id, points, t, m)
            elif what == "expire":
                c = arg
                queue = lots_of[c]
                due = []
                while queue and lot_expires[queue[0]] <= t:
                    due.append(queue.popleft())
                if due:
                    total = sum(lot_remaining[lot] for lot in due)
                    entry_id = post(
                        c, "expire", -total, -total, 0, 0, None, "expiry", stamp(t)[:10], "", t
                    )
                    for lot in due:
                        allocation_rows[0].append(entry_id)
                        allocation_rows[1].append(lot_entry[lot])
                        allocation_rows[2].append(lot_remaining[lot])
                        lot_remaining[lot] = 0
            elif what == "close":
                # As close_due_months writes them: the source names the PurchaseMonth (a
                # number), details name the purchase month, which the boards count in.
                c = arg
                for points, month, about in waiting[c]:  # the month before last
                    source = str(c * 40 + month + 1)
                    paid = points if rng.random() < 0.75 else int(points * rng.random())
                    if paid:
                        entry_id = post(
                            c,
                            "confirm",
                            0,
                            paid,
                            -paid,
                            0,
                            None,
                            "purchase_month",
                            source,
                            "",
                            t,
                            details=about[:-1] + ', "paid_in_time": "1.00"}',
                        )
                        add_lot(c, entry_id, paid, t, m)
                    if points - paid:
                        post(
                            c,
                            "forfeit",
                            -(points - paid),
                            0,
                            -(points - paid),
                            0,
                            None,
                            "purchase_month",
                            source,
                            "",
                            t + 1,
                            details=about[:-1] + ', "why": "late_or_unpaid"}',
                        )
                waiting[c] = []
                if rng.random() < 0.9:  # last month's purchases, pending until paid
                    points = max(1, int(purchase_size[c] * rng.uniform(0.3, 1.7)))
                    about = (
                        f'{{"period": "{months[m - 1]:%Y-%m}", '
                        f'"net_total": "{points * 500}.00", "rate": 500}}'
                    )
                    post(
                        c,
                        "earn",
                        points,
                        0,
                        points,
                        0,
                        None,
                        "purchase_month",
                        str(c * 40 + m),
                        "",
                        t + 2,
                        details=about,
                    )
                    waiting[c].append((points, m - 1, about))
            elif what == "redeem":
                c = arg
                if available[c] < 500:
                    continue
                points = max(100, int(available[c] * rng.uniform(0.2, 0.6)) // 100 * 100)
                hold_id = next_id[1]
                next_id[1] += 1
                captured_at = t + rng.randrange(86400, 7 * 86400)
                done = captured_at < end_seconds
                privilege = str(rng.randrange(1, 120))
                holds.append(
                    (
                        hold_id,
                        c + 1,
                        points,
                        "captured" if done else "held",
                        "privilege",
                        privilege,
                        stamp(t),
                        stamp(captured_at) if done else None,
                    )
                )
                entry_id = post(
                    c,
                    "hold",
                    0,
                    -points,
                    0,
                    points,
                    None,
                    "privilege",
                    privilege,
                    "",
                    t,
                    hold_id=hold_id,
                )
                consume(c, entry_id, points)
                if done:
                    order += 1
                    heapq.heappush(events, (captured_at, order, "capture", (c, hold_id, points)))
            elif what == "capture":
                c, hold_id, points = arg
                post(
                    c,
                    "capture",
                    -points,
                    0,
                    0,
                    -points,
                    None,
                    "hold",
                    str(hold_id),
                    "",
                    t,
                    hold_id=hold_id,
                )
            elif what == "clawback":
                c = arg
                points = min(available[c], rng.randrange(100, 2000))
                if points <= 0:
                    continue
                period = months[max(0, m - 1)]
                about = (
                    f'{{"period": "{period:%Y-%m}", "credit_note": true, '
                    f'"requested": {points}, "carried": 0}}'
                )
                entry_id = post(
                    c,
                    "clawback",
                    -points,
                    -points,
                    0,
                    0,
                    None,
                    "purchase_month",
                    str(c * 40 + max(0, m - 1)),
                    "",
                    t,
                    details=about,
                )
                consume(c, entry_id, points)
        if (m + 1) % 6 == 0:
            log(
                f"  {months[m].strftime('%Y-%m')}: {counts['entries'] + len(entries):,} entries"
                f" ({time.perf_counter() - started:.0f} s)"
            )
    flush()
    timings["entries_seconds"] = round(time.perf_counter() - started - timings["people_seconds"], 1)

    # --- lots (remaining as spending left them), allocations, balances -------------------
    step = time.perf_counter()
    rows = []
    for i in range(len(lot_entry)):
        rows.append(
            (
                lot_entry[i],
                lot_wallet[i],
                lot_points[i],
                lot_remaining[i],
                stamp(lot_earned[i]),
                stamp(lot_expires[i]),
            )
        )
        if len(rows) >= CHUNK:
            loader.write("lot", LOT_COLUMNS, rows)
            rows.clear()
    loader.write("lot", LOT_COLUMNS, rows)
    loader.commit()
    rows = list(zip(*allocation_rows, strict=True))
    for begin in range(0, len(rows), CHUNK):
        loader.write("allocation", ALLOCATION_COLUMNS, rows[begin : begin + CHUNK])
    loader.commit()
    if sums is not None:
        rollup_rows = _write_rollups(loader, rollups, sums, stamp)
        del sums
        loader.commit()
    stamp_end = stamp(end_seconds)
    loader.execute(
        "UPDATE wallet SET available = %s, pending = %s, held = %s, updated_at = %s WHERE id = %s",
        [(available[c], pending[c], held[c], stamp_end, c + 1) for c in range(n_companies)],
    )
    if dialect == "postgresql":
        for table, key in (("ledger_entry", "id"), ("hold", "id"), ("allocation", "id")):
            loader.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
                f"(SELECT coalesce(max({key}), 0) + 1 FROM {table}), false)"
            )
        loader.execute(
            f"SELECT setval(pg_get_serial_sequence('\"user\"', 'id'), {people + 1}, false)"
        )
        loader.execute(
            f"SELECT setval(pg_get_serial_sequence('company', 'id'), {n_companies + 1}, false)"
        )
        loader.execute(
            f"SELECT setval(pg_get_serial_sequence('wallet', 'id'), {n_companies + 1}, false)"
        )
        if rollup_rows:
            for table in ("leaderboard_person", "leaderboard_company"):
                loader.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
    loader.close()
    timings["lots_seconds"] = round(time.perf_counter() - step, 1)
    step = time.perf_counter()
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)
        if rollup_rows:  # how many rows hold each score, counted as rebuild() counts
            rollup_rows["scores"] = rollups.rebuild_scores(connection)
    timings["indexes_seconds"] = round(time.perf_counter() - step, 1)
    log(
        f"  {counts['entries']:,} entries, {len(lot_entry):,} lots, "
        f"{len(allocation_rows[0]):,} allocations, {counts['holds']:,} holds "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return {
        "rollup_rows": rollup_rows,
        "companies": n_companies,
        "people": people,
        "entries": counts["entries"],
        "lots": len(lot_entry),
        "allocations": len(allocation_rows[0]),
        "holds": counts["holds"],
        "load_seconds": round(time.perf_counter() - started, 1),
        **timings,
    }


def _write_rollups(loader: Loader, rollups, sums, stamp) -> dict:
    """The rollup rows, with ids in the order rebuild() inserts them (by period and
    owner)."""

    def text(moment):
        return None if moment is None else stamp(int((moment - START).total_seconds()))

    people = sorted(sums.people.items())
    rows = [
        (row_id, period, person_id, points, text(reached))
        for row_id, ((period, person_id), (points, reached)) in enumerate(people, 1)
    ]
    del people
    for begin in range(0, len(rows), CHUNK):
        loader.write(
            "leaderboard_person",
            ("id", "period", "person_id", "points", "reached_at"),
            rows[begin : begin + CHUNK],
        )
    counted = {"people": len(rows)}
    companies = sorted(sums.companies.items())
    rows = [
        (row_id, period, company_id, points, text(reached), activity, text(activity_reached))
        for row_id, ((period, company_id), (points, reached, activity, activity_reached)) in (
            enumerate(companies, 1)
        )
    ]
    loader.write(
        "leaderboard_company",
        (
            "id",
            "period",
            "company_id",
            "points",
            "reached_at",
            "activity_points",
            "activity_reached_at",
        ),
        rows,
    )
    counted["companies"] = len(rows)
    return counted


def analyze(engine) -> float:
    """Planner statistics, as a live database has them (autovacuum / ANALYZE)."""
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        raw = engine.raw_connection()  # autocommit: the app's connect hook set it so
        try:
            raw.driver_connection.execute("ANALYZE")
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return round(time.perf_counter() - started, 1)


def joined_before(seconds: int) -> date:  # pragma: no cover - a helper for callers
    return (START + timedelta(seconds=seconds)).date()
