"""Health-score benchmark: the nightly job for 10,000 companies with three years of history.

    make bench-portfolio                                              # both databases
    .venv/bin/python tests/benchmarks/bench_portfolio.py --companies 2000   # a quick run

For SQLite (a file in a temporary directory) and PostgreSQL (a throw-away database on
127.0.0.1:5432; CLUB_TEST_PG_URL overrides; skipped when no server answers), on a fresh
database, none of it timed: the schema; N member companies in 20 account managers'
portfolios, three people each with their last sign-ins; three years of invoices
(December 2023 to November 2026, about three a month per company, some paid late, a
fifth of the companies drifting: fewer orders and later payments in the last months),
their purchase months with some forfeits; a wallet with twelve lots per company
expiring over the next year; quiz passes; complaints and contracts; pending tier drops;
and the last 30 days of health scores. Then the database's statistics (ANALYZE).

Timed: the nightly job `club.jobs.score_portfolios` and its commit, three times (the
first run of the day, the same day again: it rewrites the same rows, and the next day),
and one account manager's whole portfolio (500 companies) as the CSV export reads it.
Nothing passes or fails on time; results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from boards_data import Loader, analyze  # noqa: E402
from postgres import PG_ADMIN_URL, postgres_admin  # noqa: E402

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # the night of the benchmark (03:30 local)
FIRST_MONTH = date(2023, 12, 1)
MONTHS = 36
MANAGERS = 20
HISTORY_DAYS = 30


def _app(url: str):
    from club import create_app

    os.environ["SECRET_KEY"] = "benchmark-secret-key-that-is-long-enough-0123456789"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": None,
            "SCHEDULER_IN_PROCESS": False,
        }
    )


class Values:
    """Values as each database's bulk path takes them."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def moment(self, value: datetime) -> str:
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if self.sqlite else "+00")

    def flag(self, value: bool):
        return int(value) if self.sqlite else ("t" if value else "f")


def _month(index: int) -> date:
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    return date(FIRST_MONTH.year + year, month + 1, 1)


