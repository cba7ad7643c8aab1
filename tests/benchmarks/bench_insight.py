"""KPI dashboard benchmark: the dashboard's server time on the benchmark club.

    make bench-insight                                      # full size, both databases
    .venv/bin/python tests/benchmarks/bench_insight.py --people 20000   # a quick run

For each database (a SQLite file in a temporary directory, and a throw-away PostgreSQL
database when a server answers at 127.0.0.1:5432; CLUB_TEST_PG_URL overrides):

1. build, not timed: boards_data.build() writes the leaderboard benchmark's club (people
   / 10 companies, about 50 ledger entries per person over three years: 10,000 companies
   and ~5M entries at 100,000 people); then, through the same bulk path, what the
   dashboard reads besides the ledger: a year of invoices (November 2025 to October
   2026, ~5 a company a month, skewed, a tenth of the companies in EUR, ~8% paid late),
   20 account managers, tiers, three countries, a pilot tenth, potentials for four
   companies in five, sign-in days (about two a person a month) and NPS answers;
2. the nightly job `refresh-insight` (14 months of per-company summaries, then the
   per-segment summaries the dashboard reads), timed;
3. server time of GET /insight/ through the Flask test client, signed in as the club
   manager (periods cycling: months, quarters, the year; splits cycling) and as an
   account manager: p50 / p95 / max over --rounds requests each.

Nothing passes or fails on time; the results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
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

from postgres import PG_ADMIN_URL, postgres_admin  # noqa: E402

SEED = 18
FIRST_MONTH = date(2025, 11, 1)
MONTHS = 12
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # the day after boards_data's END
INVOICE_COLUMNS = (
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
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def _extras(loader, stamp, rng: random.Random, tiers: list[int], log) -> dict:
    """What the dashboard reads besides the ledger, written with the bulk loader."""
    from sqlalchemy import func, select

    from club.extensions import db
    from club.members.models import Company, User
    from club.members.services import hash_password

    session = db.session
    companies = list(session.scalars(select(Company.id).order_by(Company.id)))
    top_user = session.scalar(select(func.max(User.id)))
    password = hash_password("benchmark password")
    staff = [
        (
            top_user + 1 + n,
            f"am{n}@club.example",
            f"Account Manager {n}",
            password,
            "account_manager",
            None,
            "pl",
            True,
            True,
            1,
            stamp(0),
        )
        for n in range(20)
    ]
    staff.append(
        (
            top_user + 21,
            "manager@club.example",
            "Club Manager",
            password,
            "club_manager",
            None,
            "pl",
            True,
            True,
            1,
            stamp(0),
        )
    )
    import boards_data

    loader.write("user", boards_data.USER_COLUMNS, staff)
    loader.commit()
    managers = [row[0] for row in staff[:20]]
    updates = [
        (
            managers[company_id % 20],
            rng.choices(tiers, weights=(60, 30, 10)[: len(tiers)])[0],
            ("PL", "PL", "PL", "CZ", "DE")[company_id % 5],
            company_id % 10 == 0,
            company_id,
        )
        for company_id in companies
    ]
    loader.execute(
        "UPDATE company SET account_manager_id = %s, tier_id = %s, country = %s, is_pilot = %s "
        "WHERE id = %s",
        updates,
    )
    loader.commit()

    invoices, number = [], 0
    months = [_add_months(FIRST_MONTH, offset) for offset in range(MONTHS)]
    for company_id in companies:
        currency = "EUR" if company_id % 10 == 3 else "PLN"
        usual = min(rng.paretovariate(1.3), 40)
        for month in months:
            for _ in range(max(0, int(usual * rng.uniform(2, 8)))):
                number += 1
                issued = month + timedelta(days=rng.randrange(28))
                due = issued + timedelta(days=rng.choice((14, 30, 60)))
                late = rng.random() < 0.08
                paid = due + timedelta(days=rng.randrange(1, 40) if late else -rng.randrange(10))
                amount = round(rng.uniform(200, 20_000), 2)
                credit = rng.random() < 0.05
                invoices.append(
                    (
                        number,
                        f"FV/{number}",
                        company_id,
                        "credit_note" if credit else "invoice",
                        issued.isoformat(),
                        month.isoformat(),
                        (issued if credit else due).isoformat(),
                        f"{-amount / 10 if credit else amount:.2f}",
                        currency,
                        None if credit or paid > NOW.date() else paid.isoformat(),
                        stamp(0),
                        stamp(0),
                    )
                )
        if len(invoices) > 200_000:
            loader.write("invoice", INVOICE_COLUMNS, invoices)
            invoices.clear()
    loader.write("invoice", INVOICE_COLUMNS, invoices)
    loader.commit()
    log(f"  invoices: {number:,}")

    potentials = [
        (
            company_id,
            year,
            "EUR" if company_id % 10 == 3 else "PLN",
            f"{rng.uniform(50_000, 2_000_000):.2f}",
            managers[company_id % 20],
            stamp(0),
        )
        for company_id in companies
        if company_id % 5
        for year in (2025, 2026)
    ]
    loader.write(
        "company_potential",
        ("company_id", "year", "currency", "amount", "entered_by_id", "entered_at"),
        potentials,
    )
    people = session.execute(
        select(User.id, User.company_id).where(User.company_id.is_not(None))
    ).all()
    sign_ins = []
    for user_id, company_id in people:
        days = set()
        for month in months:
            for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
                days.add(month + timedelta(days=rng.randrange(28)))
        sign_ins += [(user_id, day.isoformat(), company_id, stamp(0)) for day in days]
        if len(sign_ins) > 200_000:
            loader.write(
                "insight_sign_in_day", ("user_id", "day", "company_id", "created_at"), sign_ins
            )
            sign_ins.clear()
    loader.write("insight_sign_in_day", ("user_id", "day", "company_id", "created_at"), sign_ins)
    start = boards_data.START
    answers = []
    for user_id, company_id in rng.sample(people, min(len(people), 3000)):
        month = rng.choice(months)
        answered = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
        answers.append(
            (
                user_id,
                company_id,
                "meeting",
                1,
                f"{month.year}-Q{(month.month - 1) // 3 + 1}",
                rng.choice((3, 6, 7, 8, 9, 9, 10, 10)),
                "Fine" if user_id % 7 == 0 else None,
                stamp(0),
                stamp(int((answered - start).total_seconds())),
                False,
            )
        )
    loader.write(
        "survey_answer",
        (
            "user_id",
            "company_id",
            "occasion_kind",
            "occasion_id",
            "quarter",
            "score",
            "comment",
            "asked_at",
            "answered_at",
            "is_dismissed",
        ),
        answers,
    )
    loader.commit()
    return {"managers": managers, "club_manager": staff[-1][0]}


def _club_without_ledger(people: int, log) -> dict:
    """The benchmark club's companies, people and wallets, with no ledger: for timing the
    dashboard at full size when building 5M entries would take too long (the points
    summaries are then written directly, as the refresh would have made them)."""
    import boards_data

    from club.extensions import db
    from club.members.services import hash_password

    rng = random.Random(SEED)
    loader = boards_data.Loader(db.engine)
    stamp = boards_data.Stamps(db.engine.dialect.name)
    companies = people // 10
    loader.write(
        "company",
        (*boards_data.COMPANY_COLUMNS, "is_shown_on_boards"),
        [
            (
                c,
                f"Firma {c}",
                f"{1_000_000_000 + c * 7919:010d}",
                "PL",
                "",
                "",
                "",
                "member",
                date(2023, 12, 1).isoformat() if c % 4 else date(2025, 3, 1).isoformat(),
                stamp(0),
                True,
            )
            for c in range(1, companies + 1)
        ],
    )
    password = hash_password("benchmark password")
    loader.write(
        "user",
        boards_data.USER_COLUMNS,
        [
            (
                u,
                f"person{u}@firma.example",
                f"Person {u}",
                password,
                "account_holder" if u % 10 == 1 else "partner_staff",
                (u - 1) // 10 + 1,
                "pl",
                True,
                u % 50 != 0,
                1,
                stamp(0),
            )
            for u in range(1, companies * 10 + 1)
        ],
    )
    loader.write(
        "wallet",
        boards_data.WALLET_COLUMNS,
        [
            (c, c, rng.randrange(20_000), rng.randrange(3_000), 0, 0, stamp(0), stamp(0))
            for c in range(1, companies + 1)
        ],
    )
    loader.commit()
    loader.close()
    log(f"  {companies:,} companies, {companies * 10:,} people, no ledger")
    return {"entries": 0}


def _points_without_ledger(companies: list[int]) -> None:
    """Points summaries as a ledger of ~50 entries a person would give (not timed)."""
    import boards_data

    from club.extensions import db

    rng = random.Random(SEED)
    loader = boards_data.Loader(db.engine)
    rows = []
    for company_id in companies:
        for offset in range(14):
            month = _add_months(date(2025, 10, 1), offset)
            earned = rng.randrange(200, 4000)
            rows.append(
                (
                    company_id,
                    month.isoformat(),
                    "",
                    earned,
                    earned // 10,
                    earned // 20,
                    earned // 30,
                    earned // 40,
                    earned // 3,
                )
            )
            if company_id % 7 == 0:
                rows.append((company_id, month.isoformat(), "Philips", 300, 300, 0, 0, 0, 0))
    loader.write(
        "insight_points_month",
        (
            "company_id",
            "month",
            "sponsor",
            "earned",
            "campaign",
            "bonus",
            "expired",
            "forfeited",
            "spent",
        ),
        rows,
    )
    loader.commit()
    loader.close()


def build(url: str, people: int, log, *, ledger: bool = True) -> dict:
    import boards_app
    import boards_data

    app = boards_app.make_app(url)
    from club.core.database import write_intent
    from club.extensions import db
    from club.insight.refresh import refresh
    from club.members.tiers import ensure_default_tiers

    result = {}
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        if ledger:
            built = boards_data.build(people, seed=7, log=log)
        else:
            built = _club_without_ledger(people, log)
        result["entries"] = built.get("entries")
        with write_intent():
            tiers = [tier.id for tier in ensure_default_tiers(db.session)]
            db.session.commit()
        loader = boards_data.Loader(db.engine)
        stamp = boards_data.Stamps(db.engine.dialect.name)
        result.update(_extras(loader, stamp, random.Random(SEED), tiers, log))
        loader.close()
        result["build_seconds"] = round(time.perf_counter() - started, 1)
        db.session.rollback()
        boards_data.analyze(db.engine)
        with write_intent():
            started = time.perf_counter()
            result["summary_rows"] = refresh(db.session, now=NOW)
            db.session.commit()
            result["refresh_seconds"] = round(time.perf_counter() - started, 1)
        if not ledger:
            from sqlalchemy import select

            from club.members.models import Company

            _points_without_ledger(list(db.session.scalars(select(Company.id))))
            # The per-segment summaries again, over the points just written.
            from club.core import periods
            from club.insight.refresh import NIGHTLY_MONTHS
            from club.insight.segments import refresh_segments

            today = periods.club_today(NOW)
            first = periods.add_months(periods.month_start(today), -(NIGHTLY_MONTHS - 1))
            db.session.rollback()  # the read above saw the database before the loader wrote
            with write_intent():
                refresh_segments(db.session, first, periods.next_month(today), today=today)
                db.session.commit()
        boards_data.analyze(db.engine)
        db.session.remove()
        db.engine.dispose()
    return result


def _reuse(url: str) -> dict:
    """The ids a kept database's measurement needs."""
    import boards_app
    from sqlalchemy import select

    from club.extensions import db
    from club.members.models import User

    app = boards_app.make_app(url)
    with app.app_context():
        managers = list(
            db.session.scalars(
                select(User.id).where(User.role == "account_manager").order_by(User.id)
            )
        )
        chief = db.session.scalar(select(User.id).where(User.role == "club_manager"))
        db.engine.dispose()
    return {"managers": managers, "club_manager": chief, "refresh_seconds": "-"}