def build(engine, count: int, seed: int = 17, log=print) -> dict:
    """Write the club through the bulk path; returns what was written, by table."""
    from club.extensions import db
    from club.members.tiers import ensure_default_tiers

    db.create_all()
    tiers = [tier.id for tier in ensure_default_tiers(db.session)]
    db.session.commit()
    rng = random.Random(seed)
    loader = Loader(engine)
    values = Values(loader.dialect)
    written: dict[str, int] = {}

    def write(table, columns, rows):
        loader.write(table, columns, rows)
        written[table] = written.get(table, 0) + len(rows)

    created = values.moment(datetime(2023, 11, 1, tzinfo=UTC))
    write(
        "user",
        (
            "id",
            "email",
            "name",
            "role",
            "language",
            "is_shown_on_boards",
            "is_active",
            "session_generation",
            "created_at",
        ),
        [
            (
                number,
                f"am{number}@club.example",
                f"Manager {number}",
                "account_manager",
                "en",
                values.flag(True),
                values.flag(True),
                1,
                created,
            )
            for number in range(1, MANAGERS + 1)
        ],
    )
    companies = []
    for number in range(count):
        tier = tiers[0] if number % 10 < 6 else tiers[1] if number % 10 < 9 else tiers[-1]
        drops = number % 20 == 7 and tier != tiers[0]
        companies.append(
            (
                number + 1,
                f"Firma {number}",
                f"{7_000_000_000 + number}",
                "PL",
                "member",
                "2023-06-01",
                values.flag(False),
                1 + number % MANAGERS,
                values.flag(True),
                created,
                tier,
                tiers[0] if drops else None,
                "2027-02-01" if drops else None,
                "",
                "",
                "",
            )
        )
    write(
        "company",
        (
            "id",
            "name",
            "tax_id",
            "country",
            "status",
            "joined_on",
            "is_pilot",
            "account_manager_id",
            "is_shown_on_boards",
            "created_at",
            "tier_id",
            "tier_drop_to_id",
            "tier_drop_on",
            "street",
            "postal_code",
            "city",
        ),
        companies,
    )
    loader.commit()

    # Course and quiz version for the passes.
    course_and_version = [
        (
            "course",
            (
                "id",
                "slug",
                "title",
                "language",
                "summary",
                "tags",
                "points",
                "pass_mark",
                "wait_minutes",
                "points_by_attempt",
                "is_published",
                "is_in_files",
                "content_hash",
                "created_at",
                "synced_at",
            ),
            [
                (
                    1,
                    "led",
                    "LED",
                    "en",
                    "",
                    "[]",
                    10,
                    50,
                    0,
                    "[100]",
                    values.flag(True),
                    values.flag(True),
                    "",
                    created,
                    created,
                )
            ],
        ),
        (
            "quiz_version",
            (
                "id",
                "course_id",
                "number",
                "content_hash",
                "draw",
                "shuffle_questions",
                "shuffle_options",
                "questions",
                "created_at",
            ),
            [(1, 1, 1, "x", 1, values.flag(False), values.flag(False), "[]", created)],
        ),
    ]
    for table, columns, rows in course_and_version:
        write(table, columns, rows)

    user_id = MANAGERS
    invoice_id = entry_id = attempt_id = complaint_id = 0
    for start in range(0, count, 1_000):
        people, invoices, months, entries, lots, wallets = [], [], [], [], [], []
        attempts, passes, complaints, contracts = [], [], [], []
        for company_id in range(start + 1, min(start + 1_000, count) + 1):
            drifting = company_id % 5 == 0
            usual = rng.choice((1, 2, 3, 3, 4, 5))
            for person in range(3):
                user_id += 1
                seen = None if rng.random() < 0.1 else NOW - timedelta(days=rng.randint(0, 120))
                people.append(
                    (
                        user_id,
                        f"p{user_id}@firma.example",
                        f"Person {user_id}",
                        "account_holder" if person == 0 else "partner_staff",
                        company_id,
                        "pl",
                        values.flag(True),
                        values.flag(True),
                        1,
                        created,
                        values.moment(seen) if seen else None,
                    )
                )
                if person == 0 and rng.random() < 0.4:
                    attempt_id += 1
                    passed = NOW - timedelta(days=rng.randint(1, 700))
                    stamp = values.moment(passed)
                    attempts.append(
                        (attempt_id, user_id, 1, 1, 1, "passed", "[]", "{}", "{}", 50, stamp, stamp)
                    )
                    passes.append(
                        (attempt_id, user_id, 1, attempt_id, 90, 10, f"B{attempt_id:010d}", stamp)
                    )
            for index in range(MONTHS):
                month = _month(index)
                late_months = drifting and index >= MONTHS - 4
                orders = max(0, usual - (2 if late_months else 0) + rng.randint(-1, 1))
                net = 0
                for _order in range(orders):
                    invoice_id += 1
                    issued = month + timedelta(days=rng.randint(0, 27))
                    due = issued + timedelta(days=rng.choice((14, 30)))
                    late = rng.choice((0, 0, 0, 0, 2, 5)) + (
                        rng.randint(5, 25) if late_months else 0
                    )
                    paid = due + timedelta(days=late)
                    amount = rng.randint(500, 20_000)
                    net += amount
                    invoices.append(
                        (
                            invoice_id,
                            f"FV/{invoice_id}",
                            company_id,
                            "invoice",
                            issued.isoformat(),
                            month.isoformat(),
                            due.isoformat(),
                            f"{amount}.00",
                            "PLN",
                            None if paid > NOW.date() else paid.isoformat(),
                            created,
                            created,
                        )
                    )
                points = net // 500
                forfeited = points // 4 if late_months or rng.random() < 0.03 else 0
                months.append(
                    (
                        company_id,
                        month.isoformat(),
                        "PLN",
                        500,
                        7,
                        100,
                        f"{net}.00",
                        points,
                        points - forfeited,
                        forfeited,
                        0,
                        values.moment(datetime.combine(month, datetime.min.time(), UTC)),
                    )
                )
            available = 0
            for lot in range(12):
                entry_id += 1
                points = rng.randint(5, 60)
                earned = NOW - timedelta(days=700 - lot * 30)
                expires = earned + timedelta(days=730)
                available += points
                entries.append(
                    (
                        entry_id,
                        company_id,
                        "earn",
                        points,
                        points,
                        0,
                        0,
                        "quiz",
                        str(entry_id),
                        "",
                        values.moment(earned),
                        values.moment(earned),
                    )
                )
                lots.append(
                    (
                        entry_id,
                        company_id,
                        points,
                        points,
                        values.moment(earned),
                        values.moment(expires),
                    )
                )
            wallets.append((company_id, company_id, available, 0, 0, 0, created, created))
            for _complaint in range(rng.choice((0, 1, 2, 3))):
                complaint_id += 1
                opened = NOW.date() - timedelta(days=rng.randint(0, 1000))
                closed = (
                    None if rng.random() < 0.05 else opened + timedelta(days=rng.randint(1, 20))
                )
                complaints.append(
                    (
                        complaint_id,
                        company_id,
                        f"RK-{complaint_id}",
                        opened.isoformat(),
                        closed.isoformat() if closed and closed <= NOW.date() else None,
                        "Late",
                        created,
                        created,
                    )
                )
            ends = (
                None if rng.random() < 0.3 else NOW.date() + timedelta(days=rng.randint(-30, 1000))
            )
            contracts.append(
                (
                    company_id,
                    company_id,
                    f"UM/{company_id}",
                    "2023-06-01",
                    ends.isoformat() if ends else None,
                    created,
                    created,
                )
            )
        write(
            "user",
            (
                "id",
                "email",
                "name",
                "role",
                "company_id",
                "language",
                "is_shown_on_boards",
                "is_active",
                "session_generation",
                "created_at",
                "last_login_at",
            ),
            people,
        )
        write(
            "invoice",
            (
                "id",
                "number",
                "company_id",
                "kind",
                "issue_date",
                "period",
                "due_date",
                "net_amount",
                "currency",
                "paid_date",
                "created_at",
                "updated_at",
            ),
            invoices,
        )
        write(
            "purchase_month",
            (
                "company_id",
                "period",
                "currency",
                "rate",
                "grace_days",
                "multiplier_percent",
                "net_total",
                "earned",
                "confirmed",
                "forfeited",
                "clawed_back",
                "closed_at",
            ),
            months,
        )
        write(
            "wallet",
            (
                "id",
                "company_id",
                "available",
                "pending",
                "held",
                "shortfall",
                "created_at",
                "updated_at",
            ),
            wallets,
        )
        write(
            "ledger_entry",
            (
                "id",
                "wallet_id",
                "kind",
                "amount",
                "available_delta",
                "pending_delta",
                "held_delta",
                "source_type",
                "source_id",
                "reason",
                "created_at",
                "earned_at",
            ),
            entries,
        )
        write(
            "lot", ("entry_id", "wallet_id", "points", "remaining", "earned_at", "expires_at"), lots
        )
        write(
            "quiz_attempt",
            (
                "id",
                "user_id",
                "course_id",
                "quiz_version_id",
                "number",
                "status",
                "question_ids",
                "option_order",
                "draft",
                "pass_mark",
                "started_at",
                "submitted_at",
            ),
            attempts,
        )
        write(
            "course_pass",
            ("id", "user_id", "course_id", "attempt_id", "percent", "points", "code", "passed_at"),
            passes,
        )
        write(
            "complaint",
            (
                "id",
                "company_id",
                "external_id",
                "opened_on",
                "closed_on",
                "subject",
                "created_at",
                "updated_at",
            ),
            complaints,
        )
        write(
            "contract",
            ("id", "company_id", "reference", "starts_on", "ends_on", "created_at", "updated_at"),
            contracts,
        )
        loader.commit()
        log(f"  {min(start + 1_000, count):,} companies written")

    history = []
    for days in range(HISTORY_DAYS, 0, -1):
        day = (NOW - timedelta(days=days)).date().isoformat()
        for company_id in range(1, count + 1):
            history.append((company_id, day, 100 - 5 * (company_id % 7), json.dumps([]), created))
        if len(history) >= 100_000:
            write("health_score", ("company_id", "day", "score", "signals", "created_at"), history)
            history = []
    write("health_score", ("company_id", "day", "score", "signals", "created_at"), history)
    loader.close()
    if loader.dialect == "postgresql":
        # Ids were given: move the sequences past them, as inserts through the app would.
        with engine.begin() as connection:
            for table in (
                "user",
                "company",
                "invoice",
                "ledger_entry",
                "wallet",
                "complaint",
                "contract",
                "quiz_attempt",
                "course_pass",
                "course",
                "quiz_version",
            ):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT max(id) FROM "{table}"))'
                )
    return written