def _signed_in(app, user_id: int):
    from club.core.database import write_intent
    from club.extensions import db
    from club.members.models import User
    from club.members.services import start_session

    with app.app_context(), write_intent():
        key = start_session(db.session, db.session.get(User, user_id))
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
    return client


def measure(url: str, ids: dict, rounds: int) -> dict:
    import boards_app

    app = boards_app.make_app(url, INSIGHT_POINT_VALUE=0.5)
    periods = ["2026-10", "2026-09", "2026-Q3", "2026-08", "2026-Q2", "2026"]
    splits = ["tier", "country", "manager", "pilot"]
    results = {}
    for who, user_id in (
        ("club manager", ids["club_manager"]),
        ("account manager", ids["managers"][0]),
    ):
        client = _signed_in(app, user_id)
        urls = [
            f"/insight/?period={periods[i % len(periods)]}&split={splits[i % len(splits)]}"
            for i in range(rounds)
        ]
        for url in urls[:3]:  # warm-up
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
        times = []
        for url in urls:
            started = time.perf_counter()
            answer = client.get(url)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, (url, answer.status_code)
        ms = [t * 1000 for t in times]
        results[who] = {
            "p50": round(statistics.median(ms)),
            "p95": round(percentile(ms, 0.95)),
            "max": round(max(ms)),
        }
    with app.app_context():
        from club.extensions import db

        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--no-ledger",
        action="store_true",
        help="Companies, people, invoices and summaries at full size but no ledger entries "
        "(the points summaries written directly): the dashboard's time without the build.",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="Keep the SQLite file here and reuse it when it exists (no build, no refresh).",
    )
    args = parser.parse_args()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    print(
        f"{date.today()}: {args.people:,} people, {args.people // 10:,} companies; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    with tempfile.TemporaryDirectory(prefix="club-bench-insight-") as folder:
        targets = []
        if args.only in (None, "sqlite"):
            where = args.keep or Path(folder) / "insight.db"
            targets.append(("SQLite", f"sqlite:///{where}", None))
        admin = postgres_admin() if args.only in (None, "postgresql") else None
        if admin is not None:
            name = f"club_bench_insight_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            targets.append(("PostgreSQL", f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", name))
        elif args.only != "sqlite":
            print("PostgreSQL: no server answers; skipped")
        rows = []
        try:
            for label, url, _name in targets:
                if label == "SQLite" and args.keep and args.keep.exists():
                    built = _reuse(url)
                else:
                    log(f"{label}: building")
                    built = build(url, args.people, log, ledger=not args.no_ledger)
                log(f"{label}: {built}")
                timed = measure(url, built, args.rounds)
                for who, numbers in timed.items():
                    rows.append((label, built, who, numbers))
        finally:
            for _label, _url, name in targets:
                if name is not None:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(
            "\n| database | entries | refresh-insight s | viewer | p50 ms | p95 ms | max ms |"
            "\n|---|---:|---:|---|---:|---:|---:|"
        )
        for label, built, who, numbers in rows:
            print(
                f"| {label} | {built.get('entries') or 0:,} | {built['refresh_seconds']} | {who} "
                f"| {numbers['p50']} | {numbers['p95']} | {numbers['max']} |"
            )


if __name__ == "__main__":
    main()