def run(url: str, count: int, log=print) -> list[tuple[str, float, str]]:
    from sqlalchemy import func, select

    from club.core.database import write_intent
    from club.extensions import db
    from club.jobs import score_portfolios
    from club.members.models import User
    from club.portfolio import services
    from club.portfolio.models import HealthScore

    app = _app(url)
    results = []
    with app.app_context():
        started = time.perf_counter()
        written = build(db.engine, count, log=log)
        results.append(
            (
                "build (not the job)",
                time.perf_counter() - started,
                f"{written['invoice']:,} invoices, {written['health_score']:,} scores",
            )
        )
        results.append(("analyze", analyze(db.engine), ""))
        for name, now in (
            ("nightly job, first run of the day", NOW),
            ("the same day again", NOW + timedelta(minutes=5)),
            ("the next night", NOW + timedelta(days=1)),
        ):
            with write_intent():
                started = time.perf_counter()
                scored = score_portfolios(db.session, now=now)
                db.session.commit()
                results.append((name, time.perf_counter() - started, f"{scored:,} companies"))
        manager = db.session.scalar(select(User).where(User.email == "am1@club.example"))
        started = time.perf_counter()
        settings = services.settings(db.session)
        day = services.latest_day(db.session)
        query = services.portfolio_query(manager, services.Filters(), settings=settings, day=day)
        rows = services.rows_of(db.session, db.session.execute(query), settings=settings, now=NOW)
        results.append(
            (
                "one manager's portfolio, as the CSV reads it",
                time.perf_counter() - started,
                f"{len(rows):,} rows",
            )
        )
        kept = db.session.scalar(select(func.count()).select_from(HealthScore))
        results.append(("scores kept", 0.0, f"{kept:,} rows"))
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    print(
        f"{date.today()}: {args.companies:,} companies; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    targets = []
    with tempfile.TemporaryDirectory(prefix="club-bench-portfolio-") as folder:
        if args.only in (None, "sqlite"):
            targets.append(("SQLite", f"sqlite:///{Path(folder) / 'portfolio.db'}", None))
        admin = postgres_admin() if args.only in (None, "postgresql") else None
        if args.only in (None, "postgresql") and admin is None:
            print("PostgreSQL: no server answers; skipped")
        elif admin is not None:
            name = f"club_bench_portfolio_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            targets.append(("PostgreSQL", f"{base}/{name}", name))
        lines = []
        try:
            for label, url, _name in targets:
                print(f"{label}: building ...")
                for step, seconds, what in run(url, args.companies, log=print):
                    lines.append(f"| {label} | {step} | {seconds:.2f} | {what} |")
        finally:
            for _label, _url, name in targets:
                if name is not None:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
        print("\n| database | step | seconds | what |\n|---|---|---:|---|")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
